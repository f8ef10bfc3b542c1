package localglue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
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

// Options configure a local workflow. The zero value is usable.
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
	// bytes per written row group (default 65536 rows, 16 MiB); row groups
	// of the landed files are never merged. They bound the memory of each
	// file being rewritten.
	RowGroupRows  int
	RowGroupBytes int
	// Workers bounds the files rewritten at once (default GOMAXPROCS).
	Workers int
	// Compression is the codec of the raw files (default FastSnappy:
	// SNAPPY, as Glue jobs write; the landed files' codecs are not kept).
	Compression compress.Codec
	// Clock gives the run's start time and import_timestamp (default the
	// wall clock).
	Clock liberator.Clock
	// Logger receives progress logs (default slog.Default()).
	Logger *slog.Logger
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
// manifest into the raw zone, at
// <prefix>/<db>/<db>_<table lower-cased>/import_year=…/…/import_date=…/,
// adding the string column import_timestamp to every row, then runs the
// registered jobs in order.
//
// Each table's raw partition is replaced, never mixed: the old _SUCCESS
// marker is removed first, the new files are written, old files not
// rewritten are deleted, and _SUCCESS is written last. Files are streamed
// row group by row group, so memory is bounded by one row group.
//
// Start is idempotent on the request's RunKey: a run that completed (or is
// running) is returned as it is; a run that ended in ERROR is run again
// under the same id. Runs are recorded in the raw bucket.
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
		clock: opts.Clock, log: opts.Logger,
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
	if l.codec == nil {
		l.codec = export.FastSnappy{}
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

// LocalRunID returns the id of the Workflow run for a run key: "wr_" and 32 hex digits.
func LocalRunID(runKey string) string {
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
	id := LocalRunID(req.RunKey)
	l.mu.Lock()
	prev, ok := l.runs[id]
	l.mu.Unlock()
	if !ok {
		var err error
		prev, ok, err = l.readRun(ctx, id)
		if err != nil {
			return liberator.WorkflowRun{}, err
		}
	}
	if ok && prev.Status != StatusError {
		return prev, nil
	}

	now := l.clock.Now().UTC()
	ts := strconv.FormatInt(now.Unix(), 10)
	props := map[string]string{}
	for k, v := range req.Properties {
		props[k] = v
	}
	props["import_date"] = d.Compact()
	props[ImportTimestampColumn] = ts
	run := liberator.WorkflowRun{ID: id, RunKey: req.RunKey, Status: StatusRunning, Properties: props, Started: now}
	l.mu.Lock()
	if cur, ok := l.runs[id]; ok && cur.Status == StatusRunning {
		l.mu.Unlock()
		return cur, nil
	}
	l.runs[id] = run
	jobs := append([]job(nil), l.jobs...)
	l.mu.Unlock()
	log := l.log.With("run", id, "run_key", req.RunKey, "import_date", d.String())
	log.Info("workflow run started", "tables", len(req.Manifest.Tables))

	tables, err := l.copyAll(ctx, req.Manifest, d, ts, log)
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
	}
	l.mu.Lock()
	l.runs[id] = run
	l.mu.Unlock()
	if werr := l.writeRun(ctx, run); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		log.Error("workflow run failed", "err", err)
		return run, err
	}
	log.Info("workflow run completed", "tables", len(tables))
	return run, nil
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

func (l *Workflow) runKey(id string) string { return l.runsPrefix + id + ".json" }

func (l *Workflow) readRun(ctx context.Context, id string) (liberator.WorkflowRun, bool, error) {
	b, err := l.raw.ReadAll(ctx, l.runKey(id))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return liberator.WorkflowRun{}, false, nil
	}
	if err != nil {
		return liberator.WorkflowRun{}, false, blobErr(err, "read workflow run", l.runKey(id))
	}
	var r liberator.WorkflowRun
	if err := json.Unmarshal(b, &r); err != nil {
		return liberator.WorkflowRun{}, false, liberator.NewError(liberator.ErrTerminal, "read workflow run", l.runKey(id), err)
	}
	return r, true, nil
}

