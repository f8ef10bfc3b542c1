package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

// TestRestoreMessage checks how the ECS task finds its run.
func TestRestoreMessage(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 20, 0, 0, time.UTC)
	launched, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage?region=eu-west-2", Key: testDumpKey}, liberator.Date{}, false, uploadTime)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := launched.Encode()
	snapCheck := launched
	snapCheck.Step = liberator.StepSnapshotCheck
	snapBody, _ := snapCheck.Encode()
	cfg := Config{Region: "eu-west-2"}

	tests := []struct {
		name    string
		rc      RestoreConfig
		want    liberator.Message
		wantErr string
	}{
		{name: "message from the Lambda", rc: RestoreConfig{Message: string(body), Bucket: "ignored", Key: "ignored"}, want: launched},
		{
			name: "dump by hand",
			rc:   RestoreConfig{Bucket: testDumpBucket, Key: testDumpKey},
			want: func() liberator.Message {
				m, _ := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage?region=eu-west-2", Key: testDumpKey}, liberator.Date{}, false, now)
				return m
			}(),
		},
		{
			name: "backdated by hand",
			rc:   RestoreConfig{Bucket: testDumpBucket, Key: "parking/liberator_dump_20261124.zip", ImportDate: "2026-11-20"},
			want: func() liberator.Message {
				m, _ := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage?region=eu-west-2", Key: testDumpKey},
					liberator.Date{Year: 2026, Month: time.November, Day: 20}, true, now)
				return m
			}(),
		},
		{name: "message of another step", rc: RestoreConfig{Message: string(snapBody)}, wantErr: "snapshot_check"},
		{name: "message that is not JSON", rc: RestoreConfig{Message: "{"}, wantErr: EnvMessage},
		{name: "key without a date", rc: RestoreConfig{Bucket: testDumpBucket, Key: "parking/dump.zip"}, wantErr: "parking/dump.zip"},
		{name: "bad import date", rc: RestoreConfig{Bucket: testDumpBucket, Key: testDumpKey, ImportDate: "2026-02-30"}, wantErr: EnvImportDate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RestoreMessage(tc.rc, cfg.BucketURL, now)
			if tc.wantErr != "" {
				if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("RestoreMessage = %v, want an ErrInvalid naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunRestore runs the ECS task's step on fakes.
func TestRunRestore(t *testing.T) {
	ctx := context.Background()
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: testDumpKey}, liberator.Date{}, false, uploadTime)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("snapshot created and check scheduled", func(t *testing.T) {
		w := newWorld(t, worldOptions{start: uploadTime.Add(time.Minute)})
		out, err := RunRestore(ctx, w.p, m)
		if err != nil {
			t.Fatal(err)
		}
		reqs := w.snap.Requests()
		if len(reqs) != 1 || reqs[0].ID != testSnapshotID || reqs[0].Dump != m.Dump || reqs[0].ImportDate != testDate {
			t.Errorf("CreateSnapshot requests %+v, want one for %s", reqs, testSnapshotID)
		}
		p := w.pending(t)
		if out.Next == nil || len(p) != 1 || p[0].Step != liberator.StepSnapshotCheck || p[0].SnapshotID != testSnapshotID {
			t.Errorf("outcome %+v, pending %+v; want a snapshot check of %s", out, p, testSnapshotID)
		}
	})
	t.Run("bad dump fails the task", func(t *testing.T) {
		w := newWorld(t, worldOptions{start: uploadTime.Add(time.Minute)})
		w.snap.Faults.FailAlways(fakesnap.OpCreateSnapshot, fmt.Errorf("restore line 12: DROP USER refused: %w", liberator.ErrInvalid))
		_, err := RunRestore(ctx, w.p, m)
		if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "line 12") || !strings.Contains(err.Error(), testDumpKey) {
			t.Fatalf("RunRestore = %v, want an ErrInvalid naming the dump and the line", err)
		}
		if p := w.pending(t); len(p) != 0 {
			t.Errorf("scheduled %+v after a bad dump", p)
		}
	})
	t.Run("transient failure fails the task and schedules a retry", func(t *testing.T) {
		w := newWorld(t, worldOptions{start: uploadTime.Add(time.Minute)})
		w.snap.Faults.FailFirst(fakesnap.OpCreateSnapshot, 1, fmt.Errorf("connection reset: %w", liberator.ErrTransient))
		_, err := RunRestore(ctx, w.p, m)
		if !errors.Is(err, liberator.ErrTransient) {
			t.Fatalf("RunRestore = %v, want ErrTransient", err)
		}
		p := w.pending(t)
		if len(p) != 1 || p[0].Step != liberator.StepDumpUploaded || p[0].Attempt != 1 {
			t.Fatalf("pending %+v, want the restore re-scheduled (attempt 1)", p)
		}
		// The export-check Lambda relaunches it with a new RunTask token.
		if ClientToken(p[0]) == ClientToken(m) {
			t.Errorf("retry has the same ECS client token as the first launch")
		}
	})
	t.Run("wrong step", func(t *testing.T) {
		w := newWorld(t, worldOptions{start: uploadTime})
		n := m
		n.Step = liberator.StepExportCheck
		if _, err := RunRestore(ctx, w.p, n); !errors.Is(err, liberator.ErrInvalid) {
			t.Fatalf("RunRestore(export_check) = %v, want ErrInvalid", err)
		}
	})
}

