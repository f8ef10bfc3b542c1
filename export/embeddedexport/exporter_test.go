package embeddedexport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TestDumpReadOnce checks that an export reads the dump once: the SQL
// bytes it records, the bytes Read.Progress last saw and the bytes
// TableProgress last saw are all the dump's size, and the dump header
// and trailer are recorded.
func TestDumpReadOnce(t *testing.T) {
	ctx := context.Background()
	dumps := memblob.OpenBucket(nil)
	defer dumps.Close()
	if err := dumps.WriteAll(ctx, "parking/d.sql", []byte(e2eDump), nil); err != nil {
		t.Fatal(err)
	}
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	var read, table atomic.Int64
	e := New(bucket, Options{
		Read: mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}, Progress: func(n int64) { read.Store(n) }},
		Export: export.Options{Clock: liberator.NewVirtualClock(testStart), Progress: func(p export.TableProgress) {
			table.Store(p.SQLBytes)
		}},
	})
	info, err := e.StartExport(ctx, liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump,
		Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/d.sql"}}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("StartExport = %+v, %v", info, err)
	}
	var f export.InfoFile
	exporttest.ReadJSON(t, bucket, "x/"+export.InfoFileName("x"), &f)
	type counts struct {
		Info, InfoFile, Read, Table int64
		Source, Header              string
		Completed                   bool
	}
	n := int64(len(e2eDump))
	want := counts{n, n, n, n, "mem://dumps parking/d.sql", "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)", true}
	got := counts{info.SQLBytes, f.SQLBytes, read.Load(), table.Load(), f.Source, f.DumpHeader, f.DumpCompleted}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestOpenFails checks that a dump that cannot be opened ends the export
// FAILED, naming the dump, with nothing but the export info left.
func TestOpenFails(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.zip")
	if err := os.WriteFile(bad, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		key       string
		wantCause []string
	}{
		{"missing", filepath.Join(dir, "missing.sql"), []string{"open dump " + filepath.Join(dir, "missing.sql"), "no such file"}},
		{"not a zip", bad, []string{"open dump " + bad}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
			info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "f", Snapshot: liberator.SnapshotInfo{ID: "s", Dump: liberator.DumpRef{Key: tc.key}}})
			if err != nil {
				t.Fatal(err)
			}
			var missing []string
			for _, w := range tc.wantCause {
				if !strings.Contains(info.FailureCause, w) {
					missing = append(missing, w)
				}
			}
			got := []any{info.Status, missing, exporttest.ListKeys(t, bucket)}
			if diff := cmp.Diff([]any{liberator.ExportFailed, []string(nil), []string{"f/export_info_f.json"}}, got); diff != "" {
				t.Errorf("(-want +got):\n%s\ncause: %s", diff, info.FailureCause)
			}
		})
	}
}

// TestSnapshotKinds checks that the Exporter reads dump snapshots only
// (and those of no stated kind), and refuses the others before writing.
func TestSnapshotKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sql")
	if err := os.WriteFile(path, []byte(e2eDump), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind    liberator.SnapshotKind
		wantErr error
	}{
		{liberator.SnapshotDump, nil},
		{"", nil},
		{liberator.SnapshotDatabase, liberator.ErrInvalid},
		{liberator.SnapshotRDS, liberator.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
			_, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "k", Snapshot: liberator.SnapshotInfo{ID: "s", Kind: tc.kind,
				Database: "db", ARN: "arn:aws:rds:eu-west-2:1:snapshot:s", Dump: liberator.DumpRef{Key: path}}})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("StartExport = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if keys := exporttest.ListKeys(t, bucket); len(keys) != 0 {
					t.Errorf("refused export wrote %v", keys)
				}
			}
		})
	}
	e := New(memblob.OpenBucket(nil), Options{})
	if diff := cmp.Diff([]liberator.SnapshotKind{liberator.SnapshotDump}, e.ReadsSnapshots()); diff != "" {
		t.Errorf("ReadsSnapshots (-want +got):\n%s", diff)
	}
}
