package bloblander

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// One writer per import date: the landing lease around a Land, the date
// found done by another run, crash debris and the copies of a failed table
// (see "One writer per date" in the package doc).

// Notes a Land leaves in the lease's last.json.
const (
	noteExport  = "export"  // the export the date's partitions hold
	noteTables  = "tables"  // its tables, "db.table" comma-separated
	noteOutcome = "outcome" // published, already published, done by another run, failed
	noteSwept   = "temp_files_removed"
)

// LeaseZone returns the lease zone of a landing prefix: "landing/<prefix>".
func LeaseZone(prefix string) string { return "landing/" + strings.Trim(prefix, "/") }

// leaseScope is the landing lease's scope for date d.
func (l *Lander) leaseScope(d liberator.Date) lease.Scope {
	return lease.Scope{Zone: LeaseZone(l.prefix), Date: d}
}

// leased runs fn, the steps that write the landing zone, under the
// date's landing lease: it takes the lease, returns the published manifest
// when another run did the date while this one waited, removes crash
// debris, runs fn, removes what failed tables copied and releases the
// lease with the outcome.
func (l *Lander) leased(ctx context.Context, ld *landing, began lease.Mark, fn func() (liberator.Manifest, error)) (liberator.Manifest, error) {
	opts := l.leaseOptions(ld.log)
	opts.Run, opts.Since = ld.req.ExportID, began
	ls, err := lease.Acquire(ctx, l.dst, l.leaseScope(ld.req.ImportDate), opts)
	if err != nil {
		var held *lease.HeldError
		if errors.As(err, &held) {
			return liberator.Manifest{}, fmt.Errorf("land %s: %w", ld.what, err)
		}
		return liberator.Manifest{}, liberator.NewError(failureKind(ctx, err), "land", ld.what, err)
	}
	ld.lease = ls
	cleanup := context.WithoutCancel(ctx)
	if m, last, ok := l.doneByOther(ctx, ld, ls); ok {
		notes := map[string]string{noteExport: last.Notes[noteExport], noteTables: last.Notes[noteTables], noteOutcome: "done by another run"}
		if err := ls.Release(cleanup, lease.Outcome{Complete: true, Notes: notes}); err != nil {
			ld.log.Warn("releasing the landing lease failed", "err", err)
		}
		return m, nil
	}
	var swept lease.Swept
	for _, dir := range []string{partition.DirPrefix(l.prefix), partition.ControlLayout.Dir(partition.DirPrefix(l.prefix))} {
		sw, err := lease.SweepTemp(ctx, l.dst, dir, lease.SweepOptions{MinAge: l.tempAge, Clock: l.clock, Logger: ld.log})
		if err != nil {
			ld.log.Warn("removing temporary files of interrupted writes failed", "prefix", dir, "err", err)
		}
		swept.Keys, swept.Bytes = append(swept.Keys, sw.Keys...), swept.Bytes+sw.Bytes
	}
	if len(swept.Keys) > 0 {
		ld.log.Info("removed temporary files of interrupted writes", "files", len(swept.Keys), "bytes", swept.Bytes)
	}
	m, err := fn()
	l.dropFailed(cleanup, ld)
	out := lease.Outcome{Complete: err == nil, Notes: map[string]string{noteExport: ld.req.ExportID, noteOutcome: "failed"}}
	var tables []string
	for _, t := range ld.tables {
		out.Changed = out.Changed || !t.skip
		if !t.failed() {
			tables = append(tables, t.ref.String())
		}
	}
	out.Notes[noteTables] = strings.Join(tables, ",")
	switch {
	case err != nil:
	case out.Changed:
		out.Notes[noteOutcome] = "published"
	default:
		out.Notes[noteOutcome] = "already published"
	}
	if n := len(swept.Keys); n > 0 {
		out.Notes[noteSwept] = strconv.Itoa(n)
	}
	if rerr := ls.Release(cleanup, out); rerr != nil {
		ld.log.Warn("releasing the landing lease failed", "err", rerr)
	}
	return m, err
}

