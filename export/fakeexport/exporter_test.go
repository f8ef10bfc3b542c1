package fakeexport_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestExporterWalksStatesAndWritesLayout(t *testing.T) {
	ctx := context.Background()
	snap := liberator.SnapshotInfo{ID: "snap-1", Status: liberator.SnapshotAvailable}
	tables := map[string][][]byte{"PCN_IC": {[]byte("p0"), []byte("p1")}, "VRM": {[]byte("v0")}}
	tests := []struct {
		name      string
		opts      fakeexport.Options
		want      []liberator.ExportStatus
		wantKeys  []string
		wantCause string
	}{
		{
			name: "complete",
			opts: fakeexport.Options{StartingPolls: 1, InProgressPolls: 2, Tables: tables, Rows: map[string]int64{"VRM": 7}},
			want: []liberator.ExportStatus{"STARTING", "STARTING", "IN_PROGRESS", "IN_PROGRESS", "COMPLETE", "COMPLETE"},
			wantKeys: []string{
				"e1/export_info_e1.json",
				"e1/liberator/liberator.PCN_IC/1/part-00000-" + fakeexport.PartUUID("e1", "PCN_IC", 0) + "-c000.gz.parquet",
				"e1/liberator/liberator.PCN_IC/1/part-00001-" + fakeexport.PartUUID("e1", "PCN_IC", 1) + "-c000.gz.parquet",
				"e1/liberator/liberator.VRM/1/part-00000-" + fakeexport.PartUUID("e1", "VRM", 0) + "-c000.gz.parquet",
			},
		},
		{
			name: "old layout, other db, prefix",
			opts: fakeexport.Options{Tables: map[string][][]byte{"T": {[]byte("x")}}, OldLayout: true, Database: "db", Prefix: "exp/"},
			want: []liberator.ExportStatus{"STARTING", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE"},
			wantKeys: []string{
				"exp/e1/db/db.T/part-00000-" + fakeexport.PartUUID("e1", "T", 0) + "-c000.gz.parquet",
				"exp/e1/export_info_e1.json",
			},
		},
		{
			name:      "failed",
			opts:      fakeexport.Options{InProgressPolls: 1, Tables: tables, FailStatus: liberator.ExportFailed, FailureCause: "S3 access denied"},
			want:      []liberator.ExportStatus{"STARTING", "IN_PROGRESS", "FAILED", "FAILED", "FAILED", "FAILED"},
			wantCause: "S3 access denied",
		},
		{
			name:      "canceled",
			opts:      fakeexport.Options{Tables: tables, FailStatus: liberator.ExportCanceled, FailureCause: "canceled by user"},
			want:      []liberator.ExportStatus{"STARTING", "CANCELING", "CANCELED", "CANCELED", "CANCELED", "CANCELED"},
			wantCause: "canceled by user",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			defer b.Close()
			tt.opts.Bucket = b
			e := fakeexport.New(tt.opts)
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
	e := fakeexport.New(fakeexport.Options{Bucket: b, MaxConcurrent: 2, StartingPolls: 5})
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
	e.Faults.FailNth(fakeexport.OpDescribeExport, 1, liberator.ErrThrottled)
	if _, err := e.DescribeExport(ctx, "a"); !errors.Is(err, liberator.ErrThrottled) {
		t.Errorf("faulted describe = %v, want ErrThrottled", err)
	}
	if _, err := e.DescribeExport(ctx, "a"); err != nil {
		t.Errorf("describe after the fault = %v", err)
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
