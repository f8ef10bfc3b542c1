package handlers

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestMargin checks how much of an invocation's time is kept free.
func TestMargin(t *testing.T) {
	tests := []struct {
		left, configured, want time.Duration
	}{
		{15 * time.Minute, 0, DefaultMargin},
		{time.Minute, 0, DefaultMargin},
		{10 * time.Second, 0, 2 * time.Second},
		{3 * time.Second, 0, 600 * time.Millisecond},
		{15 * time.Minute, 30 * time.Second, 30 * time.Second},
		{10 * time.Second, 30 * time.Second, 2 * time.Second},
		{10 * time.Second, time.Second, time.Second},
		{0, 0, 0},
		{-time.Second, time.Second, 0},
	}
	for _, tc := range tests {
		if got := Margin(tc.left, tc.configured); got != tc.want {
			t.Errorf("Margin(%s, %s) = %s, want %s", tc.left, tc.configured, got, tc.want)
		}
	}
}

// syncBuffer is a bytes.Buffer that the handler's and the library's
// goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// blackHolePipeline is the production pipeline (NewAWSPipeline) with every
// AWS endpoint a black hole and no SDK retries or attempt timeouts, so a
// call hangs until its context ends; logs go to the returned buffer.
func blackHolePipeline(t *testing.T) (*AWSPipeline, *awstest.BlackHole, *syncBuffer) {
	t.Helper()
	bh, err := awstest.NewBlackHole()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bh.Close)
	logs := &syncBuffer{}
	cfg := Config{
		Region: "eu-west-2", DBInstance: "liberator-db", ExportBucket: "dev-dp-rds-export-storage",
		ExportRoleARN: "arn:aws:iam::123456789012:role/rds-export", ExportKMSKeyID: "k",
		LandingBucket: "dev-landing-zone", LandingPrefix: "parking", WorkflowName: "parking-liberator-data-workflow",
		QueueURL: bh.URL() + "/123456789012/dev-liberator-scheduler", S3PathStyle: true,
	}
	p, err := NewAWSPipeline(context.Background(), cfg, awstest.Config(bh.URL()), NoRestore, liberator.RealClock{}, NewLogger(logs, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, bh, logs
}

// rdsSNSRecord is an SQS record carrying RDS-EVENT-0042 for snapshot id in
// its SNS envelope.
func rdsSNSRecord(msgID, id string) events.SQSMessage {
	n := awstest.RDSNotification{EventID: "RDS-EVENT-0042", SourceID: id, SourceARN: awstest.SnapshotARN(id), Message: "Manual snapshot created"}
	return events.SQSMessage{MessageId: msgID, Body: n.SNSEnvelope("arn:aws:sns:eu-west-2:123456789012:rds-events"), EventSource: "aws:sqs"}
}

// TestHandleSQSDeadlineMargin (issue 15, defect 1): with every AWS
// endpoint a black hole, a batch of three RDS events answers before the
// invocation's deadline, listing all three records (the stuck one and the
// two never reached) in BatchItemFailures, each logged once at warn level
// with its message id and kind Transient.
func TestHandleSQSDeadlineMargin(t *testing.T) {
	p, bh, logs := blackHolePipeline(t)
	h := &Steps{Pipeline: p, Events: SnapshotReadyEvents(), Logger: NewLogger(logs, nil)}
	ids := []string{"m-1", "m-2", "m-3"}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		rdsSNSRecord(ids[0], "sql-to-parquet-26-11-24-031500"),
		rdsSNSRecord(ids[1], "sql-to-parquet-26-11-25-031500"),
		rdsSNSRecord(ids[2], "sql-to-parquet-26-11-26-031500"),
	}}
	// The invocation's deadline: 2 s, so the default margin is 400 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := h.HandleSQS(ctx, ev)
	if ctx.Err() != nil {
		t.Fatalf("HandleSQS returned after the invocation's deadline (%v): the answer would be lost", ctx.Err())
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, failureIDs(resp)); diff != "" {
		t.Errorf("BatchItemFailures (-want +got):\n%s", diff)
	}
	if bh.Accepted() == 0 {
		t.Error("no AWS call reached the black hole")
	}
	type line struct{ ID, Level, Msg, Kind, RunID string }
	var got []line
	for _, l := range awstest.AtLeastWarn(awstest.ParseLogLines(logs.Bytes())) {
		got = append(got, line{l.Str("message_id"), l.Level(), l.Msg(), l.Str("kind"), l.Str("run_id")})
	}
	want := []line{
		// The run could not be read from its snapshot before the deadline:
		// the record names the snapshot.
		{"m-1", "WARN", "record failed: returned for redelivery", "Transient", "rds-snapshot:sql-to-parquet-26-11-24-031500"},
		{"m-2", "WARN", "record not reached: returned for redelivery", "Transient", ""},
		{"m-3", "WARN", "record not reached: returned for redelivery", "Transient", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warn and error lines (-want +got):\n%s\nlogs:\n%s", diff, logs.Bytes())
	}
}

