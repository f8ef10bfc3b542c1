package main

import (
	"context"
	"sync"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Timings are the seconds spent in each pipeline stage of a run.
type Timings struct {
	Snapshot float64 `json:"snapshot"`
	Export   float64 `json:"export"`
	Land     float64 `json:"land"`
	Workflow float64 `json:"workflow"`
	// Landed is the time from the start until the landing zone was
	// published (before the raw-zone copy).
	Landed float64 `json:"landed"`
}

// timer accumulates stage durations on a clock.
type timer struct {
	mu    sync.Mutex
	clk   liberator.Clock
	start time.Time
	t     Timings
}

func (t *timer) measure(stage *float64) func() {
	begin := t.clk.Now()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		*stage += t.clk.Now().Sub(begin).Seconds()
	}
}

func (t *timer) timings() Timings {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.t
}

type timedSnapshotter struct {
	liberator.Snapshotter
	t *timer
}

func (s timedSnapshotter) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	defer s.t.measure(&s.t.t.Snapshot)()
	return s.Snapshotter.CreateSnapshot(ctx, req)
}

type timedExporter struct {
	liberator.Exporter
	t *timer
}

func (e timedExporter) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	defer e.t.measure(&e.t.t.Export)()
	return e.Exporter.StartExport(ctx, req)
}

type timedLander struct {
	liberator.Lander
	t *timer
}

func (l timedLander) Land(ctx context.Context, req liberator.LandRequest) (liberator.Manifest, error) {
	defer l.t.measure(&l.t.t.Land)()
	m, err := l.Lander.Land(ctx, req)
	if err == nil {
		l.t.mu.Lock()
		l.t.t.Landed = l.t.clk.Now().Sub(l.t.start).Seconds()
		l.t.mu.Unlock()
	}
	return m, err
}

type timedWorkflow struct {
	liberator.Workflow
	t *timer
}

func (w timedWorkflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	defer w.t.measure(&w.t.t.Workflow)()
	return w.Workflow.Start(ctx, req)
}
