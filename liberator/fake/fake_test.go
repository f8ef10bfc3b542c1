package fake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/fake"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestFaults(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		setup func(f *fake.Faults)
		calls [][2]string // op, key
		want  []bool      // failed?
	}{
		{"none", func(*fake.Faults) {}, [][2]string{{"a", ""}, {"a", ""}}, []bool{false, false}},
		{"nth", func(f *fake.Faults) { f.FailNth("a", 2, boom) }, [][2]string{{"a", ""}, {"b", ""}, {"a", ""}, {"a", ""}}, []bool{false, false, true, false}},
		{"first", func(f *fake.Faults) { f.FailFirst("a", 2, boom) }, [][2]string{{"a", ""}, {"a", ""}, {"a", ""}}, []bool{true, true, false}},
		{"always", func(f *fake.Faults) { f.FailAlways("a", boom) }, [][2]string{{"a", ""}, {"a", ""}, {"b", ""}}, []bool{true, true, false}},
		{"key", func(f *fake.Faults) { f.FailKey("k", boom) }, [][2]string{{"a", "k"}, {"b", "k"}, {"a", "j"}}, []bool{true, true, false}},
		{"key n", func(f *fake.Faults) { f.FailKeyN("k", 2, boom) }, [][2]string{{"a", "k"}, {"a", "j"}, {"b", "k"}, {"a", "k"}}, []bool{true, false, true, false}},
		{"op key", func(f *fake.Faults) { f.FailOpKey("a", "k", 1, boom) }, [][2]string{{"b", "k"}, {"a", "j"}, {"a", "k"}, {"a", "k"}}, []bool{false, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f fake.Faults
			tt.setup(&f)
			var got []bool
			for _, c := range tt.calls {
				err := f.Check(c[0], c[1])
				if err != nil && !errors.Is(err, boom) {
					t.Fatalf("Check returned %v", err)
				}
				got = append(got, err != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures mismatch (-want +got):\n%s", diff)
			}
			if n := f.Calls(tt.calls[0][0]); n == 0 {
				t.Errorf("Calls(%q) = 0", tt.calls[0][0])
			}
		})
	}
	var nilFaults *fake.Faults
	if err := nilFaults.Check("a", "b"); err != nil {
		t.Errorf("nil Faults injected %v", err)
	}
}

func TestSnapshotter(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	tests := []struct {
		name   string
		opts   fake.SnapshotterOptions
		want   []liberator.SnapshotStatus // CreateSnapshot, then DescribeSnapshot x3
		reason string
	}{
		{"instant", fake.SnapshotterOptions{}, []liberator.SnapshotStatus{"available", "available", "available", "available"}, ""},
		{"creating twice", fake.SnapshotterOptions{CreatingPolls: 2}, []liberator.SnapshotStatus{"creating", "creating", "creating", "available"}, ""},
		{"fails", fake.SnapshotterOptions{CreatingPolls: 1, FailReason: "disk full"}, []liberator.SnapshotStatus{"creating", "creating", "failed", "failed"}, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Clock = clk
			s := fake.NewSnapshotter(tt.opts)
			req := liberator.SnapshotRequest{ID: "snap-1", Dump: liberator.DumpRef{Key: "d.zip"}}
			info, err := s.CreateSnapshot(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got := []liberator.SnapshotStatus{info.Status}
			for range 3 {
				info, err = s.DescribeSnapshot(ctx, "snap-1")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, info.Status)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
			if info.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", info.Reason, tt.reason)
			}
			// Idempotent: a second create returns the same snapshot.
			again, err := s.CreateSnapshot(ctx, req)
			if err != nil || again.Status != info.Status || !again.Created.Equal(t0) {
				t.Errorf("second CreateSnapshot = %+v, %v; want %+v", again, err, info)
			}
		})
	}
}

