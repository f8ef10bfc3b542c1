package embeddedexport

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// parkingDump generates a mysqldump-like dump of parking tables of about
// size bytes: extended INSERTs of ~1 MB, as mysqldump writes them.
// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func parkingDump(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n/*!40103 SET TIME_ZONE='+00:00' */;\n")
	b.WriteString("CREATE TABLE `PCN_IC` (\n  `pcn_id` bigint NOT NULL AUTO_INCREMENT,\n  `pcn_ref` varchar(16) NOT NULL,\n" +
		"  `vrm` varchar(12) DEFAULT NULL,\n  `contravention_code` smallint unsigned NOT NULL,\n  `amount` decimal(10,2) NOT NULL,\n" +
		"  `paid_amount` decimal(10,2) DEFAULT NULL,\n  `issued_at` datetime NOT NULL,\n  `paid_at` datetime DEFAULT NULL,\n" +
		"  `due_date` date DEFAULT NULL,\n  `status` enum('open','paid','cancelled','written_off') NOT NULL DEFAULT 'open',\n" +
		"  `is_foreign` tinyint(1) NOT NULL DEFAULT '0',\n  `street` varchar(100) DEFAULT NULL,\n  `officer_id` int unsigned DEFAULT NULL,\n" +
		"  `lat` double DEFAULT NULL,\n  `notes` text,\n  `updated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  PRIMARY KEY (`pcn_id`)\n) ENGINE=InnoDB;\n")
	b.WriteString("CREATE TABLE `permit_events` (\n  `id` bigint unsigned NOT NULL,\n  `permit_no` int NOT NULL,\n  `zone` char(3) NOT NULL,\n" +
		"  `event` varchar(32) NOT NULL,\n  `at` datetime(3) NOT NULL,\n  `fee` decimal(6,2) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n")
	streets := []string{"High Street", "Mare Street", "Kingsland Road", "Dalston Lane", "Church Street", "Well Street"}
	statuses := []string{"open", "paid", "cancelled", "written_off"}
	id := 0
	for b.Len() < size {
		tableA := b.Len() < size*3/4 // one table after the other, as mysqldump writes them
		if tableA {
			b.WriteString("INSERT INTO `PCN_IC` VALUES ")
		} else {
			b.WriteString("INSERT INTO `permit_events` VALUES ")
		}
		start := b.Len()
		for n := 0; b.Len()-start < 1<<20; n++ {
			if n > 0 {
				b.WriteByte(',')
			}
			id++
			if tableA {
				paid := "NULL"
				paidAt := "NULL"
				if r.IntN(3) == 0 {
					paid = fmt.Sprintf("%d.%02d", 30+r.IntN(100), r.IntN(100))
					paidAt = fmt.Sprintf("'2026-%02d-%02d %02d:%02d:%02d'", 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
				}
				notes := "NULL"
				if r.IntN(4) == 0 {
					notes = "'Vehicle parked on double yellow lines, driver not present; photos taken.'"
				}
				fmt.Fprintf(&b, "(%d,'HY%08d','%c%c%02d %c%c%c',%d,%d.00,%s,'2026-%02d-%02d %02d:%02d:%02d',%s,'2026-%02d-%02d','%s',%d,'%s',%d,%.6f,%s,'2026-11-%02d %02d:%02d:%02d')",
					id, id, 'A'+r.IntN(26), 'A'+r.IntN(26), r.IntN(100), 'A'+r.IntN(26), 'A'+r.IntN(26), 'A'+r.IntN(26),
					r.IntN(100), 50+r.IntN(80), paid, 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), paidAt,
					1+r.IntN(12), 1+r.IntN(28), statuses[r.IntN(4)], r.IntN(2), streets[r.IntN(len(streets))], 1000+r.IntN(500),
					51.5+r.Float64()/10, notes, 1+r.IntN(24), r.IntN(24), r.IntN(60), r.IntN(60))
			} else {
				fmt.Fprintf(&b, "(%d,%d,'Z%02d','%s','2026-%02d-%02d %02d:%02d:%02d.%03d',%d.%02d)",
					id, 100000+r.IntN(900000), r.IntN(40), []string{"issued", "renewed", "cancelled"}[r.IntN(3)],
					1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000), r.IntN(200), r.IntN(100))
			}
		}
		b.WriteString(";\n")
	}
	b.WriteString("-- Dump completed on 2026-11-24  3:20:00\n")
	return b.Bytes()
}

