package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Where a direct conversion runs, for logs and metrics.
const (
	WhereLambda = "lambda"
	WhereECS    = "ecs"
)

// DumpStat returns the size and last-modified time of a key in the dump
// bucket; errors carry a liberator kind (ErrNotFound for a missing key).
type DumpStat func(ctx context.Context, key string) (size int64, modified time.Time, err error)

// Direct is the handler of the direct chain (LIBERATOR_CHAIN=direct): an
// upload of a dump starts a run whose snapshot and export steps are the
// embedded ones, reading the dump from S3 by range reads, then the same
// Lander, _SUCCESS/manifest protocol and Glue StartWorkflowRun as the RDS
// chain (see NewDirectPipeline). The Lambda and the ECS task share it.
//
// For each upload it checks that the object is a dump directly under the
// prefix, reads its size and last-modified time (Stat; the run's time, so
// every event of one upload names one run), and then either converts it
// in this process (RunDirect) or, when it is larger than MaxSize and a
// Launcher is set, hands the run to the ECS task; the log says which.
// Then, with a Replicator, it copies the dump to pre-production, as the
// RDS chain's dump-uploaded does.
//
// A conversion in this process logs one line with its figures, which is
// also CloudWatch Embedded Metric Format (LogStats). Every invocation
// stops Margin before the function's deadline (WithBudget), leaving
// nothing marked complete, and answers with a retryable error (a direct
// event) or the record in BatchItemFailures (SQS), so that the retry
// starts over; every event or record is logged once, as Steps does.
type Direct struct {
	// Bucket and Prefix select the uploads acted on, as DumpUploaded's do.
	Bucket string
	Prefix string
	// BucketURL turns the bucket name into the DumpRef's bucket URL
	// (Config.BucketURL); the pipeline's dump reader must have that bucket
	// open under that URL (mysqldump.ReadOptions.Buckets).
	BucketURL func(name string) string
	// Stat describes a dump object (required).
	Stat DumpStat
	// Pipeline runs the steps (required): NewDirectPipeline's.
	Pipeline StepHandler
	// MaxSize is the largest dump converted here when a Launcher is set;
	// 0 means no limit.
	MaxSize int64
	// Launcher, if set, runs the conversion of a dump larger than MaxSize
	// elsewhere: the ECS task (ECSLauncher).
	Launcher RestoreLauncher
	// Replicator, if set, copies each dump to pre-production.
	Replicator Replicator
	// Where names this process in logs and metrics (WhereLambda,
	// WhereECS).
	Where string
	// Prune, if set, applies the export zone's retention after each run
	// converted here (DirectPipeline.PruneExports); its failure is logged,
	// never the run's.
	Prune func(ctx context.Context, date liberator.Date) (export.RetentionReport, error)
	// Clock, Logger and Margin are as Steps' (defaults: the wall clock,
	// slog.Default(), DefaultMargin).
	Clock  liberator.Clock
	Logger *slog.Logger
	Margin time.Duration
}

// DirectResult says what Direct did with one upload or message.
type DirectResult struct {
	// Ignored, when not empty, says why nothing was started.
	Ignored string
	// Message is the run's first message.
	Message liberator.Message
	// Task is the ECS task the conversion was handed to; empty when it
	// ran here.
	Task string
	// Run and Stats describe a conversion that ran here.
	Run   DirectRun
	Stats RunStats
	// Replicated is true when the dump was copied to pre-production.
	Replicated bool
}

