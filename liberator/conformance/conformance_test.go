package conformance_test

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/liberator/pubsubscheduler"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

type snapshotterHarness struct{ creatingPolls int }

func (h snapshotterHarness) MakeSnapshotter(ctx context.Context, t *testing.T) conformance.SnapshotterFixture {
	clk := liberator.NewVirtualClock(t0)
	return conformance.SnapshotterFixture{
		Snapshotter: fakesnap.New(fakesnap.Options{Clock: clk, CreatingPolls: h.creatingPolls}),
		Dump:        liberator.DumpRef{Bucket: "mem://", Key: "parking/liberator_dump_20261124.zip"},
		Advance:     func(context.Context) { clk.Advance(time.Minute) },
	}
}

func TestFakeSnapshotter(t *testing.T) {
	t.Run("Immediate", func(t *testing.T) { conformance.RunSnapshotterTests(t, snapshotterHarness{}) })
	t.Run("Polled", func(t *testing.T) { conformance.RunSnapshotterTests(t, snapshotterHarness{creatingPolls: 3}) })
}

type exporterHarness struct {
	opts fakeexport.Options
}

func (h exporterHarness) MakeExporter(ctx context.Context, t *testing.T) conformance.ExporterFixture {
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { b.Close() })
	opts := h.opts
	opts.Bucket = b
	opts.Tables = map[string][][]byte{
		"PCN_IC": {[]byte("PAR1 pcn 0"), []byte("PAR1 pcn 1")},
		"vrm":    {[]byte("PAR1 vrm")},
	}
	opts.Rows = map[string]int64{"PCN_IC": 2, "vrm": 1}
	return conformance.ExporterFixture{
		Exporter: fakeexport.New(opts),
		Snapshot: liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Status: liberator.SnapshotAvailable, Created: t0, Dump: liberator.DumpRef{Key: "parking/liberator_dump_20261124.zip"}},
		Bucket:   b,
	}
}

func TestFakeExporter(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts fakeexport.Options
	}{
		{"Immediate", fakeexport.Options{}},
		{"Polled", fakeexport.Options{StartingPolls: 2, InProgressPolls: 3}},
		{"OldLayoutUnderPrefix", fakeexport.Options{OldLayout: true, Prefix: "exports/"}},
	} {
		t.Run(tc.name, func(t *testing.T) { conformance.RunExporterTests(t, exporterHarness{opts: tc.opts}) })
	}
}

type workflowHarness struct{}

func (workflowHarness) MakeWorkflow(ctx context.Context, t *testing.T) liberator.Workflow {
	return fakeglue.New(fakeglue.Options{Clock: liberator.NewVirtualClock(t0)})
}

func TestFakeWorkflow(t *testing.T) { conformance.RunWorkflowTests(t, workflowHarness{}) }

type memSchedulerHarness struct{ opts liberator.MemSchedulerOptions }

func (h memSchedulerHarness) MakeScheduler(ctx context.Context, t *testing.T) conformance.SchedulerFixture {
	clk := liberator.NewVirtualClock(t0)
	return conformance.SchedulerFixture{Scheduler: liberator.NewMemScheduler(clk, h.opts), Clock: clk}
}

func TestMemScheduler(t *testing.T) {
	t.Run("Default", func(t *testing.T) { conformance.RunSchedulerTests(t, memSchedulerHarness{}) })
	t.Run("ShortVisibility", func(t *testing.T) {
		conformance.RunSchedulerTests(t, memSchedulerHarness{opts: liberator.MemSchedulerOptions{Visibility: 30 * time.Second}})
	})
}

// pubSubHarness runs PubSubScheduler on mempubsub without native delays:
// messages come in send order, each held until due.
type pubSubHarness struct{}

func (pubSubHarness) MakeScheduler(ctx context.Context, t *testing.T) conformance.SchedulerFixture {
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	// The redelivery test waits for this (wall-clock) ack deadline.
	sub := mempubsub.NewSubscription(topic, 50*time.Millisecond)
	t.Cleanup(func() {
		_ = sub.Shutdown(context.Background())
		_ = topic.Shutdown(context.Background())
	})
	return conformance.SchedulerFixture{
		Scheduler:    pubsubscheduler.New(topic, sub, pubsubscheduler.Options{Clock: clk}),
		Clock:        clk,
		ArrivalOrder: true,
	}
}

func TestPubSubScheduler(t *testing.T) { conformance.RunSchedulerTests(t, pubSubHarness{}) }
