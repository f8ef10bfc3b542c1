package liberator

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Result describes a finished run.
type Result struct {
	RunID         string
	ImportDate    Date
	SnapshotID    string
	ExportID      string
	Manifest      Manifest
	WorkflowRunID string
	// Export is the finished export as its Exporter described it (tables
	// report, skipped objects, SQL read), when this process landed it.
	Export ExportInfo
	// Workflow is the started workflow run (with the tables' outputs when
	// the workflow reports them), when this process started it.
	Workflow WorkflowRun
	// Changes is what changed since the last published import (with the
	// gate's verdict when a gate is set), when this process compared them;
	// it is set too when the gate stopped the run.
	Changes *Changes
	// Steps counts the messages of this run that Run handled (re-checks
	// included, dropped duplicates excluded).
	Steps int
}

// stepOrder gives each step's position in a run.
var stepOrder = map[Step]int{
	StepDumpUploaded:    0,
	StepSnapshotCheck:   1,
	StepExportCheck:     2,
	StepLanded:          3,
	StepWorkflowStarted: 4,
}

// Run drives the run that starts with m (see NewRunMessage) to its end in
// this process: it schedules m, then receives due messages from the
// pipeline's scheduler, handles them, schedules their successors and acks
// them, until the run's StepWorkflowStarted message is handled (returning
// the Result) or a step ends the run (returning the Result so far and the
// error). On a VirtualClock with the in-memory scheduler the hour-long waits
// take no time.
//
// Run is meant to own its scheduler (the default private MemScheduler).
// Messages of other runs that it receives are processed like any worker
// would (so they are not lost) but their errors are only logged. Within
// its own run, Run drops (acks without handling) exact duplicate deliveries
// and messages of steps the run has already gone past, so replayed or
// reordered messages start no second export or workflow run; handlers are
// idempotent anyway.
func (p *Pipeline) Run(ctx context.Context, m Message) (Result, error) {
	if m.Version == 0 {
		m.Version = MessageVersion
	}
	res := Result{RunID: m.RunID, ImportDate: m.ImportDate, SnapshotID: m.SnapshotID, ExportID: m.ExportID}
	if err := p.Start(ctx, m); err != nil {
		return res, err
	}
	seen := map[string]bool{}
	done := -1 // highest step of this run that has been completed
	for {
		d, err := p.sched.Receive(ctx)
		if err != nil {
			return res, fmt.Errorf("liberator: run %s: receive: %w", m.RunID, err)
		}
		msg := d.Message
		if msg.RunID != m.RunID {
			if _, err := p.Process(ctx, msg); err != nil {
				p.log.ErrorContext(ctx, "message of another run failed", "run_id", msg.RunID, "step", string(msg.Step), "err", err)
			}
			if err := ack(ctx, d); err != nil {
				return res, err
			}
			continue
		}
		key := dedupeKey(msg)
		if seen[key] || stepOrder[msg.Step] <= done {
			p.log.DebugContext(ctx, "dropping duplicate or stale message", "run_id", msg.RunID, "step", string(msg.Step), "attempt", msg.Attempt)
			if err := ack(ctx, d); err != nil {
				return res, err
			}
			continue
		}
		seen[key] = true
		res.Steps++
		out, err := p.Handle(ctx, msg)
		if out.Export != nil {
			res.Export = *out.Export
		}
		if out.Changes != nil {
			res.Changes = out.Changes
		}
		if err != nil {
			if aerr := ack(ctx, d); aerr != nil {
				err = errors.Join(err, aerr)
			}
			return res, err
		}
		if out.Next == nil {
			if err := ack(ctx, d); err != nil {
				return res, err
			}
			return res, nil
		}
		n := out.Next
		if n.Step != msg.Step {
			done = stepOrder[msg.Step]
		}
		if n.SnapshotID != "" {
			res.SnapshotID = n.SnapshotID
		}
		if n.ExportID != "" {
			res.ExportID = n.ExportID
		}
		if out.Manifest != nil {
			res.Manifest = *out.Manifest
		} else if n.Manifest != nil && res.Manifest.ExportID != n.Manifest.ExportID {
			res.Manifest = *n.Manifest // landed elsewhere: as the message carries it
		}
		if n.WorkflowRunID != "" {
			res.WorkflowRunID = n.WorkflowRunID
		}
		if out.Workflow != nil {
			res.Workflow = *out.Workflow
		}
		// Schedule before acking: a crash in between duplicates, never loses.
		if err := p.sched.Schedule(ctx, *n, out.Delay); err != nil {
			return res, fmt.Errorf("liberator: run %s: schedule %s: %w", m.RunID, n.Step, err)
		}
		if err := ack(ctx, d); err != nil {
			return res, err
		}
	}
}

func ack(ctx context.Context, d Delivery) error {
	if d.Ack == nil {
		return nil
	}
	if err := d.Ack(ctx); err != nil {
		return fmt.Errorf("liberator: run %s: ack %s: %w", d.Message.RunID, d.Message.Step, err)
	}
	return nil
}

// dedupeKey identifies a message up to its delivery time.
func dedupeKey(m Message) string {
	m.NotBefore = time.Time{}
	b, err := m.Encode()
	if err != nil {
		return fmt.Sprintf("%s|%d|%d|%s", m.Step, m.Attempt, m.ErrorRetries, m.StepStarted)
	}
	return string(b)
}
