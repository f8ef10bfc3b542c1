package liberator_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

func TestPruneSnapshots(t *testing.T) {
	// Oldest first, as added; ListSnapshots returns them newest first.
	existing := []liberator.SnapshotInfo{
		{ID: "awsbackup-old", Status: "available"},
		{ID: "s1", Status: "available"},
		{ID: "s2-failed", Status: "failed"},
		{ID: "s3", Status: "available"},
		{ID: "s4-creating", Status: "creating"},
		{ID: "s5", Status: "available"},
		{ID: "cur", Status: "available"},
		{ID: "s7-newer", Status: "available"},
	}
	tests := []struct {
		name        string
		keep        liberator.KeepPolicy
		wantDeleted []string
		wantLeft    []string
	}{
		{
			name:        "keep one older",
			keep:        liberator.KeepPolicy{Current: "cur"},
			wantDeleted: []string{"s3", "s2-failed", "s1"},
			wantLeft:    []string{"s7-newer", "cur", "s5", "s4-creating", "awsbackup-old"},
		},
		{
			name:        "keep two older, protect s1",
			keep:        liberator.KeepPolicy{Current: "cur", Keep: 2, Protect: []string{"s1"}},
			wantDeleted: []string{"s2-failed"},
			wantLeft:    []string{"s7-newer", "cur", "s5", "s4-creating", "s3", "s1", "awsbackup-old"},
		},
		{
			name:        "only some names are pruned or counted",
			keep:        liberator.KeepPolicy{Current: "cur", Only: []string{"s3", "s1"}},
			wantDeleted: []string{"s1"},
			wantLeft:    []string{"s7-newer", "cur", "s5", "s4-creating", "s3", "s2-failed", "awsbackup-old"},
		},
		{
			name:        "no current keeps the newest available",
			keep:        liberator.KeepPolicy{},
			wantDeleted: []string{"cur", "s5", "s3", "s2-failed", "s1"},
			wantLeft:    []string{"s7-newer", "s4-creating", "awsbackup-old"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := fakesnap.New(fakesnap.Options{})
			for _, sn := range existing {
				s.Add(sn)
			}
			deleted, err := liberator.PruneSnapshots(ctx, s, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantDeleted, deleted); diff != "" {
				t.Errorf("deleted mismatch (-want +got):\n%s", diff)
			}
			list, err := s.ListSnapshots(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, sn := range list {
				left = append(left, sn.ID)
			}
			if diff := cmp.Diff(tt.wantLeft, left); diff != "" {
				t.Errorf("remaining mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPruneSnapshotsErrors(t *testing.T) {
	ctx := context.Background()
	s := fakesnap.New(fakesnap.Options{})
	for _, id := range []string{"a", "b", "c"} {
		s.Add(liberator.SnapshotInfo{ID: id, Status: "available"})
	}
	s.Faults.FailOpKey(fakesnap.OpDeleteSnapshot, "b", 1, liberator.ErrThrottled)
	deleted, err := liberator.PruneSnapshots(ctx, s, liberator.KeepPolicy{Current: "c"})
	// b is kept as the one older fallback; a is deleted.
	if err != nil || !cmp.Equal(deleted, []string{"a"}) {
		t.Errorf("PruneSnapshots = %v, %v; want [a], nil", deleted, err)
	}
	s.Add(liberator.SnapshotInfo{ID: "z", Status: "available"})
	deleted, err = liberator.PruneSnapshots(ctx, s, liberator.KeepPolicy{Current: "z"})
	if !errors.Is(err, liberator.ErrThrottled) || deleted != nil {
		t.Errorf("PruneSnapshots with a failing delete = %v, %v; want nothing deleted and ErrThrottled", deleted, err)
	}
	s.Faults.FailAlways(fakesnap.OpListSnapshots, liberator.ErrTransient)
	if _, err := liberator.PruneSnapshots(ctx, s, liberator.KeepPolicy{}); !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("PruneSnapshots with failing list = %v, want ErrTransient", err)
	}
}

// TestPipelineBackdatedAndPrune: a backdated run names its snapshot
// after the date, and once it is available the pipeline prunes its own
// older snapshots, by default keeping 3 available ones (the run's
// included): never AWS Backup's or another name's, never one still
// creating, a failed one always; KeepSnapshots changes the count and
// KeepAllSnapshots turns it off.
func TestPipelineBackdatedAndPrune(t *testing.T) {
	const run = "sql-to-parquet-2026-11-24-backdated"
	tests := []struct {
		name string
		keep int
		want []string // snapshots left, newest first
	}{
		{"default keeps 3", 0, []string{run, "sql-to-parquet-26-11-23-031500", "sql-to-parquet-26-11-22-031500",
			"hand-made-before-upgrade", "awsbackup-liberator-1"}},
		{"keep 2", 2, []string{run, "sql-to-parquet-26-11-23-031500", "hand-made-before-upgrade", "awsbackup-liberator-1"}},
		{"keep 1 still keeps a fallback", 1, []string{run, "sql-to-parquet-26-11-23-031500", "hand-made-before-upgrade", "awsbackup-liberator-1"}},
		{"keep all", liberator.KeepAllSnapshots, []string{run, "sql-to-parquet-26-11-23-031500", "sql-to-parquet-26-11-22-031500",
			"sql-to-parquet-26-11-21-031500", "sql-to-parquet-26-11-20-031500", "hand-made-before-upgrade", "awsbackup-liberator-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, envOptions{})
			e.snap.Add(liberator.SnapshotInfo{ID: "awsbackup-liberator-1", Status: "available"})
			e.snap.Add(liberator.SnapshotInfo{ID: "hand-made-before-upgrade", Status: "available"})
			e.snap.Add(liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-20-031500", Status: "available"})
			e.snap.Add(liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-21-031500", Status: "failed"})
			e.snap.Add(liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-22-031500", Status: "available"})
			e.snap.Add(liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-23-031500", Status: "available"})
			lander, err := bloblander.New(e.exports, e.lake, bloblander.Options{Clock: e.clk, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			p, err := liberator.New(liberator.Config{
				Snapshotter: e.snap, Exporter: e.exp, Lander: lander, Workflow: e.wf, Clock: e.clk, KeepSnapshots: tt.keep,
			})
			if err != nil {
				t.Fatal(err)
			}
			m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, date, true, t0)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if res.SnapshotID != run || res.ExportID != run {
				t.Errorf("snapshot, export = %q, %q; want %q", res.SnapshotID, res.ExportID, run)
			}
			list, err := e.snap.ListSnapshots(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range list {
				ids = append(ids, s.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("snapshots after pruning mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]liberator.WorkflowRun{wantRun("wr_0001", run)}, e.wf.Runs(), ignoreStarted); diff != "" {
				t.Errorf("workflow runs mismatch (-want +got):\n%s", diff)
			}
			// The workflow is asked for a backdated run (awsglue starts the
			// backdated workflow for it), with the date as a run property.
			if reqs := e.wf.Requests(); len(reqs) != 1 || !reqs[0].Backdated || reqs[0].Properties["import_date"] != "20261124" {
				t.Errorf("workflow requests %+v, want one backdated, import_date 20261124", reqs)
			}
		})
	}
}
