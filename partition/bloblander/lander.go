package bloblander

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Defaults of Options.
const (
	DefaultWorkers       = 8
	DefaultPageSize      = 1000
	DefaultRetryAttempts = 5
	DefaultRetryInitial  = 500 * time.Millisecond
	DefaultRetryMax      = 30 * time.Second
)

// RetryPolicy bounds the retries of one storage operation (a listing page,
// a copy, a delete, a manifest write) that failed transiently. Waits double
// from Initial up to Max and are taken on the Lander's Clock.
type RetryPolicy struct {
	// Attempts is the number of tries including the first; 0 means
	// DefaultRetryAttempts, 1 means no retry.
	Attempts int
	// Initial is the first wait; 0 means DefaultRetryInitial.
	Initial time.Duration
	// Max caps every wait; 0 means DefaultRetryMax.
	Max time.Duration
}

// Options configure a Lander. The zero value is usable.
type Options struct {
	// Prefix is the landing-zone key prefix; default DefaultPrefix
	// ("parking"). A leading slash is refused, a trailing one ignored.
	Prefix string
	// Workers bounds the number of copies (and per-table steps) running at
	// once; default DefaultWorkers.
	Workers int
	// PageSize is the listing page size; default DefaultPageSize.
	PageSize int
	// Retry bounds the retries of transient storage errors.
	Retry RetryPolicy
	// Clock is used for backoff waits; default the wall clock.
	Clock liberator.Clock
	// Logger receives progress and retry logs; default slog.Default().
	Logger *slog.Logger
	// BeforeCopy is passed to blob.CopyOptions for copies within one
	// bucket, e.g. to set the S3 ACL bucket-owner-full-control:
	//
	//	BeforeCopy: func(as func(any) bool) error {
	//		var in *s3.CopyObjectInput
	//		if as(&in) {
	//			in.ACL = s3types.ObjectCannedACLBucketOwnerFullControl
	//		}
	//		return nil
	//	}
	BeforeCopy func(asFunc func(any) bool) error
	// BeforeWrite is passed to blob.WriterOptions for every object written
	// (streamed copies between two buckets, manifests and markers).
	BeforeWrite func(asFunc func(any) bool) error
}

// Lander copies a finished RDS-layout export into the landing zone's
// partitions and publishes each table's partition. It implements
// liberator.Lander on any gocloud.dev/blob bucket (S3 in production, a
// directory or memory locally).
//
// For each table found under the export prefix, Land:
//
//  1. skips the table if its partition already holds a manifest of the same
//     export and the _SUCCESS marker (Land is idempotent);
//  2. deletes the partition's old _SUCCESS marker, so readers see it as
//     incomplete;
//  3. copies every *.parquet file of the table into the partition (in
//     parallel, with Workers copies at once; Bucket.Copy when the export and
//     landing buckets are the same, else a streamed read and write), retrying
//     transient errors, and verifies each copy's size;
//  4. deletes objects in the partition that are not part of this export, so
//     a re-run replaces the partition instead of mixing two exports;
//  5. writes _manifest.json, then _SUCCESS last.
//
// Every export key is mapped with LandingKey before anything is copied; one
// bad key refuses the whole export with an error wrapping
// liberator.ErrInvalid. If a table's copy fails for good its partition gets
// no marker, the other tables are still published, and Land returns an
// error naming every failed key. Its kind is liberator.ErrTransient when
// every failure was transient (retries exhausted, context canceled), else
// liberator.ErrTerminal. Errors that are retried: everything except
// gcerrors NotFound, InvalidArgument, PermissionDenied, FailedPrecondition,
// AlreadyExists, Unimplemented and Canceled, and except the errkind kinds
// Invalid, NotFound and Terminal. A size mismatch after a copy is retried.
type Lander struct {
	src, dst *blob.Bucket
	prefix   string
	workers  int
	pageSize int
	retry    RetryPolicy
	clock    liberator.Clock
	log      *slog.Logger
	before   func(asFunc func(any) bool) error
	beforeW  func(asFunc func(any) bool) error
}

