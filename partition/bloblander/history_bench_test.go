package bloblander_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

// BenchmarkLastPublished finds the last published import of 20 tables
// with 30 days and with 1000 days (about three years) of published
// partitions in a directory (fileblob): the listings per call
// (listings/op) do not grow with the history, since the walk goes newest
// first. (memblob sorts its whole bucket on every listing, so it is no
// measure of this; S3 lists one folder level server-side, as fileblob
// reads one directory.)
func BenchmarkLastPublished(b *testing.B) {
	for _, days := range []int{30, 1000} {
		// The history is written once, not once per b.N that b.Run tries.
		dir := b.TempDir()
		last := writeHistory(b, dir, 20, days)
		b.Run(fmt.Sprintf("tables=20/days=%d", days), func(b *testing.B) {
			ctx := context.Background()
			inner, err := fileblob.OpenBucket(dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer inner.Close()
			bucket, faults := faultblob.Wrap(inner)
			l, err := bloblander.New(bucket, bucket, bloblander.Options{Logger: quiet()})
			if err != nil {
				b.Fatal(err)
			}
			before := liberator.DateOf(last.Time().AddDate(0, 0, 1))
			lists := faults.Count(faultblob.OpListPaged)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, ok, err := l.LastPublished(ctx, "liberator", before)
				if err != nil || !ok || m.ImportDate != last || len(m.Tables) != 20 {
					b.Fatalf("LastPublished = %v %d tables, %v, %v", m.ImportDate, len(m.Tables), ok, err)
				}
			}
			b.ReportMetric(float64(faults.Count(faultblob.OpListPaged)-lists)/float64(b.N), "listings/op")
		})
	}
}

// writeHistory writes days published partitions (manifest and marker) of
// tables tables from 2024-01-01 into dir as plain files (fileblob reads
// them as objects; far quicker than WriteAll) and returns the last date.
func writeHistory(b *testing.B, dir string, tables, days int) liberator.Date {
	b.Helper()
	write := func(key string, body []byte) {
		path := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var last liberator.Date
	for i := range tables {
		ref := partition.TableRef{Database: "liberator", Table: fmt.Sprintf("T%02d", i)}
		for d := range days {
			date := liberator.DateOf(first.AddDate(0, 0, d))
			last = date
			p := partition.TablePrefix("parking", ref, date)
			write(partition.ControlLayout.ManifestKey(p), fmt.Appendf(nil, `{"version":1,"export_id":"e%d","import_date":"%s","tables":[{"database":"liberator","table":"%s","prefix":"%s","objects":[],"rows":%d}]}`,
				d, date, ref.Table, p, d))
			write(partition.ControlLayout.MarkerKey(p), nil)
			write(p+"part-00000-c000.gz.parquet", nil) // the walk lists the partition folders
		}
	}
	return last
}
