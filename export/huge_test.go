package export

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TestExportHugeRow checks that a row too large to copy into a batch (it
// is written from the source's buffers while Row waits) lands intact
// between ordinary rows, though the source overwrites its buffers as soon
// as Row returns.
func TestExportHugeRow(t *testing.T) {
	tbl := &mysqldump.Table{Name: "H", Columns: []mysqldump.Column{{Name: "id", Type: "int"}, {Name: "body", Type: "longtext"}, {Name: "bin", Type: "longblob"}}}
	text := strings.Repeat("héllo wörld\n", 500_000) // 7 MB
	bin := bytes.Repeat([]byte{0, 0xff, 'x'}, 1_500_000)
	s := rowsOf(tbl,
		[]mysqldump.Value{num("1"), str("a"), hexv(1)},
		[]mysqldump.Value{num("2"), str(text), {Kind: mysqldump.String, Bytes: bin}},
		[]mysqldump.Value{num("3"), str(text[:70_000]), hexv(bin[:70_000]...)},
		[]mysqldump.Value{num("4"), null, null},
	)
	e, bucket := newTestExporter(t, s, func(o *Options, _ *scriptSource) { o.BatchRows = 2 })
	info, err := e.StartExport(context.Background(), exportReq("h"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	want := [][]any{{int32(1), "a", "\x01"}, {int32(2), text, string(bin)}, {int32(3), text[:70_000], string(bin[:70_000])}, {int32(4), nil, nil}}
	got := exporttest.ReadRows(t, bucket, "h/liberator/liberator.H/")
	if !cmp.Equal(want, got) {
		t.Errorf("rows differ (%d rows)", len(got))
	}
	// a huge row with invalid text fails naming it, and leaves nothing
	bad := rowsOf(tbl, []mysqldump.Value{num("1"), str("\xff" + text), null})
	e, bucket = newTestExporter(t, bad, nil)
	info, _ = e.StartExport(context.Background(), exportReq("b"))
	if info.Status != liberator.ExportFailed || !strings.Contains(info.FailureCause, "H.body") || !strings.Contains(info.FailureCause, "line 10") {
		t.Errorf("%s %q", info.Status, info.FailureCause)
	}
	if keys := exporttest.ListKeys(t, bucket); len(keys) != 1 {
		t.Errorf("keys left: %q", keys)
	}
}
