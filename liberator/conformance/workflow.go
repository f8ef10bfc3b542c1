package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// WorkflowHarness makes fresh Workflows for RunWorkflowTests.
type WorkflowHarness interface {
	// MakeWorkflow returns a Workflow with no runs. The harness cleans up
	// (t.Cleanup).
	MakeWorkflow(ctx context.Context, t *testing.T) liberator.Workflow
}

// RunWorkflowTests runs the Workflow conformance suite.
func RunWorkflowTests(t *testing.T, h WorkflowHarness) {
	t.Run("StartAndGetRun", func(t *testing.T) { testWorkflowStart(t, h) })
	t.Run("StartIsIdempotentOnRunKey", func(t *testing.T) { testWorkflowIdempotent(t, h) })
	t.Run("UnknownRunIsNotFound", func(t *testing.T) { testWorkflowUnknown(t, h) })
	if mh, ok := h.(MultiWorkflowHarness); ok {
		t.Run("ConcurrentStartsOfOneRunKey", func(t *testing.T) { testConcurrentStartsOfOneRunKey(t, mh) })
	}
}

func workflowReq(key string) liberator.WorkflowRequest {
	d := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	return liberator.WorkflowRequest{
		RunKey:     key,
		ImportDate: d,
		Properties: map[string]string{"conformance_property": "value-" + key},
		Manifest:   liberator.Manifest{Version: partition.ManifestVersion, ExportID: "exp-1", ImportDate: d},
	}
}

// checkRun checks run belongs to req: an id, the run key, and the run
// properties of req among its properties.
func checkRun(t *testing.T, what string, run liberator.WorkflowRun, req liberator.WorkflowRequest) {
	t.Helper()
	if run.ID == "" || run.RunKey != req.RunKey {
		t.Errorf("%s = %+v, want an id and run key %q", what, run, req.RunKey)
	}
	for k, v := range req.Properties {
		if run.Properties[k] != v {
			t.Errorf("%s: property %s = %q, want %q (properties %v)", what, k, run.Properties[k], v, run.Properties)
		}
	}
}

func testWorkflowStart(t *testing.T, h WorkflowHarness) {
	ctx := testContext(t)
	w := h.MakeWorkflow(ctx, t)
	req := workflowReq("20261124/exp-1")
	run, err := w.Start(ctx, req)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	checkRun(t, "Start", run, req)
	got, err := w.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatalf("GetRun(%s): %v", run.ID, err)
	}
	if got.ID != run.ID {
		t.Errorf("GetRun(%s) returned run %s", run.ID, got.ID)
	}
	checkRun(t, "GetRun", got, req)
}

func testWorkflowIdempotent(t *testing.T, h WorkflowHarness) {
	ctx := testContext(t)
	w := h.MakeWorkflow(ctx, t)
	req := workflowReq("20261124/exp-1")
	first, err := w.Start(ctx, req)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	again, err := w.Start(ctx, req)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if again.ID != first.ID {
		t.Errorf("second Start with run key %q started run %s, want the first run %s", req.RunKey, again.ID, first.ID)
	}
	other := workflowReq("20261125/exp-2")
	second, err := w.Start(ctx, other)
	if err != nil {
		t.Fatalf("Start(other key): %v", err)
	}
	if second.ID == first.ID {
		t.Errorf("runs for keys %q and %q share id %s", req.RunKey, other.RunKey, first.ID)
	}
	checkRun(t, "Start(other key)", second, other)
	for _, r := range []struct {
		run liberator.WorkflowRun
		req liberator.WorkflowRequest
	}{{first, req}, {second, other}} {
		got, err := w.GetRun(ctx, r.run.ID)
		if err != nil {
			t.Fatalf("GetRun(%s): %v", r.run.ID, err)
		}
		checkRun(t, "GetRun", got, r.req)
	}
}

func testWorkflowUnknown(t *testing.T, h WorkflowHarness) {
	ctx := testContext(t)
	w := h.MakeWorkflow(ctx, t)
	if _, err := w.GetRun(ctx, "wr_no_such_run"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("GetRun(unknown): %v, want ErrNotFound", err)
	}
}
