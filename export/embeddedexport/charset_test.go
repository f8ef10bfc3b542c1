package embeddedexport

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestEndToEndLatin1Dump exports a dump mariadb-dump made with
// --default-character-set=latin1 (SET NAMES latin1, the rows in latin1):
// the STRING columns hold UTF-8, as a server restoring it holds.
func TestEndToEndLatin1Dump(t *testing.T) {
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s",
		Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: "../../snapshot/mysqldump/testdata/mariadb1011_latin1.sql"}}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	want := [][]any{{int32(1), "café Müller", "Zürich", "café"}, {int32(2), "Ærø €5", "São Paulo", "thé"}}
	if diff := cmp.Diff(want, exporttest.ReadRows(t, bucket, "x/liberator/liberator.people/")); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestEndToEndMariaDBTypes exports a dump mariadb-dump 10.11 made of a
// table with UUID, INET4 and INET6 columns (testdata): STRING columns, the
// values as the server prints them, no warning.
func TestEndToEndMariaDBTypes(t *testing.T) {
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s",
		Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: "../../snapshot/mysqldump/testdata/mariadb1011_uuid_inet.sql"}}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	want := [][]any{
		{int32(1), "123e4567-e89b-12d3-a456-426655440000", "10.0.0.1", "2001:db8::1"},
		{int32(2), "45e95200-f1f6-11f1-a91a-02fc00000001", nil, "::ffff:1.2.3.4"},
	}
	if diff := cmp.Diff(want, exporttest.ReadRows(t, bucket, "x/liberator/liberator.devices/")); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if w := readTablesReport(t, bucket, "x").PerTableStatus[0].Warnings; len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
}