func (l *Workflow) writeRun(ctx context.Context, r liberator.WorkflowRun) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return liberator.NewError(liberator.ErrTerminal, "write workflow run", r.ID, err)
	}
	if err := l.raw.WriteAll(ctx, l.runKey(r.ID), b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return blobErr(err, "write workflow run", l.runKey(r.ID))
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

// tableCopy is one table's copy in progress.
type tableCopy struct {
	rt     RawTable
	name   string
	src    []string // landed Parquet keys, sorted
	old    []string // raw partition keys before the copy
	rows   []int64  // rows per src file
	done   []bool   // src files copied
	failed bool
}

// copyAll copies every table of m: first each table's old _SUCCESS marker
// is removed, then all files are rewritten, Workers at a time, then each
// table whose files all succeeded drops its stale files and gets its
// marker, even when another table failed. A table with a failed (or, after
// a failure, skipped) file gets no marker and keeps its old files.
func (l *Workflow) copyAll(ctx context.Context, m liberator.Manifest, d liberator.Date, ts string, log *slog.Logger) ([]RawTable, error) {
	const op = "copy to raw"
	var tables []*tableCopy
	type job struct {
		t *tableCopy
		i int
	}
	var jobs []job
	for _, tm := range m.Tables {
		tc, err := l.prepare(ctx, tm, d)
		if err != nil {
			return nil, err
		}
		tables = append(tables, tc)
		for i := range tc.src {
			jobs = append(jobs, job{tc, i})
		}
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < min(l.workers, max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				tc, i := jobs[j].t, jobs[j].i
				n, err := l.copyFile(cctx, tc.src[i], tc.rt.Prefix+path.Base(tc.src[i]), ts)
				tc.rows[i], tc.done[i] = n, err == nil
				if err != nil {
					errs[j] = err
					cancel() // the run fails: stop the other copies early
				}
			}
		}()
	}
	for j := range jobs {
		if cctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	var first error
	for j, err := range errs {
		if err != nil {
			jobs[j].t.failed = true
			if first == nil || errors.Is(first, context.Canceled) {
				first = err
			}
		}
	}
	if first == nil && ctx.Err() != nil {
		first = liberator.NewError(liberator.ErrTransient, op, "", ctx.Err())
	}
	var out []RawTable
	for _, tc := range tables {
		if tc.failed || slices.Contains(tc.done, false) {
			continue // no marker: readers see the partition as incomplete
		}
		if err := l.finish(ctx, tc, log); err != nil {
			return out, err
		}
		out = append(out, tc.rt)
	}
	return out, first
}

// prepare lists a table's landed files and its raw partition, and removes
// the partition's _SUCCESS marker so readers see it as incomplete.
func (l *Workflow) prepare(ctx context.Context, tm liberator.TableManifest, d liberator.Date) (*tableCopy, error) {
	const op = "copy to raw"
	tc := &tableCopy{name: tm.Database + "." + tm.Table,
		rt: RawTable{Database: tm.Database, Table: tm.Table, Prefix: l.RawPrefixFor(tm.Database, tm.Table, d)}}
	for _, o := range tm.Objects {
		if partition.IsParquet(o.Key) {
			tc.src = append(tc.src, o.Key)
		}
	}
	if len(tm.Objects) == 0 {
		keys, err := l.list(ctx, l.landing, tm.Prefix)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if partition.IsParquet(k) {
				tc.src = append(tc.src, k)
			}
		}
	}
	sort.Strings(tc.src)
	seen := map[string]bool{}
	for _, k := range tc.src {
		if seen[path.Base(k)] {
			return nil, liberator.Errorf(liberator.ErrInvalid, op, "table "+tc.name, "two landed files named %s", path.Base(k))
		}
		seen[path.Base(k)] = true
	}
	tc.rows, tc.done = make([]int64, len(tc.src)), make([]bool, len(tc.src))
	old, err := l.list(ctx, l.raw, tc.rt.Prefix)
	if err != nil {
		return nil, err
	}
	tc.old = old
	marker := tc.rt.Prefix + partition.MarkerName
	for _, k := range old {
		if k == marker {
			if err := l.raw.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return nil, blobErr(err, op, k)
			}
		}
	}
	return tc, nil
}

