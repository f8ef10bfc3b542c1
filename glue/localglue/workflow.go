package localglue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go/compress"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// Run states, in Glue's words.
const (
	StatusRunning   = "RUNNING"
	StatusCompleted = "COMPLETED"
	StatusError     = "ERROR"
)

// ImportTimestampColumn is the column the landing-to-raw copy adds to every
// row: the run's start as Unix seconds, as a string.
const ImportTimestampColumn = "import_timestamp"

// DefaultRunsPrefix is where Workflow records its runs in the raw bucket. The
// leading underscore hides it from Glue crawlers and Spark.
const DefaultRunsPrefix = "_liberator/workflow_runs/"

// Route sends tables whose name matches Match to another raw-zone prefix,
// as production sends ^liberator_fpn tables to the environmental
// enforcement zone.
type Route struct {
	Match  *regexp.Regexp
	Prefix string
}

// Options configure a Workflow. The zero value is usable.
type Options struct {
	// Prefix is the raw-zone key prefix; default partition.DefaultPrefix
	// ("parking").
	Prefix string
	// Routes, checked in order, give some tables another prefix.
	Routes []Route
	// RunsPrefix is the key prefix in the raw bucket under which runs are
	// recorded (default DefaultRunsPrefix), so that Start stays idempotent
	// across processes.
	RunsPrefix string
	// RowGroupRows and RowGroupBytes bound the rows and the (uncompressed)
	// bytes per row group of a re-encoded file (default 65536 rows, 16
	// MiB), and so the memory of each file being re-encoded; row groups of
	// the landed files are never merged, and a spliced file keeps them as
	// they are.
	RowGroupRows  int
	RowGroupBytes int
	// Workers bounds the files rewritten at once (default GOMAXPROCS).
	Workers int
	// Compression is the codec of the raw files. Default: the landed
	// files' own, whose column chunks are then copied as they are (see
	// the package doc); a landed file in another codec is re-encoded.
	Compression compress.Codec
	// Clock gives the run's start time and import_timestamp (default the
	// wall clock).
	Clock liberator.Clock
	// Logger receives progress logs (default slog.Default()).
	Logger *slog.Logger
	// Lease configures the raw lease each run takes (see "One writer per
	// date" in the package doc): Lease.Wait (default 0: an error wrapping
	// liberator.ErrNotReady at once when another run holds the date),
	// Lease.HeldKind, Lease.TTL, Lease.Poll, Lease.OnWait and Lease.Prefix.
	// Its Clock and Logger default to the Workflow's; its Run is set to
	// each run's key.
	Lease lease.Options
	// TempAge is how old a temporary file of an interrupted write must be
	// before a run removes it from the raw zone; default
	// lease.DefaultTempAge.
	TempAge time.Duration
	// Layout says where each raw partition's _SUCCESS marker is written:
	// partition.ControlLayout (the zero value: under
	// partition.ControlRoot in the raw bucket, so raw partition folders
	// hold only Parquet files) or partition.InPartitionLayout (in the
	// folder).
	Layout partition.Layout
}

// RawTable describes one table the copy wrote to the raw zone.
type RawTable struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	// Prefix is the raw partition's key prefix, ending in "/".
	Prefix string `json:"prefix"`
	// Keys are the Parquet files written, sorted.
	Keys []string `json:"keys"`
	// Rows is the number of rows copied.
	Rows int64 `json:"rows"`
	// Spliced counts the files copied without decoding; Reencoded gives,
	// for each file rewritten value by value instead, why.
	Spliced   int               `json:"spliced"`
	Reencoded map[string]string `json:"reencoded,omitempty"`
}

// JobContext is what a registered job receives.
type JobContext struct {
	// Run is the workflow run (status RUNNING).
	Run liberator.WorkflowRun
	// Request is the request that started the run.
	Request liberator.WorkflowRequest
	// ImportTimestamp is the value written to the import_timestamp column.
	ImportTimestamp string
	// Tables are the raw partitions the copy wrote.
	Tables []RawTable
	// Landing and Raw are the workflow's buckets.
	Landing, Raw *blob.Bucket
	// Logger is the workflow's logger.
	Logger *slog.Logger
}

// JobFunc is a job run after the copy: a transformation, a check, a crawl.
type JobFunc func(ctx context.Context, jc JobContext) error

type job struct {
	name string
	fn   JobFunc
}

// Workflow is a liberator.Workflow that runs in process what the production
// Glue workflow does: it copies every landed table of the request's
// manifest into the raw zone, then runs the registered jobs, as the package
// doc describes. Runs are recorded in the raw bucket.
type Workflow struct {
	landing, raw *blob.Bucket
	prefix       string
	routes       []Route
	runsPrefix   string
	groupRows    int
	groupBytes   int
	workers      int
	codec        compress.Codec
	clock        liberator.Clock
	log          *slog.Logger
	lease        lease.Options
	tempAge      time.Duration
	layout       partition.Layout

	mu   sync.Mutex
	jobs []job
	runs map[string]liberator.WorkflowRun // by id
}

