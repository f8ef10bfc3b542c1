package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReadmeSnippet builds the README's "Using the library" program in a
// fresh module (requiring this one through a replace directive) and checks
// what it links: the embedded pipeline must not compile any AWS SDK
// package. It needs the go command and the module cache the repository's
// own build uses; it makes no network access (GOFLAGS=-mod=mod, GOPROXY=off).
func TestReadmeSnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Skipf("no go command at %s", goBin)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src := snippet(t, string(readme), "embedded")
	dir := t.TempDir()
	goMod := "module example.com/embeddeduser\n\ngo 1.26\n\n" +
		"require github.com/dataplatform/liberator-ingestion v0.0.0\n\n" +
		"replace github.com/dataplatform/liberator-ingestion => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"go.mod": goMod, "go.sum": string(sum), "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "-o", filepath.Join(dir, "app"), ".")
	deps := strings.Fields(run("list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "."))
	var aws []string
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/aws/") {
			aws = append(aws, p)
		}
	}
	if len(aws) > 0 {
		t.Errorf("the embedded pipeline links %d AWS packages, want none: %v", len(aws), aws)
	}
	fi, err := os.Stat(filepath.Join(dir, "app"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded pipeline program: %d non-standard packages, %.1f MB binary", len(deps), float64(fi.Size())/1e6)
}

// snippet returns the Go code block of the README that follows the marker
// "<!-- snippet: name -->".
func snippet(t *testing.T, readme, name string) string {
	t.Helper()
	marker := "<!-- snippet: " + name + " -->"
	_, rest, ok := strings.Cut(readme, marker)
	if !ok {
		t.Fatalf("README has no %q", marker)
	}
	_, rest, ok = strings.Cut(rest, "```go\n")
	if !ok {
		t.Fatalf("no go code block after %q", marker)
	}
	code, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("unterminated code block after %q", marker)
	}
	return code
}