// finish deletes the raw partition's stale files and writes _SUCCESS.
func (l *Workflow) finish(ctx context.Context, tc *tableCopy, log *slog.Logger) error {
	const op = "copy to raw"
	marker := tc.rt.Prefix + partition.MarkerName
	written := map[string]bool{}
	for i, k := range tc.src {
		dst := tc.rt.Prefix + path.Base(k)
		written[dst] = true
		tc.rt.Keys = append(tc.rt.Keys, dst)
		tc.rt.Rows += tc.rows[i]
	}
	for _, k := range tc.old {
		if !written[k] && k != marker {
			if err := l.raw.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return blobErr(err, op, k)
			}
		}
	}
	if err := l.raw.WriteAll(ctx, marker, nil, nil); err != nil {
		return blobErr(err, op, marker)
	}
	log.Info("table copied to raw", "table", tc.name, "files", len(tc.rt.Keys), "rows", tc.rt.Rows, "prefix", tc.rt.Prefix)
	return nil
}

// copyFile rewrites one landed Parquet file with the import_timestamp
// column added and returns the number of rows.
func (l *Workflow) copyFile(ctx context.Context, srcKey, dstKey, ts string) (n int64, err error) {
	const op = "copy to raw"
	attrs, err := l.landing.Attributes(ctx, srcKey)
	if err != nil {
		return 0, blobErr(err, op, srcKey)
	}
	ra := &blobReaderAt{ctx: ctx, b: l.landing, key: srcKey}
	f, err := parquet.OpenFile(ra, attrs.Size, parquet.ReadBufferSize(256<<10), parquet.SkipBloomFilters(true))
	if err != nil {
		if ra.err != nil {
			return 0, blobErr(ra.err, op, srcKey)
		}
		return 0, liberator.NewError(liberator.ErrTerminal, op, srcKey, err)
	}
	schema, tsCol, err := withTimestamp(f.Schema(), l.codec)
	if err != nil {
		return 0, liberator.NewError(liberator.ErrInvalid, op, srcKey, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := l.raw.NewWriter(wctx, dstKey, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		return 0, blobErr(err, op, dstKey)
	}
	defer func() {
		if err != nil {
			cancel() // abort the upload: no partial object
			bw.Close()
		}
	}()
	pw := parquet.NewWriter(bw, schema, parquet.Compression(l.codec))
	tsVal := parquet.ByteArrayValue([]byte(ts)).Level(0, 1, tsCol)
	// Decoding (one goroutine) and encoding (this one) overlap: the
	// reader copies each batch of rows out of its page buffers and hands
	// it over; memory is a few batches plus the open row group.
	batches := make(chan rowBatch, 4)
	readErr := make(chan error, 1)
	rctx, rcancel := context.WithCancel(wctx)
	defer rcancel()
	go func() {
		defer close(batches)
		readErr <- readBatches(rctx, f, tsVal, batches)
	}()
	var werr error
	inGroup, inBytes := 0, 0
	for b := range batches {
		if werr != nil {
			continue // drain after a write error
		}
		if b.end || len(b.rows) > 0 {
			if len(b.rows) > 0 {
				if _, werr = pw.WriteRows(b.rows); werr != nil {
					rcancel()
					continue
				}
				n += int64(len(b.rows))
				inGroup += len(b.rows)
				inBytes += b.bytes
			}
			if inGroup > 0 && (b.end || inGroup >= l.groupRows || inBytes >= l.groupBytes) {
				if werr = pw.Flush(); werr != nil {
					rcancel()
					continue
				}
				inGroup, inBytes = 0, 0
			}
		}
	}
	rerr := <-readErr
	switch {
	case werr != nil:
		return n, liberator.NewError(liberator.ErrTerminal, op, dstKey, werr)
	case rerr == nil:
	case ctx.Err() != nil:
		return n, liberator.NewError(liberator.ErrTransient, op, dstKey, ctx.Err())
	case ra.err != nil:
		return n, blobErr(ra.err, op, srcKey)
	default:
		return n, liberator.NewError(liberator.ErrTerminal, op, srcKey, rerr)
	}
	if err = pw.Close(); err != nil {
		return n, liberator.NewError(liberator.ErrTerminal, op, dstKey, err)
	}
	if err = bw.Close(); err != nil {
		return n, blobErr(err, op, dstKey)
	}
	return n, nil
}

// rowBatch is a batch of rows owned by the receiver (copied out of the
// reader's page buffers), with the import_timestamp value appended. end
// marks the end of a source row group.
type rowBatch struct {
	rows  []parquet.Row
	bytes int // uncompressed size estimate
	end   bool
}

// readBatches reads every row group of f and sends its rows in batches,
// then an end marker per row group.
func readBatches(ctx context.Context, f *parquet.File, tsVal parquet.Value, out chan<- rowBatch) error {
	buf := make([]parquet.Row, 256)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			k, err := rows.ReadRows(buf)
			if k > 0 {
				select {
				case out <- copyBatch(buf[:k], tsVal):
				case <-ctx.Done():
					rows.Close()
					return ctx.Err()
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		select {
		case out <- rowBatch{end: true}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// copyBatch copies rows, with tsVal appended to each, into memory of its
// own: one block for the values and one for the bytes.
func copyBatch(rows []parquet.Row, tsVal parquet.Value) rowBatch {
	nvals, nbytes := 0, 0
	for _, r := range rows {
		nvals += len(r) + 1
		for _, v := range r {
			if isBytes(v) {
				nbytes += len(v.ByteArray())
			}
		}
	}
	arena := make([]byte, 0, nbytes)
	vals := make([]parquet.Value, 0, nvals)
	b := rowBatch{rows: make([]parquet.Row, len(rows)), bytes: 8*nvals + nbytes}
	for i, r := range rows {
		start := len(vals)
		for _, v := range r {
			if isBytes(v) {
				at := len(arena)
				arena = append(arena, v.ByteArray()...)
				data := arena[at:len(arena):len(arena)]
				var nv parquet.Value
				if v.Kind() == parquet.FixedLenByteArray {
					nv = parquet.FixedLenByteArrayValue(data)
				} else {
					nv = parquet.ByteArrayValue(data)
				}
				v = nv.Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column())
			}
			vals = append(vals, v)
		}
		vals = append(vals, tsVal)
		b.rows[i] = vals[start:len(vals):len(vals)]
	}
	return b
}

func isBytes(v parquet.Value) bool {
	k := v.Kind()
	return (k == parquet.ByteArray || k == parquet.FixedLenByteArray) && !v.IsNull()
}

// appendedGroup is a root group with the source fields then one more.
type appendedGroup struct {
	parquet.Node
	fields []parquet.Field
}

func (g *appendedGroup) Fields() []parquet.Field { return g.fields }

// withTimestamp returns s with an optional string column import_timestamp
// appended, and that column's index. Every column is compressed with codec
// (the landed files' per-column codecs are not kept).
func withTimestamp(s *parquet.Schema, codec compress.Codec) (*parquet.Schema, int, error) {
	fields := s.Fields()
	group := parquet.Group{}
	for _, f := range fields {
		if f.Name() == ImportTimestampColumn {
			return nil, 0, fmt.Errorf("landed file already has a column %s", ImportTimestampColumn)
		}
		if !f.Leaf() {
			return nil, 0, fmt.Errorf("column %s is nested; landed tables are flat", f.Name())
		}
		group[f.Name()] = parquet.Compressed(f, codec)
	}
	group[ImportTimestampColumn] = parquet.Compressed(parquet.Optional(parquet.String()), codec)
	byName := map[string]parquet.Field{}
	for _, f := range group.Fields() {
		byName[f.Name()] = f
	}
	ordered := make([]parquet.Field, 0, len(fields)+1)
	for _, f := range fields {
		ordered = append(ordered, byName[f.Name()])
	}
	ordered = append(ordered, byName[ImportTimestampColumn])
	g := &appendedGroup{Node: s, fields: ordered}
	return parquet.NewSchema(s.Name(), g), len(fields), nil
}

func (l *Workflow) list(ctx context.Context, b *blob.Bucket, prefix string) ([]string, error) {
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, blobErr(err, "list", prefix)
		}
		if !o.IsDir {
			keys = append(keys, o.Key)
		}
	}
	return keys, nil
}

// blobReaderAt reads a blob by ranges.
type blobReaderAt struct {
	ctx context.Context
	b   *blob.Bucket
	key string
	err error // the last storage error, to classify parquet's wrapped one
}

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rr, err := r.b.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		r.err = err
		return 0, err
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	} else if err != nil {
		r.err = err
	}
	return n, err
}

// blobErr classifies a storage error: NotFound, Terminal for requests that
// cannot succeed, else Transient (context ends included).
func blobErr(err error, op, key string) error {
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return liberator.NewError(liberator.ErrNotFound, op, key, err)
	case gcerrors.InvalidArgument, gcerrors.PermissionDenied, gcerrors.FailedPrecondition, gcerrors.Unimplemented:
		return liberator.NewError(liberator.ErrTerminal, op, key, err)
	}
	return liberator.NewError(liberator.ErrTransient, op, key, err)
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
