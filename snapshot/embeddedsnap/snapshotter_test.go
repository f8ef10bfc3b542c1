package embeddedsnap

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

// memHarness: records in a memblob store, dumps in a memblob bucket
// reached through ReadOptions.Buckets.
type memHarness struct{}

func (memHarness) MakeSnapshotter(ctx context.Context, t *testing.T) conformance.SnapshotterFixture {
	store, dumps := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	t.Cleanup(func() { store.Close(); dumps.Close() })
	dumps.WriteAll(ctx, "parking/liberator_dump_20261124.zip", makeZip(t, zipEntry{name: "liberator.sql", body: []byte(tinyDump)}), nil)
	dumps.WriteAll(ctx, "parking/bad.zip", makeZip(t, zipEntry{name: "a.sql", body: []byte(tinyDump)}, zipEntry{name: "b.sql", body: []byte(tinyDump)}), nil)
	clk := liberator.NewVirtualClock(t0)
	e, err := New(Options{Store: store, Clock: clk,
		Read: mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}}})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.SnapshotterFixture{
		Snapshotter: e,
		Dump:        liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/liberator_dump_20261124.zip"},
		InvalidDump: &liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/bad.zip"},
		Advance:     func(context.Context) { clk.Advance(time.Minute) },
	}
}

// fileHarness: records in a fileblob store, the dump a local file.
type fileHarness struct{}

func (fileHarness) MakeSnapshotter(ctx context.Context, t *testing.T) conformance.SnapshotterFixture {
	dir := t.TempDir()
	store, err := fileblob.OpenBucket(filepath.Join(dir), &fileblob.Options{CreateDir: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	good, bad := filepath.Join(dir, "dump.sql.gz"), filepath.Join(dir, "bad.sql")
	os.WriteFile(good, gz(t, []byte(tinyDump)), 0o644)
	os.WriteFile(bad, []byte("this is not a dump\n"), 0o644)
	clk := liberator.NewVirtualClock(t0)
	e, err := New(Options{Store: store, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.SnapshotterFixture{
		Snapshotter: e,
		Dump:        liberator.DumpRef{Key: good},
		InvalidDump: &liberator.DumpRef{Key: bad},
		Advance:     func(context.Context) { clk.Advance(time.Minute) },
	}
}

func TestEmbeddedConformance(t *testing.T) {
	t.Run("memblob", func(t *testing.T) { conformance.RunSnapshotterTests(t, memHarness{}) })
	t.Run("fileblob", func(t *testing.T) { conformance.RunSnapshotterTests(t, fileHarness{}) })
}

func TestEmbeddedRecordAndSource(t *testing.T) {
	ctx := context.Background()
	f := memHarness{}.MakeSnapshotter(ctx, t)
	e := f.Snapshotter.(*Snapshotter)
	info, err := e.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: "sql-to-parquet-26-11-24-031500", Dump: f.Dump})
	if err != nil {
		t.Fatal(err)
	}
	want := liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Status: liberator.SnapshotAvailable, Created: t0,
		Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/liberator_dump_20261124.zip", Size: info.Dump.Size}}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
	body, err := e.opts.Store.ReadAll(ctx, "snapshots/sql-to-parquet-26-11-24-031500.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec embeddedRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Format != mysqldump.FormatZip || rec.Entry != "liberator.sql" || rec.UncompressedSize != int64(len(tinyDump)) ||
		!strings.HasPrefix(rec.Header, "-- MySQL dump") || rec.Dump.Size == 0 {
		t.Errorf("record = %+v", rec)
	}
	// The exporter reopens the dump from info.Dump.
	rc, err := mysqldump.Open(ctx, info.Dump, e.opts.Read)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != tinyDump {
		t.Errorf("reopened dump = %q", got)
	}
}

func TestEmbeddedRefusesBadDumps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	tests := []struct {
		name string
		ref  liberator.DumpRef
		opts mysqldump.ReadOptions
		kind *liberator.Kind
		want string
	}{
		{"missing", liberator.DumpRef{Key: filepath.Join(dir, "nope.zip")}, mysqldump.ReadOptions{}, liberator.ErrNotFound, "nope.zip"},
		{"not a dump", liberator.DumpRef{Key: write("x.sql", []byte("hello world\n"))}, mysqldump.ReadOptions{}, liberator.ErrInvalid, "does not start like"},
		{"empty", liberator.DumpRef{Key: write("e.sql", []byte("\n\n"))}, mysqldump.ReadOptions{}, liberator.ErrInvalid, "empty"},
		{"two entries", liberator.DumpRef{Key: write("two.zip", makeZip(t, zipEntry{name: "a.sql", body: []byte(tinyDump)}, zipEntry{name: "b.sql", body: []byte(tinyDump)}))}, mysqldump.ReadOptions{}, liberator.ErrInvalid, "2 .sql entries"},
		{"declared too big", liberator.DumpRef{Key: write("big.zip", makeZip(t, zipEntry{name: "a.sql", body: []byte(tinyDump)}))}, mysqldump.ReadOptions{MaxUncompressed: 20}, liberator.ErrInvalid, "declared size"},
		{"bomb prefix", liberator.DumpRef{Key: write("bomb.sql.gz", gz(t, make([]byte, 4<<20)))}, mysqldump.ReadOptions{MaxRatio: 100}, liberator.ErrInvalid, "does not start like"},
		{"no key", liberator.DumpRef{}, mysqldump.ReadOptions{}, liberator.ErrInvalid, "no dump key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := memblob.OpenBucket(nil)
			defer store.Close()
			e, _ := New(Options{Store: store, Clock: liberator.NewVirtualClock(t0), Read: tc.opts})
			_, err := e.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: "s1", Dump: tc.ref})
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CreateSnapshot: %v, want %v containing %q", err, tc.kind, tc.want)
			}
			list, err := e.ListSnapshots(ctx)
			if err != nil || len(list) != 0 {
				t.Errorf("ListSnapshots = %v, %v; want nothing recorded", list, err)
			}
		})
	}
	if _, err := New(Options{}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("New without a store: %v", err)
	}
}

func TestEmbeddedSameIDOtherDumpRefused(t *testing.T) {
	ctx := context.Background()
	f := memHarness{}.MakeSnapshotter(ctx, t)
	const id = "sql-to-parquet-26-11-24-031500"
	if _, err := f.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: f.Dump}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dump liberator.DumpRef
		kind error
	}{
		{"same dump is idempotent", f.Dump, nil},
		{"another dump is refused", liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/liberator_dump_20261125.zip"}, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := f.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: tt.dump})
			if tt.kind == nil {
				if err != nil || info.Dump.Key != "parking/liberator_dump_20261124.zip" {
					t.Fatalf("CreateSnapshot = %+v, %v; want the first snapshot", info, err)
				}
				return
			}
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), "liberator_dump_20261125.zip") {
				t.Fatalf("CreateSnapshot error = %v; want %v naming the other dump", err, tt.kind)
			}
		})
	}
}
