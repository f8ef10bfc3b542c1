package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// awsTestEnv points the AWS SDK at test credentials, and never at the
// instance metadata service.
func awsTestEnv(t *testing.T, extra map[string]string) {
	t.Helper()
	env := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST", "AWS_CONFIG_FILE": os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "",
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// TestRunUnreachableEndpoint: a run whose landing zone is on an S3
// endpoint that refuses connections fails before the dump is converted,
// after a few tries each logged at warn level on stderr without
// --verbose, with one line naming the zone's URL, the endpoint and what
// to check (use_path_style=true). The waits are on the run's clock
// (virtual here: 1 s, 2 s, 4 s); the SDK's own retries are off
// (AWS_MAX_ATTEMPTS=1) so the test does not wait on them either.
func TestRunUnreachableEndpoint(t *testing.T) {
	awsTestEnv(t, map[string]string{"AWS_MAX_ATTEMPTS": "1"})
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	defer func(c liberator.Clock) { runClock = c }(runClock)
	runClock = clk
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 3, Rows: 5}); err != nil {
		t.Fatal(err)
	}
	lake := t.TempDir()
	const landing = "s3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1"
	for _, quiet := range []bool{false, true} {
		args := []string{"run", "--dump", dump, "--lake", lake, "--landing", landing}
		if quiet {
			args = append(args, "--quiet")
		}
		start := clk.Now()
		code, _, errOut := cli(t, args...)
		if code != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		last := lines[len(lines)-1]
		for _, want := range []string{"liberator: run: landing zone " + landing, "gave up after 4 tries", "endpoint 127.0.0.1:1 refuses connections", "use_path_style=true"} {
			if !strings.Contains(last, want) {
				t.Errorf("last line %q does not say %q", last, want)
			}
		}
		if n := strings.Count(errOut, `level=WARN msg="bucket endpoint not reachable; retrying"`); n != 3 {
			t.Errorf("%d retries logged at warn level, want 3:\n%s", n, errOut)
		}
		if strings.Contains(errOut, "converting") || strings.Contains(errOut, "rows/s") {
			t.Errorf("the dump was converted before the endpoint was checked:\n%s", errOut)
		}
		if waited := clk.Now().Sub(start); waited != 7*time.Second {
			t.Errorf("waited %s between tries, want 7s", waited)
		}
	}
	if files := tree(t, lake); len(files) != 0 {
		t.Errorf("the failed run wrote %v", files)
	}
}

// TestRunS3NoSDKNoise: a run on an S3-compatible server (the in-process
// gofakes3, which returns no response checksums) with the SDK's default
// response checksum validation prints no SDK log lines, by default or with --quiet:
// neither its "Response has no supported checksum" notes nor anything the
// SDK writes to the process's stderr itself.
func TestRunS3NoSDKNoise(t *testing.T) {
	// gofakes3 takes no aws-chunked uploads: requests carry checksums only
	// when required; responses are validated when they can be (the
	// SDK's default), which is what makes the SDK note their absence.
	awsTestEnv(t, map[string]string{"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required"})
	defer func(c liberator.Clock) { runClock = c }(runClock)
	runClock = liberator.NewVirtualClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	s3 := awstest.NewS3(liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)))
	defer s3.Close()
	for _, name := range []string{"lake-export", "lake-landing", "lake-raw"} {
		b, err := s3.Bucket(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
	}
	u, _ := url.Parse(s3.URL())
	opts := "?region=eu-west-2&endpoint=" + url.QueryEscape("http://"+u.Host) + "&use_path_style=true&disable_https=true"
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 4, Rows: 20}); err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []bool{false, true} {
		args := []string{"run", "--dump", dump, "--export", "s3://lake-export" + opts, "--landing", "s3://lake-landing" + opts, "--raw", "s3://lake-raw" + opts}
		if quiet {
			args = append(args, "--quiet")
		}
		var code int
		var errOut string
		processErr := captureStderr(t, func() { code, _, errOut = cli(t, args...) })
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, out := range []string{errOut, processErr} {
			for _, noise := range []string{"no supported checksum", "SDK ", "DEBUG", "level=WARN"} {
				if strings.Contains(out, noise) {
					t.Errorf("quiet=%v: stderr carries %q:\n%s", quiet, noise, out)
				}
			}
		}
	}
}

// captureStderr runs fn with the process's stderr going to a pipe, and
// returns what was written there (the SDK's default logger writes to it).
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.String()
	}()
	defer func() { os.Stderr = saved }()
	fn()
	os.Stderr = saved
	w.Close()
	return <-done
}
