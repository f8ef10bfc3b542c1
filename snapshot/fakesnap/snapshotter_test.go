package fakesnap_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestSnapshotter(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	tests := []struct {
		name   string
		opts   fakesnap.Options
		want   []liberator.SnapshotStatus // CreateSnapshot, then DescribeSnapshot x3
		reason string
	}{
		{"instant", fakesnap.Options{}, []liberator.SnapshotStatus{"available", "available", "available", "available"}, ""},
		{"creating twice", fakesnap.Options{CreatingPolls: 2}, []liberator.SnapshotStatus{"creating", "creating", "creating", "available"}, ""},
		{"fails", fakesnap.Options{CreatingPolls: 1, FailReason: "disk full"}, []liberator.SnapshotStatus{"creating", "creating", "failed", "failed"}, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Clock = clk
			s := fakesnap.New(tt.opts)
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
	s := fakesnap.New(fakesnap.Options{Clock: liberator.NewVirtualClock(t0)})
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
	s.Faults.FailAlways(fakesnap.OpListSnapshots, fmt.Errorf("api down: %w", liberator.ErrTransient))
	if _, err := s.ListSnapshots(ctx); !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("ListSnapshots with fault = %v, want ErrTransient", err)
	}
}
