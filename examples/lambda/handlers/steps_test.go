package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var snapshotEventTime = time.Date(2026, 11, 24, 4, 32, 30, 0, time.UTC)

// TestSnapshotReady feeds the snapshot-ready handler the RDS-EVENT-0042
// event as EventBridge and as an SQS record carrying the SNS notification,
// through Invoke (the Lambda entry point) and the typed handlers.
func TestSnapshotReady(t *testing.T) {
	type want struct {
		exports  []string // export ids started
		next     []liberator.Step
		ignored  bool
		failures []string
	}
	tests := []struct {
		name   string
		file   string
		sqs    bool // the file is an SQS event
		edit   func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent
		setup  func(w *world)
		invoke bool
		want   want
	}{
		{
			name:  "EventBridge RDS-EVENT-0042 starts the export",
			file:  "eventbridge-rds-event-0042.json",
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{exports: []string{testExportID}, next: []liberator.Step{liberator.StepExportCheck}},
		},
		{
			name:   "EventBridge RDS-EVENT-0042 through Invoke",
			file:   "eventbridge-rds-event-0042.json",
			invoke: true,
			setup:  func(w *world) { w.addSnapshot(testSnapshotID) },
			want:   want{exports: []string{testExportID}, next: []liberator.Step{liberator.StepExportCheck}},
		},
		{
			name:  "SNS notification in SQS starts the export",
			file:  "sqs-sns-rds-event-0042.json",
			sqs:   true,
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{exports: []string{testExportID}, next: []liberator.Step{liberator.StepExportCheck}, failures: []string{}},
		},
		{
			name:   "SNS notification in SQS through Invoke",
			file:   "sqs-sns-rds-event-0042.json",
			sqs:    true,
			invoke: true,
			setup:  func(w *world) { w.addSnapshot(testSnapshotID) },
			want:   want{exports: []string{testExportID}, next: []liberator.Step{liberator.StepExportCheck}, failures: []string{}},
		},
		{
			name: "snapshot still creating: re-check scheduled, no export",
			file: "eventbridge-rds-event-0042.json",
			setup: func(w *world) {
				w.snap.Add(liberator.SnapshotInfo{ID: testSnapshotID, Status: liberator.SnapshotCreating})
			},
			want: want{next: []liberator.Step{liberator.StepSnapshotCheck}},
		},
		{
			name: "automated snapshot is not ours: ignored",
			file: "eventbridge-rds-event-0042.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return withDetail(t, ev, "SourceIdentifier", "rds:liberator-db-2026-11-24-03-10")
			},
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{ignored: true},
		},
		{
			name: "another RDS event (snapshot deleted): ignored",
			file: "eventbridge-rds-event-0042.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return withDetail(t, ev, "EventID", "RDS-EVENT-0041")
			},
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{ignored: true},
		},
		{
			name:  "an S3 event: ignored",
			file:  "eventbridge-s3-object-created.json",
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{ignored: true},
		},
		{
			name:  "export-completed event is not the snapshot handler's: ignored",
			file:  "eventbridge-rds-event-0161.json",
			setup: func(w *world) { w.addSnapshot(testSnapshotID) },
			want:  want{ignored: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, worldOptions{start: snapshotEventTime})
			tc.setup(w)
			h := w.steps(SnapshotReadyEvents())
			var got want
			switch {
			case tc.invoke:
				out, err := h.Invoke(ctx, json.RawMessage(readTestdata(t, tc.file)))
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				if tc.sqs {
					resp, ok := out.(events.SQSEventResponse)
					if !ok {
						t.Fatalf("Invoke returned %T, want events.SQSEventResponse", out)
					}
					got.failures = failureIDs(resp)
				} else if out != nil {
					t.Fatalf("Invoke returned %v for an EventBridge event, want nil", out)
				}
			case tc.sqs:
				resp, err := h.HandleSQS(ctx, loadSQS(t, tc.file))
				if err != nil {
					t.Fatalf("HandleSQS: %v", err)
				}
				got.failures = failureIDs(resp)
			default:
				ev := loadEventBridge(t, tc.file)
				if tc.edit != nil {
					ev = tc.edit(t, ev)
				}
				res, err := h.HandleEventBridge(ctx, ev)
				if err != nil {
					t.Fatalf("HandleEventBridge: %v", err)
				}
				got.ignored = res.Ignored != ""
			}
			got.exports = w.exp.Tasks()
			for _, m := range w.pending(t) {
				got.next = append(got.next, m.Step)
				if m.SnapshotID != testSnapshotID || m.ImportDate != testDate {
					t.Errorf("scheduled message names snapshot %q date %s, want %q %s", m.SnapshotID, m.ImportDate, testSnapshotID, testDate)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvokeMalformed checks that an invocation payload that is not JSON is
// refused (Lambda reports the invocation failed).
func TestInvokeMalformed(t *testing.T) {
	w := newWorld(t, worldOptions{start: snapshotEventTime})
	if _, err := w.steps(SnapshotReadyEvents()).Invoke(context.Background(), json.RawMessage(`{"Records": [`)); !errors.Is(err, liberator.ErrInvalid) {
		t.Fatalf("Invoke(truncated) = %v, want ErrInvalid", err)
	}
}

// TestSnapshotReadyExportRequest checks what the export is started with:
// the snapshot as described and the export id RDS will report; and that
// the run goes on with the run and import date its snapshot is labelled
// with (the dump of 2026-11-23, uploaded 2026-11-24 at 03:15), not the
// date of the snapshot id's upload time.
func TestSnapshotReadyExportRequest(t *testing.T) {
	w := newWorld(t, worldOptions{start: snapshotEventTime})
	info := w.addSnapshot(testSnapshotID)
	day := liberator.Date{Year: 2026, Month: 11, Day: 23}
	run := liberator.RunID(day, "parking/liberator_dump_20261123.zip")
	info.Run = &liberator.RunLabel{RunID: run, ImportDate: day, DumpKey: "parking/liberator_dump_20261123.zip"}
	w.snap.Add(info)
	if _, err := w.steps(SnapshotReadyEvents()).HandleEventBridge(context.Background(), loadEventBridge(t, "eventbridge-rds-event-0042.json")); err != nil {
		t.Fatal(err)
	}
	want := []liberator.ExportRequest{{ID: testExportID, Snapshot: info}}
	if diff := cmp.Diff(want, w.exp.Requests()); diff != "" {
		t.Errorf("StartExport requests (-want +got):\n%s", diff)
	}
	p := w.pending(t)
	if len(p) != 1 || p[0].ExportID != testExportID || p[0].ImportDate != day || p[0].RunID != run || p[0].Provisional {
		t.Errorf("scheduled %+v, want one export check of %s in run %s for %s", p, testExportID, run, day)
	}
}

var exportEventTime = time.Date(2026, 11, 24, 5, 41, 30, 0, time.UTC)

// TestExportDone feeds the export-check handler RDS-EVENT-0161/0159/0160 and
// follows the run to the workflow through the scheduler's SQS messages.
func TestExportDone(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		exports   fakeexport.Options
		wantErr   error // kind
		wantLand  bool
		wantCause string
	}{
		{name: "0161 completed: landed and workflow started", file: "eventbridge-rds-event-0161.json", wantLand: true},
		{
			name:    "0159 failed: run ends, nothing landed",
			file:    "eventbridge-rds-event-0159.json",
			exports: fakeexport.Options{FailStatus: liberator.ExportFailed, FailureCause: "The IAM role doesn't have access to the S3 bucket"},
			wantErr: liberator.ErrTerminal, wantCause: "doesn't have access",
		},
		{
			name:    "0160 canceled: run ends, nothing landed",
			file:    "eventbridge-rds-event-0160.json",
			exports: fakeexport.Options{FailStatus: liberator.ExportCanceled, FailureCause: "canceled by user"},
			wantErr: liberator.ErrTerminal, wantCause: "CANCEL",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, worldOptions{start: exportEventTime, onSQS: true, exports: tc.exports})
			w.startExport(t, testSnapshotID)
			if tc.exports.FailStatus == liberator.ExportCanceled {
				// RDS reports CANCELING before CANCELED.
				if _, err := w.exp.DescribeExport(ctx, testExportID); err != nil {
					t.Fatal(err)
				}
			}
			h := w.steps(ExportCheckEvents())
			res, err := h.HandleEventBridge(ctx, loadEventBridge(t, tc.file))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("HandleEventBridge error = %v, want one wrapping %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantCause) || !strings.Contains(err.Error(), testExportID) {
					t.Errorf("error %q does not name the export and the cause %q", err, tc.wantCause)
				}
			} else if err != nil {
				t.Fatalf("HandleEventBridge: %v", err)
			}
			if got := exists(t, w.landing, testMarker); got != tc.wantLand {
				t.Fatalf("partition marker exists = %v, want %v", got, tc.wantLand)
			}
			if !tc.wantLand {
				if q := w.sqs.Messages(w.queue); len(q) != 0 {
					t.Errorf("queued after a failed export: %+v", q)
				}
				return
			}
			if res.Outcome.Next == nil || res.Outcome.Next.Manifest == nil || len(res.Outcome.Next.Manifest.Tables) != 1 {
				t.Fatalf("outcome %+v, want a landed message with a one-table manifest", res.Outcome)
			}
			for _, key := range []string{testManifest, testPartition + path.Base(w.exp.PartKey(testExportID, "PCN_IC", 0)), testPartition + path.Base(w.exp.PartKey(testExportID, "PCN_IC", 1))} {
				if !exists(t, w.landing, key) {
					t.Errorf("landing zone lacks %s", key)
				}
			}
			// The landed message went to the scheduler's queue; deliver it
			// as the SQS event source mapping would.
			queued := w.sqs.Messages(w.queue)
			if len(queued) != 1 || queued[0].DelaySeconds != 0 {
				t.Fatalf("queue holds %+v, want one landed message without delay", queued)
			}
			resp, err := h.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: queued[0].ID, Body: queued[0].Body}}})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("HandleSQS(landed) = %+v, %v", resp, err)
			}
			runs := w.wf.Runs()
			if len(runs) != 1 || runs[0].RunKey != testRunKey || runs[0].Properties["import_date"] != "20261124" {
				t.Fatalf("workflow runs %+v, want one run %s with import_date 20261124", runs, testRunKey)
			}
		})
	}
}