// New returns a local workflow reading the landing zone from landing
// and writing the raw zone to raw. It does not close the buckets.
func New(landing, raw *blob.Bucket, opts Options) (*Workflow, error) {
	if landing == nil || raw == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new local workflow", "", "nil bucket")
	}
	l := &Workflow{
		landing: landing, raw: raw,
		prefix: strings.Trim(opts.Prefix, "/"), routes: opts.Routes,
		runsPrefix: opts.RunsPrefix, groupRows: opts.RowGroupRows, groupBytes: opts.RowGroupBytes, workers: opts.Workers, codec: opts.Compression,
		clock: opts.Clock, log: opts.Logger, lease: opts.Lease, tempAge: opts.TempAge, layout: opts.Layout,
		runs: map[string]liberator.WorkflowRun{},
	}
	if opts.Prefix == "" {
		l.prefix = partition.DefaultPrefix
	}
	if l.runsPrefix == "" {
		l.runsPrefix = DefaultRunsPrefix
	}
	if !strings.HasSuffix(l.runsPrefix, "/") {
		l.runsPrefix += "/"
	}
	if l.groupRows <= 0 {
		l.groupRows = 65536
	}
	if l.groupBytes <= 0 {
		l.groupBytes = 16 << 20
	}
	if l.workers <= 0 {
		l.workers = runtime.GOMAXPROCS(0)
	}
	if l.clock == nil {
		l.clock = liberator.RealClock{}
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	for _, r := range l.routes {
		if r.Match == nil {
			return nil, liberator.Errorf(liberator.ErrInvalid, "new local workflow", "", "route without Match")
		}
	}
	return l, nil
}

// RegisterJob adds a job run after the copy, after the jobs registered
// before it. A job's error ends the run in ERROR.
func (l *Workflow) RegisterJob(name string, fn JobFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.jobs = append(l.jobs, job{name, fn})
}

// RunID returns the id of the Workflow run for a run key: "wr_" and 32 hex
// digits.
func RunID(runKey string) string {
	h := sha256.Sum256([]byte(runKey))
	return "wr_" + hex.EncodeToString(h[:16])
}

// Start runs the workflow for req and returns when it has finished. On
// failure it returns the run (status ERROR) and an error naming the table,
// key or job.
func (l *Workflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	const op = "start workflow"
	if req.RunKey == "" {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrInvalid, op, "", "empty run key")
	}
	d := req.ImportDate
	if d.IsZero() {
		d = req.Manifest.ImportDate
	}
	if !d.Valid() {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrInvalid, op, "run "+req.RunKey, "invalid import date %v", d)
	}
	id := RunID(req.RunKey)
	log := l.log.With("run", id, "run_key", req.RunKey, "import_date", d.String())
	if prev, ok, err := l.existing(ctx, id); err != nil || ok {
		if err == nil {
			l.removeDeadLeases(ctx, d, log)
		}
		return prev, err
	}
	// One run at a time writes the date's raw partitions (lease.go).
	ls, err := l.takeLease(ctx, req, d, log)
	if err != nil {
		return liberator.WorkflowRun{}, err
	}
	// A run of this key in another process may have ended meanwhile.
	if prev, ok, err := l.existing(ctx, id); err != nil || ok {
		releaseLease(ctx, ls, unchanged(ls), log)
		return prev, err
	}

	now := l.clock.Now().UTC()
	ts := strconv.FormatInt(now.Unix(), 10)
	props := map[string]string{}
	for k, v := range req.Properties {
		props[k] = v
	}
	props["import_date"] = d.Compact()
	props[ImportTimestampColumn] = ts
	if last, ok := l.doneBefore(ctx, ls, req, d); ok {
		run, err := l.recordDone(ctx, req, d, props, now, last, log)
		releaseLease(ctx, ls, unchanged(ls), log)
		return run, err
	}
	run := liberator.WorkflowRun{ID: id, RunKey: req.RunKey, Status: StatusRunning, Properties: props, Started: now}
	l.mu.Lock()
	l.runs[id] = run
	jobs := append([]job(nil), l.jobs...)
	l.mu.Unlock()
	log.Info("workflow run started", "tables", len(req.Manifest.Tables))

	swept := l.sweep(ctx, log)
	if swept > 0 {
		props[PropTempRemoved] = strconv.Itoa(swept)
	}
	tables, err := l.copyAll(ctx, req.Manifest, d, ts, ls.Check, log)
	noteCopies(props, tables)
	if err == nil {
		jc := JobContext{Run: run, Request: req, ImportTimestamp: ts, Tables: tables, Landing: l.landing, Raw: l.raw, Logger: log}
		for _, j := range jobs {
			log.Info("job started", "job", j.name)
			if jerr := j.fn(ctx, jc); jerr != nil {
				err = wrapKind(jerr, liberator.ErrTerminal, "glue job", j.name)
				break
			}
		}
	}
	if err != nil {
		run.Status = StatusError
		run.Properties["error"] = err.Error()
	} else {
		run.Status = StatusCompleted
		run.Outputs = map[string]string{}
		for _, t := range tables {
			run.Outputs[t.Database+"."+t.Table] = t.Prefix
		}
	}
	l.mu.Lock()
	l.runs[id] = run
	l.mu.Unlock()
	if werr := l.writeRun(context.WithoutCancel(ctx), run); werr != nil && err == nil {
		err = werr
	}
	releaseLease(ctx, ls, outcome(req, tables, ts, swept, err), log)
	if err != nil {
		log.Error("workflow run failed", "err", err)
		return run, err
	}
	log.Info("workflow run completed", "tables", len(tables))
	return run, nil
}