// Invoke is the Lambda entry point. It accepts an SQS event, whose
// records each carry an upload (DecodeUploads) or a StepDumpUploaded
// message, answered with an events.SQSEventResponse listing the records
// to redeliver; or any payload DecodeUploads reads, answered with nil or
// an error (retryable or not, by its kind; register Invoke with ForLambda).
// A payload that is not JSON is logged and refused with an error wrapping
// ErrInvalid; JSON of no known shape is logged and dropped.
func (h *Direct) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	if err := jsonError(raw); err != nil {
		err = fmt.Errorf("decode event: %v: %w", err, liberator.ErrInvalid)
		h.logger().ErrorContext(ctx, "invocation refused: payload does not decode",
			"kind", KindName(err), "retry", false, "err", err, "payload_prefix", prefix(string(raw), 120))
		return nil, err
	}
	if isSQSEvent(raw) {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			err = fmt.Errorf("decode SQS event: %v: %w", err, liberator.ErrInvalid)
			h.logger().ErrorContext(ctx, "invocation refused: payload does not decode", "kind", KindName(err), "retry", false, "err", err)
			return nil, err
		}
		return h.HandleSQS(ctx, ev)
	}
	budget, margin, cancel := WithBudget(ctx, h.Margin)
	defer cancel()
	id := eventID(raw)
	r := newRec(budget, h.logger(), "event_id", id)
	_, err := h.body(r, raw)
	err = budgetError(budget, "event "+id, margin, err)
	h.report(r, "event", err)
	if isMalformed(err) || errors.Is(err, errIgnored) {
		return nil, nil
	}
	return nil, err
}

