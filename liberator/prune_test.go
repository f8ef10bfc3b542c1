package liberator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
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
