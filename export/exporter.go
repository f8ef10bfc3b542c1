package export

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// Options configure an Exporter (whatever its RowSource).
type Options struct {
	// Database is the <db> of the layout; default "liberator".
	Database string
	// Prefix is prepended to "<export-id>/" for every key; default "".
	Prefix string
	// Writer tunes the part files (codec, part size, row groups). Its UUID
	// is ignored: each export draws one (NewUUID) for all its parts.
	Writer WriterOptions
	// Schema tunes the type mapping.
	Schema SchemaOptions
	// NewUUID returns the <uuid> of an export's part names; default
	// uuid.NewString.
	NewUUID func() string
	// Clock stamps times; default the wall clock.
	Clock liberator.Clock
	// Logger; default a logger that discards.
	Logger *slog.Logger
	// Progress, if set, is called per table while it converts (every few
	// thousand rows) and once with Done when it is finished. It is called
	// from the export's writer goroutines, one call at a time; keep it
	// quick.
	Progress func(TableProgress)
	// MaxRunning caps concurrent exports (RDS allows 5 per account);
	// StartExport beyond it fails with liberator.ErrThrottled. Default 5.
	MaxRunning int
	// BatchRows is the number of rows handed from the row source to the
	// writer at a time; default 2048.
	BatchRows int
	// Async makes StartExport return IN_PROGRESS at once and convert in a
	// goroutine (not bound to StartExport's ctx); DescribeExport then
	// reports IN_PROGRESS until the final state, and Wait waits for it.
	// Default false: StartExport converts synchronously and returns the
	// final state, which keeps runs and tests deterministic.
	Async bool
	// LockTimeout is how long a run of an export id holds it against runs
	// in other processes (the lock object export_lock_<id>.json); a lock
	// older than this is taken to be left by a crashed run and taken over.
	// Default 6h.
	LockTimeout time.Duration
	// TempAge is the age past which an export removes, from the export
	// zone (under Prefix), the temporary files of interrupted writes
	// (lease.SweepTemp: a fileblob write killed mid-way); default
	// lease.DefaultTempAge. PruneExports applies the zone's retention.
	TempAge time.Duration
}

