package handlers

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// TestLambdaRuntimeShape invokes Steps.Invoke through aws-lambda-go's own
// handler wrapper, as the mains register it, and checks the JSON the
// runtime would send back for an SQS batch and for an EventBridge event.
func TestLambdaRuntimeShape(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{start: snapshotEventTime})
	w.addSnapshot(testSnapshotID)
	h := lambda.NewHandler(w.steps(SnapshotReadyEvents()).Invoke)

	out, err := h.Invoke(ctx, readTestdata(t, "sqs-sns-rds-event-0042.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"batchItemFailures":[]}` {
		t.Errorf("SQS response %s, want an empty batchItemFailures list", out)
	}
	out, err = h.Invoke(ctx, readTestdata(t, "eventbridge-rds-event-0042.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "null" {
		t.Errorf("EventBridge response %s, want null", out)
	}
	if got := w.exp.Tasks(); len(got) != 1 || got[0] != testExportID {
		t.Errorf("exports %v, want [%s] once", got, testExportID)
	}
}
