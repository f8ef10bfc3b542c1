package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// OpenFunc opens the rows of a snapshot as the Scan hook reads them.
type OpenFunc func(ctx context.Context, snap liberator.SnapshotInfo) (io.ReadCloser, error)

// ScanFunc produces the tables and rows of a snapshot: it calls h for each
// table, row and skipped object, in order. The default runs mysqldump.Scan
// over the dump; other row sources (a database) supply their own.
type ScanFunc func(ctx context.Context, r io.Reader, h mysqldump.Handler) error

// TableProgress reports a table's conversion so far.
type TableProgress struct {
	ExportID string
	// Table is "db.table".
	Table string
	Rows  int64
	// Bytes of Parquet written (finished parts and the open one).
	Bytes int64
	// SQLBytes is how much of the dump has been read so far (all tables),
	// for overall progress against the dump's size.
	SQLBytes int64
	Elapsed  time.Duration
	// Done is true on the table's last report.
	Done bool
}

// EmbeddedOptions configure an Embedded exporter.
type EmbeddedOptions struct {
	// Open reopens the dump named by SnapshotInfo.Source; default
	// mysqldump.SourceOpener(mysqldump.ReadOptions{}) (local paths and
	// "<bucket URL>#<key>" sources).
	Open OpenFunc
	// Scan produces the rows; default mysqldump.Scan with ScanOptions (the
	// dump header and trailer it reports go into the export info).
	Scan ScanFunc
	// Read bounds the dump and reports its progress; the default Open
	// passes it to mysqldump.Open.
	Read mysqldump.ReadOptions
	// ScanOptions are passed to mysqldump.Scan when Scan is nil (its
	// Tables and Logger are set from the request and Logger).
	ScanOptions mysqldump.ScanOptions
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
	// from the export's writer goroutine; keep it quick.
	Progress func(TableProgress)
	// MaxRunning caps concurrent exports (RDS allows 5 per account);
	// StartExport beyond it fails with liberator.ErrThrottled. Default 5.
	MaxRunning int
	// BatchRows is the number of rows handed from the scanner to the
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
}

// Embedded is the embedded liberator.Exporter: it converts a dump to
// Parquet in-process, with no database server.
//
// StartExport runs the whole conversion synchronously (for deterministic
// runs and tests) and returns the final state, COMPLETE or FAILED; a
// concurrent DescribeExport of the same id meanwhile reports IN_PROGRESS.
// Internally the scanner and the Parquet encoding run in two goroutines.
//
// Runs of one export id in several processes (a redelivered message) are
// kept apart by a lock object, <prefix><id>/export_lock_<id>.json, created
// with blob's IfNotExist: the loser reports IN_PROGRESS and writes
// nothing; a lock older than LockTimeout is taken over. The lock is
// removed when the run ends.
type Embedded struct {
	bucket *blob.Bucket
	opts   EmbeddedOptions

	mu      sync.Mutex
	running map[string]*running
}

// running is an export this Embedded is running.
type running struct {
	info liberator.ExportInfo // IN_PROGRESS
	done chan struct{}        // closed when it has ended
	err  error                // an error that ended it without a final state
}

var _ liberator.Exporter = (*Embedded)(nil)

// NewEmbedded returns an Embedded exporter writing into bucket.
func NewEmbedded(bucket *blob.Bucket, opts EmbeddedOptions) *Embedded {
	if opts.Database == "" {
		opts.Database = "liberator"
	}
	if opts.NewUUID == nil {
		opts.NewUUID = uuid.NewString
	}
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Read.Logger == nil {
		opts.Read.Logger = opts.Logger
	}
	if opts.Open == nil {
		opts.Open = func(ctx context.Context, snap liberator.SnapshotInfo) (io.ReadCloser, error) {
			return mysqldump.Open(ctx, snap.Dump, opts.Read)
		}
	}
	if opts.MaxRunning <= 0 {
		opts.MaxRunning = 5
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 2048
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 6 * time.Hour
	}
	if opts.Writer.Codec == "" {
		opts.Writer.Codec = DefaultCodec
	}
	opts.Writer.UUID = ""
	return &Embedded{bucket: bucket, opts: opts, running: map[string]*running{}}
}

func (e *Embedded) root(id string) string { return e.opts.Prefix + id + "/" }

