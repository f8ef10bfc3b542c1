package liberator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestResolve: a message made from an RDS event names a snapshot or an
// export only; Resolve continues the run that made the snapshot, with the
// import date decided when that run started (the snapshot's label), never
// the one the snapshot id's upload time gives. Snapshots without a label
// keep the old chain's rule (the id's date), and say so in the log.
func TestResolve(t *testing.T) {
	uploaded := time.Date(2026, 11, 25, 0, 30, 0, 0, time.UTC) // the dump of the 24th, after midnight
	labelled := liberator.SnapshotID(uploaded)                 // sql-to-parquet-26-11-25-003000
	const unlabelled = "sql-to-parquet-26-11-23-031500"
	tests := []struct {
		name     string
		in       liberator.Message
		want     liberator.Message
		wantWarn string
		wantErr  *liberator.Kind
	}{
		{
			name: "snapshot event, labelled snapshot",
			in:   provisional(liberator.StepSnapshotCheck, labelled, ""),
			want: liberator.Message{Version: 1, Step: liberator.StepSnapshotCheck, RunID: runID, Dump: liberator.DumpRef{Key: dumpKey},
				ImportDate: date, SnapshotID: labelled},
		},
		{
			name: "export event, labelled snapshot",
			in:   provisional(liberator.StepExportCheck, labelled, labelled),
			want: liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: runID, Dump: liberator.DumpRef{Key: dumpKey},
				ImportDate: date, SnapshotID: labelled, ExportID: labelled},
		},
		{
			name: "export named alone (the old copier's message)",
			in:   provisional(liberator.StepExportCheck, "", labelled),
			want: liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: runID, Dump: liberator.DumpRef{Key: dumpKey},
				ImportDate: date, SnapshotID: labelled, ExportID: labelled},
		},
		{
			name: "unlabelled snapshot keeps the id's date",
			in:   provisional(liberator.StepSnapshotCheck, unlabelled, ""),
			want: liberator.Message{Version: 1, Step: liberator.StepSnapshotCheck, RunID: "20261123/" + unlabelled,
				Dump: liberator.DumpRef{Key: "rds-snapshot:" + unlabelled}, ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 23}, SnapshotID: unlabelled},
			wantWarn: "carries no run label",
		},
		{
			name:    "snapshot not there yet",
			in:      provisional(liberator.StepSnapshotCheck, "sql-to-parquet-26-11-26-031500", ""),
			wantErr: liberator.ErrNotFound,
		},
		{
			name:    "unlabelled snapshot without a date in its id",
			in:      provisional(liberator.StepSnapshotCheck, "sql-to-parquet-by-hand", ""),
			wantErr: liberator.ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, envOptions{})
			run, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "mem://", Key: dumpKey}, liberator.Date{}, false, uploaded)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.p.Handle(ctx, run); err != nil { // the restore: snapshot labelled
				t.Fatal(err)
			}
			if _, err := e.exp.StartExport(ctx, liberator.ExportRequest{ID: labelled, Snapshot: liberator.SnapshotInfo{ID: labelled}}); err != nil {
				t.Fatal(err)
			}
			e.snap.Add(liberator.SnapshotInfo{ID: unlabelled, Status: liberator.SnapshotAvailable})
			e.snap.Add(liberator.SnapshotInfo{ID: "sql-to-parquet-by-hand", Status: liberator.SnapshotAvailable})
			got, err := e.p.Resolve(ctx, tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve: %v, want kind %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.StepStarted = tt.in.StepStarted
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolved (-want +got):\n%s", diff)
			}
			if !strings.Contains(e.logs.String(), tt.wantWarn) || (tt.wantWarn == "" && strings.Contains(e.logs.String(), "run label")) {
				t.Errorf("log %q, want a warning %q", e.logs.String(), tt.wantWarn)
			}
		})
	}
}

// TestHandleResolvesProvisional: Handle resolves a provisional message
// before its step, and re-checks one whose snapshot is not there yet.
func TestHandleResolvesProvisional(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	uploaded := time.Date(2026, 11, 25, 0, 30, 0, 0, time.UTC)
	id := liberator.SnapshotID(uploaded)
	early := provisional(liberator.StepSnapshotCheck, id, "")
	out, err := e.p.Handle(ctx, early)
	if err != nil || out.Next == nil || !out.Next.Provisional || out.Next.Attempt != 1 || !errors.Is(out.Retried, liberator.ErrNotFound) {
		t.Fatalf("Handle before the snapshot exists = %+v, %v; want a provisional re-check", out.Next, err)
	}
	run, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, uploaded)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Handle(ctx, run); err != nil {
		t.Fatal(err)
	}
	out, err = e.p.Handle(ctx, *out.Next)
	if err != nil {
		t.Fatal(err)
	}
	if n := out.Next; n == nil || n.Step != liberator.StepExportCheck || n.Provisional || n.ImportDate != date || n.RunID != runID {
		t.Errorf("after the snapshot check: %+v; want the export check of run %s, date %s", out.Next, runID, date)
	}
}

// provisional is the message awsevents makes from an RDS event.
func provisional(step liberator.Step, snapshotID, exportID string) liberator.Message {
	id := snapshotID
	if id == "" {
		id = exportID
	}
	return liberator.Message{Version: 1, Step: step, RunID: "rds-snapshot:" + id, Dump: liberator.DumpRef{Key: "rds-snapshot:" + id},
		SnapshotID: snapshotID, ExportID: exportID, Provisional: true, StepStarted: t0}
}
