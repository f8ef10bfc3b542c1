package awsglue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var t0 = time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)

const wfName = "parking-liberator-data-workflow"

func setupGlue(t *testing.T, maxConcurrent int) (*awstest.Glue, *awsglue.Workflow) {
	t.Helper()
	f := awstest.NewGlue(liberator.NewVirtualClock(t0))
	t.Cleanup(f.Close)
	f.AddWorkflow(wfName, maxConcurrent)
	w, err := awsglue.New(f.Config(), awsglue.Options{Workflow: wfName, ScanRuns: 3})
	if err != nil {
		t.Fatal(err)
	}
	return f, w
}

func TestAWSWorkflowStartPinsRunProperties(t *testing.T) {
	ctx := context.Background()
	f, w := setupGlue(t, 0)
	date := liberator.Date{Year: 2026, Month: 11, Day: 24}
	req := liberator.WorkflowRequest{RunKey: "20261124/sql-to-parquet-26-11-24-031500", ImportDate: date, Properties: map[string]string{"source": "liberator"}}
	run, err := w.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantProps := map[string]string{"import_date": "20261124", "liberator_run_key": req.RunKey, "source": "liberator"}
	want := liberator.WorkflowRun{ID: f.Runs()[0].ID, RunKey: req.RunKey, Status: "RUNNING", Properties: wantProps, Started: t0}
	if diff := cmp.Diff(want, run); diff != "" {
		t.Errorf("Start (-want +got):\n%s", diff)
	}
	starts := f.Requests("StartWorkflowRun")
	wantParams := map[string]string{
		"Name": wfName, "RunProperties.import_date": "20261124",
		"RunProperties.liberator_run_key": req.RunKey, "RunProperties.source": "liberator",
	}
	if len(starts) != 1 {
		t.Fatalf("%d StartWorkflowRun requests", len(starts))
	}
	if diff := cmp.Diff(wantParams, starts[0].Params); diff != "" {
		t.Errorf("StartWorkflowRun params (-want +got):\n%s", diff)
	}
	if got := f.Requests("GetWorkflowRuns")[0].Params["IncludeGraph"]; got != "false" {
		t.Errorf("GetWorkflowRuns IncludeGraph %q", got)
	}
}

func TestAWSWorkflowStartIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f, w := setupGlue(t, 0)
	date := liberator.Date{Year: 2026, Month: 11, Day: 24}
	first, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k1", ImportDate: date})
	if err != nil {
		t.Fatal(err)
	}
	// Newer runs push it to the second page of GetWorkflowRuns (page size 3).
	for _, k := range []string{"k2", "k3", "k4"} {
		if _, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: k, ImportDate: date}); err != nil {
			t.Fatal(err)
		}
	}
	f.SetRunStatus(first.ID, "COMPLETED")
	w2, err := awsglue.New(f.Config(), awsglue.Options{Workflow: wfName, ScanRuns: 10})
	if err != nil {
		t.Fatal(err)
	}
	again, err := w2.Start(ctx, liberator.WorkflowRequest{RunKey: "k1", ImportDate: date})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Status != "COMPLETED" || len(f.Runs()) != 4 {
		t.Errorf("second Start: run %s (%s), %d runs; want %s and 4 runs", again.ID, again.Status, len(f.Runs()), first.ID)
	}
	got, err := w.GetRun(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunKey != "k1" || got.Properties["import_date"] != "20261124" {
		t.Errorf("GetRun: %+v", got)
	}
}

func TestAWSWorkflowErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		prep func(f *awstest.Glue, w *awsglue.Workflow)
		call func(w *awsglue.Workflow) error
		want error
	}{
		{"concurrent runs exceeded", func(f *awstest.Glue, w *awsglue.Workflow) {
			if _, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "other"}); err != nil {
				t.Fatal(err)
			}
		}, func(w *awsglue.Workflow) error {
			_, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k"})
			return err
		}, liberator.ErrThrottled},
		{"throttled listing", func(f *awstest.Glue, w *awsglue.Workflow) {
			f.FailNext("GetWorkflowRuns", 1, awstest.Fault{Code: awstest.CodeGlueThrottling})
		}, func(w *awsglue.Workflow) error {
			_, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k"})
			return err
		}, liberator.ErrThrottled},
		{"unknown run", nil, func(w *awsglue.Workflow) error {
			_, err := w.GetRun(ctx, "wr_missing")
			return err
		}, liberator.ErrNotFound},
		{"empty run key", nil, func(w *awsglue.Workflow) error {
			_, err := w.Start(ctx, liberator.WorkflowRequest{})
			return err
		}, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, w := setupGlue(t, 1)
			if tt.prep != nil {
				tt.prep(f, w)
			}
			if err := tt.call(w); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want kind %v", err, tt.want)
			}
		})
	}
}

// TestAWSWorkflowBackdated: a backdated run starts the backdated workflow
// with the run's import_date in its run properties (its jobs read that
// date, not only recent partitions); a normal run starts the normal one;
// each is idempotent in its own workflow and GetRun finds runs of both.
// Without a backdated workflow configured, both start the normal one.
func TestAWSWorkflowBackdated(t *testing.T) {
	const backdatedName = "parking-liberator-backdated-data-workflow"
	old := liberator.Date{Year: 2026, Month: 10, Day: 2}
	today := liberator.Date{Year: 2026, Month: 11, Day: 24}
	tests := []struct {
		name          string
		backdated     string
		wantBackdated string // the workflow the backdated run starts
	}{
		{"backdated workflow configured", backdatedName, backdatedName},
		{"none configured", "", wfName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := awstest.NewGlue(liberator.NewVirtualClock(t0))
			defer f.Close()
			f.AddWorkflow(wfName, 1)
			f.AddWorkflow(backdatedName, 1)
			w, err := awsglue.New(f.Config(), awsglue.Options{Workflow: wfName, BackdatedWorkflow: tt.backdated})
			if err != nil {
				t.Fatal(err)
			}
			back := liberator.WorkflowRequest{RunKey: "20261002/sql-to-parquet-2026-10-02-backdated", ImportDate: old, Backdated: true}
			run, err := w.Start(ctx, back)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := w.Start(ctx, back); err != nil || again.ID != run.ID {
				t.Errorf("second Start = %+v, %v; want run %s", again, err, run.ID)
			}
			if got, err := w.GetRun(ctx, run.ID); err != nil || got.ID != run.ID || got.Properties["import_date"] != "20261002" {
				t.Errorf("GetRun(backdated run) = %+v, %v", got, err)
			}
			normal := liberator.WorkflowRequest{RunKey: "20261124/sql-to-parquet-26-11-24-031500", ImportDate: today}
			if tt.wantBackdated == wfName {
				f.SetRunStatus(run.ID, "COMPLETED") // one run at a time
			}
			if _, err := w.Start(ctx, normal); err != nil {
				t.Fatal(err)
			}
			type started struct{ Workflow, ImportDate, RunKey string }
			var got []started
			for _, r := range f.Requests("StartWorkflowRun") {
				got = append(got, started{r.Params["Name"], r.Params["RunProperties.import_date"], r.Params["RunProperties.liberator_run_key"]})
			}
			want := []started{{tt.wantBackdated, "20261002", back.RunKey}, {wfName, "20261124", normal.RunKey}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("StartWorkflowRun requests (-want +got):\n%s", diff)
			}
		})
	}
}
