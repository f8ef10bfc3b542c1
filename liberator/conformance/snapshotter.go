package conformance

import (
	"context"
	"errors"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// SnapshotterHarness makes fresh Snapshotters for RunSnapshotterTests.
type SnapshotterHarness interface {
	// MakeSnapshotter returns a fixture around a Snapshotter that has no
	// snapshots. The harness cleans up (t.Cleanup).
	MakeSnapshotter(ctx context.Context, t *testing.T) SnapshotterFixture
}

// SnapshotterFixture is what a SnapshotterHarness makes.
type SnapshotterFixture struct {
	// Snapshotter is the implementation under test.
	Snapshotter liberator.Snapshotter
	// Dump is a small valid dump the Snapshotter can restore.
	Dump liberator.DumpRef
	// InvalidDump, if not nil, is a dump whose restore must fail: either
	// CreateSnapshot returns an error or the snapshot ends "failed"; earlier
	// snapshots must be untouched.
	InvalidDump *liberator.DumpRef
	// Advance, if not nil, lets time pass between polls of
	// DescribeSnapshot (e.g. advances a virtual clock). The suite also
	// calls it between creating two snapshots so they differ in age.
	Advance func(ctx context.Context)
	// MaxPolls bounds the polls until a snapshot is available or gone;
	// default DefaultMaxPolls.
	MaxPolls int
}

// Snapshot ids and dates the suite uses.
const (
	snapID1 = "sql-to-parquet-26-11-24-031500"
	snapID2 = "sql-to-parquet-26-11-25-031500"
	snapID3 = "sql-to-parquet-26-11-26-031500"
)

func snapReq(f SnapshotterFixture, id string) liberator.SnapshotRequest {
	d, err := liberator.DateFromSnapshotID(id)
	if err != nil {
		panic(err)
	}
	// The run's date is the day before the snapshot id's upload time (a
	// dump uploaded after midnight), so a label read back with the id's
	// date is caught.
	d = liberator.DateOf(d.Time().AddDate(0, 0, -1))
	return liberator.SnapshotRequest{ID: id, Dump: f.Dump, ImportDate: d, RunID: liberator.RunID(d, f.Dump.Key)}
}

// RunSnapshotterTests runs the Snapshotter conformance suite.
func RunSnapshotterTests(t *testing.T, h SnapshotterHarness) {
	t.Run("CreateBecomesAvailable", func(t *testing.T) { testSnapCreate(t, h) })
	t.Run("CreateIsIdempotent", func(t *testing.T) { testSnapIdempotent(t, h) })
	t.Run("ListNewestFirst", func(t *testing.T) { testSnapList(t, h) })
	t.Run("Delete", func(t *testing.T) { testSnapDelete(t, h) })
	t.Run("UnknownIsNotFound", func(t *testing.T) { testSnapUnknown(t, h) })
	t.Run("InvalidDumpKeepsEarlierSnapshots", func(t *testing.T) { testSnapInvalid(t, h) })
}

// createAvailable creates snapshot id and polls until it is available.
func createAvailable(ctx context.Context, t *testing.T, f SnapshotterFixture, id string) liberator.SnapshotInfo {
	t.Helper()
	info, err := f.Snapshotter.CreateSnapshot(ctx, snapReq(f, id))
	if err != nil {
		t.Fatalf("CreateSnapshot(%s): %v", id, err)
	}
	if info.ID != id {
		t.Errorf("CreateSnapshot returned id %q, want %q", info.ID, id)
	}
	switch info.Status {
	case liberator.SnapshotCreating, liberator.SnapshotAvailable:
	default:
		t.Fatalf("CreateSnapshot(%s) status %q (reason %q), want creating or available", id, info.Status, info.Reason)
	}
	poll(ctx, t, "snapshot "+id+" available", f.MaxPolls, f.Advance, func() (bool, error) {
		var err error
		info, err = f.Snapshotter.DescribeSnapshot(ctx, id)
		if err != nil {
			return false, err
		}
		switch info.Status {
		case liberator.SnapshotAvailable:
			return true, nil
		case liberator.SnapshotCreating:
			return false, nil
		}
		t.Fatalf("snapshot %s is %q (reason %q) while waiting for available", id, info.Status, info.Reason)
		return false, nil
	})
	return info
}

func testSnapCreate(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	info := createAvailable(ctx, t, f, snapID1)
	if info.ID != snapID1 || info.Created.IsZero() {
		t.Errorf("DescribeSnapshot = %+v, want id %s and a creation time", info, snapID1)
	}
	again, err := f.Snapshotter.DescribeSnapshot(ctx, snapID1)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != info.ID || again.Status != liberator.SnapshotAvailable || !again.Created.Equal(info.Created) {
		t.Errorf("second DescribeSnapshot = %+v, want %+v", again, info)
	}
	// A Snapshotter that labels its snapshots with their run labels them
	// with the run's own date and ids, as requested.
	if want := snapReq(f, snapID1).Label(); again.Run != nil && *again.Run != want {
		t.Errorf("snapshot labelled %+v, want the request's run %+v", *again.Run, want)
	}
}

func testSnapIdempotent(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	first := createAvailable(ctx, t, f, snapID1)
	if f.Advance != nil {
		f.Advance(ctx)
	}
	again, err := f.Snapshotter.CreateSnapshot(ctx, snapReq(f, snapID1))
	if err != nil {
		t.Fatalf("second CreateSnapshot: %v", err)
	}
	if again.ID != snapID1 || again.Status != liberator.SnapshotAvailable || !again.Created.Equal(first.Created) {
		t.Errorf("second CreateSnapshot = %+v, want the existing available snapshot %+v", again, first)
	}
	list, err := f.Snapshotter.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range list {
		if s.ID == snapID1 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("ListSnapshots has %d snapshots %s, want 1", n, snapID1)
	}
}

func testSnapList(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	older := createAvailable(ctx, t, f, snapID1)
	if f.Advance != nil {
		f.Advance(ctx)
	}
	newer := createAvailable(ctx, t, f, snapID2)
	if newer.Created.Before(older.Created) {
		t.Errorf("snapshot %s created %v, before the earlier %s at %v", snapID2, newer.Created, snapID1, older.Created)
	}
	list, err := f.Snapshotter.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, s := range list {
		pos[s.ID] = i
		if i > 0 && s.Created.After(list[i-1].Created) {
			t.Errorf("ListSnapshots not newest first: %s (%v) after %s (%v)", s.ID, s.Created, list[i-1].ID, list[i-1].Created)
		}
	}
	i1, ok1 := pos[snapID1]
	i2, ok2 := pos[snapID2]
	if !ok1 || !ok2 {
		t.Fatalf("ListSnapshots = %+v, want both %s and %s", list, snapID1, snapID2)
	}
	if i2 > i1 {
		t.Errorf("ListSnapshots lists %s (newer) after %s", snapID2, snapID1)
	}
}

func testSnapDelete(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	createAvailable(ctx, t, f, snapID1)
	createAvailable(ctx, t, f, snapID2)
	if err := f.Snapshotter.DeleteSnapshot(ctx, snapID1); err != nil {
		t.Fatalf("DeleteSnapshot: %v", err)
	}
	poll(ctx, t, "snapshot "+snapID1+" gone", f.MaxPolls, f.Advance, func() (bool, error) {
		info, err := f.Snapshotter.DescribeSnapshot(ctx, snapID1)
		if errors.Is(err, liberator.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if info.Status != liberator.SnapshotDeleting {
			t.Fatalf("deleted snapshot is %q, want deleting or ErrNotFound", info.Status)
		}
		return false, nil
	})
	if err := f.Snapshotter.DeleteSnapshot(ctx, snapID1); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("second DeleteSnapshot: %v, want ErrNotFound", err)
	}
	list, err := f.Snapshotter.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
		if s.ID == snapID1 {
			t.Errorf("ListSnapshots still lists deleted %s", snapID1)
		}
	}
	found := false
	for _, id := range ids {
		found = found || id == snapID2
	}
	if !found {
		t.Errorf("ListSnapshots = %q lost %s, which was not deleted", ids, snapID2)
	}
}

