package bloblander

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// Defaults of Options.
const (
	DefaultWorkers         = 8
	DefaultPageSize        = 1000
	DefaultRetryAttempts   = 5
	DefaultRetryInitial    = 500 * time.Millisecond
	DefaultRetryMultiplier = 2
	DefaultRetryMax        = 30 * time.Second
)

// Options configure a Lander. The zero value is usable.
type Options struct {
	// Prefix is the landing-zone key prefix; default partition.DefaultPrefix
	// ("parking"). A leading slash is refused, a trailing one ignored.
	Prefix string
	// Workers bounds the number of copies (and per-table steps) running at
	// once; default DefaultWorkers.
	Workers int
	// PageSize is the listing page size; default DefaultPageSize.
	PageSize int
	// Retry bounds the retries of one storage operation (a listing page, a
	// copy, a delete, a manifest write) whose error is retryable. Its
	// Attempts, Initial, Multiplier and Max are used, zero ones replaced by
	// DefaultRetryAttempts, DefaultRetryInitial, DefaultRetryMultiplier and
	// DefaultRetryMax; Deadline and MaxErrorRetries are not used.
	Retry liberator.RetryPolicy
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
	// Copy, if set, copies each object between two different buckets on
	// the storage server (see ServerCopier; s3copy.Copier.Pair on S3)
	// instead of streaming it through this process. Copies within one
	// bucket always use the bucket's own Copy.
	Copy ServerCopier
	// Lease configures the landing lease each Land takes (see "One writer
	// per date" in the package doc): Lease.Wait (default 0: an error
	// wrapping liberator.ErrNotReady at once when another run holds the
	// date), Lease.HeldKind, Lease.TTL, Lease.Poll, Lease.OnWait and
	// Lease.Prefix. Its Clock and Logger default to the Lander's; its Run
	// is set to each Land's export id.
	Lease lease.Options
	// TempAge is how old a temporary file of an interrupted write must be
	// before a Land removes it from the landing zone; default
	// lease.DefaultTempAge.
	TempAge time.Duration
	// Layout says where each partition's manifest and marker are written:
	// partition.ControlLayout (the zero value: under
	// partition.ControlRoot, so partition folders hold only Parquet files)
	// or partition.InPartitionLayout (in the partition folder). Readers
	// find either (see "Where the manifest and marker live" in the package
	// doc).
	Layout partition.Layout
}

// Lander copies a finished RDS-layout export into the landing zone's
// partitions and publishes each table's partition, as the package doc
// describes. It implements liberator.Lander.
type Lander struct {
	src, dst *blob.Bucket
	prefix   string
	workers  int
	pageSize int
	retry    liberator.RetryPolicy
	clock    liberator.Clock
	log      *slog.Logger
	before   func(asFunc func(any) bool) error
	beforeW  func(asFunc func(any) bool) error
	server   ServerCopier
	lease    lease.Options
	tempAge  time.Duration
	layout   partition.Layout
}

var _ liberator.Lander = (*Lander)(nil)

