package mysqlsnap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/snapshot"
)

// allowedScannerKinds are the scanner's classifications of statements the
// allowlist may send before promotion.
var allowedScannerKinds = map[snapshot.StatementKind]bool{
	snapshot.KindSet: true, snapshot.KindDropTable: true, snapshot.KindCreateTable: true,
	snapshot.KindInsert: true, snapshot.KindReplace: true, snapshot.KindLockTables: true,
	snapshot.KindUnlockTables: true, snapshot.KindAlterTableKeys: true,
	snapshot.KindStartTransaction: true, snapshot.KindCommit: true,
}

// FuzzAllowlist cross-checks the allowlist with the dump scanner's own
// classifier: whatever the allowlist sends must be a statement kind the
// scanner also sees as table or row data, and Check never panics.
func FuzzAllowlist(f *testing.F) {
	files, _ := filepath.Glob("testdata/hostile/*.sql")
	files = append(files, "testdata/alltypes.sql")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, stmt := range strings.Split(string(b), ";\n") {
			f.Add(stmt)
		}
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		d, err := NewAllowlist("tgt", AllowOptions{}).Check(stmt, 1)
		if err != nil || d.Action != Execute {
			return
		}
		kind, _, _ := snapshot.Classify([]byte(stmt))
		if !allowedScannerKinds[kind] {
			t.Errorf("allowlist sends %q (%s) but the scanner classifies it as %s", stmt, d.Kind, kind)
		}
	})
}
