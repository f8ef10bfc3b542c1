package embeddedexport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestS3 runs the embedded exporter against an S3 API (gofakes3 through
// s3blob): a complete export, then one whose second table's part upload
// fails, which must leave no Parquet behind.
func TestS3(t *testing.T) {
	ctx := context.Background()
	fake := awstest.NewS3(liberator.NewVirtualClock(testStart))
	defer fake.Close()
	bucket, err := fake.Bucket(ctx, "dev-liberator-export")
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	path := filepath.Join(t.TempDir(), "d.sql")
	if err := os.WriteFile(path, []byte(e2eDump), 0o644); err != nil {
		t.Fatal(err)
	}
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart), NewUUID: func() string { return "u" }}})
	req := func(id string) liberator.ExportRequest {
		return liberator.ExportRequest{ID: id, Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}}
	}
	info, err := e.StartExport(ctx, req("ok"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("StartExport = %+v, %v", info, err)
	}
	if got := exporttest.ReadRows(t, bucket, "ok/liberator/liberator.PCN_IC/"); len(got) != 2 {
		t.Errorf("read %d rows back from S3, want 2", len(got))
	}
	if diff := cmp.Diff([]string{"ok/export_info_ok.json", "ok/export_tables_info_ok_from_1_to_2.json",
		"ok/liberator/liberator.PCN_IC/1/part-00000-u-c000.gz.parquet", "ok/liberator/liberator.empty_t/1/part-00000-u-c000.gz.parquet"},
		exporttest.ListKeys(t, bucket)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}

	// A write S3 keeps failing (500 after the SDK's retries) is transient:
	// the export records nothing, leaves nothing, and can start again.
	fake.FailKey("bad/liberator/liberator.empty_t/1/part-00000-u-c000.gz.parquet")
	info, err = e.StartExport(ctx, req("bad"))
	if !errors.Is(err, liberator.ErrTransient) || !strings.Contains(err.Error(), "liberator.empty_t") {
		t.Fatalf("StartExport with a failing write = %+v, %v; want a transient error naming liberator.empty_t", info, err)
	}
	for _, k := range exporttest.ListKeys(t, bucket) {
		if strings.HasPrefix(k, "bad/") {
			t.Errorf("left behind after the interrupted export: %s", k)
		}
	}
	fake.Reset()
	info, err = e.StartExport(ctx, req("bad"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("StartExport again once S3 recovered = %+v, %v; want COMPLETE", info, err)
	}
}
