package export_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var now = time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)

func zoneKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var out []string
	it := b.List(&blob.ListOptions{})
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
}

// putExport writes a finished export started at started, with one part.
func putExport(t *testing.T, b *blob.Bucket, prefix, id string, started time.Time) {
	t.Helper()
	ctx := context.Background()
	info, _ := json.Marshal(export.InfoFile{ExportTaskIdentifier: id, Status: "COMPLETE", TaskStartTime: started})
	for k, v := range map[string][]byte{
		prefix + id + "/liberator/liberator.PCN_IC/1/part-00000-x-c000.gz.parquet": []byte("PAR1"),
		prefix + id + "/" + export.InfoFileName(id):                                info,
	} {
		if err := b.WriteAll(ctx, k, v, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPruneExports(t *testing.T) {
	ctx := context.Background()
	for _, prefix := range []string{"", "rds-exports/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			for i := 1; i <= 6; i++ {
				putExport(t, b, prefix, fmt.Sprintf("e%d", i), now.Add(time.Duration(i-10)*time.Hour))
			}
			// Two exports of runs that died (locks older than the timeout:
			// the clock is 7h ahead of the store's) and folders that are
			// not exports.
			lock := func(id string) string { return prefix + id + "/export_lock_" + id + ".json" }
			for k, v := range map[string]string{
				lock("dead2"):                       "{}",
				prefix + "dead2/part.parquet":       "x",
				lock("dead"):                        "{}",
				prefix + "dead/part.parquet":        "x",
				prefix + "parking/x/_SUCCESS":       "",
				prefix + "_liberator/leases/x.json": "{}",
				prefix + "notes.txt":                "not a folder",
			} {
				if err := b.WriteAll(ctx, k, []byte(v), nil); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := export.PruneExports(ctx, b, export.RetentionOptions{
				Prefix: prefix, Keep: 3, InUse: []string{"e1", "unknown"},
				Clock: liberator.NewVirtualClock(time.Now().Add(7 * time.Hour)), LockTimeout: 6 * time.Hour,
				Logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			want := export.RetentionReport{Kept: []string{"e6", "e5", "e4", "e1"}, InUse: []string{"e1"},
				Deleted: []string{"e3", "e2"}, Abandoned: []string{"dead", "dead2"}, Objects: 8, Bytes: rep.Bytes}
			if diff := cmp.Diff(want, rep); diff != "" || rep.Bytes == 0 {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			left := zoneKeys(t, b)
			for _, gone := range []string{"e2", "e3", "dead", "dead2"} {
				for _, k := range left {
					if len(k) > len(prefix)+len(gone) && k[:len(prefix)+len(gone)+1] == prefix+gone+"/" {
						t.Errorf("%s is left of deleted export %s", k, gone)
					}
				}
			}
			for _, keep := range []string{prefix + "parking/x/_SUCCESS", prefix + "_liberator/leases/x.json", prefix + "notes.txt",
				prefix + "e1/" + export.InfoFileName("e1"), prefix + "e6/" + export.InfoFileName("e6")} {
				if ok, _ := b.Exists(ctx, keep); !ok {
					t.Errorf("%s was deleted", keep)
				}
			}
		})
	}
}

// A running export is kept; Keep 0 keeps everything; a bad Keep is refused.
func TestPruneExportsKeepsRunningAndAll(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	for i := 1; i <= 4; i++ {
		putExport(t, b, "", fmt.Sprintf("e%d", i), now.Add(time.Duration(i)*time.Hour))
	}
	if err := b.WriteAll(ctx, "live/export_lock_live.json", []byte("{}"), nil); err != nil {
		t.Fatal(err)
	}
	before := zoneKeys(t, b)
	rep, err := export.PruneExports(ctx, b, export.RetentionOptions{Keep: 0})
	if err != nil || len(rep.Deleted)+len(rep.Abandoned) != 0 {
		t.Errorf("Keep 0: %+v, %v; want nothing deleted", rep, err)
	}
	if diff := cmp.Diff(before, zoneKeys(t, b)); diff != "" {
		t.Errorf("Keep 0 changed the zone (-before +after):\n%s", diff)
	}
	rep, err = export.PruneExports(ctx, b, export.RetentionOptions{Keep: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(export.RetentionReport{Kept: []string{"e4"}, Running: []string{"live"}, Deleted: []string{"e3", "e2", "e1"},
		Objects: 6, Bytes: rep.Bytes}, rep); diff != "" || rep.Bytes == 0 {
		t.Errorf("Keep 1 (-want +got):\n%s", diff)
	}
	if _, err := export.PruneExports(ctx, b, export.RetentionOptions{Keep: -1}); err == nil {
		t.Error("Keep -1 accepted")
	}
}

// Temporary files of killed writes in the zone go, once old enough.
func TestPruneExportsSweepsTempFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	putExport(t, b, "", "e1", now)
	tmp := filepath.Join(dir, "e2", "liberator", "liberator.PCN_IC", "1", "part-00000-y-c000.gz.parquet.18eedde0942007da.tmp")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-2 * time.Hour)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}
	rep, err := export.PruneExports(ctx, b, export.RetentionOptions{Keep: 3, Clock: liberator.NewVirtualClock(now), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TempFiles != 1 || len(rep.Kept) != 1 {
		t.Errorf("report %+v, want 1 temp file removed and e1 kept", rep)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temp file still there: %v", err)
	}
}

// BenchmarkPruneExports prunes a zone of n finished exports down to 3:
// linear in the number of exports.
func BenchmarkPruneExports(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint("exports=", n), func(b *testing.B) {
			ctx := context.Background()
			bucket := memblob.OpenBucket(nil)
			t := &testing.T{}
			opts := export.RetentionOptions{Keep: 3, Clock: liberator.NewVirtualClock(now), Logger: slog.New(slog.DiscardHandler)}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := range n {
					putExport(t, bucket, "", fmt.Sprintf("e%05d", j), now.Add(time.Duration(j)*time.Minute))
				}
				b.StartTimer()
				rep, err := export.PruneExports(ctx, bucket, opts)
				if err != nil || len(rep.Deleted) != n-3 {
					b.Fatalf("deleted %d, %v", len(rep.Deleted), err)
				}
			}
		})
	}
}

// A lock says when its run started (on the exporter's clock): older than
// the lock timeout, the run died and its export goes.
func TestPruneExportsReadsLockStart(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	putExport(t, b, "", "e1", now.Add(-time.Hour))
	for id, started := range map[string]time.Time{"alive": now.Add(-time.Hour), "died": now.Add(-7 * time.Hour), "e1": now.Add(-8 * time.Hour)} {
		lock := fmt.Sprintf(`{"exportTaskIdentifier":%q,"started":%q}`, id, started.Format(time.RFC3339))
		for k, v := range map[string]string{id + "/export_lock_" + id + ".json": lock, id + "/part.parquet": "x"} {
			if err := b.WriteAll(ctx, k, []byte(v), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := export.PruneExports(ctx, b, export.RetentionOptions{Keep: 1, Clock: liberator.NewVirtualClock(now), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// e1 finished, but its run died before removing its lock.
	if diff := cmp.Diff(export.RetentionReport{Kept: []string{"e1"}, Running: []string{"alive"}, Abandoned: []string{"died"}, Objects: 2, Bytes: rep.Bytes,
		StaleLocks: []string{"e1"}}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if ok, _ := b.Exists(ctx, "e1/export_lock_e1.json"); ok {
		t.Error("e1's stale lock is still there")
	}
}
