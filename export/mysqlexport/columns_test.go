package mysqlexport

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TestColumnMatchesCreateTable checks that Column reads a COLUMN_TYPE as
// the dump scanner reads the same type in a CREATE TABLE (as MariaDB and
// MySQL write COLUMN_TYPE: ENUM/SET elements with backslash escapes).
func TestColumnMatchesCreateTable(t *testing.T) {
	tests := []string{
		"int(11)",
		"int(10) unsigned zerofill",
		"bigint(20) unsigned",
		"decimal(12,3)",
		"double",
		"varchar(20)",
		"enum('a','b c')",
		`enum('a\\b','c''d','e\nf','g"h','x\tz')`,
		`set('r','w','x\0y')`,
	}
	for _, ct := range tests {
		t.Run(ct, func(t *testing.T) {
			got, err := Column(ColumnInfo{Name: "c", ColumnType: ct, Nullable: true})
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := mysqldump.ParseCreateTable([]byte("CREATE TABLE `t` (`c` " + ct + ")"))
			if err != nil {
				t.Fatal(err)
			}
			want := tbl.Columns[0]
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(mysqldump.Column{}, "Definition"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Column(%q) differs from the CREATE TABLE parse (-want +got):\n%s", ct, diff)
			}
		})
	}
}
