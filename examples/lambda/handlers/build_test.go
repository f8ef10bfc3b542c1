package handlers_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLambdaBinariesCrossBuild builds every Lambda main (and the ECS tasks)
// as the Makefile does for provided.al2023: GOOS=linux, CGO_ENABLED=0,
// -tags lambda.norpc, for arm64 and amd64, and checks each is a static ELF
// for the right machine. Skipped with -short (it compiles the AWS SDK twice).
func TestLambdaBinariesCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the Lambda binaries; run without -short")
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	mains := []string{"./examples/lambda/dump-uploaded", "./examples/lambda/snapshot-ready", "./examples/lambda/export-check", "./examples/lambda/direct",
		"./examples/ecs-restore", "./examples/ecs-direct"}
	arches := []struct {
		goarch  string
		machine elf.Machine
	}{{"arm64", elf.EM_AARCH64}, {"amd64", elf.EM_X86_64}}
	for _, a := range arches {
		t.Run(a.goarch, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(gobin, append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", out + "/"}, mains...)...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+a.goarch, "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build for linux/%s: %v\n%s", a.goarch, err, b)
			}
			var got []string
			for _, m := range mains {
				name := filepath.Base(m)
				f, err := elf.Open(filepath.Join(out, name))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				interp := false
				for _, p := range f.Progs {
					if p.Type == elf.PT_INTERP {
						interp = true
					}
				}
				if f.Machine == a.machine && !interp {
					got = append(got, name)
				}
				f.Close()
			}
			want := []string{"dump-uploaded", "snapshot-ready", "export-check", "direct", "ecs-restore", "ecs-direct"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("static linux/%s ELF binaries (-want +got):\n%s", a.goarch, diff)
			}
		})
	}
}