// DescribeExport returns the export's state: IN_PROGRESS while
// StartExport runs, then what export_info_<id>.json says; liberator.ErrNotFound
// if there is no such export.
func (e *Embedded) DescribeExport(ctx context.Context, id string) (liberator.ExportInfo, error) {
	e.mu.Lock()
	r, ok := e.running[id]
	e.mu.Unlock()
	if ok {
		return r.info, nil
	}
	f, err := e.readInfo(ctx, id)
	if errors.Is(err, liberator.ErrNotFound) {
		// running in another process?
		if l, lerr := e.readLock(ctx, id); lerr == nil {
			return l.exportInfo(e.root(id)), nil
		}
	}
	if err != nil {
		return liberator.ExportInfo{}, err
	}
	return f.exportInfo(), nil
}

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

func (e *Embedded) lockKey(id string) string { return e.root(id) + "export_lock_" + id + ".json" }

func (e *Embedded) readLock(ctx context.Context, id string) (*lockFile, error) {
	b, err := e.bucket.ReadAll(ctx, e.lockKey(id))
	if err != nil {
		return nil, err
	}
	var l lockFile
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "export lock", e.lockKey(id), err)
	}
	return &l, nil
}

// lock takes the export's lock object. It returns the holder's lock when
// another run holds it and it is not older than LockTimeout; a stale lock
// (a crashed run) is taken over.
func (e *Embedded) lock(ctx context.Context, req liberator.ExportRequest) (*lockFile, error) {
	key := e.lockKey(req.ID)
	mine, _ := json.Marshal(lockFile{ExportID: req.ID, SnapshotID: req.Snapshot.ID, Started: e.opts.Clock.Now().UTC()})
	for attempt := 0; ; attempt++ {
		err := e.bucket.WriteAll(ctx, key, mine, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
		if err == nil {
			return nil, nil
		}
		if gcerrors.Code(err) != gcerrors.FailedPrecondition {
			return nil, liberator.NewError(liberator.ErrTransient, "export lock", key, err)
		}
		held, rerr := e.readLock(ctx, req.ID)
		if gcerrors.Code(rerr) == gcerrors.NotFound && attempt < 2 {
			continue // released meanwhile
		}
		if rerr != nil && !errors.Is(rerr, liberator.ErrInvalid) {
			return nil, liberator.NewError(liberator.ErrTransient, "export lock", key, rerr)
		}
		stale := held == nil || e.opts.Clock.Now().Sub(held.Started) > e.opts.LockTimeout
		if !stale || attempt >= 2 {
			if held == nil {
				held = &lockFile{ExportID: req.ID, SnapshotID: req.Snapshot.ID}
			}
			return held, nil
		}
		e.opts.Logger.Warn("taking over a stale export lock", "export", req.ID, "started", held.Started)
		if err := e.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return nil, liberator.NewError(liberator.ErrTransient, "export lock", key, err)
		}
	}
}

func (e *Embedded) readInfo(ctx context.Context, id string) (*ExportInfoFile, error) {
	key := e.root(id) + InfoFileName(id)
	b, err := e.bucket.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, liberator.Errorf(liberator.ErrNotFound, "describe export", id, "no export %q", id)
	}
	if err != nil {
		return nil, liberator.NewError(liberator.ErrTransient, "describe export", key, err)
	}
	var f ExportInfoFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "describe export", key, err)
	}
	return &f, nil
}

func (f *ExportInfoFile) exportInfo() liberator.ExportInfo {
	return liberator.ExportInfo{
		ID: f.ExportTaskIdentifier, SnapshotID: f.SnapshotID, Status: liberator.ExportStatus(f.Status),
		Prefix: f.Prefix, PercentProgress: f.PercentProgress, ExtractedGB: f.TotalExtractedGB,
		FailureCause: f.FailureCause, RowCounts: f.RowCounts,
	}
}

// StartExport converts the dump named by req.Snapshot.Source to Parquet
// under "<prefix><id>/" and returns the final state. An export id that
// exists already (finished, failed or running) is not started again: its
// info is returned. A conversion error ends the export FAILED (returned
// with a nil error), its FailureCause naming the table and line, and every
// part it wrote deleted. A cancelled ctx deletes the parts, records
// nothing and returns the context's error, so the export can be started
// again.
func (e *Embedded) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
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

	if f, err := e.readInfo(ctx, req.ID); err == nil {
		finish(nil)
		return f.exportInfo(), nil
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
			_, err := e.convert(context.WithoutCancel(ctx), req)
			finish(err)
		}()
		return r.info, nil
	}
	info, err := e.convert(ctx, req)
	finish(err)
	return info, err
}

