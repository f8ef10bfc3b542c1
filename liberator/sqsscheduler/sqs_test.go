package sqsscheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestDelaySeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int32
	}{{0, 0}, {-time.Second, 0}, {1500 * time.Millisecond, 2}, {30 * time.Second, 30}, {900 * time.Second, 900}, {2 * time.Hour, 900}}
	for _, tt := range tests {
		if got := sqsscheduler.DelaySeconds(tt.d); got != tt.want {
			t.Errorf("DelaySeconds(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func setup(t *testing.T) (*awstest.SQS, *sqsscheduler.Scheduler, *liberator.VirtualClock, string) {
	t.Helper()
	clk := liberator.NewVirtualClock(t0)
	f := awstest.NewSQS(clk)
	t.Cleanup(f.Close)
	f.AdvanceWhenIdle = true
	// gocloud sends acks in the background; a long visibility timeout keeps
	// a delivered message from reappearing while the clock jumps ahead.
	f.VisibilityTimeout = 12 * time.Hour
	q := f.CreateQueue("liberator-pipeline")
	s, err := sqsscheduler.New(context.Background(), f.Config(), sqsscheduler.Options{QueueURL: q, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return f, s, clk, q
}

func TestSchedulerDelaysAndChains(t *testing.T) {
	ctx := context.Background()
	f, s, clk, q := setup(t)
	msgs := []struct {
		run   string
		delay time.Duration
	}{{"late", 2 * time.Hour}, {"now", 0}, {"soon", 30 * time.Second}}
	for _, m := range msgs {
		if err := s.Schedule(ctx, liberator.Message{Step: liberator.StepSnapshotCheck, RunID: m.run}, m.delay); err != nil {
			t.Fatal(err)
		}
	}
	type got struct {
		Run string
		At  time.Duration
	}
	var order []got
	for range msgs {
		d, err := s.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := clk.Now()
		if now.Before(d.Message.NotBefore) {
			t.Errorf("%s delivered at %s, before its due time %s", d.Message.RunID, now, d.Message.NotBefore)
		}
		order = append(order, got{d.Message.RunID, now.Sub(t0)})
		if err := d.Ack(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []got{{"now", 0}, {"soon", 30 * time.Second}, {"late", 2 * time.Hour}}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("delivery order and times (-want +got):\n%s", diff)
	}
	// The 2 h message went out with 900 s and was re-sent 7 times for the remainder.
	var delays []string
	for _, r := range f.Requests("SendMessageBatch") {
		for i := 1; ; i++ {
			v, ok := r.Params["Entries."+itoa(i)+".DelaySeconds"]
			if !ok {
				if _, ok := r.Params["Entries."+itoa(i)+".MessageBody"]; ok {
					delays = append(delays, "0")
					continue
				}
				break
			}
			delays = append(delays, v)
		}
	}
	wantDelays := []string{"900", "0", "30", "900", "900", "900", "900", "900", "900", "900"}
	if diff := cmp.Diff(wantDelays, delays); diff != "" {
		t.Errorf("DelaySeconds sent (-want +got):\n%s", diff)
	}
	// Acks deleted everything (Close flushes the pending acks).
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if left := f.Messages(q); len(left) != 0 {
		t.Errorf("%d messages left in the queue after acks: %+v (now %s)", len(left), left, clk.Now())
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestFakeRejectsDelayOver900(t *testing.T) {
	f := awstest.NewSQS(liberator.NewVirtualClock(t0))
	defer f.Close()
	q := f.CreateQueue("q")
	c := sqs.NewFromConfig(f.Config())
	_, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), DelaySeconds: 901})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("DelaySeconds 901: %v, want InvalidParameterValue", err)
	}
	_, err = c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	if !errors.As(err, &ae) || ae.ErrorCode() != awstest.CodeQueueDoesNotExist {
		t.Errorf("GetQueueUrl missing: %v", err)
	}
}

func TestOpenValidates(t *testing.T) {
	_, err := sqsscheduler.New(context.Background(), awstest.Config("http://127.0.0.1:1"), sqsscheduler.Options{})
	if !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("no queue URL: %v", err)
	}
}

func TestReceiveDecodesRDSEvents(t *testing.T) {
	ctx := context.Background()
	f, s, _, q := setup(t)
	n := awstest.RDSNotification{EventID: "RDS-EVENT-0042", SourceID: "sql-to-parquet-26-11-24-031500",
		SourceARN: awstest.SnapshotARN("sql-to-parquet-26-11-24-031500"), Message: "Manual snapshot created", Time: t0}
	ignored := n
	ignored.EventID = "RDS-EVENT-0091" // automated snapshot created
	f.Inject(q, "not json")
	f.Inject(q, ignored.EventBridge())
	f.Inject(q, n.SNSEnvelope("arn:aws:sns:eu-west-2:123456789012:rds-events"))

	if _, err := s.Receive(ctx); !errors.Is(err, liberator.ErrInvalid) {
		t.Fatalf("garbage: %v, want ErrInvalid", err)
	}
	d, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Message.Step != liberator.StepSnapshotCheck || d.Message.SnapshotID != "sql-to-parquet-26-11-24-031500" {
		t.Errorf("got %+v, want the snapshot check the 0042 event starts", d.Message)
	}
	if err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if left := f.Messages(q); len(left) != 0 {
		t.Errorf("%d messages left; the garbage, the ignored event and the acked one should be deleted", len(left))
	}
}