// leaseOptions returns the Lander's lease options with its clock and log.
func (l *Lander) leaseOptions(log *slog.Logger) lease.Options {
	opts := l.lease
	if opts.Clock == nil {
		opts.Clock = l.clock
	}
	if opts.Logger == nil {
		opts.Logger = log
	}
	return opts
}

// Observe returns the mark of date d's landing lease now. A caller that
// starts a run passes it down in the run's context (lease.ContextWithMark)
// so that the run's Land counts a run that completed the date since then
// as having done it (see "One writer per date" in the package doc).
func (l *Lander) Observe(ctx context.Context, d liberator.Date) (lease.Mark, error) {
	return lease.Observe(ctx, l.dst, l.leaseScope(d), l.leaseOptions(l.log))
}

// observe returns the mark the Land's context carries for its date, or
// marks the date's landing lease as the Land begins. A date that cannot be
// read yields no mark: only waiting counts then.
func (l *Lander) observe(ctx context.Context, req liberator.LandRequest) lease.Mark {
	if !req.ImportDate.Valid() {
		return lease.Mark{}
	}
	if m, ok := lease.MarkFromContext(ctx, l.leaseScope(req.ImportDate)); ok {
		return m
	}
	m, err := l.Observe(ctx, req.ImportDate)
	if err != nil {
		l.log.Warn("could not read the landing lease", "import_date", req.ImportDate.String(), "err", err)
	}
	return m
}

// check is the lease check before a write to the date's partitions.
func (ld *landing) check(ctx context.Context) error {
	if ld.lease == nil {
		return nil
	}
	return ld.lease.Check(ctx)
}

// doneByOther returns the date's published manifest when this Land waited
// for another run that published every table of this export's plan from
// another export: the date is done, and this export is not landed over it.
func (l *Lander) doneByOther(ctx context.Context, ld *landing, ls *lease.Lease) (liberator.Manifest, *lease.Last, bool) {
	last, ok := ls.DoneByOther()
	if !ok {
		return liberator.Manifest{}, nil, false
	}
	exp := last.Notes[noteExport]
	if exp == "" || exp == ld.req.ExportID {
		return liberator.Manifest{}, nil, false // the same export: Land's own skip applies
	}
	have := strings.Split(last.Notes[noteTables], ",")
	out := liberator.Manifest{Version: partition.ManifestVersion, ExportID: exp, ImportDate: ld.req.ImportDate}
	for _, t := range ld.tables {
		if !slices.Contains(have, t.ref.String()) {
			return liberator.Manifest{}, nil, false
		}
		m, err := l.readManifest(ctx, t.prefix)
		if err != nil || m.ExportID != exp || len(m.Tables) != 1 {
			return liberator.Manifest{}, nil, false
		}
		if ok, err := l.published(ctx, t.prefix); err != nil || !ok {
			return liberator.Manifest{}, nil, false
		}
		out.Tables = append(out.Tables, m.Tables[0])
		if out.Changes == nil {
			out.Changes = m.Changes
		}
	}
	ld.log.Info("the import date was done by another run while this one waited; this export is not landed over it",
		"done_by_run", last.WriterRun, "published_export", exp, "tables", len(out.Tables))
	return out, last, true
}

// dropFailed deletes what the copies of each failed table wrote (the
// copies that succeeded, and those whose target had the wrong size), so an
// unpublished partition holds no file of this export. Nothing is touched
// when the lease was lost: another run may be writing the date now.
func (l *Lander) dropFailed(ctx context.Context, ld *landing) {
	if err := ld.check(ctx); err != nil && errors.Is(err, lease.ErrLost) {
		return
	}
	for _, t := range ld.tables {
		if t.skip || !t.failed() {
			continue
		}
		for _, j := range t.jobs {
			// A copy that failed wrote nothing (blob writes are atomic),
			// unless it failed its size check.
			if !j.ran || (j.err != nil && !errors.Is(j.err, errSizeMismatch)) {
				continue
			}
			if err := l.delete(ctx, j.dst); err != nil {
				ld.log.Warn("could not remove a copy of a failed table", "table", t.ref.String(), "key", j.dst, "err", err)
				continue
			}
			j.ran = false
		}
	}
}