// Wait blocks until the export id, if this Embedded is running it, has
// ended (or ctx is done), then returns DescribeExport's answer, or the
// error that ended the run without a final state. With Async it is how a
// caller in the same process waits without polling.
func (e *Embedded) Wait(ctx context.Context, id string) (liberator.ExportInfo, error) {
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

// convert runs an export whose lock this process holds, and releases it.
func (e *Embedded) convert(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	const op = "start export"
	defer func() { _ = e.bucket.Delete(context.WithoutCancel(ctx), e.lockKey(req.ID)) }()
	// It may have finished between the first look and taking the lock.
	if f, err := e.readInfo(ctx, req.ID); err == nil {
		return f.exportInfo(), nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		return liberator.ExportInfo{}, err
	}
	// Leftovers of an interrupted run of this id are not part of it.
	if err := e.deletePrefix(ctx, e.root(req.ID)); err != nil {
		return liberator.ExportInfo{}, err
	}
	f := &ExportInfoFile{
		ExportTaskIdentifier: req.ID, SnapshotID: req.Snapshot.ID, Source: locator(req.Snapshot),
		Prefix: e.root(req.ID), Codec: e.opts.Writer.Codec, TaskStartTime: e.opts.Clock.Now().UTC(),
	}
	rep, runErr := e.run(ctx, req, f)
	f.TaskEndTime = e.opts.Clock.Now().UTC()
	cleanup := context.WithoutCancel(ctx)
	if runErr != nil {
		delErr := e.deletePrefix(cleanup, e.root(req.ID))
		if ctx.Err() != nil {
			return liberator.ExportInfo{}, errors.Join(liberator.NewError(liberator.ErrTransient, op, req.ID, ctx.Err()), delErr)
		}
		if delErr != nil {
			return liberator.ExportInfo{}, errors.Join(runErr, delErr)
		}
		e.opts.Logger.Error("export failed", "export", req.ID, "err", runErr)
		f.Status, f.FailureCause, f.RowCounts = string(liberator.ExportFailed), strings.ToValidUTF8(runErr.Error(), "\uFFFD"), nil
		if err := e.writeJSON(cleanup, e.root(req.ID)+InfoFileName(req.ID), f); err != nil {
			return liberator.ExportInfo{}, errors.Join(runErr, err)
		}
		return f.exportInfo(), nil
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
	return f.exportInfo(), nil
}

func (e *Embedded) writeJSON(ctx context.Context, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, "export report", key, err)
	}
	if err := e.bucket.WriteAll(ctx, key, b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return liberator.NewError(liberator.ErrTransient, "export report", key, err)
	}
	return nil
}

func (e *Embedded) deletePrefix(ctx context.Context, prefix string) error {
	it := e.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return liberator.NewError(liberator.ErrTransient, "export cleanup", prefix, err)
		}
		if obj.IsDir || strings.HasPrefix(path.Base(obj.Key), "export_lock_") {
			continue
		}
		if err := e.bucket.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return liberator.NewError(liberator.ErrTransient, "export cleanup", obj.Key, err)
		}
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

