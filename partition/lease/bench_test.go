package lease_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// BenchmarkAcquireRelease takes and releases a free lease: the cost a
// Land or a workflow run pays for it. ops/lease counts the storage calls
// (writes, reads, listings, deletes).
func BenchmarkAcquireRelease(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			t := &testing.T{}
			inner := be.open(t)
			defer inner.Close()
			bucket, calls := faultblob.Wrap(inner)
			ctx := context.Background()
			vc := liberator.NewVirtualClock(start)
			o := lease.Options{Run: "bench", Clock: vc, Logger: quiet()}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l, err := lease.Acquire(ctx, bucket, scope, o)
				if err != nil {
					b.Fatal(err)
				}
				if err := l.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(calls.Count(""))/float64(b.N), "ops/lease")
		})
	}
}

// BenchmarkSweepTemp sweeps a landing zone of n files (a tenth of them dead
// temporary files) on a directory: linear in the zone's size.
func BenchmarkSweepTemp(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint("files=", n), func(b *testing.B) {
			dir := b.TempDir()
			bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
			if err != nil {
				b.Fatal(err)
			}
			defer bucket.Close()
			old := start.Add(-2 * time.Hour)
			write := func(i int) {
				name := fmt.Sprintf("parking/t%d/import_date=2026112%d/part-%05d.parquet", i%20, i%5, i)
				if i%10 == 0 {
					name += ".18eedde0942007da.tmp"
				}
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					b.Fatal(err)
				}
				if err := os.Chtimes(p, old, old); err != nil {
					b.Fatal(err)
				}
			}
			for i := range n {
				write(i)
			}
			ctx := context.Background()
			o := lease.SweepOptions{Clock: liberator.NewVirtualClock(start), Logger: quiet()}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := 0; j < n; j += 10 {
					write(j) // the dead files again
				}
				b.StartTimer()
				got, err := lease.SweepTemp(ctx, bucket, "parking/", o)
				if err != nil || len(got.Keys) != n/10 {
					b.Fatalf("swept %d, %v; want %d", len(got.Keys), err, n/10)
				}
			}
		})
	}
}
