package handlers

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// TestLambdaRuntimeShape invokes Steps.Invoke and DumpUploaded.Invoke
// through aws-lambda-go's own handler wrapper, as the mains register them
// (ForLambda), and checks the JSON the runtime would send back for an SQS
// batch, for an EventBridge event, and the errorType of a payload that is
// not JSON.
func TestLambdaRuntimeShape(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{start: snapshotEventTime})
	w.addSnapshot(testSnapshotID)
	h := lambda.NewHandler(ForLambda(w.steps(SnapshotReadyEvents()).Invoke))

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

	srv := newECSServer(t)
	d := lambda.NewHandler(ForLambda(newDumpHandler(srv).Invoke))
	out, err = d.Invoke(ctx, readTestdata(t, "eventbridge-s3-object-created.json"))
	if err != nil || string(out) != "null" || srv.tasks() != 1 {
		t.Errorf("dump-uploaded = %s, %v (%d tasks); want null and one task", out, err, srv.tasks())
	}
	for name, h := range map[string]lambda.Handler{"steps": h, "dump-uploaded": d} {
		_, err := h.Invoke(ctx, []byte(`{"detail-type": "Object Cre`))
		if e, ok := err.(messages.InvokeResponse_Error); !ok || e.Type != "Invalid" {
			t.Errorf("%s: truncated payload = %#v, want errorType Invalid", name, err)
		}
	}
}