// Read counts the bytes it passes on.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// run converts the dump and returns the tables report.
func (e *Embedded) run(ctx context.Context, req liberator.ExportRequest, f *ExportInfoFile) (*TablesReportFile, error) {
	rc, err := e.opts.Open(ctx, req.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("open dump %s: %w", locator(req.Snapshot), err)
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	conv := newConverter(ctx, e, e.root(req.ID), req.ID, req.Tables)
	conv.sqlBytes = cr.n.Load
	so := e.opts.ScanOptions
	so.Logger = e.opts.Logger
	so.Tables = nil
	for _, t := range req.Tables {
		if db, name, ok := strings.Cut(t, "."); ok && strings.EqualFold(db, e.opts.Database) {
			t = name
		}
		so.Tables = append(so.Tables, t)
	}
	var stats mysqldump.ScanStats
	rep, err := conv.run(func(h mysqldump.Handler) error {
		if e.opts.Scan != nil {
			return e.opts.Scan(ctx, cr, h)
		}
		var err error
		stats, err = mysqldump.Scan(ctx, cr, h, so)
		return err
	})
	f.SQLBytes = cr.n.Load()
	f.DumpHeader, f.DumpCompleted = stats.Header, stats.Completed
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

// ---- the conversion pipeline ----

// batch is a run of rows of one table, decoded, with the bytes they point
// to owned by the batch (the scanner reuses its buffers).
type batch struct {
	ts    *tableState
	end   bool // marks the table's end instead of carrying rows
	vals  []parquet.Value
	rows  []parquet.Row
	arena []byte
	first int // line of the first row
	last  int // line of the last row
}

func (b *batch) reset() {
	b.ts, b.end = nil, false
	clear(b.vals) // drop pointers into old arenas
	b.vals, b.rows, b.arena = b.vals[:0], b.rows[:0], b.arena[:0]
}

type tableState struct {
	name   string // "db.table"
	table  *mysqldump.Table
	cols   []mysqldump.Column
	schema *parquet.Schema
	plans  []ColumnPlan
	skip   bool
	start  time.Time
	end    time.Time
	// scanner side
	rows    int64
	zero    []int64
	missing []int64
	// writer side
	tw       *TableWriter
	parts    []PartInfo
	lastCall int64 // rows at the last progress call
}

// converter is the mysqldump.Handler of an export: the scanner goroutine
// decodes rows into batches; a writer goroutine encodes them.
type converter struct {
	ctx      context.Context
	e        *Embedded
	root     string
	id       string
	uuid     string
	filter   map[string]bool
	found    map[string]bool
	tables   []*tableState
	byTable  map[*mysqldump.Table]*tableState
	byName   map[string]*tableState
	last     *tableState
	skipped  []mysqldump.Skipped
	cur      *batch
	out      chan *batch
	free     chan *batch
	werr     atomic.Pointer[error]
	maxArena int
	sqlBytes func() int64 // dump bytes read so far; may be nil
}

// poolBatches is the number of batches in flight between the scanner and
// the writer goroutine (memory: about 1-2 MB each).
const poolBatches = 4

func newConverter(ctx context.Context, e *Embedded, root, id string, tables []string) *converter {
	c := &converter{
		ctx: ctx, e: e, root: root, id: id, uuid: e.opts.NewUUID(),
		byTable: map[*mysqldump.Table]*tableState{}, byName: map[string]*tableState{},
		out: make(chan *batch, poolBatches), free: make(chan *batch, poolBatches),
		maxArena: 4 << 20,
	}
	if len(tables) > 0 {
		c.filter, c.found = map[string]bool{}, map[string]bool{}
		for _, t := range tables {
			c.filter[strings.ToLower(t)] = true
		}
	}
	for i := 0; i < poolBatches-1; i++ {
		c.free <- &batch{}
	}
	c.cur = &batch{}
	return c
}

func (c *converter) writerErr() error {
	if p := c.werr.Load(); p != nil {
		return *p
	}
	return nil
}

// CreateTable implements mysqldump.Handler.
func (c *converter) CreateTable(t *mysqldump.Table) error {
	db := c.e.opts.Database
	name := db + "." + t.Name
	if _, dup := c.byName[name]; dup {
		return liberator.Errorf(liberator.ErrInvalid, "export", fmt.Sprintf("table %s line %d", name, t.Line), "table created twice")
	}
	ts := &tableState{name: name, table: t, cols: append([]mysqldump.Column(nil), t.Columns...), start: c.e.opts.Clock.Now().UTC()}
	lname, lbare := strings.ToLower(name), strings.ToLower(t.Name)
	if c.filter != nil && !c.filter[lname] && !c.filter[lbare] {
		ts.skip = true
	} else {
		if c.filter != nil {
			c.found[lname], c.found[lbare] = true, true
		}
		schema, plans, err := SchemaFor(t, c.e.opts.Schema)
		if err != nil {
			return fmt.Errorf("table %s line %d: %w", name, t.Line, err)
		}
		ts.schema, ts.plans = schema, plans
		ts.zero, ts.missing = make([]int64, len(plans)), make([]int64, len(plans))
	}
	c.tables = append(c.tables, ts)
	c.byTable[t] = ts
	c.byName[name] = ts
	return nil
}

// Skip implements mysqldump.Handler.
func (c *converter) Skip(s mysqldump.Skipped) { c.skipped = append(c.skipped, s) }

func (c *converter) state(t *mysqldump.Table) *tableState {
	if c.last != nil && c.last.table == t {
		return c.last
	}
	ts := c.byTable[t]
	if ts == nil && t != nil {
		ts = c.byName[c.e.opts.Database+"."+t.Name]
	}
	return ts
}

// Row implements mysqldump.Handler: it decodes the row into the current
// batch (copying every byte it keeps).
func (c *converter) Row(t *mysqldump.Table, vals []mysqldump.Value, line int) error {
	ts := c.state(t)
	if ts == nil {
		name := "?"
		if t != nil {
			name = t.Name
		}
		return liberator.Errorf(liberator.ErrInvalid, "export", fmt.Sprintf("table %s line %d", name, line), "rows for a table the dump did not create")
	}
	if ts.skip {
		return nil
	}
	if ts != c.last {
		if c.last != nil {
			if err := c.endTable(c.last); err != nil {
				return err
			}
		}
		c.last = ts
	}
	if len(vals) != len(ts.plans) {
		return liberator.Errorf(liberator.ErrInvalid, "export", fmt.Sprintf("table %s line %d", ts.name, line), "row has %d values, table has %d columns", len(vals), len(ts.plans))
	}
	b := c.cur
	if b.ts == nil {
		b.ts, b.first = ts, line
		if cap(b.vals) < c.e.opts.BatchRows*len(ts.plans) {
			b.vals = make([]parquet.Value, 0, c.e.opts.BatchRows*len(ts.plans))
		}
	}
	start := len(b.vals)
	b.vals = slices.Grow(b.vals, len(vals))[:start+len(vals)]
	row := b.vals[start:]
	for i := range vals {
		arena, note, err := ts.plans[i].decodeInto(&row[i], vals[i], b.arena)
		b.arena = arena
		if err != nil {
			b.vals = b.vals[:start]
			return fmt.Errorf("table %s line %d: %w", ts.name, line, err)
		}
		if note != NoteNone {
			if note == NoteZeroDate {
				ts.zero[i]++
			} else {
				ts.missing[i]++
			}
		}
	}
	b.rows = append(b.rows, b.vals[start:len(b.vals):len(b.vals)])
	b.last = line
	ts.rows++
	if len(b.rows) >= c.e.opts.BatchRows || len(b.arena) >= c.maxArena {
		return c.send()
	}
	return nil
}

// send hands the current batch to the writer and takes a free one.
func (c *converter) send() error {
	if err := c.writerErr(); err != nil {
		return err
	}
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.out <- c.cur
	select {
	case c.cur = <-c.free:
	case <-c.ctx.Done():
		c.cur = &batch{}
		return c.ctx.Err()
	}
	return nil
}

// endTable flushes ts's rows and tells the writer to finish its open part.
func (c *converter) endTable(ts *tableState) error {
	if len(c.cur.rows) > 0 {
		if err := c.send(); err != nil {
			return err
		}
	}
	c.cur.ts, c.cur.end = ts, true
	return c.send()
}

// run scans with scan, running the writer goroutine, and builds the report.
func (c *converter) run(scan func(mysqldump.Handler) error) (*TablesReportFile, error) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.writeLoop()
	}()
	err := scan(c)
	if err == nil && len(c.cur.rows) > 0 {
		err = c.send()
	}
	close(c.out)
	wg.Wait()
	if werr := c.writerErr(); werr != nil {
		err = werr // the writer's failure is the cause; the scan error is its echo
	}
	if err == nil && c.filter != nil {
		for t := range c.filter {
			if !c.found[t] {
				err = liberator.Errorf(liberator.ErrInvalid, "export", "table "+t, "requested table is not in the dump")
				break
			}
		}
	}
	if err == nil {
		err = c.closeAll()
	}
	if err != nil {
		c.abortAll()
		return nil, err
	}
	return c.report(), nil
}

