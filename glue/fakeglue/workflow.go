package fakeglue

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/fault"
)

// Operation names passed to the Faults injector.
const (
	OpStartWorkflow = "Start"
	OpGetRun        = "GetRun"
)

// Options configures a Workflow.
type Options struct {
	// Clock stamps the runs' Started time (default RealClock{}).
	Clock liberator.Clock
	// Status is the status new runs report (default "RUNNING").
	Status string
}

// Workflow is an in-memory liberator.Workflow that records its runs. Run ids
// are "wr_0001", "wr_0002", … in start order.
type Workflow struct {
	// Faults injects errors; ops are OpStartWorkflow (keyed by run key) and
	// OpGetRun (keyed by run id).
	Faults *fault.Injector

	opts  Options
	mu    sync.Mutex
	runs  []liberator.WorkflowRun
	reqs  []liberator.WorkflowRequest
	byKey map[string]int
}

// New returns a Workflow with no runs.
func New(opts Options) *Workflow {
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Status == "" {
		opts.Status = "RUNNING"
	}
	return &Workflow{Faults: &fault.Injector{}, opts: opts, byKey: map[string]int{}}
}

// Start starts a run for req.RunKey, or returns the run already started for it.
func (w *Workflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	if err := ctx.Err(); err != nil {
		return liberator.WorkflowRun{}, err
	}
	if err := w.Faults.Check(OpStartWorkflow, req.RunKey); err != nil {
		return liberator.WorkflowRun{}, err
	}
	if req.RunKey == "" {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrInvalid, "start workflow", "", "empty run key")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if i, ok := w.byKey[req.RunKey]; ok {
		return cloneRun(w.runs[i]), nil
	}
	run := liberator.WorkflowRun{
		ID:         fmt.Sprintf("wr_%04d", len(w.runs)+1),
		RunKey:     req.RunKey,
		Status:     w.opts.Status,
		Properties: maps.Clone(req.Properties),
		Started:    w.opts.Clock.Now().UTC(),
	}
	w.byKey[req.RunKey] = len(w.runs)
	w.runs = append(w.runs, run)
	w.reqs = append(w.reqs, req)
	return cloneRun(run), nil
}

// GetRun returns run id.
func (w *Workflow) GetRun(ctx context.Context, id string) (liberator.WorkflowRun, error) {
	if err := ctx.Err(); err != nil {
		return liberator.WorkflowRun{}, err
	}
	if err := w.Faults.Check(OpGetRun, id); err != nil {
		return liberator.WorkflowRun{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.runs {
		if r.ID == id {
			return cloneRun(r), nil
		}
	}
	return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrNotFound, "get workflow run", id, "no such run")
}

// Runs returns the started runs in start order.
func (w *Workflow) Runs() []liberator.WorkflowRun {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]liberator.WorkflowRun, len(w.runs))
	for i, r := range w.runs {
		out[i] = cloneRun(r)
	}
	return out
}

// Requests returns the requests that started runs (one per run, in order),
// manifests included.
func (w *Workflow) Requests() []liberator.WorkflowRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]liberator.WorkflowRequest(nil), w.reqs...)
}

// SetStatus sets the status of run id (e.g. "SUCCEEDED"); ErrNotFound if none.
func (w *Workflow) SetStatus(id, status string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.runs {
		if w.runs[i].ID == id {
			w.runs[i].Status = status
			return nil
		}
	}
	return liberator.Errorf(liberator.ErrNotFound, "set workflow status", id, "no such run")
}

func cloneRun(r liberator.WorkflowRun) liberator.WorkflowRun {
	r.Properties = maps.Clone(r.Properties)
	return r
}

var _ liberator.Workflow = (*Workflow)(nil)