// TestHandleEventBridgeDeadlineMargin (issue 15, defect 1): a direct
// invocation whose step hangs returns, before the deadline, a retryable
// error of kind Transient that says the margin was reached.
func TestHandleEventBridgeDeadlineMargin(t *testing.T) {
	p, _, logs := blackHolePipeline(t)
	h := &Steps{Pipeline: p, Events: SnapshotReadyEvents(), Logger: NewLogger(logs, nil), Margin: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := h.HandleEventBridge(ctx, loadEventBridge(t, "eventbridge-rds-event-0042.json"))
	if ctx.Err() != nil {
		t.Fatalf("HandleEventBridge returned after the deadline (%v)", ctx.Err())
	}
	if !Retryable(err) || KindName(err) != "Transient" || !strings.Contains(err.Error(), "deadline margin") {
		t.Fatalf("HandleEventBridge = %v (kind %s), want a retryable Transient error naming the deadline margin", err, KindName(err))
	}
	warn := awstest.AtLeastWarn(awstest.ParseLogLines(logs.Bytes()))
	if len(warn) != 1 || warn[0].Str("event_id") == "" || warn[0].Str("kind") != "Transient" || warn[0].Str("step") != "snapshot_check" {
		t.Errorf("warn and error lines %v, want one with the event id, step and kind", warn)
	}
}

// TestDumpUploadedDeadlineMargin (issue 15, defect 1): dump-uploaded with
// ECS a black hole returns a retryable error before the deadline.
func TestDumpUploadedDeadlineMargin(t *testing.T) {
	bh, err := awstest.NewBlackHole()
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	logs := &syncBuffer{}
	h := &DumpUploaded{
		Bucket: testDumpBucket, Prefix: "parking/",
		Launcher: ECSLauncher{Client: ecs.NewFromConfig(awstest.Config(bh.URL())), Config: testECS},
		Logger:   NewLogger(logs, nil),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = h.Handle(ctx, loadEventBridge(t, "eventbridge-s3-object-created.json"))
	if ctx.Err() != nil {
		t.Fatalf("Handle returned after the deadline (%v)", ctx.Err())
	}
	if !Retryable(err) || KindName(err) != "Transient" || !strings.Contains(err.Error(), "deadline margin") {
		t.Fatalf("Handle = %v, want a retryable Transient error naming the deadline margin", err)
	}
	warn := awstest.AtLeastWarn(awstest.ParseLogLines(logs.Bytes()))
	if len(warn) != 1 || warn[0].Str("run_id") == "" || warn[0].Str("kind") != "Transient" || warn[0].Str("event_id") == "" {
		t.Errorf("warn and error lines %v, want one with the event and run ids and the kind", warn)
	}
}

// TestNotReachedWhenCanceled checks the records left when the invocation
// itself ends (SIGTERM, or its deadline with no margin left): each is
// listed and logged, none is dropped.
func TestNotReachedWhenCanceled(t *testing.T) {
	w := newWorld(t, worldOptions{start: snapshotEventTime})
	w.addSnapshot(testSnapshotID)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Steps{Pipeline: cancelingRunner{StepRunner: w.p, cancel: cancel}, Events: SnapshotReadyEvents(), Clock: w.clk, Logger: NewLogger(logs, nil)}
	resp, err := h.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{
		rdsSNSRecord("a", testSnapshotID), rdsSNSRecord("b", testSnapshotID),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, failureIDs(resp)); diff != "" {
		t.Errorf("BatchItemFailures (-want +got):\n%s", diff)
	}
	for _, id := range []string{"a", "b"} {
		if n := len(awstest.LinesWith(awstest.AtLeastWarn(awstest.ParseLogLines(logs.Bytes())), "message_id", id)); n != 1 {
			t.Errorf("record %s: %d warn or error lines, want 1", id, n)
		}
	}
}

// cancelingRunner cancels the invocation's context, as SIGTERM would,
// during the first step it runs, and then fails with the context's error.
type cancelingRunner struct {
	StepRunner
	cancel context.CancelFunc
}

func (r cancelingRunner) Process(ctx context.Context, m liberator.Message) (liberator.Outcome, error) {
	r.cancel()
	<-ctx.Done()
	return liberator.Outcome{}, errors.Join(errors.New("describe snapshot: interrupted"), ctx.Err())
}
