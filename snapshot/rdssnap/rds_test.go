package rdssnap_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

type recordingRestorer struct {
	dumps []liberator.DumpRef
	err   error
}

func (r *recordingRestorer) Restore(_ context.Context, d liberator.DumpRef) error {
	r.dumps = append(r.dumps, d)
	return r.err
}

func setup(t *testing.T) (*awstest.RDS, *recordingRestorer, *rdssnap.Snapshotter, *liberator.VirtualClock) {
	t.Helper()
	clk := liberator.NewVirtualClock(t0)
	f := awstest.NewRDS(clk)
	t.Cleanup(f.Close)
	f.AddInstance("liberator-db")
	r := &recordingRestorer{}
	s, err := rdssnap.New(f.Config(), rdssnap.Options{Instance: "liberator-db", Restorer: r, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	return f, r, s, clk
}

func TestCreateSnapshotRestoresThenSnapshots(t *testing.T) {
	ctx := context.Background()
	f, r, s, _ := setup(t)
	f.SnapshotDescribes = 2
	dump := liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: "parking/liberator_dump_20261124.zip"}
	id := liberator.SnapshotID(t0)
	date := liberator.Date{Year: 2026, Month: 11, Day: 23} // the dump's date, not the upload's
	req := liberator.SnapshotRequest{ID: id, Dump: dump, ImportDate: date, RunID: "20261123/" + dump.Key}
	got, err := s.CreateSnapshot(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	label := &liberator.RunLabel{RunID: "20261123/" + dump.Key, ImportDate: date, DumpKey: dump.Key}
	want := liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Status: liberator.SnapshotCreating, Created: t0, Kind: liberator.SnapshotRDS,
		ARN: awstest.SnapshotARN(id), Run: label}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateSnapshot (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]liberator.DumpRef{dump}, r.dumps); diff != "" {
		t.Errorf("restored dumps (-want +got):\n%s", diff)
	}
	wantReq := []awstest.Request{{Op: "CreateDBSnapshot", Params: map[string]string{
		"DBInstanceIdentifier": "liberator-db", "DBSnapshotIdentifier": "sql-to-parquet-26-11-24-031500",
		"Tags.Tag.1.Key": "liberator:import_date", "Tags.Tag.1.Value": "2026-11-23",
		"Tags.Tag.2.Key": "liberator:run_id", "Tags.Tag.2.Value": "20261123/parking/liberator_dump_20261124.zip",
		"Tags.Tag.3.Key": "liberator:dump_key", "Tags.Tag.3.Value": "parking/liberator_dump_20261124.zip",
	}}}
	if diff := cmp.Diff(wantReq, f.Requests("CreateDBSnapshot")); diff != "" {
		t.Errorf("CreateDBSnapshot requests (-want +got):\n%s", diff)
	}
	// A replay neither restores nor creates again.
	again, err := s.CreateSnapshot(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != id || len(r.dumps) != 1 || len(f.Requests("CreateDBSnapshot")) != 1 {
		t.Errorf("replay: got %+v, %d restores, %d creates; want no new restore or create", again, len(r.dumps), len(f.Requests("CreateDBSnapshot")))
	}
	var states []liberator.SnapshotStatus
	for i := 0; i < 2; i++ {
		d, err := s.DescribeSnapshot(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, d.Status)
	}
	// the replay's describe counted as the first of SnapshotDescribes.
	if diff := cmp.Diff([]liberator.SnapshotStatus{liberator.SnapshotCreating, liberator.SnapshotAvailable}, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

// TestRunTags: a run's label becomes the snapshot's tags and reads back
// from DescribeDBSnapshots (the label an RDS event handler resumes the run
// from); values RDS refuses as tags are left out and named, the date
// always fits.
func TestRunTags(t *testing.T) {
	ctx := context.Background()
	date := liberator.Date{Year: 2026, Month: 11, Day: 20}
	tests := []struct {
		name        string
		label       liberator.RunLabel
		want        *liberator.RunLabel
		wantSkipped []string
	}{
		{"backdated", liberator.RunLabel{RunID: "20261120/parking/liberator_dump_20261120.zip", ImportDate: date, DumpKey: "parking/liberator_dump_20261120.zip", Backdated: true},
			&liberator.RunLabel{RunID: "20261120/parking/liberator_dump_20261120.zip", ImportDate: date, DumpKey: "parking/liberator_dump_20261120.zip", Backdated: true}, nil},
		{"key RDS refuses as a tag", liberator.RunLabel{RunID: "20261120/parking/dump (copy).zip", ImportDate: date, DumpKey: "parking/dump (copy).zip"},
			&liberator.RunLabel{ImportDate: date}, []string{rdssnap.TagRunID, rdssnap.TagDumpKey}},
		{"no date, no label", liberator.RunLabel{RunID: "r", DumpKey: "k"}, nil, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tags, skipped := rdssnap.RunTags(tt.label)
			if diff := cmp.Diff(tt.wantSkipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
			f, _, s, _ := setup(t)
			id := fmt.Sprintf("sql-to-parquet-26-11-2%d-031500", i)
			if _, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: liberator.DumpRef{Key: tt.label.DumpKey},
				ImportDate: tt.label.ImportDate, RunID: tt.label.RunID, Backdated: tt.label.Backdated}); err != nil {
				t.Fatal(err)
			}
			if n := len(f.Snapshots()[0].Tags); n != len(tags) {
				t.Errorf("snapshot has %d tags, want %d", n, len(tags))
			}
			got, err := s.DescribeSnapshot(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Run); diff != "" {
				t.Errorf("label read back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateSnapshotBackdatedID(t *testing.T) {
	ctx := context.Background()
	f, _, s, _ := setup(t)
	id := liberator.BackdatedSnapshotID(liberator.Date{Year: 2026, Month: 11, Day: 20})
	if _, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: liberator.DumpRef{Key: "d.zip"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.Requests("CreateDBSnapshot")[0].Params["DBSnapshotIdentifier"]; got != "sql-to-parquet-2026-11-20-backdated" {
		t.Errorf("snapshot id %q", got)
	}
}

func TestCreateSnapshotRestoreFailureKeepsOldSnapshots(t *testing.T) {
	ctx := context.Background()
	f, r, s, _ := setup(t)
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-23-031500", Instance: "liberator-db", Created: t0.Add(-24 * time.Hour)})
	r.err = errors.New("line 12: statement not allowed")
	_, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: "sql-to-parquet-26-11-24-031500", Dump: liberator.DumpRef{Key: "d.zip"}})
	if err == nil {
		t.Fatal("CreateSnapshot succeeded after a failed restore")
	}
	if n := len(f.Requests("CreateDBSnapshot", "DeleteDBSnapshot")); n != 0 {
		t.Errorf("%d create/delete requests after a failed restore, want 0", n)
	}
	if got := len(f.Snapshots()); got != 1 {
		t.Errorf("%d snapshots left, want 1", got)
	}
}

func TestCreateSnapshotAlreadyExistsRace(t *testing.T) {
	ctx := context.Background()
	f, r, s, _ := setup(t)
	id := "sql-to-parquet-26-11-24-031500"
	f.PutSnapshot(awstest.Snapshot{ID: id, Instance: "liberator-db", Status: "creating", Created: t0})
	// The first describe misses it (another task created it meanwhile).
	f.FailNext("DescribeDBSnapshots", 1, awstest.Fault{Code: awstest.CodeDBSnapshotNotFound, Status: 404})
	got, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: liberator.DumpRef{Key: "d.zip"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Status != liberator.SnapshotCreating || len(r.dumps) != 1 {
		t.Errorf("got %+v after %d restores", got, len(r.dumps))
	}
}

func TestErrorsMapToKinds(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		op   string
		code string
		call func(s *rdssnap.Snapshotter) error
		want error
	}{
		{"describe throttled", "DescribeDBSnapshots", awstest.CodeThrottling, func(s *rdssnap.Snapshotter) error {
			_, err := s.DescribeSnapshot(ctx, "x")
			return err
		}, liberator.ErrThrottled},
		{"describe missing", "", "", func(s *rdssnap.Snapshotter) error {
			_, err := s.DescribeSnapshot(ctx, "x")
			return err
		}, liberator.ErrNotFound},
		{"delete missing", "", "", func(s *rdssnap.Snapshotter) error { return s.DeleteSnapshot(ctx, "x") }, liberator.ErrNotFound},
		{"delete awsbackup refused", "", "", func(s *rdssnap.Snapshotter) error { return s.DeleteSnapshot(ctx, "awsbackup-job-1") }, liberator.ErrInvalid},
		{"list throttled", "DescribeDBSnapshots", awstest.CodeThrottling, func(s *rdssnap.Snapshotter) error {
			_, err := s.ListSnapshots(ctx)
			return err
		}, liberator.ErrThrottled},
		{"create quota", "CreateDBSnapshot", "SnapshotQuotaExceeded", func(s *rdssnap.Snapshotter) error {
			_, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: "n", Dump: liberator.DumpRef{Key: "d"}})
			return err
		}, liberator.ErrTerminal},
		{"server error", "DescribeDBSnapshots", "InternalFailure", func(s *rdssnap.Snapshotter) error {
			_, err := s.ListSnapshots(ctx)
			return err
		}, liberator.ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, s, _ := setup(t)
			if tt.op != "" {
				st := 400
				if tt.code == "InternalFailure" {
					st = 500
				}
				f.FailNext(tt.op, 1, awstest.Fault{Code: tt.code, Status: st})
			}
			err := tt.call(s)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want kind %v", err, tt.want)
			}
		})
	}
}

// TestCreateSnapshotQuotaIsTerminal: at the region's manual snapshot
// quota, CreateDBSnapshot's SnapshotQuotaExceeded ends the run (no retry
// helps) with a message that says how many snapshots the instance holds
// and what to delete or configure.
func TestCreateSnapshotQuotaIsTerminal(t *testing.T) {
	ctx := context.Background()
	f, _, s, _ := setup(t)
	f.MaxManualSnapshots = 3
	f.PutSnapshot(awstest.Snapshot{ID: "awsbackup-job-1", Instance: "liberator-db"})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-22-031500", Instance: "liberator-db"})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-23-031500", Instance: "liberator-db"})
	_, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: liberator.SnapshotID(t0), Dump: liberator.DumpRef{Key: "d"}})
	if !errors.Is(err, liberator.ErrTerminal) || liberator.Retryable(err) {
		t.Fatalf("CreateSnapshot at the quota: %v, want a terminal error", err)
	}
	for _, want := range []string{"SnapshotQuotaExceeded", "instance liberator-db holds 3 manual snapshots, 2 of them the pipeline's",
		"delete manual snapshots", "LIBERATOR_KEEP_SNAPSHOTS", "Service Quotas"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestListSnapshotsPagesAndSorts(t *testing.T) {
	ctx := context.Background()
	f, _, s, _ := setup(t)
	for i := 0; i < 45; i++ {
		f.PutSnapshot(awstest.Snapshot{ID: fmt.Sprintf("sql-to-parquet-%02d", i), Instance: "liberator-db", Created: t0.Add(time.Duration(i) * time.Hour)})
	}
	f.PutSnapshot(awstest.Snapshot{ID: "rds:liberator-db-2026-11-24", Instance: "liberator-db", Type: "automated"})
	f.PutSnapshot(awstest.Snapshot{ID: "other-db-snap", Instance: "other-db"})
	list, err := s.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 45 || list[0].ID != "sql-to-parquet-44" || list[44].ID != "sql-to-parquet-00" {
		t.Errorf("got %d snapshots, first %q", len(list), list[0].ID)
	}
	if got := len(f.Requests("DescribeDBSnapshots")); got != 3 {
		t.Errorf("%d DescribeDBSnapshots pages, want 3", got)
	}
	wantFirst := map[string]string{"DBInstanceIdentifier": "liberator-db", "SnapshotType": "manual", "MaxRecords": "20"}
	if diff := cmp.Diff(wantFirst, f.Requests("DescribeDBSnapshots")[0].Params); diff != "" {
		t.Errorf("first page request (-want +got):\n%s", diff)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	f, _, s, _ := setup(t)
	day := 24 * time.Hour
	f.PutSnapshot(awstest.Snapshot{ID: "awsbackup-job-1", Instance: "liberator-db", Created: t0.Add(-5 * day)})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-20-031500", Instance: "liberator-db", Created: t0.Add(-4 * day)})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-21-031500", Instance: "liberator-db", Status: "failed", Created: t0.Add(-3 * day)})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-22-031500", Instance: "liberator-db", Created: t0.Add(-2 * day)})
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-23-031500", Instance: "liberator-db", Created: t0.Add(-day)})
	cur := "sql-to-parquet-26-11-24-031500"
	f.PutSnapshot(awstest.Snapshot{ID: cur, Instance: "liberator-db", Status: "creating", Created: t0})

	// Not available yet: nothing is deleted.
	f.SnapshotDescribes = 5
	if _, err := s.Prune(ctx, cur, 1); !errors.Is(err, liberator.ErrNotReady) {
		t.Fatalf("prune before available: %v, want ErrNotReady", err)
	}
	if n := len(f.Requests("DeleteDBSnapshot")); n != 0 {
		t.Fatalf("%d deletes before the new snapshot is available", n)
	}
	f.PutSnapshot(awstest.Snapshot{ID: cur, Instance: "liberator-db", Status: "available", Created: t0})
	deleted, err := s.Prune(ctx, cur, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sql-to-parquet-26-11-22-031500", "sql-to-parquet-26-11-21-031500", "sql-to-parquet-26-11-20-031500"}, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	var left []string
	for _, sn := range f.Snapshots() {
		left = append(left, sn.ID)
	}
	// kept: AWS Backup's, the newest older available one (fallback), the new one.
	want := []string{"awsbackup-job-1", "sql-to-parquet-26-11-23-031500", cur}
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		in         string
		want       liberator.SnapshotStatus
		wantReason string
	}{
		{"available", liberator.SnapshotAvailable, ""},
		{"creating", liberator.SnapshotCreating, ""},
		{"copying", liberator.SnapshotCreating, ""},
		{"deleting", liberator.SnapshotDeleting, ""},
		{"failed", liberator.SnapshotFailed, "RDS snapshot status failed"},
		{"incompatible-restore", liberator.SnapshotFailed, "RDS snapshot status incompatible-restore"},
		{"something-new", liberator.SnapshotStatus("something-new"), ""},
	}
	for _, tt := range tests {
		got, reason := rdssnap.Status(tt.in)
		if got != tt.want || reason != tt.wantReason {
			t.Errorf("Status(%q) = %q, %q; want %q, %q", tt.in, got, reason, tt.want, tt.wantReason)
		}
	}
}

func TestDescribeSnapshotOfAnotherInstanceIsNotFound(t *testing.T) {
	f, _, s, _ := setup(t)
	f.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-24-031500", Instance: "other-db"})
	if _, err := s.DescribeSnapshot(context.Background(), "sql-to-parquet-26-11-24-031500"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("snapshot of another instance: %v, want ErrNotFound", err)
	}
	// RDS refuses DBSnapshotIdentifier with DBInstanceIdentifier; the
	// Snapshotter never sends both.
	for _, r := range f.Requests("DescribeDBSnapshots") {
		if r.Params["DBSnapshotIdentifier"] != "" && r.Params["DBInstanceIdentifier"] != "" {
			t.Errorf("DescribeDBSnapshots with both identifiers: %v", r.Params)
		}
	}
}
