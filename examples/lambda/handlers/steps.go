package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
)

// StepRunner runs one pipeline step and schedules its successor;
// *liberator.Pipeline is one.
type StepRunner interface {
	Process(ctx context.Context, m liberator.Message) (liberator.Outcome, error)
	Scheduler() liberator.Scheduler
}

// Steps is the handler of the snapshot-ready and export-check Lambdas. It
// turns RDS events (EventBridge, or SNS-wrapped in SQS records) and the
// scheduler's own SQS messages into pipeline steps:
//
//   - an RDS event whose id is in Events becomes a message for the mapped
//     step (MessageFromRDSEvent), e.g. RDS-EVENT-0042 → StepSnapshotCheck;
//     other RDS events and events about snapshots the pipeline did not make
//     are ignored;
//   - a scheduler message (a liberator.Message as PubSubScheduler sends it)
//     is run if due, or sent back to the scheduler with the delay left
//     (SQS delays one message by 900 s at most);
//   - a StepDumpUploaded message (a run enqueued with Pipeline.Start, e.g.
//     a backdated one) is handed to Launcher, since a restore does not fit in
//     a Lambda; without a Launcher it is dropped with an error log.
type Steps struct {
	// Pipeline runs the steps (required).
	Pipeline StepRunner
	// Events maps the RDS event ids this handler acts on to a step.
	Events map[string]liberator.Step
	// Launcher, if set, launches the restore of StepDumpUploaded messages.
	Launcher RestoreLauncher
	// Clock tells the time (default liberator.RealClock{}).
	Clock liberator.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// SnapshotReadyEvents are the RDS events of the snapshot-ready Lambda.
func SnapshotReadyEvents() map[string]liberator.Step {
	return map[string]liberator.Step{EventManualSnapshotCreated: liberator.StepSnapshotCheck}
}

// ExportCheckEvents are the RDS events of the export-check Lambda: the
// export completed, failed or was canceled. In each case the export is
// described again, so the outcome follows the export's real state.
func ExportCheckEvents() map[string]liberator.Step {
	return map[string]liberator.Step{
		EventExportCompleted: liberator.StepExportCheck,
		EventExportFailed:    liberator.StepExportCheck,
		EventExportCanceled:  liberator.StepExportCheck,
	}
}

// StepResult says what Steps did with one event or record.
type StepResult struct {
	// Ignored, when not empty, says why nothing was run.
	Ignored string
	// Message is the message that was run (or re-sent, or launched).
	Message liberator.Message
	// Outcome is the pipeline's outcome when a step ran.
	Outcome liberator.Outcome
	// Deferred is true when a scheduler message was not due yet and was
	// sent back to the scheduler.
	Deferred bool
	// Task is the launched restore task, for a StepDumpUploaded message.
	Task string
}

// Invoke is the Lambda entry point: it accepts an SQS event (a JSON object
// with "Records") or an EventBridge event, and returns an
// events.SQSEventResponse for the former and nil for the latter.
func (h *Steps) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		DetailType string          `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("decode event: %v: %w", err, liberator.ErrInvalid)
	}
	if len(probe.Records) > 0 && !bytes.Equal(probe.Records, []byte("null")) {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS event: %v: %w", err, liberator.ErrInvalid)
		}
		return h.HandleSQS(ctx, ev)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode EventBridge event: %v: %w", err, liberator.ErrInvalid)
	}
	_, err := h.HandleEventBridge(ctx, ev)
	return nil, err
}

// HandleEventBridge handles one EventBridge RDS event. Events it does not
// act on return a nil error. A step that failed, for now or for good, is
// returned as an error: Lambda retries the event (steps are idempotent) and
// then sends it to the function's on-failure destination, so a failed run
// shows in the function's Errors metric.
func (h *Steps) HandleEventBridge(ctx context.Context, ev events.CloudWatchEvent) (StepResult, error) {
	log := h.logger().With("event_id", ev.ID)
	e, err := DecodeRDSEventBridge(ev)
	if errors.Is(err, ErrNotAnRDSEvent) {
		log.InfoContext(ctx, "ignoring event", "detail_type", ev.DetailType, "reason", err.Error())
		return StepResult{Ignored: err.Error()}, nil
	}
	if err != nil {
		log.ErrorContext(ctx, "dropping malformed RDS event", "err", err)
		return StepResult{Ignored: err.Error()}, nil
	}
	return h.rdsEvent(ctx, log, e)
}

// HandleSQS handles a batch of SQS records, each an RDS notification (SNS
// envelope or raw) or a scheduler message, and reports the records to
// redeliver:
//
//   - a retryable failure (a scheduling or launching error, a throttled or
//     unavailable backend: errors wrapping ErrNotReady, ErrThrottled or
//     ErrTransient) is listed in BatchItemFailures, so SQS delivers that
//     record again after its visibility timeout and the others are deleted;
//   - a record that can never succeed (not JSON, an unknown message
//     version or step, an RDS event without a source) is logged at error
//     level and dropped: redelivering it would fail the same way until the
//     redrive policy moved it to the dead-letter queue;
//   - a run that ended for good (ErrTerminal: a failed snapshot or export, a
//     step past its deadline; ErrInvalid) is logged at error level ("run
//     failed") by the pipeline and here, and dropped.
//
// The returned error is always nil: per-record outcomes are in the response
// (the function's event source mapping must enable ReportBatchItemFailures).
func (h *Steps) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range ev.Records {
		if _, err := h.Record(ctx, r); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

// Record handles one SQS record. It returns an error only for a retryable
// failure, i.e. when the record should be delivered again.
func (h *Steps) Record(ctx context.Context, r events.SQSMessage) (StepResult, error) {
	log := h.logger().With("message_id", r.MessageId)
	body := []byte(r.Body)
	if isSchedulerMessage(body) {
		return h.schedulerMessage(ctx, log, body)
	}
	e, err := awsevents.ParseRDSEvent(body)
	if err != nil {
		log.ErrorContext(ctx, "dropping undecodable record", "err", err, "body_prefix", prefix(r.Body, 120))
		return StepResult{Ignored: err.Error()}, nil
	}
	res, err := h.rdsEvent(ctx, log, e)
	return res, keepRetryable(ctx, log, err)
}

// rdsEvent runs the step an RDS event maps to.
func (h *Steps) rdsEvent(ctx context.Context, log *slog.Logger, e awsevents.RDSEvent) (StepResult, error) {
	log = log.With("rds_event", e.EventID, "source_id", e.SourceID, "via", string(e.Via))
	step, ok := h.Events[e.EventID]
	if !ok {
		log.InfoContext(ctx, "ignoring RDS event", "message", e.Message)
		return StepResult{Ignored: "RDS event " + e.EventID + " is not handled here"}, nil
	}
	m, ok, err := MessageFromRDSEvent(e, h.clock().Now())
	switch {
	case err != nil:
		log.ErrorContext(ctx, "dropping RDS event", "err", err)
		return StepResult{Ignored: err.Error()}, nil
	case !ok:
		log.InfoContext(ctx, "ignoring RDS event about a snapshot the pipeline did not make")
		return StepResult{Ignored: "snapshot " + e.SourceID + " was not made by the pipeline"}, nil
	case m.Step != step:
		return StepResult{}, fmt.Errorf("RDS event %s maps to step %s, configured %s: %w", e.EventID, m.Step, step, liberator.ErrInvalid)
	}
	log.InfoContext(ctx, "RDS event", "message", e.Message, "run_id", m.RunID, "step", string(m.Step))
	return h.process(ctx, log, m)
}

// schedulerMessage runs (or defers) a message the scheduler sent.
func (h *Steps) schedulerMessage(ctx context.Context, log *slog.Logger, body []byte) (StepResult, error) {
	m, due, remaining, err := liberator.DecodeDelivery(body, h.clock().Now())
	if err != nil {
		log.ErrorContext(ctx, "dropping undecodable scheduler message", "err", err, "body_prefix", prefix(string(body), 120))
		return StepResult{Ignored: err.Error()}, nil
	}
	log = log.With("run_id", m.RunID, "step", string(m.Step), "attempt", m.Attempt)
	if !due {
		if err := h.Pipeline.Scheduler().Schedule(ctx, m, remaining); err != nil {
			log.ErrorContext(ctx, "re-sending early message failed", "err", err)
			return StepResult{Message: m}, err
		}
		log.DebugContext(ctx, "message not due yet: re-sent", "remaining", remaining)
		return StepResult{Message: m, Deferred: true}, nil
	}
	if m.Step == liberator.StepDumpUploaded {
		return h.launch(ctx, log, m)
	}
	res, err := h.process(ctx, log, m)
	return res, keepRetryable(ctx, log, err)
}

// launch hands a StepDumpUploaded message to the Launcher.
func (h *Steps) launch(ctx context.Context, log *slog.Logger, m liberator.Message) (StepResult, error) {
	if h.Launcher == nil {
		log.ErrorContext(ctx, "dropping dump_uploaded message: no restore launcher configured")
		return StepResult{Message: m, Ignored: "no restore launcher"}, nil
	}
	task, err := h.Launcher.LaunchRestore(ctx, m)
	if err != nil {
		return StepResult{Message: m}, keepRetryable(ctx, log, err)
	}
	log.InfoContext(ctx, "restore launched", "task", task)
	return StepResult{Message: m, Task: task}, nil
}

// process runs m's step and schedules what follows.
func (h *Steps) process(ctx context.Context, log *slog.Logger, m liberator.Message) (StepResult, error) {
	out, err := h.Pipeline.Process(ctx, m)
	res := StepResult{Message: m, Outcome: out}
	if err != nil {
		log.ErrorContext(ctx, "step failed", "run_id", m.RunID, "step", string(m.Step), "retryable", retryable(err), "err", err)
		return res, err
	}
	if out.Next != nil {
		log.InfoContext(ctx, "step handled", "run_id", m.RunID, "step", string(m.Step), "next", string(out.Next.Step), "delay", out.Delay)
	}
	return res, nil
}

// keepRetryable returns err if it is worth delivering the record again, and
// nil (after an error log) if not.
func keepRetryable(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil || retryable(err) {
		return err
	}
	log.ErrorContext(ctx, "run failed: record dropped", "err", err)
	return nil
}

// retryable reports whether err says "try again later".
func retryable(err error) bool {
	return errors.Is(err, liberator.ErrNotReady) || errors.Is(err, liberator.ErrThrottled) ||
		errors.Is(err, liberator.ErrTransient) || errors.Is(err, context.DeadlineExceeded)
}

// isSchedulerMessage tells a liberator.Message from an RDS notification:
// it has "version" and "step" fields.
func isSchedulerMessage(body []byte) bool {
	var probe struct {
		Version *int    `json:"version"`
		Step    *string `json:"step"`
	}
	return json.Unmarshal(body, &probe) == nil && probe.Version != nil && probe.Step != nil
}

func (h *Steps) clock() liberator.Clock {
	if h.Clock == nil {
		return liberator.RealClock{}
	}
	return h.Clock
}

func (h *Steps) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