func (o Options) withDefaults() Options {
	if o.Database == "" {
		o.Database = "liberator"
	}
	if o.NewUUID == nil {
		o.NewUUID = uuid.NewString
	}
	if o.Clock == nil {
		o.Clock = liberator.RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxRunning <= 0 {
		o.MaxRunning = 5
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 2048
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 6 * time.Hour
	}
	if o.Writer.Codec == "" {
		o.Writer.Codec = DefaultCodec
	}
	o.Writer.UUID = ""
	return o
}

// Exporter is a liberator.Exporter that converts the rows of a RowSource
// to Parquet in-process (see the package doc for the conversion and the
// files it writes).
//
// StartExport runs the whole conversion synchronously (for deterministic
// runs and tests) and returns the final state, COMPLETE or FAILED; a
// concurrent DescribeExport of the same id meanwhile reports IN_PROGRESS.
// With Options.Async it converts in a goroutine instead.
//
// Runs of one export id in several processes (a redelivered message) are
// kept apart by a lock object, <prefix><id>/export_lock_<id>.json, created
// with blob's IfNotExist: the loser reports IN_PROGRESS and writes
// nothing; a lock older than LockTimeout is taken over. The lock is
// removed when the run ends.
type Exporter struct {
	bucket *blob.Bucket
	src    RowSource
	opts   Options

	mu      sync.Mutex
	running map[string]*running
}

// running is an export this Exporter is running.
type running struct {
	info liberator.ExportInfo // IN_PROGRESS
	done chan struct{}        // closed when it has ended
	err  error                // an error that ended it without a final state
}

var (
	_ liberator.Exporter       = (*Exporter)(nil)
	_ liberator.SnapshotReader = (*Exporter)(nil)
)

// New returns an Exporter converting the rows src produces into bucket.
func New(bucket *blob.Bucket, src RowSource, opts Options) *Exporter {
	return &Exporter{bucket: bucket, src: src, opts: opts.withDefaults(), running: map[string]*running{}}
}

// ReadsSnapshots returns the kinds of snapshot the Exporter's RowSource
// reads.
func (e *Exporter) ReadsSnapshots() []liberator.SnapshotKind { return e.src.ReadsSnapshots() }

func (e *Exporter) root(id string) string { return e.opts.Prefix + id + "/" }

// DescribeExport returns the export's state: IN_PROGRESS while
// StartExport runs, then what export_info_<id>.json (and, once COMPLETE,
// the tables report) says; liberator.ErrNotFound if there is no such
// export.
func (e *Exporter) DescribeExport(ctx context.Context, id string) (liberator.ExportInfo, error) {
	e.mu.Lock()
	r, ok := e.running[id]
	e.mu.Unlock()
	if ok {
		return r.info, nil
	}
	info, err := e.describe(ctx, id)
	if errors.Is(err, liberator.ErrNotFound) {
		// running in another process?
		if l, lerr := e.readLock(ctx, id); lerr == nil {
			return l.exportInfo(e.root(id)), nil
		}
	}
	return info, err
}

// StartExport converts the snapshot req.Snapshot names (a dump or a
// database, as the RowSource reads) to Parquet under "<prefix><id>/" and
// returns the final state. An export id that exists already (finished,
// failed or running) is not started again: its info is returned. A
// conversion error ends the export FAILED (returned with a nil error), its
// FailureCause naming the table and line, and every part it wrote
// deleted. A cancelled ctx, or a storage failure that may pass (a
// transient or throttled error of the source or the bucket), deletes the
// parts, records nothing and returns the error, so the export can be
// started again (see the package doc).
func (e *Exporter) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	const op = "start export"
	switch {
	case req.ID == "" || len(req.ID) > 60 || strings.ContainsAny(req.ID, "/\\:"):
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, op, req.ID, "export id must be 1-60 characters without / \\ or :")
	case locator(req.Snapshot) == "":
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, op, req.ID, "snapshot %q names no dump or database", req.Snapshot.ID)
	case req.Snapshot.Status != "" && req.Snapshot.Status != liberator.SnapshotAvailable:
		k := liberator.ErrNotReady
		if req.Snapshot.Status == liberator.SnapshotFailed {
			k = liberator.ErrInvalid
		}
		return liberator.ExportInfo{}, liberator.Errorf(k, op, req.ID, "snapshot %q is %s", req.Snapshot.ID, req.Snapshot.Status)
	}
	if err := liberator.CheckSnapshot(e.src, req.Snapshot); err != nil {
		return liberator.ExportInfo{}, err
	}
	e.mu.Lock()
	if r, ok := e.running[req.ID]; ok {
		e.mu.Unlock()
		return r.info, nil
	}
	if len(e.running) >= e.opts.MaxRunning {
		e.mu.Unlock()
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrThrottled, op, req.ID, "%d exports already running", len(e.running))
	}
	r := &running{
		info: liberator.ExportInfo{ID: req.ID, SnapshotID: req.Snapshot.ID, Status: liberator.ExportInProgress, Prefix: e.root(req.ID)},
		done: make(chan struct{}),
	}
	e.running[req.ID] = r
	e.mu.Unlock()
	finish := func(err error) {
		e.mu.Lock()
		delete(e.running, req.ID)
		r.err = err
		e.mu.Unlock()
		close(r.done)
	}

	if info, err := e.describe(ctx, req.ID); err == nil {
		finish(nil)
		return info, nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		finish(err)
		return liberator.ExportInfo{}, err
	}
	// Another process may run the same export: the lock object decides.
	held, err := e.lock(ctx, req)
	if err != nil {
		finish(err)
		return liberator.ExportInfo{}, err
	}
	if held != nil {
		finish(nil)
		return held.exportInfo(e.root(req.ID)), nil
	}
	if e.opts.Async {
		go func() {
			_, err := e.export(context.WithoutCancel(ctx), req)
			finish(err)
		}()
		return r.info, nil
	}
	info, err := e.export(ctx, req)
	finish(err)
	return info, err
}