// NewLander returns a Lander that reads exports from src and writes the
// landing zone in dst; src and dst may be the same bucket. The Lander does
// not close them.
func New(src, dst *blob.Bucket, opts Options) (*Lander, error) {
	const op = "new lander"
	if src == nil || dst == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "", "nil bucket")
	}
	if opts.Workers < 0 || opts.PageSize < 0 || opts.Retry.Attempts < 0 || opts.Retry.Initial < 0 || opts.Retry.Max < 0 {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "", "negative option")
	}
	prefix := strings.TrimSuffix(opts.Prefix, "/")
	if prefix == "" {
		prefix = partition.DefaultPrefix
	}
	if err := partition.CheckPrefix(op, "landing prefix", prefix); err != nil {
		return nil, err
	}
	l := &Lander{
		src: src, dst: dst, prefix: prefix,
		workers: opts.Workers, pageSize: opts.PageSize, retry: opts.Retry,
		clock: opts.Clock, log: opts.Logger,
		before: opts.BeforeCopy, beforeW: opts.BeforeWrite,
	}
	if l.workers == 0 {
		l.workers = DefaultWorkers
	}
	if l.pageSize == 0 {
		l.pageSize = DefaultPageSize
	}
	if l.retry.Attempts == 0 {
		l.retry.Attempts = DefaultRetryAttempts
	}
	if l.retry.Initial == 0 {
		l.retry.Initial = DefaultRetryInitial
	}
	if l.retry.Max == 0 {
		l.retry.Max = DefaultRetryMax
	}
	if l.clock == nil {
		l.clock = liberator.RealClock{}
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	return l, nil
}

// Prefix returns the landing-zone prefix the Lander writes under.
func (l *Lander) Prefix() string { return l.prefix }

// copyJob is one export object to copy.
type copyJob struct {
	src, dst string
	size     int64
	err      error
}

// tableWork is one table's share of a Land call.
type tableWork struct {
	ref    partition.TableRef
	prefix string // partition prefix
	jobs   []*copyJob
	skip   bool                    // already published for this export
	done   liberator.TableManifest // set when published (or skipped)
	err    error                   // first error of a non-copy step
}

func (t *tableWork) failed() bool {
	if t.err != nil {
		return true
	}
	for _, j := range t.jobs {
		if j.err != nil {
			return true
		}
	}
	return false
}

