package export

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TestExportDroppedTable checks that a table the dump drops after writing
// rows to it leaves no part and no report entry, and that a table of the
// same name created again afterwards is exported with its own rows only.
func TestExportDroppedTable(t *testing.T) {
	cols := []mysqldump.Column{{Name: "a", Type: "int"}}
	first := &mysqldump.Table{Name: "t", Line: 3, Columns: cols}
	standIn := &mysqldump.Table{Name: "v", Line: 4, Columns: cols}
	second := &mysqldump.Table{Name: "t", Line: 20, Columns: []mysqldump.Column{{Name: "b", Type: "varchar", Length: 3}}}
	s := script{{table: standIn}}
	s = append(s, rowsOf(first, []mysqldump.Value{num("1")}, []mysqldump.Value{num("2")}, []mysqldump.Value{num("3")})...)
	s = append(s, event{table: first, drop: true}, event{table: standIn, drop: true},
		event{skip: &mysqldump.Skipped{Kind: mysqldump.SkippedView, Name: "v", Line: 30}})
	s = append(s, rowsOf(second, []mysqldump.Value{str("x")})...)
	// one row a batch and a part: the dropped table's parts are written
	// before the drop
	e, bucket := newTestExporter(t, s, func(o *Options, _ *scriptSource) { o.BatchRows = 1; o.Writer.PartSize = 1 })
	info, err := e.StartExport(context.Background(), exportReq("d"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("StartExport: %v %s %s", err, info.Status, info.FailureCause)
	}
	rep := readTablesReport(t, bucket, "d")
	var targets []string
	for _, tr := range rep.PerTableStatus {
		targets = append(targets, tr.Target)
	}
	got := []any{targets, info.RowCounts, rep.Skipped, exporttest.ReadRows(t, bucket, "d/liberator/liberator.t/")}
	want := []any{[]string{"liberator.t"}, map[string]int64{"liberator.t": 1},
		[]mysqldump.Skipped{{Kind: mysqldump.SkippedView, Name: "v", Line: 30}}, [][]any{{"x"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, k := range exporttest.ListKeys(t, bucket) {
		if strings.Contains(k, "liberator.v/") {
			t.Errorf("part of the dropped stand-in left: %s", k)
		}
	}
}

// TestExportErrorsNameNoLineZero checks that a table read from a database
// (no line) is named without "line 0".
func TestExportErrorsNameNoLineZero(t *testing.T) {
	bad := &mysqldump.Table{Name: "T", Columns: []mysqldump.Column{{Name: "d", Type: "decimal", Precision: 70, Scale: 2}}}
	e, _ := newTestExporter(t, script{{table: bad}}, nil)
	info, err := e.StartExport(context.Background(), exportReq("z"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != liberator.ExportFailed || !strings.Contains(info.FailureCause, "table liberator.T") || strings.Contains(info.FailureCause, "line 0") {
		t.Errorf("status %s, cause %q", info.Status, info.FailureCause)
	}
}