// Wait blocks until the export id, if this Exporter is running it, has
// ended (or ctx is done), then returns DescribeExport's answer, or the
// error that ended the run without a final state. With Async it is how a
// caller in the same process waits without polling.
func (e *Exporter) Wait(ctx context.Context, id string) (liberator.ExportInfo, error) {
	e.mu.Lock()
	r, ok := e.running[id]
	e.mu.Unlock()
	if ok {
		select {
		case <-r.done:
			if r.err != nil {
				return liberator.ExportInfo{}, r.err
			}
		case <-ctx.Done():
			return liberator.ExportInfo{}, ctx.Err()
		}
	}
	return e.DescribeExport(ctx, id)
}

// export runs an export whose lock this process holds, and releases it.
func (e *Exporter) export(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	const op = "start export"
	defer func() { _ = e.bucket.Delete(context.WithoutCancel(ctx), e.lockKey(req.ID)) }()
	// It may have finished between the first look and taking the lock.
	if info, err := e.describe(ctx, req.ID); err == nil {
		return info, nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		return liberator.ExportInfo{}, err
	}
	// Leftovers of an interrupted run of this id are not part of it, nor
	// are the temporary files of writes killed in the zone.
	if err := e.deletePrefix(ctx, e.root(req.ID)); err != nil {
		return liberator.ExportInfo{}, err
	}
	if swept, err := lease.SweepTemp(ctx, e.bucket, e.opts.Prefix, lease.SweepOptions{MinAge: e.opts.TempAge, Clock: e.opts.Clock, Logger: e.opts.Logger}); err != nil {
		e.opts.Logger.Warn("removing temporary files of interrupted writes failed", "export", req.ID, "err", err)
	} else if len(swept.Keys) > 0 {
		e.opts.Logger.Info("removed temporary files of interrupted writes", "export", req.ID, "files", len(swept.Keys), "bytes", swept.Bytes)
	}
	f := &InfoFile{
		ExportTaskIdentifier: req.ID, SnapshotID: req.Snapshot.ID, Source: locator(req.Snapshot),
		Prefix: e.root(req.ID), Codec: e.opts.Writer.Codec, TaskStartTime: e.opts.Clock.Now().UTC(),
	}
	rep, runErr := e.convert(ctx, req, f)
	f.TaskEndTime = e.opts.Clock.Now().UTC()
	cleanup := context.WithoutCancel(ctx)
	if runErr != nil {
		delErr := e.deletePrefix(cleanup, e.root(req.ID))
		if ctx.Err() != nil {
			return liberator.ExportInfo{}, errors.Join(liberator.NewError(liberator.ErrTransient, op, req.ID, ctx.Err()), delErr)
		}
		if liberator.Retryable(runErr) && !errors.Is(runErr, liberator.ErrInvalid) && !errors.Is(runErr, liberator.ErrTerminal) {
			// A storage failure that may pass (S3 5xx after retries, a
			// throttled write, a stalled read): like an interruption, it
			// records nothing, so the export can simply be started again.
			e.opts.Logger.Warn("export interrupted by a transient failure; nothing recorded", "export", req.ID, "err", runErr)
			return liberator.ExportInfo{}, errors.Join(runErr, delErr)
		}
		if delErr != nil {
			return liberator.ExportInfo{}, errors.Join(runErr, delErr)
		}
		e.opts.Logger.Error("export failed", "export", req.ID, "err", runErr)
		f.Status, f.FailureCause, f.RowCounts = string(liberator.ExportFailed), strings.ToValidUTF8(runErr.Error(), "\uFFFD"), nil
		if err := e.writeJSON(cleanup, e.root(req.ID)+InfoFileName(req.ID), f); err != nil {
			return liberator.ExportInfo{}, errors.Join(runErr, err)
		}
		return f.exportInfo(nil), nil
	}
	f.TablesReport = TablesFileName(req.ID, len(rep.PerTableStatus))
	if err := e.writeJSON(ctx, e.root(req.ID)+f.TablesReport, rep); err != nil {
		_ = e.deletePrefix(cleanup, e.root(req.ID))
		return liberator.ExportInfo{}, err
	}
	f.Status, f.PercentProgress = string(liberator.ExportComplete), 100
	if err := e.writeJSON(ctx, e.root(req.ID)+InfoFileName(req.ID), f); err != nil {
		_ = e.deletePrefix(cleanup, e.root(req.ID))
		return liberator.ExportInfo{}, err
	}
	e.opts.Logger.Info("export complete", "export", req.ID, "tables", len(rep.PerTableStatus), "sql_bytes", f.SQLBytes)
	return f.exportInfo(rep), nil
}