// Land copies the export req describes into the landing zone under
// req.ImportDate and publishes each table's partition; see Lander. The
// export is read under req.ExportPrefix, or "<ExportID>/" if that is empty;
// req.Tables ("PCN_IC" or "liberator.PCN_IC") restricts the tables landed.
// An export without any *.parquet file is refused with an error wrapping
// liberator.ErrNotFound.
//
// The returned Manifest lists the published tables sorted by database and
// table, each with its objects sorted by key; on error it lists those
// tables that were published.
//
// Two Land calls for the same partitions must not run at once (the
// pipeline runs one step per run at a time); calls for different dates or
// prefixes may.
func (l *Lander) Land(ctx context.Context, req liberator.LandRequest) (liberator.Manifest, error) {
	const op = "land"
	if req.ExportID == "" {
		return liberator.Manifest{}, liberator.Errorf(liberator.ErrInvalid, op, "", "empty export id")
	}
	what := "export " + strconv.Quote(req.ExportID)
	if !req.ImportDate.Valid() {
		return liberator.Manifest{}, liberator.Errorf(liberator.ErrInvalid, op, what, "invalid import date %q", req.ImportDate.String())
	}
	exportPrefix := req.ExportPrefix
	if exportPrefix == "" {
		exportPrefix = req.ExportID + "/"
	}
	if err := partition.CheckPrefix(op, "export prefix", exportPrefix); err != nil {
		return liberator.Manifest{}, err
	}
	ep := partition.DirPrefix(exportPrefix)
	log := l.log.With("export_id", req.ExportID, "import_date", req.ImportDate.String())

	objs, err := l.list(ctx, l.src, ep)
	if err != nil {
		return liberator.Manifest{}, liberator.NewError(kindOf(ctx, err), op, what, fmt.Errorf("list %q: %w", ep, err))
	}
	tables, err := l.plan(req, ep, objs)
	if err != nil {
		return liberator.Manifest{}, err
	}
	if len(tables) == 0 {
		return liberator.Manifest{}, liberator.Errorf(liberator.ErrNotFound, op, what, "no *.parquet files under %q%s", ep, tablesNote(req.Tables))
	}
	log.Info("landing export", "export_prefix", ep, "tables", len(tables), "objects", countJobs(tables))

	// Phase 1: per table, detect an earlier identical publication, else
	// unpublish the partition.
	l.parallel(ctx, len(tables), func(i int) {
		t := tables[i]
		m, err := l.readManifest(ctx, t.prefix)
		switch {
		case err == nil && m.ExportID == req.ExportID && len(m.Tables) == 1:
			ok, err := l.exists(ctx, t.prefix+partition.MarkerName)
			if err != nil {
				t.err = err
				return
			}
			if ok {
				t.skip, t.done = true, m.Tables[0]
				log.Info("partition already published for this export; skipping", "table", t.ref.String(), "prefix", t.prefix)
				return
			}
		case err != nil && !errors.Is(err, liberator.ErrNotFound) && !errors.Is(err, liberator.ErrInvalid):
			t.err = err
			return
		}
		if err := l.delete(ctx, t.prefix+partition.MarkerName); err != nil {
			t.err = fmt.Errorf("unpublish: %w", err)
		}
	})

	// Phase 2: copy every object of the tables still to do.
	var jobs []*copyJob
	for _, t := range tables {
		if !t.skip && t.err == nil {
			jobs = append(jobs, t.jobs...)
		}
	}
	l.parallel(ctx, len(jobs), func(i int) {
		j := jobs[i]
		j.err = l.retryOp(ctx, "copy", j.src, func() error { return l.copyOne(ctx, j) })
		if j.err != nil {
			log.Error("copy failed", "source", j.src, "target", j.dst, "err", j.err)
		}
	})

	// Phase 3: per table, remove stale objects, write manifest and marker.
	l.parallel(ctx, len(tables), func(i int) {
		t := tables[i]
		if t.skip || t.failed() {
			return
		}
		tm := liberator.TableManifest{Database: t.ref.Database, Table: t.ref.Table, Prefix: t.prefix, Rows: -1}
		if n, ok := req.RowCounts[t.ref.String()]; ok {
			tm.Rows = n
		}
		keep := make(map[string]bool, len(t.jobs))
		for _, j := range t.jobs {
			keep[j.dst] = true
			tm.Objects = append(tm.Objects, liberator.Object{Key: j.dst, Source: j.src, Size: j.size})
		}
		slices.SortFunc(tm.Objects, func(a, b liberator.Object) int { return strings.Compare(a.Key, b.Key) })
		keep[t.prefix+partition.ManifestName] = true
		if err := l.removeStale(ctx, t.prefix, keep, log); err != nil {
			t.err = fmt.Errorf("remove stale objects: %w", err)
			return
		}
		m := liberator.Manifest{Version: partition.ManifestVersion, ExportID: req.ExportID, ImportDate: req.ImportDate, Tables: []liberator.TableManifest{tm}}
		body, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.err = err
			return
		}
		if err := l.write(ctx, t.prefix+partition.ManifestName, append(body, '\n'), "application/json"); err != nil {
			t.err = fmt.Errorf("write manifest: %w", err)
			return
		}
		if err := l.write(ctx, t.prefix+partition.MarkerName, nil, "text/plain"); err != nil {
			t.err = fmt.Errorf("write marker: %w", err)
			return
		}
		t.done = tm
		log.Info("partition published", "table", t.ref.String(), "prefix", t.prefix, "objects", len(tm.Objects))
	})

	out := liberator.Manifest{Version: partition.ManifestVersion, ExportID: req.ExportID, ImportDate: req.ImportDate}
	// The causes are included as text only, so that errors.Is sees the one
	// kind chosen for the whole failure and not the kinds of the causes.
	var msgs []string
	kind := liberator.ErrTransient
	failedTables := 0
	for _, t := range tables {
		if !t.failed() {
			out.Tables = append(out.Tables, t.done)
			continue
		}
		failedTables++
		if t.err != nil {
			if kindOf(ctx, t.err) == liberator.ErrTerminal {
				kind = liberator.ErrTerminal
			}
			msgs = append(msgs, fmt.Sprintf("table %s (%s): %v", t.ref, t.prefix, t.err))
		}
		for _, j := range t.jobs {
			if j.err == nil {
				continue
			}
			if kindOf(ctx, j.err) == liberator.ErrTerminal {
				kind = liberator.ErrTerminal
			}
			msgs = append(msgs, fmt.Sprintf("copy %q to %q: %v", j.src, j.dst, j.err))
		}
	}
	if len(msgs) > 0 {
		return out, liberator.Errorf(kind, op, what, "%d of %d tables not published (no %s marker written): %s",
			failedTables, len(tables), partition.MarkerName, strings.Join(msgs, "; "))
	}
	return out, nil
}

