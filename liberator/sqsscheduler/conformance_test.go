package sqsscheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
)

// conformanceHarness runs the Scheduler suite through gocloud's awssnssqs
// and the real SQS client against the local SQS JSON server on a virtual
// clock that moves while the consumer is idle.
type conformanceHarness struct{}

func (conformanceHarness) MakeScheduler(ctx context.Context, t *testing.T) conformance.SchedulerFixture {
	clk := liberator.NewVirtualClock(t0)
	f := awstest.NewSQS(clk)
	t.Cleanup(f.Close)
	f.AdvanceWhenIdle = true
	f.RedeliverWhenIdle = true // UnackedIsRedelivered
	f.VisibilityTimeout = 12 * time.Hour
	q := f.CreateQueue("liberator-pipeline")
	s, err := sqsscheduler.New(ctx, f.Config(), sqsscheduler.Options{QueueURL: q, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return conformance.SchedulerFixture{Scheduler: s, Clock: clk}
}

func TestConformance(t *testing.T) { conformance.RunSchedulerTests(t, conformanceHarness{}) }
