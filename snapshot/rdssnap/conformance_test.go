package rdssnap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// conformanceHarness runs the Snapshotter suite with the real RDS client
// against the local RDS Query-protocol server; snapshots stay "creating"
// for creatingDescribes describes. The restore refuses "invalid.zip".
type conformanceHarness struct{ creatingDescribes int }

func (h conformanceHarness) MakeSnapshotter(ctx context.Context, t *testing.T) conformance.SnapshotterFixture {
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	f := awstest.NewRDS(clk)
	t.Cleanup(f.Close)
	f.AddInstance("liberator-db")
	f.SnapshotDescribes = h.creatingDescribes
	restore := rdssnap.RestorerFunc(func(_ context.Context, d liberator.DumpRef) error {
		if d.Key == "invalid.zip" {
			return errors.New("invalid.zip line 1: statement not allowed")
		}
		return nil
	})
	s, err := rdssnap.New(f.Config(), rdssnap.Options{Instance: "liberator-db", Restorer: restore})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.SnapshotterFixture{
		Snapshotter: s,
		Dump:        liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: "parking/liberator_dump_20261124.zip"},
		InvalidDump: &liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: "invalid.zip"},
		Advance:     func(context.Context) { clk.Advance(time.Minute) },
		MaxPolls:    20,
	}
}

func TestConformance(t *testing.T) {
	t.Run("Immediate", func(t *testing.T) { conformance.RunSnapshotterTests(t, conformanceHarness{}) })
	t.Run("Creating", func(t *testing.T) { conformance.RunSnapshotterTests(t, conformanceHarness{creatingDescribes: 3}) })
}
