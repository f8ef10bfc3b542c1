package liberator_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// col makes a column: mysql type, Parquet type, nullable.
func col(name, mysql, pq string, nullable bool) liberator.ColumnExport {
	return liberator.ColumnExport{Name: name, MySQLType: mysql, ParquetType: pq, Nullable: nullable}
}

var (
	cID     = col("id", "int(11)", "INT32", false)
	cVRM    = col("vrm", "varchar(10)", "BYTE_ARRAY STRING", true)
	cAmount = col("amount", "decimal(8,2)", "INT32 DECIMAL(8,2)", true)
	cIssued = col("issued", "datetime", "INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", true)
)

func prevManifest(tables ...liberator.TableManifest) *liberator.Manifest {
	return &liberator.Manifest{Version: 1, ExportID: "exp-23", ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 23}, Tables: tables}
}

func tm(table string, rows int64, cols ...liberator.ColumnExport) liberator.TableManifest {
	return liberator.TableManifest{Database: "liberator", Table: table, Rows: rows, Columns: cols}
}

func te(table string, rows int64, cols ...liberator.ColumnExport) liberator.TableExport {
	return liberator.TableExport{Table: "liberator." + table, Rows: rows, Columns: cols}
}

func pct(f float64) *float64 { return &f }

func kept(table string, oldRows, newRows int64, cols ...liberator.ColumnChange) liberator.TableChange {
	tc := liberator.TableChange{Table: "liberator." + table, Status: liberator.TableKept, OldRows: oldRows, NewRows: newRows,
		RowDelta: newRows - oldRows, Columns: cols, OldColumns: 4, NewColumns: 4}
	if oldRows > 0 {
		tc.RowPercent = pct(100 * float64(newRows-oldRows) / float64(oldRows))
		tc.Emptied = newRows == 0
	}
	return tc
}