func (c *converter) fail(err error) {
	if c.werr.Load() == nil {
		c.werr.Store(&err)
	}
}

// writeLoop encodes batches until the channel closes; after a failure it
// only recycles them, so the scanner never blocks.
func (c *converter) writeLoop() {
	for b := range c.out {
		if c.writerErr() == nil {
			if err := c.write(b); err != nil {
				c.fail(err)
			}
		}
		b.reset()
		c.free <- b
	}
}

func (c *converter) writerFor(ts *tableState) (*TableWriter, error) {
	if ts.tw == nil {
		db := c.e.opts.Database
		prefix := c.root + db + "/" + ts.name + "/1/"
		wo := c.e.opts.Writer
		wo.UUID = c.uuid
		tw, err := NewTableWriter(c.ctx, c.e.bucket, prefix, ts.schema, wo)
		if err != nil {
			return nil, err
		}
		ts.tw = tw
	}
	return ts.tw, nil
}

func (c *converter) write(b *batch) error {
	ts := b.ts
	tw, err := c.writerFor(ts)
	if err != nil {
		return err
	}
	if b.end {
		if err := tw.FinishPart(); err != nil {
			return fmt.Errorf("table %s: %w", ts.name, err)
		}
		c.progress(ts, tw, true)
		return nil
	}
	if err := tw.WriteRows(b.rows); err != nil {
		return fmt.Errorf("table %s rows at lines %d-%d: %w", ts.name, b.first, b.last, err)
	}
	if r := tw.Rows(); r-ts.lastCall >= 50_000 {
		ts.lastCall = r
		c.progress(ts, tw, false)
	}
	return nil
}

