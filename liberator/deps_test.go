package liberator_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeafPackage checks that package liberator, which every service and
// backend imports, imports only the standard library: implementing a
// Snapshotter must not pull in any SDK.
func TestLeafPackage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var extra []string
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/dataplatform/liberator-ingestion/liberator" {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		t.Errorf("package liberator depends on non-standard packages %v; it must stay a leaf", extra)
	}
}