// TestLambdaChain runs a whole import through the handlers as AWS would
// invoke them: the S3 upload event into dump-uploaded (restoring in
// process), then the scheduler's SQS queue drained into export-check as the
// event source mapping does (receive up to 10, delete all but the reported
// failures), on virtual time, until the workflow has started. Then the RDS
// events arrive late and change nothing.
func TestLambdaChain(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{start: uploadTime, onSQS: true, exports: fakeexport.Options{StartingPolls: 1, InProgressPolls: 2}})
	w.snap = nil // the world's snapshotter is replaced below to be slow
	slow := fakesnap.New(fakesnap.Options{Clock: w.clk, CreatingPolls: 2})
	p, err := liberator.New(liberator.Config{
		Snapshotter: slow, Exporter: w.exp, Lander: w.lander(t), Workflow: w.wf,
		Scheduler: w.p.Scheduler(), Clock: w.clk, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	dump := &DumpUploaded{Bucket: testDumpBucket, Prefix: "parking/", Launcher: PipelineLauncher{Pipeline: p}, Logger: quietLogger()}
	if _, err := dump.Handle(ctx, loadEventBridge(t, "eventbridge-s3-object-created.json")); err != nil {
		t.Fatal(err)
	}
	steps := &Steps{Pipeline: p, Events: ExportCheckEvents(), Clock: w.clk, Logger: quietLogger()}
	client := sqs.NewFromConfig(w.sqs.Config())
	var invocations int
	for len(w.wf.Runs()) == 0 {
		if invocations++; invocations > 40 {
			t.Fatalf("no workflow run after %d invocations; queue: %+v", invocations, w.sqs.Messages(w.queue))
		}
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(w.queue), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			next := time.Time{}
			for _, m := range w.sqs.Messages(w.queue) {
				if next.IsZero() || m.VisibleAt.Before(next) {
					next = m.VisibleAt
				}
			}
			if next.IsZero() {
				t.Fatal("queue is empty and no workflow was started")
			}
			w.clk.Advance(next.Sub(w.clk.Now()))
			continue
		}
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
		}
		resp, err := steps.HandleSQS(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("HandleSQS = %+v, %v", resp, err)
		}
		for _, m := range out.Messages {
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(w.queue), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	runs := w.wf.Runs()
	if len(runs) != 1 || runs[0].RunKey != testRunKey {
		t.Fatalf("workflow runs %+v, want one for %s", runs, testRunKey)
	}
	t.Logf("workflow started after %d SQS invocations, at %s", invocations, w.clk.Now().Format(time.RFC3339))
	if invocations < 6 {
		t.Errorf("only %d invocations: the snapshot and export polls were not exercised", invocations)
	}
	if !exists(t, w.landing, testMarker) {
		t.Errorf("partition not published")
	}
	if got := w.exp.Tasks(); !cmp.Equal(got, []string{testExportID}) {
		t.Errorf("export tasks %v, want [%s]", got, testExportID)
	}
	// Late RDS events: the snapshot and export events fire after the queue
	// already did the work. Nothing is started twice.
	snapReady := &Steps{Pipeline: p, Events: SnapshotReadyEvents(), Clock: w.clk, Logger: quietLogger()}
	if _, err := snapReady.HandleEventBridge(ctx, loadEventBridge(t, "eventbridge-rds-event-0042.json")); err != nil {
		t.Fatalf("late 0042: %v", err)
	}
	if _, err := steps.HandleEventBridge(ctx, loadEventBridge(t, "eventbridge-rds-event-0161.json")); err != nil {
		t.Fatalf("late 0161: %v", err)
	}
	if got := w.exp.Tasks(); len(got) != 1 {
		t.Errorf("export tasks after late events %v, want one", got)
	}
}
