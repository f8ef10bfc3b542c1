//go:build linux

package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// riePackage is what `go install` installs when the emulator is missing.
const riePackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest"

// lambdas are the mains under examples/lambda.
var lambdas = []string{"dump-uploaded", "snapshot-ready", "export-check", "direct"}

var (
	setupOnce sync.Once
	setupErr  error // why the emulator tests cannot run (a skip)
	rieBin    string
	binDir    string // the built bootstraps, one per function
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// goTool returns the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// needEmulator skips t unless the emulator and the function binaries are
// ready: it finds aws-lambda-rie (installing it with go install if it is
// missing) and builds every Lambda once per test binary.
func needEmulator(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the Lambda binaries under aws-lambda-rie; run without -short")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the Lambda binaries are built for linux/amd64 and this host is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	setupOnce.Do(func() {
		rieBin, setupErr = findOrInstallRIE()
		if setupErr != nil {
			return
		}
		setupErr = buildLambdas()
	})
	if errors.Is(setupErr, errNoRIE) {
		t.Skipf("%v; to enable these tests: go install %s", setupErr, riePackage)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

var errNoRIE = errors.New("aws-lambda-rie is not installed")

// findOrInstallRIE looks for aws-lambda-rie on PATH and in the go
// command's bin directory, and runs go install (for at most 5 minutes)
// when it is in neither.
func findOrInstallRIE() (string, error) {
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	gobin := goEnv("GOBIN")
	if gobin == "" {
		gobin = filepath.Join(strings.SplitN(goEnv("GOPATH"), string(os.PathListSeparator), 2)[0], "bin")
	}
	p := filepath.Join(gobin, "aws-lambda-rie")
	if fileExists(p) {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "install", riePackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil || !fileExists(p) {
		return "", fmt.Errorf("%w and `go install %s` failed: %v: %s", errNoRIE, riePackage, err, bytes.TrimSpace(out))
	}
	return p, nil
}

func goEnv(name string) string {
	out, err := exec.Command(goTool(), "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// buildLambdas builds every function as the Makefile does, for linux/amd64.
func buildLambdas() error {
	dir, err := os.MkdirTemp("", "liberator-lambdas-")
	if err != nil {
		return err
	}
	binDir = dir
	root, err := filepath.Abs("../../..")
	if err != nil {
		return err
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dir + "/"}
	for _, l := range lambdas {
		args = append(args, "./examples/lambda/"+l)
	}
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build the Lambdas: %v\n%s", err, out)
	}
	return nil
}

// lockedBuffer collects the emulator's and the function's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

// function is one Lambda function served by its own emulator.
type function struct {
	name    string
	url     string
	timeout time.Duration
	out     *lockedBuffer
	seq     int
}

// startFunction runs the emulator for the function name with a function
// timeout of timeoutSeconds and env (and nothing else of the test's
// environment) on free loopback ports, and stops it when t ends.
func startFunction(t *testing.T, name string, timeoutSeconds int, env map[string]string) *function {
	t.Helper()
	apiAddr, invokeAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rieBin, "--log-level", "error",
		"--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", apiAddr,
		filepath.Join(binDir, name))
	cmd.Dir = t.TempDir()
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "TMPDIR=" + cmd.Dir,
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", timeoutSeconds), "AWS_LAMBDA_FUNCTION_NAME=" + name,
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that stopping it stops the function too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-lambda-rie: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.Bytes())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", invokeAddr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie did not listen on %s: %v\n%s", invokeAddr, err, out.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &function{
		name: name, url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		timeout: time.Duration(timeoutSeconds) * time.Second, out: out,
	}
}

var (
	portsMu sync.Mutex
	used    = map[string]bool{} // addresses handed out in this test binary
)

// freeAddr returns a free loopback address that no other emulator of this
// test binary has been given: the kernel may hand a port it just freed out
// again, and two emulators on one port fail.
func freeAddr(t *testing.T) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	var held []net.Listener
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ln)
		if a := ln.Addr().String(); !used[a] {
			used[a] = true
			return a
		}
	}
	t.Fatal("no free loopback port")
	return ""
}

// invoke posts payload to the function and returns the emulator's answer
// and how long it took. It returns once the emulator has reported the
// invocation's end and the function's output has been passed on.
func (f *function) invoke(t *testing.T, payload []byte) (string, time.Duration) {
	t.Helper()
	f.seq++
	id := fmt.Sprintf("%s-%d", f.name, f.seq)
	req, err := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", id)
	client := &http.Client{Timeout: f.timeout + 15*time.Second}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v", f.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("invoke %s: read the answer: %v", f.name, err)
	}
	f.settle(id)
	return string(b), took
}

// settle waits (a few seconds at most) until the emulator has printed the
// REPORT line of invocation id and the output has stopped growing: the
// function's log lines travel through a pipe the emulator copies.
func (f *function) settle(id string) {
	deadline := time.Now().Add(5 * time.Second)
	for !bytes.Contains(f.out.Bytes(), []byte("REPORT RequestId: "+id)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	n := -1
	for time.Now().Before(deadline) {
		if m := len(f.out.Bytes()); m != n {
			n = m
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return
	}
}
