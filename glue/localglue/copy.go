package localglue

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path"
	"slices"
	"sort"
	"sync"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// tableCopy is one table's copy in progress.
type tableCopy struct {
	rt     RawTable
	name   string
	src    []string // landed Parquet keys, sorted
	rows   []int64  // rows per src file
	done   []bool   // src files copied
	ran    []bool   // src files whose copy was started
	why    []string // why a src file was re-encoded, not spliced ("" if spliced)
	failed bool
}

// complete reports whether every src file was copied and nothing failed.
func (tc *tableCopy) complete() bool { return !tc.failed && !slices.Contains(tc.done, false) }

// copyAll copies every table of m: first each table's old _SUCCESS marker
// is removed, then all files are rewritten, Workers at a time, then each
// table whose files all succeeded drops every other file of its partition
// and gets its marker, even when another table failed. A table with a
// failed (or, after a failure, skipped) file gets no marker, and the files
// this run wrote for it are deleted. check (the raw lease's) is called
// before every write; once it fails nothing more is written or deleted.
func (l *Workflow) copyAll(ctx context.Context, m liberator.Manifest, d liberator.Date, ts string, check func(context.Context) error, log *slog.Logger) ([]RawTable, error) {
	const op = "copy to raw"
	var tables []*tableCopy
	type job struct {
		t *tableCopy
		i int
	}
	var jobs []job
	for _, tm := range m.Tables {
		tc, err := l.prepare(ctx, tm, d, check)
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
				err := check(cctx)
				var n int64
				if err == nil {
					tc.ran[i] = true
					n, tc.why[i], err = l.copyFile(cctx, tc.src[i], tc.rt.Prefix+path.Base(tc.src[i]), ts)
				}
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
		if !tc.complete() {
			continue // no marker: readers see the partition as incomplete
		}
		if err := l.finish(ctx, tc, check, log); err != nil {
			tc.failed = true
			if first == nil {
				first = err
			}
			continue
		}
		out = append(out, tc.rt)
	}
	l.dropFailed(context.WithoutCancel(ctx), tables, check, log)
	return out, first
}

// dropFailed deletes the files this run wrote for each table that did not
// get its marker, unless the lease is lost (another run may be writing).
func (l *Workflow) dropFailed(ctx context.Context, tables []*tableCopy, check func(context.Context) error, log *slog.Logger) {
	for _, tc := range tables {
		if tc.complete() {
			continue
		}
		for i, ran := range tc.ran {
			if !ran {
				continue
			}
			if err := check(ctx); err != nil {
				log.Warn("not removing the copies of a failed table", "table", tc.name, "err", err)
				return
			}
			key := tc.rt.Prefix + path.Base(tc.src[i])
			if err := l.raw.Delete(ctx, key); err != nil && !blobio.IsNotFound(err) {
				log.Warn("could not remove a copy of a failed table", "table", tc.name, "key", key, "err", err)
			}
		}
	}
}

// prepare lists a table's landed files and removes its raw partition's
// _SUCCESS marker (in both layouts) so readers see it as incomplete.
func (l *Workflow) prepare(ctx context.Context, tm liberator.TableManifest, d liberator.Date, check func(context.Context) error) (*tableCopy, error) {
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
	tc.rows, tc.done, tc.ran, tc.why = make([]int64, len(tc.src)), make([]bool, len(tc.src)), make([]bool, len(tc.src)), make([]string, len(tc.src))
	if err := check(ctx); err != nil {
		return nil, err
	}
	for _, in := range partition.Layouts {
		marker := in.MarkerKey(tc.rt.Prefix)
		if err := l.raw.Delete(ctx, marker); err != nil && !blobio.IsNotFound(err) {
			return nil, blobio.Error(op, marker, err)
		}
	}
	return tc, nil
}

// finish deletes every file of the raw partition that this run did not
// write (listed now, so files of any earlier or interrupted run go too) and
// writes _SUCCESS, in the Workflow's layout.
func (l *Workflow) finish(ctx context.Context, tc *tableCopy, check func(context.Context) error, log *slog.Logger) error {
	const op = "copy to raw"
	marker := l.layout.MarkerKey(tc.rt.Prefix)
	written := map[string]bool{}
	for i, k := range tc.src {
		dst := tc.rt.Prefix + path.Base(k)
		written[dst] = true
		tc.rt.Keys = append(tc.rt.Keys, dst)
		tc.rt.Rows += tc.rows[i]
		tc.rt.noteCopy(dst, tc.why[i])
	}
	present, err := l.list(ctx, l.raw, tc.rt.Prefix)
	if err != nil {
		return err
	}
	for _, k := range present {
		if written[k] || k == marker {
			continue
		}
		if err := check(ctx); err != nil {
			return err
		}
		if err := l.raw.Delete(ctx, k); err != nil && !blobio.IsNotFound(err) {
			return blobio.Error(op, k, err)
		}
		log.Info("deleted raw file not written by this run", "key", k)
	}
	if err := check(ctx); err != nil {
		return err
	}
	if err := l.raw.WriteAll(ctx, marker, nil, nil); err != nil {
		return blobio.Error(op, marker, err)
	}
	log.Info("table copied to raw", "table", tc.name, "files", len(tc.rt.Keys), "rows", tc.rt.Rows, "prefix", tc.rt.Prefix)
	return nil
}

// list returns the keys of the objects under prefix in b.
func (l *Workflow) list(ctx context.Context, b *blob.Bucket, prefix string) ([]string, error) {
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, blobio.Error("list", prefix, err)
		}
		if !o.IsDir {
			keys = append(keys, o.Key)
		}
	}
	return keys, nil
}
