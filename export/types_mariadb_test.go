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

// TestExportMariaDBAndUnknownTypes checks MariaDB's UUID (canonical form
// from any of its spellings or its 16 bytes), INET4 and INET6 (text, or
// the address's bytes), and a type the mapping does not know: STRING with
// the literal's text and a warning, instead of failing the table.
func TestExportMariaDBAndUnknownTypes(t *testing.T) {
	tbl := &mysqldump.Table{Name: "M", Line: 3, Columns: []mysqldump.Column{
		{Name: "u", Type: "uuid", NotNull: true}, {Name: "i4", Type: "inet4"}, {Name: "i6", Type: "inet6"}, {Name: "v", Type: "vector"},
	}}
	raw := []byte{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x55, 0x44, 0x00, 0x00}
	s := rowsOf(tbl,
		[]mysqldump.Value{str("123e4567-e89b-12d3-a456-426655440000"), str("10.0.0.1"), str("2001:db8::1"), str("[1,2,3]")},
		[]mysqldump.Value{str("{123E4567E89B12D3A456426655440000}"), hexv(192, 168, 1, 2), hexv(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4), hexv(0x00, 0x80, 0x3f)},
		[]mysqldump.Value{hexv(raw...), null, null, num("7")},
	)
	e, bucket := newTestExporter(t, s, nil)
	info, err := e.StartExport(context.Background(), exportReq("m"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	want := [][]any{
		{"123e4567-e89b-12d3-a456-426655440000", "10.0.0.1", "2001:db8::1", "[1,2,3]"},
		{"123e4567-e89b-12d3-a456-426655440000", "192.168.1.2", "::ffff:1.2.3.4", "0x00803f"},
		{"123e4567-e89b-12d3-a456-426655440000", nil, nil, "7"},
	}
	if diff := cmp.Diff(want, exporttest.ReadRows(t, bucket, "m/liberator/liberator.M/")); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	rep := readTablesReport(t, bucket, "m")
	var types []string
	for _, c := range rep.PerTableStatus[0].Columns {
		types = append(types, c.ExportedType)
	}
	got := []any{types, rep.PerTableStatus[0].Warnings}
	if diff := cmp.Diff([]any{[]string{"BYTE_ARRAY STRING", "BYTE_ARRAY STRING", "BYTE_ARRAY STRING", "BYTE_ARRAY STRING"},
		[]string{`column v: type "vector" is not known: written as STRING (the literal's text)`}}, got); diff != "" {
		t.Errorf("types and warnings (-want +got):\n%s", diff)
	}
	// a bad UUID is an error naming the column and line
	bad := rowsOf(tbl, []mysqldump.Value{str("not-a-uuid"), null, null, null})
	e, _ = newTestExporter(t, bad, nil)
	info, _ = e.StartExport(context.Background(), exportReq("b"))
	if info.Status != liberator.ExportFailed || !containsAll(info.FailureCause, "line 10", "M.u", "not a UUID") {
		t.Errorf("bad UUID: %s %q", info.Status, info.FailureCause)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, w := range subs {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
