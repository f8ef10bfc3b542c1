package liberator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config composes a Pipeline. Snapshotter, Exporter, Lander and Workflow are
// required; the rest have defaults.
type Config struct {
	Snapshotter Snapshotter
	Exporter    Exporter
	Lander      Lander
	Workflow    Workflow
	// Scheduler carries the messages between steps. Default: a private
	// NewMemScheduler on Clock (fine for Run; a Lambda deployment passes a
	// package pubsubscheduler).
	Scheduler Scheduler
	// Clock tells the time for snapshot ids, deadlines and delays. Default
	// RealClock{}.
	Clock Clock
	// Logger receives one record per handled step (run_id, step, attempt).
	// Default: a logger that discards everything.
	Logger *slog.Logger
	// Retry is the re-check/backoff policy. The zero value means
	// DefaultRetryPolicy().
	Retry RetryPolicy
	// Tables, if not empty, restricts the export and the landing to these
	// tables, named "<db>.<table>" ("PCN_IC"): the form RDS's
	// ExportOnly takes, which the Lander accepts too.
	Tables []string
	// KeepSnapshots is how many available snapshots of the pipeline (ids
	// starting SnapshotIDPrefix) a run keeps, its own included, once its
	// own snapshot is available: the older ones are deleted then (see
	// PruneSnapshots), never before, so a bad dump loses none. 0 means
	// DefaultKeepSnapshots; KeepAllSnapshots (any negative value) turns
	// pruning off; 1 still keeps one older snapshot as a fallback. AWS
	// Backup's snapshots ("awsbackup…"), snapshots of other names, those
	// still creating and those of later runs are never deleted. Pruning
	// errors are logged, never fail the run. RDS allows about 100 manual
	// snapshots per region, which is why pruning is on by default.
	KeepSnapshots int
	// ProtectSnapshots lists more snapshot id prefixes pruning never
	// deletes ("awsbackup" always is).
	ProtectSnapshots []string
	// Gate may stop a run whose export changed too much since the last
	// published import (see Gate; ParseGate reads it from text). The zero
	// Gate is off. A Gate that is not off needs a Lander that implements
	// History.
	Gate Gate
}

// Pipeline runs the import as a state machine driven by Messages:
//
//	dump_uploaded → snapshot_check → export_check → landed → workflow_started
//
// Handle runs one idempotent step (one Lambda invocation), Process runs a
// step and schedules its successor, Run drives a whole run in one process.
// A Pipeline is safe for concurrent use if its components are.
type Pipeline struct {
	snap  Snapshotter
	exp   Exporter
	land  Lander
	wf    Workflow
	sched Scheduler
	clk   Clock
	log   *slog.Logger
	retry RetryPolicy

	tables  []string
	keep    int // snapshots kept, the run's included; < 0: no pruning
	protect []string
	gate    Gate
}