// plan filters the listing to *.parquet, maps every key and groups the jobs
// by table, sorted by table. Any bad key refuses the whole export.
func (l *Lander) plan(req liberator.LandRequest, ep string, objs []*blob.ListObject) ([]*tableWork, error) {
	byTable := map[partition.TableRef]*tableWork{}
	target := map[string]string{} // landing key -> export key
	var bad []error
	for _, o := range objs {
		if o.IsDir || !partition.IsParquet(o.Key) {
			continue
		}
		dst, ref, err := partition.LandingKey(l.prefix, ep, o.Key, req.ImportDate)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if prev, dup := target[dst]; dup {
			bad = append(bad, liberator.Errorf(liberator.ErrInvalid, "map export key", strconv.Quote(o.Key),
				"lands on %q like %q", dst, prev))
			continue
		}
		target[dst] = o.Key
		if !wantTable(req.Tables, ref) {
			continue
		}
		t := byTable[ref]
		if t == nil {
			t = &tableWork{ref: ref, prefix: partition.TablePrefix(l.prefix, ref, req.ImportDate)}
			byTable[ref] = t
		}
		t.jobs = append(t.jobs, &copyJob{src: o.Key, dst: dst, size: o.Size})
	}
	if len(bad) > 0 {
		return nil, liberator.NewError(liberator.ErrInvalid, "land", "export "+strconv.Quote(req.ExportID),
			fmt.Errorf("%d export keys refused, nothing copied: %w", len(bad), errors.Join(bad...)))
	}
	tables := make([]*tableWork, 0, len(byTable))
	for _, t := range byTable {
		tables = append(tables, t)
	}
	slices.SortFunc(tables, func(a, b *tableWork) int { return compareRefs(a.ref, b.ref) })
	for _, want := range req.Tables {
		found := false
		for _, t := range tables {
			found = found || want == t.ref.Table || want == t.ref.String()
		}
		if !found {
			l.log.Warn("requested table has no *.parquet files in the export", "export_id", req.ExportID, "table", want)
		}
	}
	return tables, nil
}

func wantTable(tables []string, ref partition.TableRef) bool {
	if len(tables) == 0 {
		return true
	}
	for _, t := range tables {
		if t == ref.Table || t == ref.String() {
			return true
		}
	}
	return false
}

func compareRefs(a, b partition.TableRef) int {
	if c := strings.Compare(a.Database, b.Database); c != 0 {
		return c
	}
	return strings.Compare(a.Table, b.Table)
}

func countJobs(ts []*tableWork) int {
	n := 0
	for _, t := range ts {
		n += len(t.jobs)
	}
	return n
}

func tablesNote(tables []string) string {
	if len(tables) == 0 {
		return ""
	}
	return fmt.Sprintf(" for tables %q", tables)
}