// HandleSQS handles a batch of SQS records as Steps.HandleSQS does: each
// record's retryable failure, and every record not reached before the
// margin, is listed in BatchItemFailures; records that can never succeed
// are logged at error level and dropped.
func (h *Direct) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	budget, margin, cancel := WithBudget(ctx, h.Margin)
	defer cancel()
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, m := range ev.Records {
		if budget.Err() != nil {
			err := notReachedError(budget, margin)
			for _, rest := range ev.Records[i:] {
				r := newRec(budget, h.logger(), "message_id", rest.MessageId)
				h.report(r, "record", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
			}
			break
		}
		r := newRec(budget, h.logger(), "message_id", m.MessageId)
		_, err := h.body(r, []byte(m.Body))
		err = budgetError(budget, "message "+m.MessageId, margin, err)
		h.report(r, "record", err)
		if retryable(err) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// errIgnored marks a payload that started nothing on purpose (logged at
// info level by body already).
var errIgnored = errors.New("ignored")

// body handles one payload or record body: a StepDumpUploaded message, or
// the uploads DecodeUploads finds. It logs what it started; the caller
// logs the outcome (report).
func (h *Direct) body(r *rec, b []byte) ([]DirectResult, error) {
	if err := jsonError(b); err != nil {
		return nil, malformed(liberator.Errorf(liberator.ErrInvalid, "decode "+bodyKind(b), "", "body is not JSON: %v", err), b)
	}
	if isSchedulerMessage(b) {
		m, err := liberator.DecodeMessage(b)
		if err != nil {
			return nil, malformed(err, b)
		}
		if m.Step != liberator.StepDumpUploaded {
			return nil, malformed(liberator.Errorf(liberator.ErrInvalid, "direct", m.RunID,
				"step %q: the direct chain runs whole runs from their dump_uploaded message only", m.Step), b)
		}
		r.with("run_id", m.RunID, "step", string(m.Step))
		if m.Dump.Size == 0 && h.Stat != nil && h.BucketURL != nil && m.Dump.Bucket == h.BucketURL(h.Bucket) {
			// A message written by hand: its size decides where it converts.
			size, _, err := h.Stat(r.ctx, m.Dump.Key)
			if err != nil {
				return nil, fmt.Errorf("dump %s: %w", m.Dump.Key, err)
			}
			m.Dump.Size = size
		}
		res, err := h.run(r, m)
		return []DirectResult{res}, err
	}
	ups, err := DecodeUploads(b)
	if errors.Is(err, ErrNotAnUpload) {
		r.log.InfoContext(r.ctx, "event ignored", "reason", err.Error())
		return nil, errIgnored
	}
	if err != nil {
		return nil, malformed(err, b)
	}
	var out []DirectResult
	var errs []error
	for _, up := range ups {
		res, err := h.HandleUpload(r.ctx, up)
		out = append(out, res)
		if err != nil && !errors.Is(err, errIgnored) {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 && allIgnored(out) {
		return out, errIgnored
	}
	return out, errors.Join(errs...)
}

func allIgnored(rs []DirectResult) bool {
	for _, r := range rs {
		if r.Ignored == "" {
			return false
		}
	}
	return true
}

// HandleUpload handles one upload: it ignores objects that are not dumps
// under the prefix (logged, nil error), then runs or launches the run and
// replicates the dump. Its errors carry a liberator kind.
func (h *Direct) HandleUpload(ctx context.Context, up Upload) (DirectResult, error) {
	r := &rec{ctx: WithLogAttrs(ctx, "bucket", up.Bucket, "key", up.Key, "action", up.Action),
		log: h.logger().With("bucket", up.Bucket, "key", up.Key, "action", up.Action)}
	if reason := outsidePrefix(h.Bucket, h.Prefix, up); reason != "" {
		r.log.InfoContext(r.ctx, "upload ignored", "reason", reason)
		return DirectResult{Ignored: reason}, nil
	}
	if _, err := liberator.DateFromDumpName(up.Key); err != nil {
		logNotADump(r.ctx, r.log, "upload", up.Key, err)
		return DirectResult{Ignored: err.Error()}, nil
	}
	size, modified, err := h.Stat(r.ctx, up.Key)
	if err != nil {
		return DirectResult{}, fmt.Errorf("dump %s: %w", up.Key, err)
	}
	bucket := up.Bucket
	if h.BucketURL != nil {
		bucket = h.BucketURL(up.Bucket)
	}
	// The object's last-modified time names the run: every event of one
	// upload (S3's, CloudTrail's, a replay) names the same snapshot,
	// export and workflow run.
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: bucket, Key: up.Key, Size: size}, liberator.Date{}, false, modified)
	if err != nil {
		return DirectResult{}, err
	}
	r.with("run_id", m.RunID, "step", string(m.Step))
	res, err := h.run(r, m)
	if err != nil || h.Replicator == nil {
		return res, err
	}
	dst, err := h.Replicator.Replicate(r.ctx, liberator.DumpRef{Bucket: up.Bucket, Key: up.Key, Size: size})
	if err != nil {
		return res, fmt.Errorf("dump %s: replicate to pre-production: %w", up.Key, err)
	}
	res.Replicated = true
	r.log.InfoContext(r.ctx, "dump replicated to pre-production", "to", dst.String())
	return res, nil
}

// Convert runs m's whole run in this process (the ECS task's job, and the
// Lambda's for a dump that fits) and logs its figures (LogStats).
func (h *Direct) Convert(ctx context.Context, m liberator.Message) (DirectResult, error) {
	r := &rec{ctx: WithLogAttrs(ctx, "run_id", m.RunID, "step", string(m.Step)), log: h.logger().With("run_id", m.RunID, "step", string(m.Step))}
	return h.convert(r, m)
}

// run converts m here or hands it to the Launcher, by size.
func (h *Direct) run(r *rec, m liberator.Message) (DirectResult, error) {
	size := m.Dump.Size
	if h.Launcher != nil && h.MaxSize > 0 && size > h.MaxSize {
		task, err := h.Launcher.LaunchRestore(r.ctx, m)
		if err != nil {
			return DirectResult{Message: m}, fmt.Errorf("%s: launch the ECS conversion: %w", describeRun(m), err)
		}
		r.log.InfoContext(r.ctx, "dump larger than this function converts: conversion launched on ECS",
			"dump_bytes", size, "max_bytes", h.MaxSize, "task", task, "import_date", m.ImportDate.String())
		return DirectResult{Message: m, Task: task}, nil
	}
	why := "within the size this function converts"
	switch {
	case h.MaxSize > 0 && size > h.MaxSize:
		why = "larger than the size this function converts, but no ECS task is configured"
	case h.Launcher == nil && h.Where == WhereECS:
		why = "in the ECS task"
	}
	r.log.InfoContext(r.ctx, "converting the dump here: "+why, "where", h.where(), "dump_bytes", size, "max_bytes", h.MaxSize,
		"import_date", m.ImportDate.String())
	return h.convert(r, m)
}

// convert runs RunDirect on m and logs its figures.
func (h *Direct) convert(r *rec, m liberator.Message) (DirectResult, error) {
	clk := h.clock()
	start := clk.Now()
	note := &conversionNote{}
	mem := startMemSampler(50 * time.Millisecond)
	run, err := RunDirect(withConversionNote(r.ctx, note), h.Pipeline, m)
	heap, rss := mem.finish()
	res := DirectResult{Message: m, Run: run}
	if err != nil {
		return res, err
	}
	s := RunStats{DumpBytes: m.Dump.Size, Seconds: clk.Now().Sub(start).Seconds(), PeakHeapBytes: heap, PeakRSSBytes: rss,
		MemoryLimitBytes: debug.SetMemoryLimit(-1)}
	s.Converted, s.SQLBytes = note.get()
	statsOf(&s, run)
	res.Stats = s
	LogStats(r.ctx, r.log.With("export_id", run.Export.ID, "workflow_run_id", run.Workflow.ID), h.where(), s, clk.Now())
	h.prune(r, m.ImportDate)
	return res, nil
}

// prune applies the export zone's retention after a run of date, logging
// what it removed, or why it failed (warn: the run is done all the same).
func (h *Direct) prune(r *rec, date liberator.Date) {
	if h.Prune == nil {
		return
	}
	rep, err := h.Prune(r.ctx, date)
	if err != nil {
		r.log.WarnContext(r.ctx, "export zone not pruned", "err", err)
		return
	}
	if n := len(rep.Deleted) + len(rep.Abandoned); n > 0 {
		r.log.InfoContext(r.ctx, "export zone pruned", "deleted", rep.Deleted, "abandoned", rep.Abandoned, "bytes", rep.Bytes, "kept", len(rep.Kept))
	}
}

// report logs the outcome of one event or record once, as Steps.report
// does: nothing more for a success or an ignored payload (body logged
// them), warn for a retryable failure, error for one that is not.
func (h *Direct) report(r *rec, what string, err error) {
	if err == nil || errors.Is(err, errIgnored) {
		return
	}
	retry := retryable(err)
	level, msg := slog.LevelError, what+" failed: not retried"
	switch {
	case isMalformed(err):
		msg = what + " dropped: cannot be decoded"
	case errors.Is(err, errNotReached):
		level, msg = slog.LevelWarn, "record not reached: returned for redelivery"
	case retry && what == "event":
		level, msg = slog.LevelWarn, "event failed: error returned to Lambda for a retry"
	case retry:
		level, msg = slog.LevelWarn, "record failed: returned for redelivery"
	case what == "event":
		msg = "event failed: error returned to Lambda"
	}
	args := []any{"kind", KindName(err), "retry", retry, "err", err}
	if b := malformedBody(err); b != nil {
		args = append(args, "body_prefix", prefix(string(b), 120))
	}
	if level == slog.LevelError && loggedAtError(r.ctx, err) {
		level = slog.LevelInfo
	}
	r.log.Log(r.ctx, level, msg, args...)
}

func (h *Direct) where() string {
	if h.Where == "" {
		return WhereLambda
	}
	return h.Where
}

func (h *Direct) clock() liberator.Clock {
	if h.Clock == nil {
		return liberator.RealClock{}
	}
	return h.Clock
}

func (h *Direct) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

// eventID returns the "id" of an EventBridge event, or a digest-free
// placeholder for payloads without one.
func eventID(raw []byte) string {
	var probe struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.ID != "" {
		return probe.ID
	}
	return "-"
}