// New checks cfg and returns a Pipeline. A missing component or a bad retry
// policy is refused with an error wrapping ErrInvalid.
func New(cfg Config) (*Pipeline, error) {
	var missing []string
	if cfg.Snapshotter == nil {
		missing = append(missing, "Snapshotter")
	}
	if cfg.Exporter == nil {
		missing = append(missing, "Exporter")
	}
	if cfg.Lander == nil {
		missing = append(missing, "Lander")
	}
	if cfg.Workflow == nil {
		missing = append(missing, "Workflow")
	}
	if len(missing) > 0 {
		return nil, Errorf(ErrInvalid, "new pipeline", "config", "missing %v", missing)
	}
	if err := CheckPairing(cfg.Snapshotter, cfg.Exporter); err != nil {
		return nil, err
	}
	p := &Pipeline{
		snap: cfg.Snapshotter, exp: cfg.Exporter, land: cfg.Lander, wf: cfg.Workflow,
		sched: cfg.Scheduler, clk: cfg.Clock, log: cfg.Logger, retry: cfg.Retry,
		tables: append([]string(nil), cfg.Tables...), keep: cfg.KeepSnapshots,
		protect: append([]string(nil), cfg.ProtectSnapshots...), gate: cfg.Gate,
	}
	if err := checkGate(cfg.Gate, cfg.Lander); err != nil {
		return nil, err
	}
	if p.clk == nil {
		p.clk = RealClock{}
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.retry == (RetryPolicy{}) {
		p.retry = DefaultRetryPolicy()
	}
	if err := p.retry.Validate(); err != nil {
		return nil, NewError(ErrInvalid, "new pipeline", "config.Retry", err)
	}
	if p.keep == 0 {
		p.keep = DefaultKeepSnapshots
	}
	if p.sched == nil {
		p.sched = NewMemScheduler(p.clk, MemSchedulerOptions{})
	}
	return p, nil
}

// Scheduler returns the pipeline's scheduler (the default one if Config had
// none).
func (p *Pipeline) Scheduler() Scheduler { return p.sched }

// Outcome is the result of one handled step.
//
//   - Next != nil: schedule Next after Delay (a new step, or a re-check of
//     the same step with Attempt+1).
//   - Next == nil: the run is finished (StepWorkflowStarted was handled).
//
// A step that ends the run for good is reported as Handle's error instead.
type Outcome struct {
	Next  *Message
	Delay time.Duration
	// Retried is the error that made this a re-check, if any (a retryable
	// backend error or an unclassified one still within MaxErrorRetries).
	// It is informational: the run goes on.
	Retried error
	// Export is the finished export, set by the step that landed it.
	Export *ExportInfo
	// Workflow is the started workflow run, set by the step that started it.
	Workflow *WorkflowRun
	// Changes is what changed since the last published import, set by the
	// step that compared them (also when the gate stopped the run).
	Changes *Changes
	// Manifest is the manifest Land returned, whole, set by the step that
	// landed (Next.Manifest omits the columns and changes).
	Manifest *Manifest
}

// Start schedules a run's first message (see NewRunMessage) with no delay.
func (p *Pipeline) Start(ctx context.Context, m Message) error {
	if err := checkMessage(m); err != nil {
		return err
	}
	return p.sched.Schedule(ctx, m, 0)
}

// Process handles one message and schedules its successor on the pipeline's
// scheduler. It is what a queue-triggered worker (Lambda) runs per message:
// on a nil error the message may be acked. The error is Handle's (the run
// ended) or a scheduling failure (the message should not be acked, so it is
// delivered again).
func (p *Pipeline) Process(ctx context.Context, m Message) (Outcome, error) {
	out, err := p.Handle(ctx, m)
	if err != nil {
		return out, err
	}
	if out.Next != nil {
		if err := p.sched.Schedule(ctx, *out.Next, out.Delay); err != nil {
			return out, fmt.Errorf("liberator: run %s: schedule %s: %w", m.RunID, out.Next.Step, err)
		}
	}
	return out, nil
}

func checkMessage(m Message) error {
	if m.Version != MessageVersion {
		return Errorf(ErrInvalid, "handle", m.RunID, "unsupported message version %d (want %d)", m.Version, MessageVersion)
	}
	if m.Provisional {
		if m.RunID == "" || (m.SnapshotID == "" && m.ExportID == "") {
			return Errorf(ErrInvalid, "handle", m.RunID, "provisional message lacks run id, or snapshot and export id")
		}
		return nil
	}
	if m.RunID == "" || m.Dump.Key == "" || m.ImportDate.IsZero() {
		return Errorf(ErrInvalid, "handle", m.RunID, "message lacks run id, dump key or import date")
	}
	return nil
}

// Handle runs one step of a run and says what comes next. It is idempotent:
// handling the same message twice starts no second snapshot, export or
// workflow run, because every backend call it makes is idempotent on an id
// derived from the message.
//
// Backend errors wrapping ErrNotReady, ErrThrottled or ErrTransient (and
// ErrNotFound while waiting for a snapshot or export that a reordered
// message has not created yet) become a re-check after a backoff; other
// errors of no known kind are retried at most RetryPolicy.MaxErrorRetries
// times; ErrInvalid and ErrTerminal end the run. A step not done by
// StepStarted + RetryPolicy.Deadline ends the run with an error wrapping
// ErrTerminal that names the step and the snapshot or export. If ctx ends
// while a backend call fails, Handle returns ctx's error: the message should
// not be acked, so that it is delivered again. A Provisional message (made
// from an RDS event) is resolved first (Resolve): its step runs for the
// run, import date included, that its snapshot was made for.
func (p *Pipeline) Handle(ctx context.Context, m Message) (Outcome, error) {
	if err := checkMessage(m); err != nil {
		return Outcome{}, err
	}
	now := p.clk.Now()
	if m.StepStarted.IsZero() {
		m.StepStarted = now
	}
	log := p.log.With("run_id", m.RunID, "step", string(m.Step), "attempt", m.Attempt)
	var (
		out Outcome
		err error
	)
	if m.Provisional {
		r, rerr := p.Resolve(ctx, m)
		if rerr != nil {
			out, err = p.onError(m, "resolve the run of "+subject(m), rerr, true)
		} else {
			m = r
			log = p.log.With("run_id", m.RunID, "step", string(m.Step), "attempt", m.Attempt)
		}
	}
	switch {
	case out.Next != nil || err != nil: // the run could not be resolved yet
	case m.Step == StepDumpUploaded:
		out, err = p.dumpUploaded(ctx, m)
	case m.Step == StepSnapshotCheck:
		out, err = p.snapshotCheck(ctx, m)
	case m.Step == StepExportCheck:
		out, err = p.exportCheck(ctx, m)
	case m.Step == StepLanded:
		out, err = p.landed(ctx, m)
	case m.Step == StepWorkflowStarted:
		log.InfoContext(ctx, "run finished", "workflow_run_id", m.WorkflowRunID)
		return Outcome{}, nil
	default:
		err = Errorf(ErrInvalid, "handle", m.RunID, "unknown step %q", m.Step)
	}
	if cerr := ctx.Err(); cerr != nil && (err != nil || out.Retried != nil) {
		// Interrupted: neither a verdict on the run nor a spent retry.
		return Outcome{}, fmt.Errorf("liberator: run %s: step %s interrupted: %w", m.RunID, m.Step, cerr)
	}
	switch {
	case err != nil:
		log.ErrorContext(ctx, "run failed", "err", err)
	case out.Retried != nil:
		log.WarnContext(ctx, "step will be retried", "delay", out.Delay, "next_attempt", out.Next.Attempt, "err", out.Retried)
	case out.Next != nil && out.Next.Step == m.Step:
		log.InfoContext(ctx, "step not done yet", "delay", out.Delay, "next_attempt", out.Next.Attempt)
	case out.Next != nil:
		log.InfoContext(ctx, "step done", "next", string(out.Next.Step), "delay", out.Delay)
	}
	return out, err
}

// advance returns the first message of step next, continuing m.
func (p *Pipeline) advance(m Message, next Step, delay time.Duration) Outcome {
	n := m
	n.Step = next
	n.Attempt = 0
	n.ErrorRetries = 0
	n.StepStarted = p.clk.Now()
	n.NotBefore = time.Time{}
	return Outcome{Next: &n, Delay: delay}
}

// subject names what a step waits on, for errors.
func subject(m Message) string {
	switch m.Step {
	case StepSnapshotCheck, StepDumpUploaded:
		if m.SnapshotID != "" {
			return "snapshot " + m.SnapshotID
		}
		return "dump " + m.Dump.Key
	case StepExportCheck:
		return "export " + m.ExportID
	default:
		return "run " + m.RunID
	}
}

// recheck re-schedules m's step after a backoff because it is not done yet
// (cause == nil or a retryable/not-found cause) or because of an error of
// no known kind (unknown == true), unless the deadline or the error budget
// is spent.
func (p *Pipeline) recheck(m Message, cause error, unknown bool) (Outcome, error) {
	now := p.clk.Now()
	deadline := m.StepStarted.Add(p.retry.Deadline)
	what := subject(m)
	if unknown {
		if m.ErrorRetries >= p.retry.MaxErrorRetries {
			return Outcome{}, NewError(ErrTerminal, string(m.Step), what,
				fmt.Errorf("gave up after %d retries: %w", m.ErrorRetries, cause))
		}
	}
	if !now.Before(deadline) {
		last := ""
		if cause != nil {
			last = fmt.Sprintf("; last error: %v", cause)
		}
		return Outcome{}, Errorf(ErrTerminal, string(m.Step), what,
			"timed out: not done %s after the step started at %s (%d checks)%s",
			p.retry.Deadline, m.StepStarted.UTC().Format(time.RFC3339), m.Attempt+1, last)
	}
	n := m
	n.Attempt++
	if unknown {
		n.ErrorRetries++
	}
	n.NotBefore = time.Time{}
	delay := p.retry.Delay(n.Attempt)
	if rem := deadline.Sub(now); delay > rem {
		delay = rem // last check exactly at the deadline
	}
	return Outcome{Next: &n, Delay: delay, Retried: cause}, nil
}

// onError classifies a backend error: retry (with backoff) or end the run.
// notFoundRetries says whether ErrNotFound means "not there yet". An
// endpoint that cannot be reached (Unreachable) is retried like an error
// of no known kind, at most RetryPolicy.MaxErrorRetries times.
func (p *Pipeline) onError(m Message, op string, err error, notFoundRetries bool) (Outcome, error) {
	switch {
	case isUnreachable(err):
		// Most often configuration: a few retries, not the deadline's.
		return p.recheck(m, withOp(op, UnreachableError(err)), true)
	case errors.Is(err, ErrInvalid) || errors.Is(err, ErrTerminal):
		return Outcome{}, fmt.Errorf("liberator: run %s: %s: %w", m.RunID, op, err)
	case Retryable(err) || (notFoundRetries && errors.Is(err, ErrNotFound)):
		return p.recheck(m, withOp(op, err), false)
	default:
		return p.recheck(m, withOp(op, err), true)
	}
}

func isUnreachable(err error) bool {
	_, ok := Unreachable(err)
	return ok
}

// withOp prefixes err with op unless it is an *Error, which names its
// operation and subject itself.
func withOp(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (p *Pipeline) dumpUploaded(ctx context.Context, m Message) (Outcome, error) {
	if m.SnapshotID == "" {
		switch {
		case m.Backdated:
			m.SnapshotID = BackdatedSnapshotID(m.ImportDate)
		case m.Received.IsZero():
			return Outcome{}, Errorf(ErrInvalid, "dump uploaded", m.RunID, "message has no received time to name the snapshot")
		default:
			m.SnapshotID = SnapshotID(m.Received)
		}
	}
	info, err := p.snap.CreateSnapshot(ctx, SnapshotRequest{ID: m.SnapshotID, Dump: m.Dump, ImportDate: m.ImportDate,
		RunID: m.RunID, Backdated: m.Backdated})
	switch {
	case err == nil:
	case errors.Is(err, ErrAlreadyExists):
		info.Status = "" // unknown: check it after the usual delay
	default:
		return p.onError(m, "create snapshot "+m.SnapshotID, err, false)
	}
	delay := p.retry.Delay(0)
	if info.Status == SnapshotAvailable || info.Status == SnapshotFailed {
		delay = 0
	}
	return p.advance(m, StepSnapshotCheck, delay), nil
}

func (p *Pipeline) snapshotCheck(ctx context.Context, m Message) (Outcome, error) {
	if m.SnapshotID == "" {
		return Outcome{}, Errorf(ErrInvalid, "snapshot check", m.RunID, "message has no snapshot id")
	}
	info, err := p.snap.DescribeSnapshot(ctx, m.SnapshotID)
	if err != nil {
		return p.onError(m, "describe snapshot "+m.SnapshotID, err, true)
	}
	switch info.Status {
	case SnapshotAvailable:
	case SnapshotCreating:
		return p.recheck(m, nil, false)
	case SnapshotFailed:
		return Outcome{}, Errorf(ErrTerminal, "snapshot check", "snapshot "+m.SnapshotID, "snapshot failed: %s", orUnknown(info.Reason))
	default:
		return Outcome{}, Errorf(ErrTerminal, "snapshot check", "snapshot "+m.SnapshotID, "unexpected snapshot status %q %s", info.Status, info.Reason)
	}
	p.pruneSnapshots(ctx, m)
	m.ExportID = ExportID(m.SnapshotID)
	einfo, err := p.exp.StartExport(ctx, ExportRequest{ID: m.ExportID, Snapshot: info, Tables: p.tables})
	switch {
	case err == nil:
	case errors.Is(err, ErrAlreadyExists):
		einfo.Status = ""
	default:
		return p.onError(m, "start export "+m.ExportID, err, false)
	}
	delay := p.retry.Delay(0)
	if einfo.Status.Terminal() {
		delay = 0
	}
	return p.advance(m, StepExportCheck, delay), nil
}

// pruneSnapshots deletes the pipeline's snapshots older than the run's
// (available now) beyond Config.KeepSnapshots; failures are logged.
func (p *Pipeline) pruneSnapshots(ctx context.Context, m Message) {
	if p.keep < 0 {
		return
	}
	keep := KeepPolicy{Current: m.SnapshotID, Keep: p.keep - 1, Protect: p.protect, Only: []string{SnapshotIDPrefix}}
	deleted, err := PruneSnapshots(ctx, p.snap, keep)
	if err != nil {
		p.log.WarnContext(ctx, "pruning old snapshots failed", "run_id", m.RunID, "deleted", deleted, "err", err)
	} else if len(deleted) > 0 {
		p.log.InfoContext(ctx, "pruned old snapshots", "run_id", m.RunID, "deleted", deleted, "kept", p.keep)
	}
}

func (p *Pipeline) exportCheck(ctx context.Context, m Message) (Outcome, error) {
	if m.ExportID == "" {
		return Outcome{}, Errorf(ErrInvalid, "export check", m.RunID, "message has no export id")
	}
	info, err := p.exp.DescribeExport(ctx, m.ExportID)
	if err != nil {
		return p.onError(m, "describe export "+m.ExportID, err, true)
	}
	switch info.Status {
	case ExportComplete:
	case ExportStarting, ExportInProgress, ExportCanceling:
		return p.recheck(m, nil, false)
	case ExportFailed, ExportCanceled:
		return Outcome{}, Errorf(ErrTerminal, "export check", "export "+m.ExportID,
			"export task %s: %s", info.Status, orUnknown(info.FailureCause))
	default:
		return Outcome{}, Errorf(ErrTerminal, "export check", "export "+m.ExportID, "unexpected export status %q", info.Status)
	}
	prefix := info.Prefix
	if prefix == "" {
		prefix = m.ExportID + "/"
	}
	req := LandRequest{
		ExportID:     m.ExportID,
		ExportPrefix: prefix,
		ImportDate:   m.ImportDate,
		Tables:       p.tables,
		RowCounts:    info.RowCounts,
	}
	changes, err := p.review(ctx, m, &info, &req)
	var gerr *GateError
	if errors.As(err, &gerr) {
		return Outcome{Export: &info, Changes: changes}, err
	} else if err != nil {
		return p.onError(m, "compare export "+m.ExportID, err, false)
	}
	man, err := p.land.Land(ctx, req)
	if err != nil {
		return p.onError(m, "land export "+m.ExportID, err, false)
	}
	out := p.advance(m, StepLanded, 0)
	out.Next.Manifest = slimManifest(man)
	out.Manifest = &man
	out.Export = &info
	out.Changes = changes
	return out, nil
}

func (p *Pipeline) landed(ctx context.Context, m Message) (Outcome, error) {
	if m.Manifest == nil {
		return Outcome{}, Errorf(ErrInvalid, "landed", m.RunID, "message has no manifest")
	}
	run, err := p.wf.Start(ctx, WorkflowRequest{
		RunKey:     WorkflowRunKey(m.ImportDate, m.ExportID),
		ImportDate: m.ImportDate,
		Properties: map[string]string{"import_date": m.ImportDate.Compact()},
		Backdated:  m.Backdated,
		Manifest:   *m.Manifest,
	})
	if err != nil {
		return p.onError(m, "start workflow", err, false)
	}
	out := p.advance(m, StepWorkflowStarted, 0)
	out.Next.WorkflowRunID = run.ID
	out.Workflow = &run
	return out, nil
}

// WorkflowRunKey returns the workflow run key of an import:
// "YYYYMMDD/<export-id>".
func WorkflowRunKey(date Date, exportID string) string {
	return date.Compact() + "/" + exportID
}

func orUnknown(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

// ProcessBody is Process for a raw queue message body, as a Lambda's SQS
// record carries it. A body that does not decode returns an error wrapping
// ErrInvalid (drop the record: no retry can fix it). A message that is not
// due yet (a delay longer than the queue's cap) is scheduled again for the
// remaining time and not handled; the Outcome then holds it as Next with
// that Delay.
func (p *Pipeline) ProcessBody(ctx context.Context, body []byte) (Outcome, error) {
	m, due, remaining, err := DecodeDelivery(body, p.clk.Now())
	if err != nil {
		return Outcome{}, err
	}
	if !due {
		if err := p.sched.Schedule(ctx, m, remaining); err != nil {
			return Outcome{}, fmt.Errorf("liberator: run %s: re-schedule early %s: %w", m.RunID, m.Step, err)
		}
		return Outcome{Next: &m, Delay: remaining}, nil
	}
	return p.Process(ctx, m)
}
