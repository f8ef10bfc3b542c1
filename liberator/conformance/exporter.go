package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// ExporterHarness makes fresh Exporters for RunExporterTests.
type ExporterHarness interface {
	// MakeExporter returns a fixture around an Exporter that has no export
	// tasks. The harness cleans up (t.Cleanup).
	MakeExporter(ctx context.Context, t *testing.T) ExporterFixture
}

// ExporterFixture is what an ExporterHarness makes.
type ExporterFixture struct {
	// Exporter is the implementation under test.
	Exporter liberator.Exporter
	// Snapshot is an available snapshot the Exporter can export, holding
	// at least one table with rows.
	Snapshot liberator.SnapshotInfo
	// Bucket is the bucket the Exporter writes its files to.
	Bucket *blob.Bucket
	// Advance, if not nil, lets time pass between polls of DescribeExport.
	Advance func(ctx context.Context)
	// MaxPolls bounds the polls until the export is final; default
	// DefaultMaxPolls.
	MaxPolls int
}

const exportID = "sql-to-parquet-26-11-24-031500"

// RunExporterTests runs the Exporter conformance suite.
func RunExporterTests(t *testing.T, h ExporterHarness) {
	t.Run("ExportsInRDSLayout", func(t *testing.T) { testExportLayout(t, h) })
	t.Run("StartIsIdempotent", func(t *testing.T) { testExportIdempotent(t, h) })
	t.Run("UnknownIsNotFound", func(t *testing.T) { testExportUnknown(t, h) })
}

// exportComplete starts the export and polls it to COMPLETE.
func exportComplete(ctx context.Context, t *testing.T, f ExporterFixture) liberator.ExportInfo {
	t.Helper()
	info, err := f.Exporter.StartExport(ctx, liberator.ExportRequest{ID: exportID, Snapshot: f.Snapshot})
	if err != nil {
		t.Fatalf("StartExport: %v", err)
	}
	if info.ID != exportID {
		t.Errorf("StartExport returned id %q, want %q", info.ID, exportID)
	}
	if info.Status == liberator.ExportFailed || info.Status == liberator.ExportCanceled {
		t.Fatalf("StartExport status %s (%s)", info.Status, info.FailureCause)
	}
	poll(ctx, t, "export "+exportID+" final", f.MaxPolls, f.Advance, func() (bool, error) {
		var err error
		info, err = f.Exporter.DescribeExport(ctx, exportID)
		return err == nil && info.Status.Terminal(), err
	})
	if info.Status != liberator.ExportComplete {
		t.Fatalf("export ended %s (%s), want COMPLETE", info.Status, info.FailureCause)
	}
	return info
}

func testExportLayout(t *testing.T, h ExporterHarness) {
	ctx := testContext(t)
	f := h.MakeExporter(ctx, t)
	info := exportComplete(ctx, t, f)
	if info.ID != exportID || info.SnapshotID != f.Snapshot.ID {
		t.Errorf("DescribeExport = %+v, want id %s of snapshot %s", info, exportID, f.Snapshot.ID)
	}
	if !strings.HasSuffix(info.Prefix, "/") || strings.HasPrefix(info.Prefix, "/") {
		t.Fatalf("export prefix %q must be relative and end in /", info.Prefix)
	}
	files := listAll(ctx, t, f.Bucket, info.Prefix)
	tables := map[string]bool{}
	for key := range files {
		rel := strings.TrimPrefix(key, info.Prefix)
		if !partition.IsParquet(key) {
			// Report files (export_info_*.json …) live at the root.
			if strings.Contains(rel, "/") {
				t.Errorf("non-Parquet file %q inside a table folder", key)
			}
			continue
		}
		_, ref, err := partition.LandingKey("parking", info.Prefix, key, liberator.Date{Year: 2026, Month: 11, Day: 24})
		if err != nil {
			t.Errorf("Parquet file not in the RDS export layout: %v", err)
			continue
		}
		tables[ref.String()] = true
		if files[key] == 0 {
			t.Errorf("Parquet file %q is empty", key)
		}
	}
	if len(tables) == 0 {
		t.Fatalf("no Parquet files under %q; files: %v", info.Prefix, files)
	}
	for name := range info.RowCounts {
		if _, err := partition.ParseTableRef(name); err != nil {
			t.Errorf("RowCounts key: %v", err)
		}
	}
}

func testExportIdempotent(t *testing.T, h ExporterHarness) {
	ctx := testContext(t)
	f := h.MakeExporter(ctx, t)
	first := exportComplete(ctx, t, f)
	before := listAll(ctx, t, f.Bucket, "")
	again, err := f.Exporter.StartExport(ctx, liberator.ExportRequest{ID: exportID, Snapshot: f.Snapshot})
	if err != nil {
		t.Fatalf("second StartExport: %v", err)
	}
	if again.ID != first.ID || again.Prefix != first.Prefix {
		t.Errorf("second StartExport = %+v, want the existing task %+v", again, first)
	}
	// Let any (wrongly) restarted task run to its end before comparing.
	final := exportComplete(ctx, t, f)
	if final.ID != first.ID || final.Prefix != first.Prefix || final.Status != liberator.ExportComplete {
		t.Errorf("task after second start = %+v, want %+v", final, first)
	}
	if diff := cmp.Diff(before, listAll(ctx, t, f.Bucket, "")); diff != "" {
		t.Errorf("second StartExport changed the export bucket (-before +after):\n%s", diff)
	}
}

func testExportUnknown(t *testing.T, h ExporterHarness) {
	ctx := testContext(t)
	f := h.MakeExporter(ctx, t)
	if _, err := f.Exporter.DescribeExport(ctx, "no-such-export"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DescribeExport(unknown): %v, want ErrNotFound", err)
	}
}