// New returns a Lander that reads exports from src and writes the landing
// zone in dst; src and dst may be the same bucket. The Lander does not
// close them. Options that cannot work (a nil bucket, a negative count, an
// escaping prefix, a retry Multiplier below 1 or a Max below Initial) are
// refused with an error wrapping liberator.ErrInvalid.
func New(src, dst *blob.Bucket, opts Options) (*Lander, error) {
	const op = "new lander"
	if src == nil || dst == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "", "nil bucket")
	}
	r := opts.Retry
	if opts.Workers < 0 || opts.PageSize < 0 || r.Attempts < 0 || r.Initial < 0 || r.Max < 0 {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "", "negative option")
	}
	prefix := strings.TrimSuffix(opts.Prefix, "/")
	if prefix == "" {
		prefix = partition.DefaultPrefix
	}
	if err := partition.CheckPrefix(op, "landing prefix", prefix); err != nil {
		return nil, err
	}
	if r.Attempts == 0 {
		r.Attempts = DefaultRetryAttempts
	}
	if r.Initial == 0 {
		r.Initial = DefaultRetryInitial
	}
	if r.Multiplier == 0 {
		r.Multiplier = DefaultRetryMultiplier
	}
	if r.Max == 0 {
		r.Max = max(DefaultRetryMax, r.Initial)
	}
	if !(r.Multiplier >= 1) {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "Retry.Multiplier", "must be >= 1, got %v", r.Multiplier)
	}
	if r.Max < r.Initial {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "Retry.Max", "must be >= Initial (%s), got %s", r.Initial, r.Max)
	}
	l := &Lander{
		src: src, dst: dst, prefix: prefix,
		workers: opts.Workers, pageSize: opts.PageSize, retry: r,
		clock: opts.Clock, log: opts.Logger,
		before: opts.BeforeCopy, beforeW: opts.BeforeWrite, server: opts.Copy,
		lease: opts.Lease, tempAge: opts.TempAge, layout: opts.Layout,
	}
	if l.workers == 0 {
		l.workers = DefaultWorkers
	}
	if l.pageSize == 0 {
		l.pageSize = DefaultPageSize
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

// landing is one Land call: the request and, per table, the work planned
// and its outcome.
type landing struct {
	req    liberator.LandRequest
	what   string // `export "<id>"`, the subject of errors
	log    *slog.Logger
	tables []*tableWork // sorted by database and table
	lease  *lease.Lease // the date's landing lease, while held
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

// copyJob is one export object to copy.
type copyJob struct {
	src, dst string
	size     int64
	err      error
	ran      bool // the copy was started (its target may exist)
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
// req.ImportDate and publishes each table's partition, in the steps the
// package doc describes. The export is read under req.ExportPrefix, or
// "<ExportID>/" if that is empty; req.Tables ("PCN_IC" or
// "liberator.PCN_IC") restricts the tables landed.
//
// The returned Manifest lists the published tables sorted by database and
// table, each with its objects sorted by key; on error it lists those
// tables that were published.
//
// Land calls may run at once, in one process or many: the date's landing
// lease lets one write the date at a time (see "One writer per date" in
// the package doc); a Land that finds the lease held past Options.Lease's
// wait returns an error wrapping *lease.HeldError.
func (l *Lander) Land(ctx context.Context, req liberator.LandRequest) (liberator.Manifest, error) {
	began := l.observe(ctx, req)
	ld, err := l.plan(ctx, req)
	if err != nil {
		return liberator.Manifest{}, err
	}
	return l.leased(ctx, ld, began, func() (liberator.Manifest, error) {
		l.unpublish(ctx, ld)
		l.copyAll(ctx, ld)
		l.publish(ctx, ld)
		return ld.result(ctx)
	})
}

// plan is step 1: it checks the request, lists the export and maps every
// key to its partition (mapKeys). It refuses a request or export that
// cannot be landed, before anything is written.
func (l *Lander) plan(ctx context.Context, req liberator.LandRequest) (*landing, error) {
	const op = "land"
	if req.ExportID == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "", "empty export id")
	}
	what := "export " + strconv.Quote(req.ExportID)
	if !req.ImportDate.Valid() {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, what, "invalid import date %q", req.ImportDate.String())
	}
	if err := partition.CheckPrefix(op, "export prefix", exportPrefixOf(req)); err != nil {
		return nil, err
	}
	ep, tables, err := l.listExport(ctx, op, what, req)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, liberator.Errorf(liberator.ErrNotFound, op, what, "no *.parquet files under %q%s", ep, tablesNote(req.Tables))
	}
	ld := &landing{req: req, what: what, tables: tables,
		log: l.log.With("export_id", req.ExportID, "import_date", req.ImportDate.String())}
	ld.log.Info("landing export", "export_prefix", ep, "tables", len(tables), "objects", countJobs(tables))
	return ld, nil
}

// exportPrefixOf is the export's key prefix: req.ExportPrefix, or the
// export id and "/" when that is empty.
func exportPrefixOf(req liberator.LandRequest) string {
	if req.ExportPrefix == "" {
		return req.ExportID + "/"
	}
	return req.ExportPrefix
}

