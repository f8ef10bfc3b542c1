package localglue

import (
	"context"
	"fmt"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// BenchmarkCopyFile copies one landed file of every type of the mapping
// (export.TableWriter, gzip; 200,000 rows in row groups of 50,000) to the raw
// zone by splicing it and, for comparison, by re-encoding it (the
// fallback); b.SetBytes is the landed file's size, so MB/s is of Parquet.
// The splice reads each byte once and holds a 1 MiB copy buffer plus the
// page index and footer, whatever the file's size.
func BenchmarkCopyFile(b *testing.B) {
	ctx := context.Background()
	landing := memblob.OpenBucket(nil)
	defer landing.Close()
	tm := landEveryType(b, landing, export.CodecGzip, 200_000, -1, 50_000)
	if len(tm.Objects) != 1 {
		b.Fatalf("%d parts", len(tm.Objects))
	}
	src, size := tm.Objects[0].Key, tm.Objects[0].Size
	for _, how := range []string{"splice", "reencode"} {
		b.Run(how, func(b *testing.B) {
			raw := memblob.OpenBucket(nil)
			defer raw.Close()
			l, err := New(landing, raw, Options{Clock: liberator.NewVirtualClock(start)})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				dst := fmt.Sprintf("raw/%d.parquet", i)
				var n int64
				if how == "splice" {
					n, err = l.spliceFile(ctx, src, dst, size, startTS)
				} else {
					n, err = l.reencodeFile(ctx, src, dst, size, startTS)
				}
				if err != nil || n != 200_000 {
					b.Fatalf("%d rows: %v", n, err)
				}
				if err := raw.Delete(ctx, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