var (
	benchDumpOnce sync.Once
	benchDump     []byte
)

// BenchmarkExport measures dump → Parquet throughput (b.SetBytes is the
// SQL size, so ns/op becomes MB/s of SQL) on a generated 32 MB
// parking-like dump, through mysqldump.Open and Scan, the decoders and the writer,
// into a memory bucket.
func BenchmarkExport(b *testing.B) {
	benchDumpOnce.Do(func() {
		mb := 32
		if v, err := strconv.Atoi(os.Getenv("LIBERATOR_BENCH_MB")); err == nil && v > 0 {
			mb = v
		}
		benchDump = parkingDump(mb << 20)
	})
	for _, c := range []struct {
		name  string
		codec export.Codec
		level int
	}{{"gz1", export.CodecGzip, 0}, {"gz6", export.CodecGzip, 6}, {"snappy", export.CodecSnappy, 0}, {"zstd1", export.CodecZstd, 0}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchDump)))
			b.ReportAllocs()
			var out int64
			var peak uint64
			var ms runtime.MemStats
			cpu0 := cpuTime()
			// the dump is read from a memory bucket, as from S3
			dumps := memblob.OpenBucket(nil)
			defer dumps.Close()
			if err := dumps.WriteAll(context.Background(), "bench.sql", benchDump, nil); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				bucket := memblob.OpenBucket(nil)
				e := New(bucket, Options{
					Read: mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}},
					Export: export.Options{
						Clock:  liberator.NewVirtualClock(testStart),
						Writer: export.WriterOptions{Codec: c.codec, Level: c.level},
						// sample the heap as the export runs (every 50k rows)
						Progress: func(export.TableProgress) {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						},
					}})
				info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: fmt.Sprint("b", i), Snapshot: liberator.SnapshotInfo{ID: "s",
					Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "bench.sql"}}})
				if err != nil || info.Status != liberator.ExportComplete {
					b.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
				}
				out = 0
				for _, k := range exporttest.ListKeys(b, bucket) {
					attrs, _ := bucket.Attributes(context.Background(), k)
					out += attrs.Size
				}
				bucket.Close()
			}
			b.ReportMetric(float64(out)/float64(len(benchDump)), "parquet/sql")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			// The machine is shared, so wall time is noisy; CPU time says
			// what the code costs: MB of SQL per CPU-second (all goroutines).
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(len(benchDump))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
			}
		})
	}
}

// BenchmarkExportFile is BenchmarkExport (snappy) reading the dump from a
// file through the default opener and writing parts to a fileblob bucket,
// so the heap holds only the pipeline: peak-heap-MB should not grow with
// the dump (compare LIBERATOR_BENCH_MB=32 and 128).
func BenchmarkExportFile(b *testing.B) {
	benchDumpOnce.Do(func() {
		mb := 32
		if v, err := strconv.Atoi(os.Getenv("LIBERATOR_BENCH_MB")); err == nil && v > 0 {
			mb = v
		}
		benchDump = parkingDump(mb << 20)
	})
	dir := b.TempDir()
	path := filepath.Join(dir, "liberator_dump_20261124.sql")
	if err := os.WriteFile(path, benchDump, 0o644); err != nil {
		b.Fatal(err)
	}
	size := int64(len(benchDump))
	benchDump = nil // only the file holds the dump now
	runtime.GC()
	b.SetBytes(size)
	var peak uint64
	var ms runtime.MemStats
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		bucket, err := fileblob.OpenBucket(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		e := New(bucket, Options{Export: export.Options{
			Clock: liberator.NewVirtualClock(testStart),
			Progress: func(export.TableProgress) {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			},
		}})
		info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: fmt.Sprint("b", i), Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}})
		if err != nil || info.Status != liberator.ExportComplete {
			b.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
		}
		bucket.Close()
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	benchDumpOnce = sync.Once{}
}