func testSnapUnknown(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	if _, err := f.Snapshotter.DescribeSnapshot(ctx, "sql-to-parquet-00-01-01-000000"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DescribeSnapshot(unknown): %v, want ErrNotFound", err)
	}
	if err := f.Snapshotter.DeleteSnapshot(ctx, "sql-to-parquet-00-01-01-000000"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DeleteSnapshot(unknown): %v, want ErrNotFound", err)
	}
}

func testSnapInvalid(t *testing.T, h SnapshotterHarness) {
	ctx := testContext(t)
	f := h.MakeSnapshotter(ctx, t)
	if f.InvalidDump == nil {
		t.Skip("harness has no invalid dump")
	}
	good := createAvailable(ctx, t, f, snapID1)
	if f.Advance != nil {
		f.Advance(ctx)
	}
	req := snapReq(f, snapID3)
	req.Dump = *f.InvalidDump
	info, err := f.Snapshotter.CreateSnapshot(ctx, req)
	if err == nil {
		// The failure may show asynchronously: poll until final.
		poll(ctx, t, "invalid snapshot final", f.MaxPolls, f.Advance, func() (bool, error) {
			info, err = f.Snapshotter.DescribeSnapshot(ctx, snapID3)
			if errors.Is(err, liberator.ErrNotFound) {
				t.Fatalf("snapshot of the invalid dump vanished without an error from CreateSnapshot")
			}
			return err == nil && info.Status != liberator.SnapshotCreating, err
		})
		if info.Status != liberator.SnapshotFailed {
			t.Fatalf("snapshot of the invalid dump is %q, want an error or failed", info.Status)
		}
	}
	got, err := f.Snapshotter.DescribeSnapshot(ctx, snapID1)
	if err != nil {
		t.Fatalf("earlier snapshot after a failed restore: %v", err)
	}
	if got.Status != liberator.SnapshotAvailable || !got.Created.Equal(good.Created) {
		t.Errorf("earlier snapshot after a failed restore = %+v, want %+v", got, good)
	}
}
