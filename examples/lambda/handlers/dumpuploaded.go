package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

// Replicator copies an uploaded dump to the pre-production account's bucket
// and says where; *s3copy.Replicator (CopyObject, or UploadPartCopy over
// 5 GiB, with ACL bucket-owner-full-control) is the production one. It must
// be idempotent: copying the same object twice is harmless.
type Replicator interface {
	Replicate(ctx context.Context, dump liberator.DumpRef) (s3copy.Location, error)
}

// DumpUploaded handles the upload of a dump: it checks the object is a dump
// under the configured prefix, launches the restore and, if a Replicator is
// set, copies the dump to pre-production.
type DumpUploaded struct {
	// Bucket is the upload bucket's name; events for other buckets are
	// ignored.
	Bucket string
	// Prefix is the dumps' key prefix ("parking/"). Only objects directly
	// under it are dumps: "parking/liberator_dump_20261124.zip" is,
	// "parking/archive/liberator_dump_20261124.zip" and "other/x.zip" are
	// ignored.
	Prefix string
	// BucketURL turns a bucket name into the gocloud.dev/blob URL put in the
	// run's DumpRef (Config.BucketURL); nil keeps the name.
	BucketURL func(name string) string
	// Launcher starts the restore (required).
	Launcher RestoreLauncher
	// Replicator, if not nil, copies the dump to pre-production.
	Replicator Replicator
	// Logger defaults to slog.Default(). Give it a LogHandler (NewLogger)
	// so that the library's own lines carry the event's ids too.
	Logger *slog.Logger
	// Margin is the time kept free before the invocation's deadline (see
	// WithBudget and Margin); 0 means DefaultMargin.
	Margin time.Duration
}

// DumpResult says what DumpUploaded.Handle did.
type DumpResult struct {
	// Ignored, when not empty, says why the event started nothing.
	Ignored string
	// Message is the run's first message (StepDumpUploaded) as launched.
	Message liberator.Message
	// Task is what the launcher started (an ECS task ARN).
	Task string
	// Replicated is true when the dump was copied to pre-production.
	Replicated bool
}

// Invoke is the Lambda entry point: it decodes the EventBridge event and
// runs Handle. A payload that is not an EventBridge event is logged and
// refused with an error wrapping ErrInvalid. Register it with ForLambda,
// so that Lambda reports the error's kind.
func (h *DumpUploaded) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		err = fmt.Errorf("decode EventBridge event: %v: %w", err, liberator.ErrInvalid)
		h.logger().ErrorContext(ctx, "invocation refused: payload does not decode",
			"kind", KindName(err), "retry", false, "err", err, "payload_prefix", prefix(string(raw), 120))
		return nil, err
	}
	_, err := h.Handle(ctx, ev)
	return nil, err
}