func TestSnapshotterListDelete(t *testing.T) {
	ctx := context.Background()
	s := fake.NewSnapshotter(fake.SnapshotterOptions{Clock: liberator.NewVirtualClock(t0)})
	s.Add(liberator.SnapshotInfo{ID: "awsbackup-1", Status: "available"})
	for _, id := range []string{"a", "b"} {
		if _, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteSnapshot(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSnapshot(ctx, "a"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
	if _, err := s.DescribeSnapshot(ctx, "a"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("describe deleted = %v, want ErrNotFound", err)
	}
	list, err := s.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sn := range list {
		ids = append(ids, sn.ID)
	}
	if diff := cmp.Diff([]string{"b", "awsbackup-1"}, ids); diff != "" {
		t.Errorf("ListSnapshots mismatch (-want +got):\n%s", diff)
	}
	s.Faults.FailAlways(fake.OpListSnapshots, fmt.Errorf("api down: %w", liberator.ErrTransient))
	if _, err := s.ListSnapshots(ctx); !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("ListSnapshots with fault = %v, want ErrTransient", err)
	}
}

func listKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err != nil {
			break
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

func TestExporterWalksStatesAndWritesLayout(t *testing.T) {
	ctx := context.Background()
	snap := liberator.SnapshotInfo{ID: "snap-1", Status: liberator.SnapshotAvailable}
	tables := map[string][][]byte{"PCN_IC": {[]byte("p0"), []byte("p1")}, "VRM": {[]byte("v0")}}
	tests := []struct {
		name      string
		opts      fake.ExporterOptions
		want      []liberator.ExportStatus
		wantKeys  []string
		wantCause string
	}{
		{
			name: "complete",
			opts: fake.ExporterOptions{StartingPolls: 1, InProgressPolls: 2, Tables: tables, Rows: map[string]int64{"VRM": 7}},
			want: []liberator.ExportStatus{"STARTING", "STARTING", "IN_PROGRESS", "IN_PROGRESS", "COMPLETE", "COMPLETE"},
			wantKeys: []string{
				"e1/export_info_e1.json",
				"e1/liberator/liberator.PCN_IC/1/part-00000-" + fake.PartUUID("e1", "PCN_IC", 0) + "-c000.gz.parquet",
				"e1/liberator/liberator.PCN_IC/1/part-00001-" + fake.PartUUID("e1", "PCN_IC", 1) + "-c000.gz.parquet",
				"e1/liberator/liberator.VRM/1/part-00000-" + fake.PartUUID("e1", "VRM", 0) + "-c000.gz.parquet",
			},
		},
		{
			name: "old layout, other db, prefix",
			opts: fake.ExporterOptions{Tables: map[string][][]byte{"T": {[]byte("x")}}, OldLayout: true, Database: "db", Prefix: "exp/"},
			want: []liberator.ExportStatus{"STARTING", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE"},
			wantKeys: []string{
				"exp/e1/db/db.T/part-00000-" + fake.PartUUID("e1", "T", 0) + "-c000.gz.parquet",
				"exp/e1/export_info_e1.json",
			},
		},
		{
			name:      "failed",
			opts:      fake.ExporterOptions{InProgressPolls: 1, Tables: tables, FailStatus: liberator.ExportFailed, FailureCause: "S3 access denied"},
			want:      []liberator.ExportStatus{"STARTING", "IN_PROGRESS", "FAILED", "FAILED", "FAILED", "FAILED"},
			wantCause: "S3 access denied",
		},
		{
			name:      "canceled",
			opts:      fake.ExporterOptions{Tables: tables, FailStatus: liberator.ExportCanceled, FailureCause: "canceled by user"},
			want:      []liberator.ExportStatus{"STARTING", "CANCELING", "CANCELED", "CANCELED", "CANCELED", "CANCELED"},
			wantCause: "canceled by user",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			defer b.Close()
			tt.opts.Bucket = b
			e := fake.NewExporter(tt.opts)
			info, err := e.StartExport(ctx, liberator.ExportRequest{ID: "e1", Snapshot: snap})
			if err != nil {
				t.Fatal(err)
			}
			got := []liberator.ExportStatus{info.Status}
			for range 5 {
				if info, err = e.DescribeExport(ctx, "e1"); err != nil {
					t.Fatal(err)
				}
				got = append(got, info.Status)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKeys, listKeys(t, b)); diff != "" {
				t.Errorf("keys mismatch (-want +got):\n%s", diff)
			}
			if info.FailureCause != tt.wantCause {
				t.Errorf("FailureCause = %q, want %q", info.FailureCause, tt.wantCause)
			}
			if info.Prefix != tt.opts.Prefix+"e1/" {
				t.Errorf("Prefix = %q", info.Prefix)
			}
			if tt.name == "complete" {
				if diff := cmp.Diff(map[string]int64{"liberator.VRM": 7}, info.RowCounts); diff != "" {
					t.Errorf("RowCounts mismatch (-want +got):\n%s", diff)
				}
				data, err := b.ReadAll(ctx, e.PartKey("e1", "PCN_IC", 1))
				if err != nil || string(data) != "p1" {
					t.Errorf("part 1 = %q, %v; want p1", data, err)
				}
			}
		})
	}
}

func TestExporterIdempotencyQuotaFaults(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	e := fake.NewExporter(fake.ExporterOptions{Bucket: b, MaxConcurrent: 2, StartingPolls: 5})
	snap := liberator.SnapshotInfo{ID: "s", Status: liberator.SnapshotAvailable}
	for _, id := range []string{"a", "b", "a"} {
		if _, err := e.StartExport(ctx, liberator.ExportRequest{ID: id, Snapshot: snap}); err != nil {
			t.Fatalf("StartExport(%s): %v", id, err)
		}
	}
	if _, err := e.StartExport(ctx, liberator.ExportRequest{ID: "c", Snapshot: snap}); !errors.Is(err, liberator.ErrThrottled) {
		t.Errorf("third concurrent export = %v, want ErrThrottled", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, e.Tasks()); diff != "" {
		t.Errorf("Tasks mismatch (-want +got):\n%s", diff)
	}
	if _, err := e.DescribeExport(ctx, "zzz"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("describe unknown = %v, want ErrNotFound", err)
	}
	if _, err := e.StartExport(ctx, liberator.ExportRequest{ID: "d", Snapshot: liberator.SnapshotInfo{ID: "s", Status: "creating"}}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("export of a creating snapshot = %v, want ErrInvalid", err)
	}
	e.Faults.FailNth(fake.OpDescribeExport, 1, liberator.ErrThrottled)
	if _, err := e.DescribeExport(ctx, "a"); !errors.Is(err, liberator.ErrThrottled) {
		t.Errorf("faulted describe = %v, want ErrThrottled", err)
	}
	if _, err := e.DescribeExport(ctx, "a"); err != nil {
		t.Errorf("describe after the fault = %v", err)
	}
}

func TestWorkflow(t *testing.T) {
	ctx := context.Background()
	w := fake.NewWorkflow(fake.WorkflowOptions{Clock: liberator.NewVirtualClock(t0)})
	props := map[string]string{"import_date": "20261124"}
	r1, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k1", Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	props["import_date"] = "mutated"
	r1b, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []liberator.WorkflowRun{
		{ID: "wr_0001", RunKey: "k1", Status: "RUNNING", Properties: map[string]string{"import_date": "20261124"}, Started: t0},
		{ID: "wr_0002", RunKey: "k2", Status: "RUNNING", Started: t0},
	}
	if diff := cmp.Diff(want, w.Runs()); diff != "" {
		t.Errorf("Runs mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(r1, r1b); diff != "" {
		t.Errorf("second Start of k1 differs (-first +second):\n%s", diff)
	}
	got, err := w.GetRun(ctx, r2.ID)
	if err != nil || got.RunKey != "k2" {
		t.Errorf("GetRun = %+v, %v", got, err)
	}
	if _, err := w.GetRun(ctx, "nope"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("GetRun(nope) = %v, want ErrNotFound", err)
	}
	w.Faults.FailFirst(fake.OpStartWorkflow, 1, liberator.ErrTransient)
	if _, err := w.Start(ctx, liberator.WorkflowRequest{RunKey: "k3"}); !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("faulted Start = %v, want ErrTransient", err)
	}
	if len(w.Runs()) != 2 {
		t.Errorf("a failed Start recorded a run")
	}
}