// listExport lists the export's folder (exportPrefixOf, already checked) and
// maps its keys (mapKeys); it returns the folder prefix listed too.
func (l *Lander) listExport(ctx context.Context, op, what string, req liberator.LandRequest) (string, []*tableWork, error) {
	ep := partition.DirPrefix(exportPrefixOf(req))
	objs, err := l.list(ctx, l.src, ep)
	if err != nil {
		return "", nil, liberator.NewError(failureKind(ctx, err), op, what, fmt.Errorf("list %q: %w", ep, err))
	}
	tables, err := l.mapKeys(req, ep, objs)
	if err != nil {
		return "", nil, err
	}
	return ep, tables, nil
}

// mapKeys keeps the *.parquet files of the listing, maps every key and
// groups the copies by table, sorted by table. Any bad key refuses the
// whole export.
func (l *Lander) mapKeys(req liberator.LandRequest, ep string, objs []*blob.ListObject) ([]*tableWork, error) {
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

// unpublish is step 2: per table, it marks a partition already published
// for this export (in the Lander's layout) as skipped, and removes the
// _SUCCESS marker of every other one, in both layouts.
func (l *Lander) unpublish(ctx context.Context, ld *landing) {
	l.parallel(len(ld.tables), func(i int) {
		t := ld.tables[i]
		m, err := l.readManifestKey(ctx, l.layout.ManifestKey(t.prefix))
		switch {
		case err == nil && m.ExportID == ld.req.ExportID && len(m.Tables) == 1:
			ok, err := l.exists(ctx, l.layout.MarkerKey(t.prefix))
			if err != nil {
				t.err = err
				return
			}
			if ok {
				t.skip, t.done = true, m.Tables[0]
				ld.log.Info("partition already published for this export; skipping", "table", t.ref.String(), "prefix", t.prefix)
				return
			}
		case err != nil && !errors.Is(err, liberator.ErrNotFound) && !errors.Is(err, liberator.ErrInvalid):
			t.err = err
			return
		}
		if err := ld.check(ctx); err != nil {
			t.err = err
			return
		}
		for _, in := range partition.Layouts {
			if err := l.delete(ctx, in.MarkerKey(t.prefix)); err != nil {
				t.err = fmt.Errorf("unpublish: %w", err)
				return
			}
		}
	})
}

// copyAll is step 3: it copies every object of the tables neither skipped
// nor failed, Workers at a time, recording each copy's error in its job.
func (l *Lander) copyAll(ctx context.Context, ld *landing) {
	var jobs []*copyJob
	for _, t := range ld.tables {
		if !t.skip && t.err == nil {
			jobs = append(jobs, t.jobs...)
		}
	}
	l.parallel(len(jobs), func(i int) {
		j := jobs[i]
		if j.err = ld.check(ctx); j.err != nil {
			return
		}
		j.ran = true
		j.err = l.retryOp(ctx, "copy", j.src, func() error { return l.copyOne(ctx, j) })
		if j.err != nil {
			ld.log.Error("copy failed", "source", j.src, "target", j.dst, "err", j.err)
		}
	})
}

// publish is step 4: for each table whose copies all succeeded, it removes
// the partition's stale objects and writes the manifest, then the marker.
func (l *Lander) publish(ctx context.Context, ld *landing) {
	l.parallel(len(ld.tables), func(i int) {
		t := ld.tables[i]
		if t.skip || t.failed() {
			return
		}
		if err := l.publishTable(ctx, ld, t); err != nil {
			t.err = err
			return
		}
		ld.log.Info("partition published", "table", t.ref.String(), "prefix", t.prefix, "objects", len(t.done.Objects))
	})
}

// publishTable publishes one table's partition: stale objects removed
// (the other layout's manifest too), _manifest.json written, _SUCCESS
// written last, in the Lander's layout. It sets t.done.
func (l *Lander) publishTable(ctx context.Context, ld *landing, t *tableWork) error {
	tm := liberator.TableManifest{Database: t.ref.Database, Table: t.ref.Table, Prefix: t.prefix, Rows: -1}
	if n, ok := ld.req.RowCounts[t.ref.String()]; ok {
		tm.Rows = n
	}
	keep := make(map[string]bool, len(t.jobs)+1)
	for _, j := range t.jobs {
		keep[j.dst] = true
		tm.Objects = append(tm.Objects, liberator.Object{Key: j.dst, Source: j.src, Size: j.size})
	}
	slices.SortFunc(tm.Objects, func(a, b liberator.Object) int { return strings.Compare(a.Key, b.Key) })
	describeTable(&tm, ld.req)
	keep[l.layout.ManifestKey(t.prefix)] = true
	if err := ld.check(ctx); err != nil {
		return err
	}
	if err := l.removeStale(ctx, t.prefix, keep, ld.log); err != nil {
		return fmt.Errorf("remove stale objects: %w", err)
	}
	if other := l.layout.Other(); other == partition.ControlLayout {
		// The other layout's manifest would be read first (Layouts).
		if err := l.delete(ctx, other.ManifestKey(t.prefix)); err != nil {
			return fmt.Errorf("remove the %s manifest: %w", other, err)
		}
	}
	m := liberator.Manifest{Version: partition.ManifestVersion, ExportID: ld.req.ExportID, ImportDate: ld.req.ImportDate, Tables: []liberator.TableManifest{tm}, Changes: ld.req.Changes}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := l.write(ctx, l.layout.ManifestKey(t.prefix), append(body, '\n'), "application/json"); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := ld.check(ctx); err != nil {
		return err
	}
	if err := l.write(ctx, l.layout.MarkerKey(t.prefix), nil, "text/plain"); err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	t.done = tm
	return nil
}

// result returns the manifest of the published tables and, if any table
// failed, one error naming every failure, of kind ErrTerminal if any
// failure was terminal, else ErrTransient.
func (ld *landing) result(ctx context.Context) (liberator.Manifest, error) {
	out := liberator.Manifest{Version: partition.ManifestVersion, ExportID: ld.req.ExportID, ImportDate: ld.req.ImportDate, Changes: ld.req.Changes}
	// The causes are included as text only, so that errors.Is sees the one
	// kind chosen for the whole failure and not the kinds of the causes.
	var msgs []string
	kind := liberator.ErrTransient
	var unreachable error // an endpoint that cannot be reached, wrapped
	note := func(err error, msg string) {
		if failureKind(ctx, err) == liberator.ErrTerminal {
			kind = liberator.ErrTerminal
		}
		if unreachable == nil {
			unreachable = liberator.UnreachableCause(err)
		}
		msgs = append(msgs, msg)
	}
	failedTables := 0
	for _, t := range ld.tables {
		if !t.failed() {
			out.Tables = append(out.Tables, t.done)
			continue
		}
		failedTables++
		if t.err != nil {
			note(t.err, fmt.Sprintf("table %s (%s): %v", t.ref, t.prefix, t.err))
		}
		for _, j := range t.jobs {
			if j.err != nil {
				note(j.err, fmt.Sprintf("copy %q to %q: %v", j.src, j.dst, j.err))
			}
		}
	}
	if len(msgs) > 0 {
		err := &textError{msg: fmt.Sprintf("%d of %d tables not published (no %s marker written): %s",
			failedTables, len(ld.tables), partition.MarkerName, strings.Join(msgs, "; ")), cause: unreachable}
		return out, liberator.NewError(kind, "land", ld.what, err)
	}
	return out, nil
}

// textError is an error message that wraps at most one cause that carries
// no error kind (the unreachable endpoint's), already said in the message.
type textError struct {
	msg   string
	cause error
}

func (e *textError) Error() string { return e.msg }
func (e *textError) Unwrap() error { return e.cause }

// failureKind is the kind of a step's final error: ErrTransient when the
// context ended or the error is retryable under the blob error policy
// (its retries were used up), else ErrTerminal.
func failureKind(ctx context.Context, err error) *liberator.Kind {
	if ctx.Err() != nil || blobio.Retryable(err) {
		return liberator.ErrTransient
	}
	return liberator.ErrTerminal
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
