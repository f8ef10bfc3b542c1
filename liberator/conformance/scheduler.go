package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// SchedulerHarness makes fresh Schedulers for RunSchedulerTests.
type SchedulerHarness interface {
	// MakeScheduler returns a fixture around a Scheduler with no messages.
	// The harness cleans up (t.Cleanup).
	MakeScheduler(ctx context.Context, t *testing.T) SchedulerFixture
}

// SchedulerFixture is what a SchedulerHarness makes.
type SchedulerFixture struct {
	// Scheduler is the implementation under test.
	Scheduler liberator.Scheduler
	// Clock is the Scheduler's clock. It should be a
	// liberator.VirtualClock whose Sleep moves time, so that Receive
	// waiting for a message due in 26 hours returns at once; the suite
	// reads it to check that no message arrives before it is due.
	Clock liberator.Clock
	// ArrivalOrder says the Scheduler delivers in send order, holding a
	// due message behind an earlier-sent one that is not yet due (a FIFO
	// queue without native delays, such as PubSubScheduler on mempubsub
	// with no NativeDelay). The suite then checks only that every message
	// arrives, none early, instead of the order by due time.
	ArrivalOrder bool
}

// RunSchedulerTests runs the Scheduler conformance suite. The delays it
// uses exceed SQS's 900 s cap and the usual visibility timeouts, so a
// Scheduler on SQS must chain delays.
func RunSchedulerTests(t *testing.T, h SchedulerHarness) {
	t.Run("NotBeforeDelay", func(t *testing.T) { testSchedNotBefore(t, h) })
	t.Run("OrderByDueTime", func(t *testing.T) { testSchedOrder(t, h) })
	t.Run("LongDelays", func(t *testing.T) { testSchedLong(t, h) })
	t.Run("PayloadRoundTrips", func(t *testing.T) { testSchedPayload(t, h) })
	t.Run("AckRemoves", func(t *testing.T) { testSchedAck(t, h) })
	t.Run("UnackedIsRedelivered", func(t *testing.T) { testSchedRedeliver(t, h) })
}

// schedMsg returns a small message told apart by its RunID.
func schedMsg(name string) liberator.Message {
	return liberator.Message{
		Version:    liberator.MessageVersion,
		Step:       liberator.StepSnapshotCheck,
		RunID:      "20261124/parking/" + name,
		Dump:       liberator.DumpRef{Key: "parking/liberator_dump_20261124.zip"},
		ImportDate: liberator.Date{Year: 2026, Month: time.November, Day: 24},
	}
}

// schedule schedules m after delay.
func schedule(ctx context.Context, t *testing.T, f SchedulerFixture, m liberator.Message, delay time.Duration) {
	t.Helper()
	if err := f.Scheduler.Schedule(ctx, m, delay); err != nil {
		t.Fatalf("Schedule(%s, %v): %v", m.RunID, delay, err)
	}
}

// receive receives one message, checking it is not early: it must arrive
// no earlier than its due time (recorded in dues by RunID).
func receive(ctx context.Context, t *testing.T, f SchedulerFixture, dues map[string]time.Time) liberator.Delivery {
	t.Helper()
	d, err := f.Scheduler.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if due, ok := dues[d.Message.RunID]; ok && f.Clock.Now().Before(due) {
		t.Errorf("message %s delivered at %v, before it is due at %v", d.Message.RunID, f.Clock.Now(), due)
	}
	return d
}

func ack(ctx context.Context, t *testing.T, d liberator.Delivery) {
	t.Helper()
	if err := d.Ack(ctx); err != nil {
		t.Errorf("Ack(%s): %v", d.Message.RunID, err)
	}
}

func testSchedNotBefore(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	t0 := f.Clock.Now()
	dues := map[string]time.Time{}
	for _, m := range []struct {
		name  string
		delay time.Duration
	}{{"later", 10 * time.Minute}, {"now", 0}} {
		schedule(ctx, t, f, schedMsg(m.name), m.delay)
		dues[schedMsg(m.name).RunID] = t0.Add(m.delay)
	}
	first := receive(ctx, t, f, dues)
	firstAt := f.Clock.Now()
	ack(ctx, t, first)
	second := receive(ctx, t, f, dues)
	ack(ctx, t, second)
	checkOrder(t, f, []string{schedMsg("now").RunID, schedMsg("later").RunID}, []string{first.Message.RunID, second.Message.RunID})
	if !f.ArrivalOrder && !firstAt.Before(t0.Add(10*time.Minute)) {
		t.Errorf("the undelayed message arrived at %v, after the delayed one was due", firstAt)
	}
}