func TestCompare(t *testing.T) {
	base := []liberator.ColumnExport{cID, cVRM, cAmount, cIssued}
	since := liberator.Date{Year: 2026, Month: 11, Day: 23}
	tests := []struct {
		name  string
		prev  *liberator.Manifest
		cur   []liberator.TableExport
		want  []liberator.TableChange
		first bool
	}{
		{
			name:  "first import: every table added",
			cur:   []liberator.TableExport{te("PCN", 10, base...), te("A", 0, cID)},
			first: true,
			want: []liberator.TableChange{
				{Table: "liberator.A", Status: liberator.TableAdded, OldRows: -1, NewRows: 0, NewColumns: 1},
				{Table: "liberator.PCN", Status: liberator.TableAdded, OldRows: -1, NewRows: 10, NewColumns: 4},
			},
		},
		{
			name: "nothing changed",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, base...)},
			want: []liberator.TableChange{kept("PCN", 10, 10)},
		},
		{
			name: "table added and table removed",
			prev: prevManifest(tm("PCN", 10, base...), tm("OLD", 7, cID)),
			cur:  []liberator.TableExport{te("PCN", 10, base...), te("NEW", 3, cID, cVRM)},
			want: []liberator.TableChange{
				{Table: "liberator.NEW", Status: liberator.TableAdded, OldRows: -1, NewRows: 3, NewColumns: 2},
				{Table: "liberator.OLD", Status: liberator.TableRemoved, OldRows: 7, NewRows: -1, OldColumns: 1},
				kept("PCN", 10, 10),
			},
		},
		{
			name: "column removed",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cVRM, cIssued)},
			want: []liberator.TableChange{func() liberator.TableChange {
				tc := kept("PCN", 10, 10, liberator.ColumnChange{Kind: liberator.ColumnRemoved, Position: 3, Old: cAmount})
				tc.NewColumns = 3
				return tc
			}()},
		},
		{
			name: "column added at the end and in the middle",
			prev: prevManifest(tm("PCN", 10, cID, cVRM)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cAmount, cVRM, cIssued)},
			want: []liberator.TableChange{func() liberator.TableChange {
				tc := kept("PCN", 10, 10,
					liberator.ColumnChange{Kind: liberator.ColumnAdded, Position: 2, New: cAmount},
					liberator.ColumnChange{Kind: liberator.ColumnAdded, Position: 4, New: cIssued})
				tc.OldColumns = 2
				return tc
			}()},
		},
		{
			name: "renamed-looking: same position and types, new name",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cVRM, cAmount, col("issued_at", "DATETIME", cIssued.ParquetType, true))},
			want: []liberator.TableChange{kept("PCN", 10, 10, liberator.ColumnChange{Kind: liberator.ColumnRenamed, Position: 4, Old: cIssued,
				New: col("issued_at", "DATETIME", cIssued.ParquetType, true)})},
		},
		{
			name: "renamed after a removed column: same place between surviving neighbours",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cAmount, col("issued_at", "datetime", cIssued.ParquetType, true))},
			want: []liberator.TableChange{func() liberator.TableChange {
				tc := kept("PCN", 10, 10,
					liberator.ColumnChange{Kind: liberator.ColumnRemoved, Position: 2, Old: cVRM},
					liberator.ColumnChange{Kind: liberator.ColumnRenamed, Position: 3, Old: cIssued, New: col("issued_at", "datetime", cIssued.ParquetType, true)})
				tc.NewColumns = 3
				return tc
			}()},
		},
		{
			name: "two columns renamed side by side, one also made NOT NULL",
			prev: prevManifest(tm("PCN", 10, cID, cVRM, cAmount)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, col("plate", "varchar(10)", "BYTE_ARRAY STRING", false), col("fine", "decimal(8,2)", "INT32 DECIMAL(8,2)", true))},
			want: []liberator.TableChange{func() liberator.TableChange {
				tc := kept("PCN", 10, 10,
					liberator.ColumnChange{Kind: liberator.ColumnRenamed, Position: 2, Old: cVRM, New: col("plate", "varchar(10)", "BYTE_ARRAY STRING", false)},
					liberator.ColumnChange{Kind: liberator.ColumnNullability, Position: 2, Old: cVRM, New: col("plate", "varchar(10)", "BYTE_ARRAY STRING", false)},
					liberator.ColumnChange{Kind: liberator.ColumnRenamed, Position: 3, Old: cAmount, New: col("fine", "decimal(8,2)", "INT32 DECIMAL(8,2)", true)})
				tc.OldColumns, tc.NewColumns = 3, 3
				return tc
			}()},
		},
		{
			name: "new name at the same position with another type is removed + added",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cVRM, cAmount, col("issued_on", "date", "INT32 DATE", true))},
			want: []liberator.TableChange{kept("PCN", 10, 10,
				liberator.ColumnChange{Kind: liberator.ColumnRemoved, Position: 4, Old: cIssued},
				liberator.ColumnChange{Kind: liberator.ColumnAdded, Position: 4, New: col("issued_on", "date", "INT32 DATE", true)})},
		},
		{
			name: "retyped: MySQL and Parquet types",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, cVRM, col("amount", "varchar(12)", "BYTE_ARRAY STRING", true), cIssued)},
			want: []liberator.TableChange{kept("PCN", 10, 10, liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 3, Old: cAmount,
				New: col("amount", "varchar(12)", "BYTE_ARRAY STRING", true)})},
		},
		{
			name: "retyped: MySQL type only (VARCHAR widened)",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, cID, col("vrm", "varchar(20)", "BYTE_ARRAY STRING", true), cAmount, cIssued)},
			want: []liberator.TableChange{kept("PCN", 10, 10, liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 2, Old: cVRM,
				New: col("vrm", "varchar(20)", "BYTE_ARRAY STRING", true)})},
		},
		{
			name: "integer display width and case are not a retype",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, col("id", "INT", "INT32", false), col("vrm", "VARCHAR(10)", "BYTE_ARRAY STRING", true), cAmount, cIssued)},
			want: []liberator.TableChange{kept("PCN", 10, 10)},
		},
		{
			name: "unknown MySQL types (RDS) compare Parquet types only",
			prev: prevManifest(tm("PCN", 10, col("id", "", "INT32", true), col("vrm", "", "BYTE_ARRAY STRING", true))),
			cur:  []liberator.TableExport{te("PCN", 10, col("id", "", "INT64", true), col("vrm", "varchar(99)", "BYTE_ARRAY STRING", true))},
			want: []liberator.TableChange{func() liberator.TableChange {
				tc := kept("PCN", 10, 10, liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 1,
					Old: col("id", "", "INT32", true), New: col("id", "", "INT64", true)})
				tc.OldColumns, tc.NewColumns = 2, 2
				return tc
			}()},
		},
		{
			name: "nullability changed both ways",
			prev: prevManifest(tm("PCN", 10, base...)),
			cur:  []liberator.TableExport{te("PCN", 10, col("id", "int(11)", "INT32", true), col("vrm", "varchar(10)", "BYTE_ARRAY STRING", false), cAmount, cIssued)},
			want: []liberator.TableChange{kept("PCN", 10, 10,
				liberator.ColumnChange{Kind: liberator.ColumnNullability, Position: 1, Old: cID, New: col("id", "int(11)", "INT32", true)},
				liberator.ColumnChange{Kind: liberator.ColumnNullability, Position: 2, Old: cVRM, New: col("vrm", "varchar(10)", "BYTE_ARRAY STRING", false)})},
		},
		{
			name: "rows dropped by 90%, grew, emptied",
			prev: prevManifest(tm("A", 600, base...), tm("B", 100, base...), tm("C", 5, base...)),
			cur:  []liberator.TableExport{te("A", 60, base...), te("B", 150, base...), te("C", 0, base...)},
			want: []liberator.TableChange{kept("A", 600, 60), kept("B", 100, 150), kept("C", 5, 0)},
		},
		{
			name: "rows unknown or from zero: no percentage",
			prev: prevManifest(tm("A", -1, base...), tm("B", 0, base...)),
			cur:  []liberator.TableExport{te("A", 60, base...), te("B", 10, base...)},
			want: []liberator.TableChange{
				{Table: "liberator.A", Status: liberator.TableKept, OldRows: -1, NewRows: 60, OldColumns: 4, NewColumns: 4},
				{Table: "liberator.B", Status: liberator.TableKept, OldRows: 0, NewRows: 10, RowDelta: 10, OldColumns: 4, NewColumns: 4},
			},
		},
		{
			name: "schema not recorded by the last import: columns not compared",
			prev: prevManifest(tm("PCN", 10)),
			cur:  []liberator.TableExport{te("PCN", 10, base...)},
			want: []liberator.TableChange{{Table: "liberator.PCN", Status: liberator.TableKept, OldRows: 10, NewRows: 10,
				RowPercent: pct(0), SchemaUnknown: true, NewColumns: 4}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := liberator.Compare(tc.prev, tc.cur)
			want := liberator.Changes{First: tc.first, Tables: tc.want}
			if tc.prev != nil {
				want.Since, want.SinceExportID = since, "exp-23"
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

func TestColumnChangeString(t *testing.T) {
	tests := []struct {
		c    liberator.ColumnChange
		want string
	}{
		{liberator.ColumnChange{Kind: liberator.ColumnAdded, Position: 5, New: cVRM}, "column vrm added (varchar(10), BYTE_ARRAY STRING) at position 5"},
		{liberator.ColumnChange{Kind: liberator.ColumnRemoved, Position: 1, Old: cID}, "column id removed (was int(11), INT32, NOT NULL)"},
		{liberator.ColumnChange{Kind: liberator.ColumnRenamed, Position: 4, Old: cIssued, New: col("issued_at", "datetime", cIssued.ParquetType, true)},
			"column issued renamed to issued_at? (same position 4 and type datetime, INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))"},
		{liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 3, Old: cAmount, New: col("amount", "varchar(12)", "BYTE_ARRAY STRING", true)},
			"column amount retyped decimal(8,2) → varchar(12) (Parquet INT32 DECIMAL(8,2) → BYTE_ARRAY STRING)"},
		{liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 2, Old: cVRM, New: col("vrm", "varchar(20)", "BYTE_ARRAY STRING", true)},
			"column vrm retyped varchar(10) → varchar(20) (Parquet BYTE_ARRAY STRING unchanged)"},
		{liberator.ColumnChange{Kind: liberator.ColumnRetyped, Position: 1, Old: col("id", "", "INT32", true), New: col("id", "", "INT64", true)},
			"column id retyped (Parquet INT32 → INT64)"},
		{liberator.ColumnChange{Kind: liberator.ColumnNullability, Position: 1, Old: cID, New: col("id", "int(11)", "INT32", true)},
			"column id became nullable (was NOT NULL)"},
	}
	for _, tc := range tests {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.c.Kind, got, tc.want)
		}
	}
}
