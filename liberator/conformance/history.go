package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// The Lander checks of what a run's comparison needs: the manifest records
// LandRequest.Schema and Changes, and a Lander that implements
// liberator.History finds the last published import.

// historyColumns is the schema the history checks land for each table.
func historyColumns(extra string) []liberator.ColumnExport {
	cols := []liberator.ColumnExport{
		{Name: "id", MySQLType: "int(11)", ParquetType: "INT32", Nullable: false},
		{Name: "vrm", MySQLType: "varchar(10)", ParquetType: "BYTE_ARRAY STRING", Nullable: true},
	}
	if extra != "" {
		cols = append(cols, liberator.ColumnExport{Name: extra, MySQLType: "text", ParquetType: "BYTE_ARRAY STRING", Nullable: true})
	}
	return cols
}

// landTables writes an export id of the tables of db (one file each) and
// lands it on d with a schema and a row count per table.
func landTables(ctx context.Context, t *testing.T, l liberator.Lander, export *blob.Bucket, id, db string, d liberator.Date, rows int64, tables ...string) liberator.Manifest {
	t.Helper()
	files := map[string]string{}
	req := liberator.LandRequest{ExportID: id, ExportPrefix: id + "/", ImportDate: d}
	for i, tb := range tables {
		files[fmt.Sprintf("%s/%s/%s.%s/1/part-00000-%s-c000.gz.parquet", id, db, db, tb, id)] = fmt.Sprintf("%s %s %s", id, db, tb)
		req.Schema = append(req.Schema, liberator.TableExport{Table: db + "." + tb, Rows: rows + int64(i), Columns: historyColumns(id)})
	}
	writeAll(ctx, t, export, files)
	m, err := l.Land(ctx, req)
	if err != nil {
		t.Fatalf("Land %s on %s: %v", id, d, err)
	}
	return m
}

// testRecordsSchemaAndChanges lands with a schema and changes: every
// partition's manifest records the table's columns, its rows (from the
// schema when RowCounts has none, else RowCounts), its bytes and the
// changes.
func testRecordsSchemaAndChanges(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	writeAll(ctx, t, export, exportFiles("exp-1/", "x"))
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	changes := &liberator.Changes{Since: liberator.Date{Year: 2026, Month: 11, Day: 23}, SinceExportID: "exp-0", Tables: []liberator.TableChange{
		{Table: "liberator.PCN_IC", Status: liberator.TableKept, OldRows: 50, NewRows: 42, RowDelta: -8,
			Columns: []liberator.ColumnChange{{Kind: liberator.ColumnAdded, Position: 3, New: historyColumns("x")[2]}}},
		{Table: "liberator.gone", Status: liberator.TableRemoved, OldRows: 3, NewRows: -1},
	}}
	req := liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate,
		RowCounts: map[string]int64{"liberator.vrm_hist": 7},
		Schema: []liberator.TableExport{
			{Table: "liberator.PCN_IC", Rows: 42, Columns: historyColumns("x")},
			{Table: "liberator.vrm_hist", Rows: 99, Columns: historyColumns("")},
		},
		Changes: changes,
	}
	got, err := l.Land(ctx, req)
	if err != nil {
		t.Fatalf("Land: %v", err)
	}
	want := expectedManifest("exp-1", "exp-1/", listAll(ctx, t, export, "exp-1/"), map[string]int64{"liberator.PCN_IC": 42, "liberator.vrm_hist": 7})
	want.Tables[0].Columns, want.Tables[1].Columns = historyColumns("x"), historyColumns("")
	want.Changes = changes
	if diff := cmp.Diff(want, got, ignoreVersion); diff != "" {
		t.Errorf("Land manifest (-want +got):\n%s", diff)
	}
	for _, tm := range want.Tables {
		stored, err := partition.ReadManifest(ctx, landing, landerPrefix, tm.Database, tm.Table, landerDate)
		if err != nil {
			t.Fatalf("read manifest of %s: %v", tm.Table, err)
		}
		wantFile := liberator.Manifest{ExportID: "exp-1", ImportDate: landerDate, Tables: []liberator.TableManifest{tm}, Changes: changes}
		if diff := cmp.Diff(wantFile, stored, ignoreVersion); diff != "" {
			t.Errorf("stored manifest of %s (-want +got):\n%s", tm.Table, diff)
		}
	}
}

// testLastPublished lands imports over a year's end, one of them left
// unpublished, and another database, and asks for the last published
// import before several dates.
func testLastPublished(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	hist, ok := l.(liberator.History)
	if !ok {
		t.Skipf("%T does not implement liberator.History", l)
	}
	date := func(y, m, d int) liberator.Date { return liberator.Date{Year: y, Month: time.Month(m), Day: d} }
	d1, d2, d3, d4 := date(2025, 12, 30), date(2026, 1, 2), date(2026, 1, 4), date(2026, 1, 5)
	m1 := landTables(ctx, t, l, export, "exp-a", "liberator", d1, 10, "OLD", "PCN_IC", "vrm_hist")
	m2 := landTables(ctx, t, l, export, "exp-b", "liberator", d2, 20, "PCN_IC", "vrm_hist")
	m3 := landTables(ctx, t, l, export, "exp-c", "otherdb", d3, 30, "T")
	// The import of d4 fails to publish: its marker is gone.
	m4 := landTables(ctx, t, l, export, "exp-d", "liberator", d4, 40, "PCN_IC")
	for _, in := range partition.Layouts {
		if err := landing.Delete(ctx, in.MarkerKey(m4.Tables[0].Prefix)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			t.Fatal(err)
		}
	}
	// A folder that is no partition is passed over.
	writeAll(ctx, t, landing, map[string]string{landerPrefix + "/liberator/liberator.PCN_IC/notes/readme.txt": "x"})
	merged := func(m liberator.Manifest) liberator.Manifest {
		return liberator.Manifest{Version: partition.ManifestVersion, ExportID: m.ExportID, ImportDate: m.ImportDate, Tables: m.Tables}
	}
	tests := []struct {
		db     string
		before liberator.Date
		want   liberator.Manifest
		found  bool
	}{
		{"liberator", date(2026, 11, 24), merged(m2), true},
		{"liberator", d4, merged(m2), true},
		{"liberator", d2, merged(m1), true},
		{"liberator", date(2025, 12, 31), merged(m1), true},
		{"liberator", d1, liberator.Manifest{}, false},
		{"otherdb", date(2026, 11, 24), merged(m3), true},
		{"otherdb", d3, liberator.Manifest{}, false},
		{"nodb", date(2026, 11, 24), liberator.Manifest{}, false},
	}
	for _, tc := range tests {
		got, found, err := hist.LastPublished(ctx, tc.db, tc.before)
		if err != nil {
			t.Errorf("LastPublished(%s, %s): %v", tc.db, tc.before, err)
			continue
		}
		if found != tc.found {
			t.Errorf("LastPublished(%s, %s): found %v, want %v", tc.db, tc.before, found, tc.found)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("LastPublished(%s, %s) (-want +got):\n%s", tc.db, tc.before, diff)
		}
	}
	for _, db := range []string{"", "a/b", ".."} {
		if _, _, err := hist.LastPublished(ctx, db, d2); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("LastPublished(%q): %v, want ErrInvalid", db, err)
		}
	}
}
