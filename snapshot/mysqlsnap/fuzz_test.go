package mysqlsnap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// allowedScannerKinds are the scanner's classifications of statements the
// allowlist may send before promotion.
var allowedScannerKinds = map[mysqldump.StatementKind]bool{
	mysqldump.KindSet: true, mysqldump.KindDropTable: true, mysqldump.KindCreateTable: true,
	mysqldump.KindInsert: true, mysqldump.KindReplace: true, mysqldump.KindLockTables: true,
	mysqldump.KindUnlockTables: true, mysqldump.KindAlterTableKeys: true, mysqldump.KindAlterTable: true,
	mysqldump.KindStartTransaction: true, mysqldump.KindCommit: true,
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
		kind, _, _ := mysqldump.Classify([]byte(stmt))
		if !allowedScannerKinds[kind] {
			t.Errorf("allowlist sends %q (%s) but the scanner classifies it as %s", stmt, d.Kind, kind)
		}
	})
}