// convert reads the snapshot from the RowSource, converts it, and returns
// the tables report; it fills in f what the source tells.
func (e *Exporter) convert(ctx context.Context, req liberator.ExportRequest, f *InfoFile) (*TablesReportFile, error) {
	conv := newConverter(ctx, e.bucket, &e.opts, e.root(req.ID), req.ID, req.Tables)
	var tables []string
	for _, t := range req.Tables {
		if db, name, ok := strings.Cut(t, "."); ok && strings.EqualFold(db, e.opts.Database) {
			t = name
		}
		tables = append(tables, t)
	}
	var stats SourceStats
	rep, err := conv.run(func(h mysqldump.Handler) error {
		var err error
		stats, err = e.src.Rows(ctx, RowsRequest{Snapshot: req.Snapshot, Tables: tables, Progress: conv.sqlRead}, h)
		return err
	})
	f.SQLBytes, f.DumpHeader, f.DumpCompleted = stats.SQLBytes, stats.DumpHeader, stats.DumpCompleted
	f.TotalExtractedGB = float64(f.SQLBytes) / (1 << 30)
	if err != nil {
		return nil, err
	}
	f.RowCounts = map[string]int64{}
	for _, t := range rep.PerTableStatus {
		f.RowCounts[t.Target] = t.Rows
	}
	return rep, nil
}

// ---- the info and report files ----

// describe returns what the export's info file (and, once COMPLETE, its
// tables report) says; liberator.ErrNotFound if there is no info file.
func (e *Exporter) describe(ctx context.Context, id string) (liberator.ExportInfo, error) {
	const op = "describe export"
	f, err := e.readInfo(ctx, id)
	if err != nil {
		return liberator.ExportInfo{}, err
	}
	if f.Status != string(liberator.ExportComplete) || f.TablesReport == "" {
		return f.exportInfo(nil), nil
	}
	var rep TablesReportFile
	if err := e.readJSON(ctx, op, e.root(id)+f.TablesReport, &rep); err != nil {
		return liberator.ExportInfo{}, err
	}
	return f.exportInfo(&rep), nil
}

func (e *Exporter) readInfo(ctx context.Context, id string) (*InfoFile, error) {
	const op = "describe export"
	var f InfoFile
	if err := e.readJSON(ctx, op, e.root(id)+InfoFileName(id), &f); err != nil {
		if errors.Is(err, liberator.ErrNotFound) {
			return nil, liberator.Errorf(liberator.ErrNotFound, op, id, "no export %q", id)
		}
		return nil, err
	}
	return &f, nil
}

func (e *Exporter) readJSON(ctx context.Context, op, key string, v any) error {
	b, err := e.bucket.ReadAll(ctx, key)
	if err != nil {
		return blobio.Error(op, key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return liberator.NewError(liberator.ErrInvalid, op, key, err)
	}
	return nil
}

func (e *Exporter) writeJSON(ctx context.Context, key string, v any) error {
	const op = "export report"
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, op, key, err)
	}
	if err := e.bucket.WriteAll(ctx, key, b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return blobio.Error(op, key, err)
	}
	return nil
}

