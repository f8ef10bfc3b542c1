package embeddedexport_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
)

type harness struct{}

func (harness) MakeExporter(ctx context.Context, t *testing.T) conformance.ExporterFixture {
	path := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql")
	dump := "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
		"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `vrm` varchar(12) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n" +
		"INSERT INTO `PCN_IC` VALUES (1,'AB12CDE'),(2,NULL);\n" +
		"CREATE TABLE `liberator_fpn_x` (\n  `id` int NOT NULL\n) ENGINE=InnoDB;\n" +
		"INSERT INTO `liberator_fpn_x` VALUES (7);\n" +
		"-- Dump completed on 2026-11-24  3:20:00\n"
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	return conformance.ExporterFixture{
		Exporter: embeddedexport.New(bucket, embeddedexport.Options{Export: export.Options{Clock: clk}}),
		Snapshot: liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Status: liberator.SnapshotAvailable, Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}, Created: clk.Now()},
		Bucket:   bucket,
	}
}

func TestEmbeddedConformance(t *testing.T) {
	conformance.RunExporterTests(t, harness{})
}

// asyncHarness runs the suite on an Async exporter; the fixture's Advance
// waits for the running export, so polling needs no wall clock.
type asyncHarness struct{}

func (asyncHarness) MakeExporter(ctx context.Context, t *testing.T) conformance.ExporterFixture {
	f := harness{}.MakeExporter(ctx, t)
	e := embeddedexport.New(f.Bucket, embeddedexport.Options{Export: export.Options{Async: true, Clock: liberator.NewVirtualClock(f.Snapshot.Created)}})
	f.Exporter = e
	f.Advance = func(ctx context.Context) { _, _ = e.Wait(ctx, "sql-to-parquet-26-11-24-031500") }
	return f
}

func TestEmbeddedAsyncConformance(t *testing.T) {
	conformance.RunExporterTests(t, asyncHarness{})
}
