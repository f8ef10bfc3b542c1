package awsglue_test

import (
	"context"
	"testing"

	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
)

// awsHarness runs the Workflow suite with the real Glue client against the
// local Glue JSON 1.1 server.
type awsHarness struct{}

func (awsHarness) MakeWorkflow(ctx context.Context, t *testing.T) liberator.Workflow {
	f := awstest.NewGlue(liberator.NewVirtualClock(t0))
	t.Cleanup(f.Close)
	f.AddWorkflow(wfName, 0)
	w, err := awsglue.New(f.Config(), awsglue.Options{Workflow: wfName})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// MakeWorkflows returns n Workflows, each with its own Glue client, on one
// local Glue account (the concurrent-Start case).
func (awsHarness) MakeWorkflows(ctx context.Context, t *testing.T, n int) []liberator.Workflow {
	f := awstest.NewGlue(liberator.NewVirtualClock(t0))
	t.Cleanup(f.Close)
	f.AddWorkflow(wfName, 0)
	var out []liberator.Workflow
	for range n {
		w, err := awsglue.New(f.Config(), awsglue.Options{Workflow: wfName})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, w)
	}
	return out
}

func TestAWSWorkflowConformance(t *testing.T) { conformance.RunWorkflowTests(t, awsHarness{}) }
