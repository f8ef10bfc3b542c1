package mysqlexport

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

type harness struct{}

// makeBackend returns a backend on the test server whose databases carry a
// prefix unique to t (dropped at the end) and a virtual clock.
func makeBackend(t *testing.T) (*Backend, *liberator.VirtualClock) {
	dsn := mysqltest.DSN(t)
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	b, err := NewBackend(BackendConfig{
		MySQL:  mysqlsnap.Config{DSN: dsn, DatabasePrefix: mysqltest.Prefix(t), Clock: clk},
		Bucket: bucket,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, clk
}

func (harness) MakeSnapshotter(ctx context.Context, t *testing.T) conformance.SnapshotterFixture {
	b, clk := makeBackend(t)
	bad := filepath.Join(t.TempDir(), "bad.sql")
	if err := os.WriteFile(bad, []byte("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nGRANT ALL ON *.* TO 'evil'@'%';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return conformance.SnapshotterFixture{
		Snapshotter: b.Snapshotter,
		Dump:        liberator.DumpRef{Key: allTypesDump},
		InvalidDump: &liberator.DumpRef{Key: bad},
		Advance:     func(context.Context) { clk.Advance(time.Minute) },
	}
}

func (harness) MakeExporter(ctx context.Context, t *testing.T) conformance.ExporterFixture {
	b, _ := makeBackend(t)
	snap, err := b.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: "conformance", Dump: liberator.DumpRef{Key: allTypesDump}})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.ExporterFixture{Exporter: b.Exporter, Snapshot: snap, Bucket: b.bucket}
}

func TestSnapshotterConformance(t *testing.T) { conformance.RunSnapshotterTests(t, harness{}) }

func TestExporterConformance(t *testing.T) { conformance.RunExporterTests(t, harness{}) }
