package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

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

// runResolver is implemented by a StepRunner that resolves the run of a
// message made from an RDS event (*liberator.Pipeline.Resolve).
type runResolver interface {
	Resolve(ctx context.Context, m liberator.Message) (liberator.Message, error)
}

// Steps is the handler of the snapshot-ready and export-check Lambdas. It
// turns RDS events (EventBridge, or SNS-wrapped in SQS records) and the
// scheduler's own SQS messages into pipeline steps:
//
//   - an RDS event whose id is in Events becomes a message for the mapped
//     step (MessageFromRDSEvent), e.g. RDS-EVENT-0042 → StepSnapshotCheck;
//     other RDS events and events about snapshots the pipeline did not make
//     are ignored; an RDS event of a mapped id without a source identifier
//     or ARN is malformed (ErrInvalid) and dropped;
//   - a scheduler message (a liberator.Message as PubSubScheduler sends it)
//     is run if due, or sent back to the scheduler with the delay left
//     (SQS delays one message by 900 s at most);
//   - a message of the replaced chain's copier ({"ExportTaskIdentifier",
//     "ExportBucket"}, left on its queue at cutover) becomes the export
//     check of that export (awsevents.CopierMessage);
//   - a StepDumpUploaded message (a run enqueued with Pipeline.Start, e.g.
//     a backdated one) is handed to Launcher, since a restore does not fit in
//     a Lambda; without a Launcher it fails with ErrInvalid and is dropped.
//
// Every invocation works to a budget (WithBudget): it stops Margin before
// the function's deadline, so that it can still answer. Every record or
// event is logged once, when its fate is known, with its message or event
// id, run id and step when known, and for a failure the error's "kind"
// (KindName) and whether it will be retried ("retry").
type Steps struct {
	// Pipeline runs the steps (required).
	Pipeline StepRunner
	// Events maps the RDS event ids this handler acts on to a step.
	Events map[string]liberator.Step
	// Launcher, if set, launches the restore of StepDumpUploaded messages.
	Launcher RestoreLauncher
	// Clock tells the time (default liberator.RealClock{}).
	Clock liberator.Clock
	// Logger defaults to slog.Default(). Give it a LogHandler (NewLogger)
	// so that the library's own lines carry the record's ids too.
	Logger *slog.Logger
	// Margin is the time kept free before the invocation's deadline (see
	// WithBudget and Margin); 0 means DefaultMargin.
	Margin time.Duration
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
// events.SQSEventResponse for the former and nil for the latter. A payload
// that is neither is logged and refused with an error wrapping ErrInvalid.
// Register it with ForLambda, so that Lambda reports the error's kind.
func (h *Steps) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		DetailType string          `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, h.refuse(ctx, "event", raw, err)
	}
	if len(probe.Records) > 0 && !bytes.Equal(probe.Records, []byte("null")) {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, h.refuse(ctx, "SQS event", raw, err)
		}
		return h.HandleSQS(ctx, ev)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, h.refuse(ctx, "EventBridge event", raw, err)
	}
	_, err := h.HandleEventBridge(ctx, ev)
	return nil, err
}

// refuse logs and returns the error of an invocation payload that does not
// decode.
func (h *Steps) refuse(ctx context.Context, what string, raw []byte, cause error) error {
	err := fmt.Errorf("decode %s: %v: %w", what, cause, liberator.ErrInvalid)
	h.logger().ErrorContext(ctx, "invocation refused: payload does not decode",
		"kind", KindName(err), "retry", false, "err", err, "payload_prefix", prefix(string(raw), 120))
	return err
}

// HandleEventBridge handles one EventBridge RDS event. Events it does not
// act on return a nil error, and so do malformed ones (logged at error
// level: a retry cannot mend them). A step that failed, for now or for
// good, is returned as an error: Lambda retries the event (steps are
// idempotent) and then sends it to the function's on-failure destination,
// so a failed run shows in the function's Errors metric. When the margin
// before the deadline is reached the step is stopped and a Transient error
// is returned, so Lambda retries the event.
func (h *Steps) HandleEventBridge(ctx context.Context, ev events.CloudWatchEvent) (StepResult, error) {
	budget, margin, cancel := WithBudget(ctx, h.Margin)
	defer cancel()
	r := newRec(budget, h.logger(), "event_id", ev.ID)
	var (
		res StepResult
		err error
	)
	e, derr := DecodeRDSEventBridge(ev)
	switch {
	case errors.Is(derr, ErrNotAnRDSEvent):
		r.with("detail_type", ev.DetailType)
		res = StepResult{Ignored: derr.Error()}
	case derr != nil:
		err = malformed(derr, nil)
	default:
		res, err = h.rdsEvent(r, e)
	}
	err = budgetError(budget, "event "+ev.ID, margin, err)
	h.report(r, "event", res, err)
	if isMalformed(err) {
		return StepResult{Ignored: err.Error()}, nil
	}
	return res, err
}

// HandleSQS handles a batch of SQS records, each an RDS notification (SNS
// envelope or raw) or a scheduler message, and reports the records to
// redeliver:
//
//   - a retryable failure (Retryable: a scheduling or launching error, a
//     throttled or unavailable backend, an interrupted step) is listed in
//     BatchItemFailures and logged at warn level, so SQS delivers that
//     record again after its visibility timeout and the others are deleted;
//   - a record that can never succeed (not JSON, an unknown message version
//     or step, an RDS event without a source) is logged at error level and
//     dropped: redelivering it would fail the same way until the redrive
//     policy moved it to the dead-letter queue;
//   - a run that ended for good (ErrTerminal: a failed snapshot or export, a
//     step past its deadline; ErrInvalid) is logged at error level ("run
//     failed") by the pipeline, and dropped;
//   - when the margin before the function's deadline is reached, the record
//     in progress is stopped and it and every record not yet started are
//     listed in BatchItemFailures, each logged at warn level.
//
// Every record is logged once with its message id, whatever became of it.
// The returned error is always nil: per-record outcomes are in the response
// (the function's event source mapping must enable ReportBatchItemFailures).
func (h *Steps) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	budget, margin, cancel := WithBudget(ctx, h.Margin)
	defer cancel()
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	fail := func(id string) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	for i, rec := range ev.Records {
		if budget.Err() != nil {
			err := notReachedError(budget, margin)
			for _, rest := range ev.Records[i:] {
				r := newRec(budget, h.logger(), "message_id", rest.MessageId)
				h.report(r, "record", StepResult{}, err)
				fail(rest.MessageId)
			}
			break
		}
		if _, err := h.record(budget, margin, rec); err != nil {
			fail(rec.MessageId)
		}
	}
	return resp, nil
}

// Record handles one SQS record under ctx (no budget of its own) and logs
// what became of it. It returns an error only for a retryable failure,
// i.e. when the record should be delivered again.
func (h *Steps) Record(ctx context.Context, r events.SQSMessage) (StepResult, error) {
	return h.record(ctx, 0, r)
}

func (h *Steps) record(budget context.Context, margin time.Duration, m events.SQSMessage) (StepResult, error) {
	r := newRec(budget, h.logger(), "message_id", m.MessageId)
	res, err := h.sqsBody(r, []byte(m.Body))
	err = budgetError(budget, "message "+m.MessageId, margin, err)
	h.report(r, "record", res, err)
	if retryable(err) {
		return res, err
	}
	return res, nil
}

// sqsBody runs what one SQS record body asks for.
func (h *Steps) sqsBody(r *rec, body []byte) (StepResult, error) {
	if err := jsonError(body); err != nil {
		return StepResult{}, malformed(liberator.Errorf(liberator.ErrInvalid, "decode "+bodyKind(body), "", "body is not JSON: %v", err), body)
	}
	if isSchedulerMessage(body) {
		return h.schedulerMessage(r, body)
	}
	if c, ok := awsevents.ParseCopierBody(body); ok {
		return h.copierMessage(r, c)
	}
	e, err := awsevents.ParseRDSEvent(body)
	if err != nil {
		return StepResult{}, malformed(err, body)
	}
	return h.rdsEvent(r, e)
}

// rdsEvent runs the step an RDS event maps to.
func (h *Steps) rdsEvent(r *rec, e awsevents.RDSEvent) (StepResult, error) {
	r.with("rds_event", e.EventID, "source_id", e.SourceID, "via", string(e.Via))
	step, ok := h.Events[e.EventID]
	if !ok {
		return StepResult{Ignored: "RDS event " + e.EventID + " is not handled here"}, nil
	}
	if e.SourceID == "" && e.SourceARN == "" {
		return StepResult{}, malformed(liberator.Errorf(liberator.ErrInvalid, "rds event", e.EventID,
			"no source identifier or ARN: the event names no snapshot"), nil)
	}
	m, ok, err := MessageFromRDSEvent(e, h.clock().Now())
	switch {
	case err != nil:
		return StepResult{}, malformed(err, nil)
	case !ok:
		return StepResult{Ignored: "snapshot " + e.SourceID + " was not made by the pipeline"}, nil
	}
	if m.Step != step {
		r.with("run_id", m.RunID, "step", string(m.Step))
		return StepResult{Message: m}, fmt.Errorf("RDS event %s maps to step %s, configured %s: %w", e.EventID, m.Step, step, liberator.ErrInvalid)
	}
	return h.resolved(r, m)
}

// copierMessage runs the export check of an old copier message
// (awsevents.CopierMessage), one the replaced chain left on its queue.
func (h *Steps) copierMessage(r *rec, c awsevents.CopierBody) (StepResult, error) {
	m := awsevents.CopierMessage(c)
	m.StepStarted = h.clock().Now().UTC()
	r.with("old_copier_message", c.ExportTaskIdentifier)
	return h.resolved(r, m)
}

// resolved resolves m's run if the pipeline can (see runResolver), then
// runs its step.
func (h *Steps) resolved(r *rec, m liberator.Message) (StepResult, error) {
	if res, ok := h.Pipeline.(runResolver); ok {
		// The message names a snapshot or export, not a run: read the run
		// (and its import date) from the snapshot now, so the lines of
		// this record carry the run's id. On an error the step's Handle
		// resolves again and retries.
		if rm, err := res.Resolve(r.ctx, m); err == nil {
			m = rm
		}
	}
	r.with("run_id", m.RunID, "step", string(m.Step))
	return h.process(r, m)
}

// schedulerMessage runs (or defers) a message the scheduler sent.
func (h *Steps) schedulerMessage(r *rec, body []byte) (StepResult, error) {
	m, due, remaining, err := liberator.DecodeDelivery(body, h.clock().Now())
	if err != nil {
		return StepResult{}, malformed(fmt.Errorf("decode scheduler message: %w", err), body)
	}
	r.with("run_id", m.RunID, "step", string(m.Step), "attempt", m.Attempt)
	if !due {
		res := StepResult{Message: m, Outcome: liberator.Outcome{Next: &m, Delay: remaining}}
		if err := h.Pipeline.Scheduler().Schedule(r.ctx, m, remaining); err != nil {
			return StepResult{Message: m}, fmt.Errorf("re-send early message: %w", err)
		}
		res.Deferred = true
		return res, nil
	}
	if m.Step == liberator.StepDumpUploaded {
		return h.launch(r, m)
	}
	return h.process(r, m)
}

// launch hands a StepDumpUploaded message to the Launcher.
func (h *Steps) launch(r *rec, m liberator.Message) (StepResult, error) {
	if h.Launcher == nil {
		return StepResult{Message: m, Ignored: "no restore launcher"},
			liberator.Errorf(liberator.ErrInvalid, "launch restore", m.RunID, "no restore launcher configured (set %s and the other LIBERATOR_ECS_* variables)", EnvECSCluster)
	}
	task, err := h.Launcher.LaunchRestore(r.ctx, m)
	if err != nil {
		return StepResult{Message: m}, err
	}
	return StepResult{Message: m, Task: task}, nil
}

// process runs m's step and schedules what follows.
func (h *Steps) process(r *rec, m liberator.Message) (StepResult, error) {
	out, err := h.Pipeline.Process(r.ctx, m)
	return StepResult{Message: m, Outcome: out}, err
}

// rec is one record's (or event's) context and logger, built once and
// extended as its ids become known: the logger for the handler's own line,
// the context (WithLogAttrs) for the lines the library logs meanwhile.
type rec struct {
	ctx context.Context
	log *slog.Logger
}

// newRec starts a record or event whose context and logger carry args.
func newRec(ctx context.Context, log *slog.Logger, args ...any) *rec {
	return &rec{ctx: newRecordScope(ctx, args...), log: log.With(args...)}
}

// with adds attributes to the record's logger and context.
func (r *rec) with(args ...any) {
	r.log = r.log.With(args...)
	r.ctx = WithLogAttrs(r.ctx, args...)
}

// report logs what became of one record or event (what: "record" or
// "event"), once: at info level when it was handled, ignored or deferred;
// at warn level when it failed and will be retried; at error level when it
// failed for good. A failure the library already logged at error level
// with the same error (the pipeline's "run failed") is not logged at error
// level twice: the record's line is then at info level.
func (h *Steps) report(r *rec, what string, res StepResult, err error) {
	ctx, log := r.ctx, r.log
	if err == nil {
		switch {
		case res.Ignored != "":
			log.InfoContext(ctx, what+" ignored", "reason", res.Ignored)
		case res.Deferred:
			log.InfoContext(ctx, what+" deferred: not due yet, re-sent", "remaining", res.Outcome.Delay)
		case res.Task != "":
			log.InfoContext(ctx, "restore launched", "task", res.Task)
		case res.Outcome.Next != nil:
			log.InfoContext(ctx, "step handled", "next", string(res.Outcome.Next.Step), "delay", res.Outcome.Delay,
				"retried", res.Outcome.Retried != nil)
		default:
			log.InfoContext(ctx, "step handled")
		}
		return
	}
	retry := retryable(err)
	level, msg := slog.LevelError, what+" dropped: run failed"
	switch {
	case isMalformed(err):
		msg = what + " dropped: cannot be decoded"
	case what == "event":
		msg = "event failed: error returned to Lambda"
		if retry {
			level = slog.LevelWarn
		}
	case retry:
		level, msg = slog.LevelWarn, "record failed: returned for redelivery"
	}
	if errors.Is(err, errNotReached) {
		msg = "record not reached: returned for redelivery"
	}
	args := []any{"kind", KindName(err), "retry", retry, "err", err}
	if b := malformedBody(err); b != nil {
		args = append(args, "body_prefix", prefix(string(b), 120))
	}
	if level == slog.LevelError && loggedAtError(ctx, err) {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, msg, args...)
}

// malformedError marks an event or record that cannot be decoded: it is
// dropped (a retry cannot mend it) and never returned to Lambda.
type malformedError struct {
	err  error
	body []byte // the SQS record body, if any
}

func (e *malformedError) Error() string { return e.err.Error() }
func (e *malformedError) Unwrap() error { return e.err }

// malformed marks err (which wraps ErrInvalid, or is made to) as a decoding
// failure of body.
func malformed(err error, body []byte) error {
	if !errors.Is(err, liberator.ErrInvalid) {
		err = fmt.Errorf("%w: %w", err, liberator.ErrInvalid)
	}
	return &malformedError{err: err, body: body}
}

func isMalformed(err error) bool {
	var m *malformedError
	return errors.As(err, &m)
}

func malformedBody(err error) []byte {
	var m *malformedError
	if errors.As(err, &m) {
		return m.body
	}
	return nil
}

// jsonError returns why body is not JSON, or nil.
func jsonError(body []byte) error {
	var v json.RawMessage
	return json.Unmarshal(body, &v)
}

// bodyKind guesses what a record body that does not decode was meant to
// be, for the error message: a truncated scheduler message still shows its
// "version" and "step" fields.
func bodyKind(body []byte) string {
	has := func(s string) bool { return bytes.Contains(body, []byte(s)) }
	switch {
	case has(`"version"`) && has(`"step"`):
		return "scheduler message"
	case has(`"TopicArn"`), has(`"Event ID"`), has(`"detail-type"`), has(`"EventID"`):
		return "RDS notification"
	}
	return "record body"
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
