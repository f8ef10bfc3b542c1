package lease_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

func TestIsTemp(t *testing.T) {
	for key, want := range map[string]bool{
		"p/part-00000-a-c000.gz.parquet.18eedde0942007da.tmp": true,
		"p/_SUCCESS.1.tmp":                   true,
		"p/part-00000.parquet":               false,
		"p/notes.tmp":                        false,
		"p/x.parquet.18EEDDE0942007DA.tmp":   false,
		"p/x.parquet.18eedde0942007da.tmp/y": false,
	} {
		if got := lease.IsTemp(key); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", key, got, want)
		}
	}
}

// SweepTemp removes the temporary files of dead writes under the prefix
// (older than the minimum age) and nothing else.
func TestSweepTemp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	now := start
	files := map[string]time.Time{
		"parking/t/part-0.parquet":                      now.Add(-48 * time.Hour),
		"parking/t/part-1.parquet.18eedde0942007da.tmp": now.Add(-2 * time.Hour), // dead write
		"parking/u/_manifest.json.18eedde0942007dc.tmp": now.Add(-61 * time.Minute),
		"parking/t/part-2.parquet.18eedde0942007db.tmp": now.Add(-10 * time.Minute), // a live write
		"parking/t/notes.tmp":                           now.Add(-48 * time.Hour),
		"elsewhere/part-3.parquet.18eedde0942007dd.tmp": now.Add(-48 * time.Hour),
	}
	for k, mt := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	got, err := lease.SweepTemp(ctx, b, "parking/", lease.SweepOptions{Clock: liberator.NewVirtualClock(now), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	want := lease.Swept{Keys: []string{"parking/t/part-1.parquet.18eedde0942007da.tmp", "parking/u/_manifest.json.18eedde0942007dc.tmp"}, Bytes: 10}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Swept (-want +got):\n%s", diff)
	}
	left := keys(t, b, "")
	wantLeft := []string{"elsewhere/part-3.parquet.18eedde0942007dd.tmp", "parking/t/notes.tmp", "parking/t/part-0.parquet", "parking/t/part-2.parquet.18eedde0942007db.tmp"}
	if diff := cmp.Diff(wantLeft, left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
}

// Stores whose writes leave no temporary files are not listed.
func TestSweepTempSkipsOtherStores(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	if err := b.WriteAll(ctx, "parking/x.parquet.18eedde0942007da.tmp", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	got, err := lease.SweepTemp(ctx, b, "", lease.SweepOptions{Clock: liberator.NewVirtualClock(start.Add(1000 * time.Hour))})
	if err != nil || len(got.Keys) != 0 {
		t.Errorf("SweepTemp on memblob = %+v, %v; want nothing", got, err)
	}
}
