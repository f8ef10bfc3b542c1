package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// One writer per import date for the run command: the date leases'
// options (--lease-wait) and what a run says about them, and export-zone
// retention (--keep-exports) after the run.

// leaseOptions are the landing and raw leases' options of a run: wait up
// to --lease-wait for another run of the date, saying so on stderr, then
// end the run with the in-progress error.
func leaseOptions(c runConfig, prog *progress) (lease.Options, error) {
	wait, err := time.ParseDuration(c.leaseWait)
	if err != nil || wait < 0 {
		return lease.Options{}, fmt.Errorf("run: --lease-wait %q: want a duration such as 10m, or 0", c.leaseWait)
	}
	if n, err := strconv.Atoi(c.keepExports); err != nil || n < 0 {
		return lease.Options{}, fmt.Errorf("run: --keep-exports %q: want a number of exports, or 0 to keep all", c.keepExports)
	}
	return lease.Options{Wait: wait, Poll: time.Second, HeldKind: liberator.ErrTerminal, OnWait: func(r lease.Record) {
		prog.note("waiting up to %s: import of %s is in progress by run %s on %s since %s (%s zone)",
			wait, r.Date, r.Run, r.Host, r.Started.UTC().Format(time.RFC3339), strings.SplitN(r.Zone, "/", 2)[0])
	}, OnTakeOver: func(r lease.Record) {
		prog.note("taking over the %s lease of %s from run %s on %s (since %s), which died: it expired at %s",
			strings.SplitN(r.Zone, "/", 2)[0], r.Date, r.Run, r.Host, r.Started.UTC().Format(time.RFC3339), r.Expires.UTC().Format(time.RFC3339))
	}}, nil
}

// afterRun says when another run did the date while this one was on its
// way, and applies --keep-exports to the export zone.
func (rp *runPipe) afterRun(ctx context.Context, lk *lake, d liberator.Date, res liberator.Result) {
	if m := res.Manifest.ExportID; m != "" && res.ExportID != "" && m != res.ExportID {
		rp.prog.note("import of %s was done by another run (export %s) while this run was on its way; this run's export %s was not landed", d, m, res.ExportID)
	}
	keep, _ := strconv.Atoi(rp.c.keepExports) // checked by leaseOptions
	if keep == 0 {
		return
	}
	inUse, err := rp.lander.ExportsInUse(ctx, d)
	if err != nil {
		rp.prog.note("the export zone was not pruned: %v", err)
		return
	}
	rep, err := export.PruneExports(ctx, lk.export, export.RetentionOptions{Keep: keep, InUse: inUse})
	if err != nil {
		rp.prog.note("pruning the export zone failed: %v", err)
	}
	if n := len(rep.Deleted) + len(rep.Abandoned); n > 0 || rep.TempFiles > 0 {
		rp.prog.note("export zone: removed %d old exports (%.1f MB) and %d temp files of interrupted writes; kept %d", n, float64(rep.Bytes)/1e6, rep.TempFiles, len(rep.Kept))
	}
}
