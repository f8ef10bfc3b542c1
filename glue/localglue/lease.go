package localglue

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

// One writer per import date in the raw zone: the raw lease around a run,
// the date found done from the same landed export, and crash debris (see
// "One writer per date" in the package doc).

// Notes a run leaves in the raw lease's last.json.
const (
	noteLanded    = "landed_export"    // the landed export the raw partitions hold
	noteTables    = "tables"           // its tables, "db.table" comma-separated
	noteTimestamp = "import_timestamp" // the import_timestamp of its rows
	noteOutcome   = "outcome"          // published, done, failed
	noteSwept     = "temp_files_removed"
)

// PropDoneBy is the run property naming the run whose copy a run found in
// place (its run key), when the date's raw partitions already held the
// same landed export.
const PropDoneBy = "done_by_run"

// PropTempRemoved is the run property counting the temporary files of
// interrupted writes that the run removed from the raw zone.
const PropTempRemoved = "temp_files_removed"

// LeaseZone returns the lease zone of a raw prefix: "raw/<prefix>".
func LeaseZone(prefix string) string { return "raw/" + strings.Trim(prefix, "/") }

// takeLease takes the raw lease of date d for the run of req.
func (l *Workflow) takeLease(ctx context.Context, req liberator.WorkflowRequest, d liberator.Date, log *slog.Logger) (*lease.Lease, error) {
	opts := l.lease
	opts.Run = req.RunKey
	if opts.Clock == nil {
		opts.Clock = l.clock
	}
	if opts.Logger == nil {
		opts.Logger = log
	}
	ls, err := lease.Acquire(ctx, l.raw, lease.Scope{Zone: LeaseZone(l.prefix), Date: d}, opts)
	if err != nil {
		var held *lease.HeldError
		if errors.As(err, &held) {
			return nil, fmt.Errorf("start workflow run %s: %w", req.RunKey, err)
		}
		return nil, wrapKind(err, liberator.ErrTransient, "start workflow", "run "+req.RunKey)
	}
	return ls, nil
}

// removeDeadLeases deletes the raw leases of date d left by runs that
// died (expired), for a run that finds its work done without taking the
// lease.
func (l *Workflow) removeDeadLeases(ctx context.Context, d liberator.Date, log *slog.Logger) {
	opts := l.lease
	if opts.Clock == nil {
		opts.Clock = l.clock
	}
	opts.Logger = log
	if _, err := lease.RemoveExpired(ctx, l.raw, lease.Scope{Zone: LeaseZone(l.prefix), Date: d}, opts); err != nil {
		log.Warn("removing expired raw leases failed", "err", err)
	}
}

// doneBefore returns the previous raw holder's Last when the date's raw
// partitions already hold every table of req from the same landed export
// (complete, each published): copying again would write the same rows.
func (l *Workflow) doneBefore(ctx context.Context, ls *lease.Lease, req liberator.WorkflowRequest, d liberator.Date) (*lease.Last, bool) {
	last := ls.Previous()
	if last == nil || !last.Complete || req.Manifest.ExportID == "" || last.Notes[noteLanded] != req.Manifest.ExportID {
		return nil, false
	}
	have := strings.Split(last.Notes[noteTables], ",")
	for _, tm := range req.Manifest.Tables {
		if !slices.Contains(have, tm.Database+"."+tm.Table) {
			return nil, false
		}
		ok, _, err := partition.PublishedAt(ctx, l.raw, l.RawPrefixFor(tm.Database, tm.Table, d))
		if err != nil || !ok {
			return nil, false
		}
	}
	return last, true
}

// sweep removes the temporary files of interrupted writes from the raw
// zone's prefixes and the run records.
func (l *Workflow) sweep(ctx context.Context, log *slog.Logger) int {
	prefixes := []string{partition.DirPrefix(l.prefix), partition.ControlLayout.Dir(partition.DirPrefix(l.prefix)), l.runsPrefix}
	for _, r := range l.routes {
		p := partition.DirPrefix(strings.Trim(r.Prefix, "/"))
		prefixes = append(prefixes, p, partition.ControlLayout.Dir(p))
	}
	n := 0
	for _, p := range prefixes {
		swept, err := lease.SweepTemp(ctx, l.raw, p, lease.SweepOptions{MinAge: l.tempAge, Clock: l.clock, Logger: log})
		if err != nil {
			log.Warn("removing temporary files of interrupted writes failed", "prefix", p, "err", err)
		}
		n += len(swept.Keys)
	}
	if n > 0 {
		log.Info("removed temporary files of interrupted writes", "files", n)
	}
	return n
}

// releaseLease ends the run's hold on the date with what it did.
func releaseLease(ctx context.Context, ls *lease.Lease, out lease.Outcome, log *slog.Logger) {
	if err := ls.Release(context.WithoutCancel(ctx), out); err != nil {
		log.Warn("releasing the raw lease failed", "err", err)
	}
}

// unchanged is the outcome of a run that wrote nothing: the date's raw
// content stays as the previous holder left it.
func unchanged(ls *lease.Lease) lease.Outcome {
	if p := ls.Previous(); p != nil {
		return lease.Outcome{Complete: p.Complete, Notes: p.Notes}
	}
	return lease.Outcome{}
}

// outcome is what a run tells the lease: the landed export and the tables
// now in the raw zone.
func outcome(req liberator.WorkflowRequest, tables []RawTable, ts string, swept int, err error) lease.Outcome {
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		names = append(names, t.Database+"."+t.Table)
	}
	out := lease.Outcome{Changed: true, Complete: err == nil, Notes: map[string]string{
		noteLanded: req.Manifest.ExportID, noteTables: strings.Join(names, ","), noteTimestamp: ts, noteOutcome: "published"}}
	if err != nil {
		out.Notes[noteOutcome] = "failed"
	}
	if swept > 0 {
		out.Notes[noteSwept] = strconv.Itoa(swept)
	}
	return out
}
