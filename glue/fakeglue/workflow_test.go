package fakeglue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestWorkflow(t *testing.T) {
	ctx := context.Background()
	w := fakeglue.New(fakeglue.Options{Clock: liberator.NewVirtualClock(t0)})
	props := map[string]string{"import_date": "20261124"}
	r1, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k1", Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	props["import_date"] = "mutated"
	r1b, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []liberator.WorkflowRun{
		{ID: "wr_0001", RunKey: "k1", Status: "RUNNING", Properties: map[string]string{"import_date": "20261124"}, Started: t0},
		{ID: "wr_0002", RunKey: "k2", Status: "RUNNING", Started: t0},
	}
	if diff := cmp.Diff(want, w.Runs()); diff != "" {
		t.Errorf("Runs mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(r1, r1b); diff != "" {
		t.Errorf("second Start of k1 differs (-first +second):\n%s", diff)
	}
	got, err := w.GetRun(ctx, r2.ID)
	if err != nil || got.RunKey != "k2" {
		t.Errorf("GetRun = %+v, %v", got, err)
	}
	if _, err := w.GetRun(ctx, "nope"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("GetRun(nope) = %v, want ErrNotFound", err)
	}
	w.Faults.FailFirst(fakeglue.OpStartWorkflow, 1, liberator.ErrTransient)
	if _, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k3"}); !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("faulted Start = %v, want ErrTransient", err)
	}
	if len(w.Runs()) != 2 {
		t.Errorf("a failed Start recorded a run")
	}
}
