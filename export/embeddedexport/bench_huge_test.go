package embeddedexport

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// hugeValueSQL writes to path, streaming, a dump that is 90% one value of
// valueBytes bytes of SQL: a LONGTEXT of text with an escaped newline per
// line as mysqldump writes it, or (blob) a LONGBLOB as mysqldump
// --hex-blob writes it; ordinary rows make up the other 10%. It returns
// the dump's size.
func hugeValueSQL(tb testing.TB, path string, valueBytes int, blob bool) int64 {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	typ, open, close, unit := "longtext", "'", "'", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\\n"
	if blob {
		typ, open, close, unit = "longblob", "0x", "", "4C6F72656D20697073756D0A00FF7F80"
	}
	fmt.Fprintf(w, "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n/*!50503 SET NAMES utf8mb4 */;\n"+
		"CREATE TABLE `doc` (\n  `id` int NOT NULL,\n  `body` %s,\n  `n` int DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"+
		"INSERT INTO `doc` VALUES (1,%s", typ, open)
	block := strings.Repeat(unit, (64<<10)/len(unit))
	for n := 0; n < valueBytes; n += len(block) {
		w.WriteString(block[:min(len(block), valueBytes-n)])
	}
	w.WriteString(close + ",1);\nINSERT INTO `doc` VALUES ")
	for i, n := 2, 0; n < valueBytes/9; i++ {
		row := "(" + strconv.Itoa(i) + ",'a short line of text, as most rows hold'," + strconv.Itoa(i*7) + ")"
		if i > 2 {
			row = "," + row
		}
		w.WriteString(row)
		n += len(row)
	}
	w.WriteString(";\n-- Dump completed on 2026-11-24  3:20:00\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return st.Size()
}

// peakRSS returns the process's peak resident set in bytes (VmHWM), and
// resetPeakRSS resets it (Linux: "5" written to /proc/self/clear_refs).
// Both return 0 where /proc has neither.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkExportHugeValue exports, from a file into a fileblob bucket
// with the default codec, a normal dump (the parking dump of
// BenchmarkExportFile) and dumps that are 90% one 50 MB value (LONGTEXT,
// and LONGBLOB in hex). It reports MB/s of SQL (also per CPU-second: the
// machine is shared), the process's peak RSS during the export
// (peak-RSS-MB: VmHWM, reset before each export, so it includes the test
// binary's own few MB), the bound 256 MiB + 3 × the largest value
// (rss-bound-MB), and the largest Parquet footer written (max-footer-KB).
// The acceptance: huge-longtext's MB/s ≥ 50% of normal's, peak-RSS-MB ≤
// rss-bound-MB, every footer under 1 MiB.
//
// LIBERATOR_BENCH_VALUE_MB sets the value's size (default 50).
func BenchmarkExportHugeValue(b *testing.B) {
	value := 50 << 20
	if v, err := strconv.Atoi(os.Getenv("LIBERATOR_BENCH_VALUE_MB")); err == nil && v > 0 {
		value = v << 20
	}
	dir := b.TempDir()
	cases := []struct {
		name string
		make func(path string) int64
	}{
		{"normal", func(path string) int64 {
			data := parkingDump(value + value/9)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			return int64(len(data))
		}},
		{"huge-longtext", func(path string) int64 { return hugeValueSQL(b, path, value, false) }},
		{"huge-longblob-hex", func(path string) int64 { return hugeValueSQL(b, path, value, true) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			path := filepath.Join(dir, c.name+".sql")
			size := c.make(path)
			defer os.Remove(path)
			runtime.GC()
			b.SetBytes(size)
			b.ResetTimer()
			var peak uint64
			var footer int64
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				out := b.TempDir()
				bucket, err := fileblob.OpenBucket(out, nil)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				resetPeakRSS()
				e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
				info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: fmt.Sprint("h", i),
					Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}})
				if err != nil || info.Status != liberator.ExportComplete {
					b.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
				}
				peak = max(peak, peakRSS())
				b.StopTimer()
				footer = max(footer, maxFooter(b, bucket))
				bucket.Close()
				os.RemoveAll(out)
				b.StartTimer()
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
			b.ReportMetric(float64(256<<20+3*value)/(1<<20), "rss-bound-MB")
			b.ReportMetric(float64(footer)/(1<<10), "max-footer-KB")
		})
	}
}

// maxFooter returns the size of the largest Parquet footer in bucket.
func maxFooter(tb testing.TB, bucket *blob.Bucket) int64 {
	var most int64
	for _, k := range exporttest.ListKeys(tb, bucket) {
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		attrs, err := bucket.Attributes(context.Background(), k)
		if err != nil {
			tb.Fatal(err)
		}
		tail, err := bucket.NewRangeReader(context.Background(), k, attrs.Size-8, 8, nil)
		if err != nil {
			tb.Fatal(err)
		}
		var b [8]byte
		if _, err := tail.Read(b[:]); err != nil {
			tb.Fatal(err)
		}
		tail.Close()
		if string(b[4:]) != "PAR1" {
			tb.Fatalf("%s is not Parquet", k)
		}
		most = max(most, int64(binary.LittleEndian.Uint32(b[:4])))
	}
	return most
}