// TestSchedulerBatch feeds the export-check handler a batch of the
// scheduler's SQS records (testdata/sqs-scheduler-messages.json):
//
//  1. a due export check of the testdata run → landed, next step queued;
//  2. a truncated body → dropped (can never decode);
//  3. a message of an unknown version → dropped;
//  4. a due snapshot check of another run whose next message cannot be
//     scheduled (injected) → reported in BatchItemFailures;
//  5. an export check due in an hour → sent back with SQS's longest delay.
func TestSchedulerBatch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{start: time.Date(2026, 11, 24, 5, 30, 0, 0, time.UTC), onSQS: true})
	w.startExport(t, testSnapshotID)
	w.addSnapshot("sql-to-parquet-26-11-23-031500")
	w.faults.FailKey("20261123/parking/liberator_dump_20261123.zip", schedErr)

	ev := loadSQS(t, "sqs-scheduler-messages.json")
	resp, err := w.steps(ExportCheckEvents()).HandleSQS(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"4c3f9e85-ad97-4f41-8a6d-5e1a8b0f2d34"}, failureIDs(resp)); diff != "" {
		t.Errorf("BatchItemFailures (-want +got):\n%s", diff)
	}
	if !exists(t, w.landing, testMarker) {
		t.Errorf("record 1 did not land the partition")
	}
	// The snapshot check of record 4 started its export before scheduling
	// failed; its redelivery will find the export and go on (idempotent).
	if diff := cmp.Diff([]string{"sql-to-parquet-26-11-23-031500", testExportID}, w.exp.Tasks()); diff != "" {
		t.Errorf("export tasks (-want +got):\n%s", diff)
	}
	type queued struct {
		Step      liberator.Step
		RunID     string
		Delay     int
		NotBefore time.Time
	}
	var got []queued
	for _, m := range w.sqs.Messages(w.queue) {
		msg, err := liberator.DecodeMessage([]byte(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, queued{msg.Step, msg.RunID, m.DelaySeconds, msg.NotBefore})
	}
	want := []queued{
		{liberator.StepLanded, "20261124/" + testDumpKey, 0, w.clk.Now()},
		{liberator.StepExportCheck, "20261122/parking/liberator_dump_20261122.zip", 900, time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}

	// Redelivery of record 4 once the queue works again: no failure.
	w.faults.Reset()
	resp, err = w.steps(ExportCheckEvents()).HandleSQS(ctx, events.SQSEvent{Records: ev.Records[3:4]})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v, %v; want no failure", resp, err)
	}
}

var schedErr = fmt.Errorf("SendMessageBatch: service unavailable: %w", liberator.ErrTransient)

func failureIDs(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}