func (c *converter) progress(ts *tableState, tw *TableWriter, done bool) {
	if c.e.opts.Progress == nil {
		return
	}
	p := TableProgress{
		ExportID: c.id, Table: ts.name, Rows: tw.Rows(), Bytes: tw.Bytes(),
		Elapsed: c.e.opts.Clock.Now().Sub(ts.start), Done: done,
	}
	if c.sqlBytes != nil {
		p.SQLBytes = c.sqlBytes()
	}
	c.e.opts.Progress(p)
}

// closeAll finishes every table (after the writer goroutine has ended).
func (c *converter) closeAll() error {
	for _, ts := range c.tables {
		if ts.skip {
			continue
		}
		tw, err := c.writerFor(ts)
		if err != nil {
			return err
		}
		hadOpen := tw.cur != nil || len(tw.parts) == 0
		parts, err := tw.Close()
		if err != nil {
			return fmt.Errorf("table %s: %w", ts.name, err)
		}
		ts.parts = parts
		ts.end = c.e.opts.Clock.Now().UTC()
		if hadOpen {
			c.progress(ts, tw, true)
		}
	}
	return nil
}

func (c *converter) abortAll() {
	ctx := context.WithoutCancel(c.ctx)
	for _, ts := range c.tables {
		if ts.tw != nil {
			_ = ts.tw.Abort(ctx)
		}
	}
}

func (c *converter) report() *TablesReportFile {
	rep := &TablesReportFile{PerTableStatus: []TableReport{}, Skipped: c.skipped}
	for _, ts := range c.tables {
		if ts.skip {
			continue
		}
		tr := TableReport{
			Target: ts.name, Status: string(liberator.ExportComplete), Line: ts.table.Line,
			Rows: ts.rows, Files: ts.parts, Columns: columnReports(ts.plans, ts.cols),
			ExtractionStartTime: ts.start, ExtractionEndTime: ts.end,
		}
		for _, p := range ts.parts {
			tr.Bytes += p.Bytes
		}
		tr.SizeGB = float64(tr.Bytes) / (1 << 30)
		for i, p := range ts.plans {
			if n := ts.zero[i]; n > 0 {
				if tr.ZeroDatesNulled == nil {
					tr.ZeroDatesNulled = map[string]int64{}
				}
				tr.ZeroDatesNulled[p.Name] = n
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("column %s: %d zero dates written as NULL", p.Name, n))
			}
			if n := ts.missing[i]; n > 0 {
				if tr.MissingNulled == nil {
					tr.MissingNulled = map[string]int64{}
				}
				tr.MissingNulled[p.Name] = n
				why := "not in the INSERT column list"
				switch {
				case p.Virtual:
					why = "generated VIRTUAL column, the dump holds no values"
				case p.Generated:
					why = "generated STORED column, the dump holds no values"
				}
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("column %s: %s; %d rows written as NULL (not computed)", p.Name, why, n))
			}
			if p.ForcedOptional != "" {
				if tr.ForcedOptional == nil {
					tr.ForcedOptional = map[string]string{}
				}
				tr.ForcedOptional[p.Name] = p.ForcedOptional
			}
		}
		rep.PerTableStatus = append(rep.PerTableStatus, tr)
	}
	return rep
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