// deletePrefix deletes every object under prefix but the lock.
func (e *Exporter) deletePrefix(ctx context.Context, prefix string) error {
	const op = "export cleanup"
	it := e.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return blobio.Error(op, prefix, err)
		}
		if obj.IsDir || strings.HasPrefix(path.Base(obj.Key), "export_lock_") {
			continue
		}
		if err := e.bucket.Delete(ctx, obj.Key); err != nil && !blobio.IsNotFound(err) {
			return blobio.Error(op, obj.Key, err)
		}
	}
}

// ---- the lock ----

// lockFile is the content of export_lock_<id>.json, which exists while a
// process runs the export (created with IfNotExist, so one process wins).
type lockFile struct {
	ExportID   string    `json:"exportTaskIdentifier"`
	SnapshotID string    `json:"snapshotIdentifier"`
	Started    time.Time `json:"started"`
}

func (l *lockFile) exportInfo(prefix string) liberator.ExportInfo {
	return liberator.ExportInfo{ID: l.ExportID, SnapshotID: l.SnapshotID, Status: liberator.ExportInProgress, Prefix: prefix}
}

// lockFileName returns "export_lock_<id>.json".
func lockFileName(id string) string { return "export_lock_" + id + ".json" }

func (e *Exporter) lockKey(id string) string { return e.root(id) + lockFileName(id) }

// readLock returns the lock of export id; its error is the bucket's,
// unmapped, or one wrapping liberator.ErrInvalid for a corrupt lock.
func (e *Exporter) readLock(ctx context.Context, id string) (*lockFile, error) {
	return readLockAt(ctx, e.bucket, e.lockKey(id))
}

// readLockAt returns the lock stored at key in b, as readLock does.
func readLockAt(ctx context.Context, b *blob.Bucket, key string) (*lockFile, error) {
	body, err := b.ReadAll(ctx, key)
	if err != nil {
		return nil, err
	}
	var l lockFile
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "export lock", key, err)
	}
	return &l, nil
}

// lock takes the export's lock object. It returns the holder's lock when
// another run holds it and it is not older than LockTimeout; a stale lock
// (a crashed run) is taken over.
func (e *Exporter) lock(ctx context.Context, req liberator.ExportRequest) (*lockFile, error) {
	const op = "export lock"
	key := e.lockKey(req.ID)
	mine, _ := json.Marshal(lockFile{ExportID: req.ID, SnapshotID: req.Snapshot.ID, Started: e.opts.Clock.Now().UTC()})
	for attempt := 0; ; attempt++ {
		err := e.bucket.WriteAll(ctx, key, mine, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
		if err == nil {
			return nil, nil
		}
		if gcerrors.Code(err) != gcerrors.FailedPrecondition {
			return nil, blobio.Error(op, key, err)
		}
		held, rerr := e.readLock(ctx, req.ID)
		if blobio.IsNotFound(rerr) && attempt < 2 {
			continue // released meanwhile
		}
		if rerr != nil && !errors.Is(rerr, liberator.ErrInvalid) {
			return nil, blobio.Error(op, key, rerr)
		}
		stale := held == nil || e.opts.Clock.Now().Sub(held.Started) > e.opts.LockTimeout
		if !stale || attempt >= 2 {
			if held == nil {
				held = &lockFile{ExportID: req.ID, SnapshotID: req.Snapshot.ID}
			}
			return held, nil
		}
		e.opts.Logger.Warn("taking over a stale export lock", "export", req.ID, "started", held.Started)
		if err := e.bucket.Delete(ctx, key); err != nil && !blobio.IsNotFound(err) {
			return nil, blobio.Error(op, key, err)
		}
	}
}

// locator names where a snapshot's rows are: the dump ("<bucket URL> <key>"
// or a path), or the database.
func locator(s liberator.SnapshotInfo) string {
	switch {
	case s.Database != "":
		return s.Database
	case s.Dump.Bucket != "":
		return s.Dump.Bucket + " " + s.Dump.Key
	}
	return s.Dump.Key
}