// parallel runs fn(0..n-1) with at most l.workers at once and waits.
func (l *Lander) parallel(ctx context.Context, n int, fn func(i int)) {
	sem := make(chan struct{}, l.workers)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// errSizeMismatch marks a copy whose target size differs from the source.
var errSizeMismatch = errors.New("size mismatch after copy")

// copyOne copies one object and verifies the target's size.
func (l *Lander) copyOne(ctx context.Context, j *copyJob) error {
	if l.src == l.dst {
		if err := l.dst.Copy(ctx, j.dst, j.src, &blob.CopyOptions{BeforeCopy: l.before}); err != nil {
			return err
		}
	} else if err := l.stream(ctx, j); err != nil {
		return err
	}
	a, err := l.dst.Attributes(ctx, j.dst)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if a.Size != j.size {
		return fmt.Errorf("%w: %q has %d bytes, export listed %d", errSizeMismatch, j.dst, a.Size, j.size)
	}
	return nil
}

// stream copies between two buckets; a failed write is aborted so no
// partial object is left.
func (l *Lander) stream(ctx context.Context, j *copyJob) error {
	r, err := l.src.NewReader(ctx, j.src, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	ct := r.ContentType()
	if ct == "" {
		ct = "application/octet-stream"
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := l.dst.NewWriter(wctx, j.dst, &blob.WriterOptions{ContentType: ct, BeforeWrite: l.beforeW})
	if err != nil {
		return err
	}
	n, err := io.Copy(w, r)
	if err == nil && n != j.size {
		err = fmt.Errorf("%w: read %d bytes of %q, export listed %d", errSizeMismatch, n, j.src, j.size)
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return w.Close()
}

// list returns every object under prefix, page by page.
func (l *Lander) list(ctx context.Context, b *blob.Bucket, prefix string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	token := blob.FirstPageToken
	for {
		var objs []*blob.ListObject
		var next []byte
		err := l.retryOp(ctx, "list", prefix, func() error {
			var err error
			objs, next, err = b.ListPage(ctx, token, l.pageSize, &blob.ListOptions{Prefix: prefix})
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
		if len(next) == 0 {
			return out, nil
		}
		token = next
	}
}

// removeStale deletes every object under prefix that is not in keep.
func (l *Lander) removeStale(ctx context.Context, prefix string, keep map[string]bool, log *slog.Logger) error {
	objs, err := l.list(ctx, l.dst, prefix)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.IsDir || keep[o.Key] {
			continue
		}
		if err := l.delete(ctx, o.Key); err != nil {
			return err
		}
		log.Info("deleted object not part of this export", "key", o.Key)
	}
	return nil
}

// delete deletes key in the landing bucket; a missing key is not an error.
func (l *Lander) delete(ctx context.Context, key string) error {
	return l.retryOp(ctx, "delete", key, func() error {
		err := l.dst.Delete(ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil
		}
		return err
	})
}

func (l *Lander) exists(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := l.retryOp(ctx, "stat", key, func() error {
		var err error
		ok, err = l.dst.Exists(ctx, key)
		return err
	})
	return ok, err
}

func (l *Lander) write(ctx context.Context, key string, body []byte, contentType string) error {
	return l.retryOp(ctx, "write", key, func() error {
		return l.dst.WriteAll(ctx, key, body, &blob.WriterOptions{ContentType: contentType, BeforeWrite: l.beforeW})
	})
}

func (l *Lander) readManifest(ctx context.Context, partPrefix string) (liberator.Manifest, error) {
	var m liberator.Manifest
	err := l.retryOp(ctx, "read", partPrefix+partition.ManifestName, func() error {
		var err error
		m, err = partition.ReadManifestKey(ctx, l.dst, partPrefix+partition.ManifestName)
		return err
	})
	return m, err
}

// retryOp runs fn until it succeeds, fails permanently, the context ends or
// the attempts are used up, waiting on the clock between attempts.
func (l *Lander) retryOp(ctx context.Context, op, key string, fn func() error) error {
	wait := l.retry.Initial
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !transient(err) {
			return err
		}
		if attempt >= l.retry.Attempts {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		l.log.Warn("retrying blob operation", "op", op, "key", key, "attempt", attempt, "wait", wait, "err", err)
		if serr := l.clock.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
		wait = min(2*wait, l.retry.Max)
	}
}

// transient reports whether a storage error is worth retrying. A deadline
// error is transient (a slow request); the retry loop stops anyway once the
// caller's own context is done.
func transient(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, errSizeMismatch):
		return true
	case errors.Is(err, liberator.ErrInvalid), errors.Is(err, liberator.ErrNotFound), errors.Is(err, liberator.ErrTerminal):
		return false
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound, gcerrors.InvalidArgument, gcerrors.PermissionDenied, gcerrors.FailedPrecondition,
		gcerrors.AlreadyExists, gcerrors.Unimplemented, gcerrors.Canceled:
		return false
	}
	return true
}

// kindOf classifies a final error: Transient if retrying later may help
// (transient error with retries used up, or the context ended), else
// Terminal.
func kindOf(ctx context.Context, err error) *liberator.Kind {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || transient(err) {
		return liberator.ErrTransient
	}
	return liberator.ErrTerminal
}
