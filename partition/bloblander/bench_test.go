package bloblander_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
)

// BenchmarkLand lands an export of 20 tables × 10 files of 64 KiB into
// memblob, within one bucket (server-side Copy) and between two buckets
// (streamed). Each iteration lands a new export id, so nothing is skipped.
func BenchmarkLand(b *testing.B) {
	for _, two := range []bool{false, true} {
		b.Run(fmt.Sprintf("two_buckets=%v", two), func(b *testing.B) {
			ctx := context.Background()
			src := memblob.OpenBucket(nil)
			dst := src
			if two {
				dst = memblob.OpenBucket(nil)
			}
			body := bytes.Repeat([]byte("x"), 64<<10)
			const tables, files = 20, 10
			for i := range tables {
				for j := range files {
					key := fmt.Sprintf("exp/liberator/liberator.T%02d/1/part-%05d-c000.gz.parquet", i, j)
					if err := src.WriteAll(ctx, key, body, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			l, err := bloblander.New(src, dst, bloblander.Options{Logger: quiet()})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(tables * files * len(body)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Alternate export ids so every Land replaces the partitions.
				if _, err := l.Land(ctx, liberator.LandRequest{ExportID: fmt.Sprint("e", i), ExportPrefix: "exp/", ImportDate: day}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