// existing returns the run id as recorded (in this process or in the raw
// bucket) when it completed or is running; a run that ended in ERROR is
// not returned, so that it runs again.
func (l *Workflow) existing(ctx context.Context, id string) (liberator.WorkflowRun, bool, error) {
	l.mu.Lock()
	prev, ok := l.runs[id]
	l.mu.Unlock()
	if !ok {
		var err error
		if prev, ok, err = l.readRun(ctx, id); err != nil {
			return liberator.WorkflowRun{}, false, err
		}
	}
	if ok && prev.Status != StatusError {
		return prev, true, nil
	}
	return liberator.WorkflowRun{}, false, nil
}

// recordDone records, as completed, a run whose landed export the raw
// zone already holds (written by last's run): it copies nothing.
func (l *Workflow) recordDone(ctx context.Context, req liberator.WorkflowRequest, d liberator.Date, props map[string]string,
	now time.Time, last *lease.Last, log *slog.Logger) (liberator.WorkflowRun, error) {
	if ts := last.Notes[noteTimestamp]; ts != "" {
		props[ImportTimestampColumn] = ts
	}
	props[PropDoneBy] = last.WriterRun
	run := liberator.WorkflowRun{ID: RunID(req.RunKey), RunKey: req.RunKey, Status: StatusCompleted, Properties: props, Started: now,
		Outputs: map[string]string{}}
	for _, tm := range req.Manifest.Tables {
		run.Outputs[tm.Database+"."+tm.Table] = l.RawPrefixFor(tm.Database, tm.Table, d)
	}
	l.mu.Lock()
	l.runs[run.ID] = run
	l.mu.Unlock()
	log.Info("the raw zone already holds this landed export; nothing copied", "landed_export", req.Manifest.ExportID, PropDoneBy, last.WriterRun)
	return run, l.writeRun(ctx, run)
}

// GetRun returns a run by id; an error wrapping liberator.ErrNotFound if
// none.
func (l *Workflow) GetRun(ctx context.Context, id string) (liberator.WorkflowRun, error) {
	l.mu.Lock()
	r, ok := l.runs[id]
	l.mu.Unlock()
	if ok {
		return r, nil
	}
	r, ok, err := l.readRun(ctx, id)
	if err != nil {
		return liberator.WorkflowRun{}, err
	}
	if !ok {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrNotFound, "get workflow run", id, "no such run")
	}
	return r, nil
}

// runKey returns the key of run id's record in the raw bucket.
func (l *Workflow) runKey(id string) string { return l.runsPrefix + id + ".json" }

// readRun reads the record of run id; false if there is none.
func (l *Workflow) readRun(ctx context.Context, id string) (liberator.WorkflowRun, bool, error) {
	b, err := l.raw.ReadAll(ctx, l.runKey(id))
	if blobio.IsNotFound(err) {
		return liberator.WorkflowRun{}, false, nil
	}
	if err != nil {
		return liberator.WorkflowRun{}, false, blobio.Error("read workflow run", l.runKey(id), err)
	}
	var r liberator.WorkflowRun
	if err := json.Unmarshal(b, &r); err != nil {
		return liberator.WorkflowRun{}, false, liberator.NewError(liberator.ErrTerminal, "read workflow run", l.runKey(id), err)
	}
	return r, true, nil
}

// writeRun records r in the raw bucket.
func (l *Workflow) writeRun(ctx context.Context, r liberator.WorkflowRun) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return liberator.NewError(liberator.ErrTerminal, "write workflow run", r.ID, err)
	}
	if err := l.raw.WriteAll(ctx, l.runKey(r.ID), b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return blobio.Error("write workflow run", l.runKey(r.ID), err)
	}
	return nil
}

// RawPrefixFor returns the raw partition prefix of a table, following the
// routes.
func (l *Workflow) RawPrefixFor(db, table string, d liberator.Date) string {
	p := l.prefix
	for _, r := range l.routes {
		if r.Match.MatchString(table) {
			p = strings.Trim(r.Prefix, "/")
			break
		}
	}
	return partition.RawPrefix(p, db, table, d)
}

// wrapKind wraps err with kind k unless it already carries a kind.
func wrapKind(err error, k *liberator.Kind, op, what string) error {
	var e *liberator.Error
	if errors.As(err, &e) && e.Kind != nil {
		return liberator.NewError(e.Kind, op, what, err)
	}
	return liberator.NewError(k, op, what, err)
}

var _ liberator.Workflow = (*Workflow)(nil)