// checkOrder compares delivery orders, or only the delivered messages when
// the fixture allows arrival order.
func checkOrder(t *testing.T, f SchedulerFixture, want, got []string) {
	t.Helper()
	var opts []cmp.Option
	if f.ArrivalOrder {
		opts = append(opts, cmpopts.SortSlices(func(a, b string) bool { return a < b }))
	}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

func testSchedOrder(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	t0 := f.Clock.Now()
	delays := []time.Duration{20 * time.Minute, 5 * time.Minute, 12 * time.Minute, 31 * time.Minute}
	dues := map[string]time.Time{}
	for i, d := range delays {
		m := schedMsg(fmt.Sprint("m", i))
		schedule(ctx, t, f, m, d)
		dues[m.RunID] = t0.Add(d)
	}
	var got []string
	for range delays {
		d := receive(ctx, t, f, dues)
		got = append(got, d.Message.RunID)
		ack(ctx, t, d)
	}
	checkOrder(t, f, []string{schedMsg("m1").RunID, schedMsg("m2").RunID, schedMsg("m0").RunID, schedMsg("m3").RunID}, got)
}

func testSchedLong(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	t0 := f.Clock.Now()
	dues := map[string]time.Time{}
	for _, d := range []time.Duration{26 * time.Hour, 901 * time.Second, time.Hour} {
		m := schedMsg(d.String())
		schedule(ctx, t, f, m, d)
		dues[m.RunID] = t0.Add(d)
	}
	var got []string
	for range 3 {
		d := receive(ctx, t, f, dues)
		got = append(got, d.Message.RunID)
		ack(ctx, t, d)
	}
	checkOrder(t, f, []string{schedMsg((901 * time.Second).String()).RunID, schedMsg(time.Hour.String()).RunID, schedMsg((26 * time.Hour).String()).RunID}, got)
}

func testSchedPayload(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	d := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	received := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	m := liberator.Message{
		Version:       liberator.MessageVersion,
		Step:          liberator.StepLanded,
		RunID:         "20261124/parking/liberator_dump_20261124.zip",
		Dump:          liberator.DumpRef{Bucket: "mem://", Key: "parking/liberator_dump_20261124.zip", Size: 12345},
		ImportDate:    d,
		Backdated:     true,
		Received:      received,
		SnapshotID:    "sql-to-parquet-2026-11-24-backdated",
		ExportID:      "sql-to-parquet-2026-11-24-backdated",
		Attempt:       3,
		ErrorRetries:  1,
		StepStarted:   received.Add(time.Hour),
		WorkflowRunID: "wr_1",
		Manifest: &liberator.Manifest{Version: partition.ManifestVersion, ExportID: "sql-to-parquet-2026-11-24-backdated", ImportDate: d,
			Tables: []liberator.TableManifest{{Database: "liberator", Table: "PCN_IC", Prefix: "parking/x/", Rows: 2,
				Objects: []liberator.Object{{Key: "parking/x/part-0.parquet", Source: "e/part-0.parquet", Size: 9}}}}},
	}
	schedule(ctx, t, f, m, 2*time.Hour)
	got := receive(ctx, t, f, map[string]time.Time{m.RunID: f.Clock.Now().Add(2 * time.Hour)})
	// NotBefore belongs to the scheduler (it chains long delays with it).
	if diff := cmp.Diff(m, got.Message, cmpopts.IgnoreFields(liberator.Message{}, "NotBefore")); diff != "" {
		t.Errorf("received message (-sent +received):\n%s", diff)
	}
	ack(ctx, t, got)
}

func testSchedAck(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	schedule(ctx, t, f, schedMsg("acked"), 0)
	ack(ctx, t, receive(ctx, t, f, nil))
	// Far later than any visibility timeout: an acked message that came
	// back would arrive first.
	schedule(ctx, t, f, schedMsg("next"), 13*time.Hour)
	d := receive(ctx, t, f, nil)
	if d.Message.RunID != schedMsg("next").RunID {
		t.Errorf("after Ack received %s, want the next message", d.Message.RunID)
	}
	ack(ctx, t, d)
}

func testSchedRedeliver(t *testing.T, h SchedulerHarness) {
	ctx := testContext(t)
	f := h.MakeScheduler(ctx, t)
	schedule(ctx, t, f, schedMsg("unacked"), 0)
	first := receive(ctx, t, f, nil)
	// Not acked: the message must come back (at-least-once delivery).
	again := receive(ctx, t, f, nil)
	if again.Message.RunID != first.Message.RunID {
		t.Errorf("received %s, want the unacked %s again", again.Message.RunID, first.Message.RunID)
	}
	if err := again.Ack(ctx); err != nil {
		t.Errorf("Ack of the redelivery: %v", err)
	}
}