// Handle processes one EventBridge event: an S3 "Object Created" event or a
// CloudTrail PutObject / CompleteMultipartUpload / CopyObject event.
//
// Events that are not uploads, uploads to another bucket or outside the
// prefix, and keys that are not dump names ("liberator_dump_YYYYMMDD.zip"
// or "…_YYMMDD.zip") are logged and ignored: a retry cannot change them, so
// Handle returns a nil error and the event is not retried. A failure to
// launch or to replicate is returned, so Lambda retries the event (both are
// idempotent). The work stops Margin before the invocation's deadline
// (WithBudget), returning a Transient error. The event is logged once, with
// its event id, and with the run id, the error's kind and whether it will
// be retried when they apply.
func (h *DumpUploaded) Handle(ctx context.Context, ev events.CloudWatchEvent) (DumpResult, error) {
	budget, margin, cancel := WithBudget(ctx, h.Margin)
	defer cancel()
	ctx = newRecordScope(budget, "event_id", ev.ID)
	log := h.logger().With("event_id", ev.ID)
	up, err := DecodeUpload(ev)
	if errors.Is(err, ErrNotAnUpload) {
		log.InfoContext(ctx, "event ignored", "detail_type", ev.DetailType, "reason", err.Error())
		return DumpResult{Ignored: err.Error()}, nil
	}
	if err != nil {
		log.ErrorContext(ctx, "event dropped: cannot be decoded", "kind", KindName(err), "retry", false, "err", err)
		return DumpResult{Ignored: err.Error()}, nil
	}
	with := func(args ...any) {
		log = log.With(args...)
		ctx = WithLogAttrs(ctx, args...)
	}
	with("bucket", up.Bucket, "key", up.Key, "action", up.Action)
	if reason := outsidePrefix(h.Bucket, h.Prefix, up); reason != "" {
		log.InfoContext(ctx, "event ignored", "reason", reason)
		return DumpResult{Ignored: reason}, nil
	}
	bucket := up.Bucket
	if h.BucketURL != nil {
		bucket = h.BucketURL(up.Bucket)
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: bucket, Key: up.Key, Size: up.Size}, liberator.Date{}, false, up.Time)
	if err != nil {
		// A key under the prefix that is not a dump name.
		logNotADump(ctx, log, "event", up.Key, err)
		return DumpResult{Ignored: err.Error()}, nil
	}
	with("run_id", m.RunID, "step", string(m.Step))
	fail := func(msg string, err error) error {
		err = budgetError(budget, "dump uploaded "+up.Key, margin, err)
		level := slog.LevelError
		if retryable(err) {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, msg, "kind", KindName(err), "retry", retryable(err), "err", err)
		return err
	}
	res := DumpResult{Message: m}
	task, err := h.Launcher.LaunchRestore(ctx, m)
	if err != nil {
		return res, fail("launching restore failed: error returned to Lambda", fmt.Errorf("dump uploaded %s: %w", up.Key, err))
	}
	res.Task = task
	if h.Replicator == nil {
		log.InfoContext(ctx, "restore launched", "import_date", m.ImportDate.String(),
			"snapshot_id", liberator.SnapshotID(m.Received), "task", task)
		return res, nil
	}
	dst, err := h.Replicator.Replicate(ctx, liberator.DumpRef{Bucket: up.Bucket, Key: up.Key, Size: up.Size})
	if err != nil {
		return res, fail("restore launched, replicating dump to pre-production failed: error returned to Lambda",
			fmt.Errorf("dump uploaded %s: replicate: %w", up.Key, err))
	}
	res.Replicated = true
	log.InfoContext(ctx, "restore launched, dump replicated to pre-production", "import_date", m.ImportDate.String(),
		"snapshot_id", liberator.SnapshotID(m.Received), "task", task, "to", dst.String())
	return res, nil
}

func (h *DumpUploaded) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

// logNotADump logs an upload under the prefix whose key is not a dump
// name (err): loud when it looks like a dump (a bad date), quiet otherwise
// (a README), "<what> ignored".
func logNotADump(ctx context.Context, log *slog.Logger, what, key string, err error) {
	if strings.HasPrefix(path.Base(key), "liberator_dump_") {
		log.ErrorContext(ctx, "upload dropped: not a valid dump name", "kind", KindName(err), "retry", false, "err", err)
	} else {
		log.InfoContext(ctx, what+" ignored: not a dump name", "reason", err.Error())
	}
}

// outsidePrefix says why an upload is not one to act on, or "" if it is:
// another bucket (when bucket is set), or a key not directly under prefix.
func outsidePrefix(bucket, prefix string, up Upload) string {
	if bucket != "" && up.Bucket != bucket {
		return fmt.Sprintf("bucket %q is not the dump bucket %q", up.Bucket, bucket)
	}
	rest, ok := strings.CutPrefix(up.Key, prefix)
	if !ok {
		return fmt.Sprintf("key %q is outside prefix %q", up.Key, prefix)
	}
	if rest == "" || strings.Contains(rest, "/") {
		return fmt.Sprintf("key %q is not directly under prefix %q", up.Key, prefix)
	}
	return ""
}
