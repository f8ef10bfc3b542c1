package rdsexport_test

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
)

// conformanceHarness runs the Exporter suite with the real RDS client
// against the local RDS server, which on COMPLETE writes the export in the
// RDS layout into an S3 bucket (gofakes3) read back through s3blob.
type conformanceHarness struct{ prefix string }

func (h conformanceHarness) MakeExporter(ctx context.Context, t *testing.T) conformance.ExporterFixture {
	clk := liberator.NewVirtualClock(t0)
	s3 := awstest.NewS3(clk)
	t.Cleanup(s3.Close)
	bucket, err := s3.Bucket(ctx, "dev-liberator-export")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	f := awstest.NewRDS(clk)
	t.Cleanup(f.Close)
	f.ExportDescribes = 2
	f.PutSnapshot(awstest.Snapshot{ID: snapID, Instance: "liberator-db", Created: t0})
	f.OnExportComplete = awstest.WriteExport(map[string]*blob.Bucket{"dev-liberator-export": bucket}, map[string][]byte{
		"liberator/liberator.PCN_IC/1/part-00000-8e3f-c000.gz.parquet":   []byte("PAR1 pcn rows PAR1"),
		"liberator/liberator.PCN_IC/2/part-00001-8e3f-c000.gz.parquet":   []byte("PAR1 more pcn rows PAR1"),
		"liberator/liberator.vrm_hist/1/part-00000-1a2b-c000.gz.parquet": []byte("PAR1 vrm rows PAR1"),
	})
	e, err := rdsexport.New(f.Config(), rdsexport.Options{Bucket: "dev-liberator-export", Prefix: h.prefix, IAMRoleARN: role, KMSKeyID: kms})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.ExporterFixture{
		Exporter: e,
		Snapshot: liberator.SnapshotInfo{ID: snapID, Status: liberator.SnapshotAvailable, Created: t0, Kind: liberator.SnapshotRDS, ARN: awstest.SnapshotARN(snapID)},
		Bucket:   bucket,
		Advance:  func(context.Context) { clk.Advance(time.Minute) },
		MaxPolls: 20,
	}
}

func TestConformance(t *testing.T) {
	t.Run("NoPrefix", func(t *testing.T) { conformance.RunExporterTests(t, conformanceHarness{}) })
	t.Run("S3Prefix", func(t *testing.T) { conformance.RunExporterTests(t, conformanceHarness{prefix: "exports"}) })
}
