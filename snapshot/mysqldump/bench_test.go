package mysqldump

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// genDump writes a deterministic mysqldump-style dump of about size bytes:
// a parking-like table with extended INSERTs of ~1 MB (mysqldump's default
// net_buffer_length grouping), ints, short strings, dates and decimals, a
// few escapes and NULLs.
func genDump(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 2<<20)
	b.WriteString("-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n")
	b.WriteString("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!50503 SET NAMES utf8mb4 */;\n")
	b.WriteString("DROP TABLE IF EXISTS `parking_session`;\n")
	b.WriteString("CREATE TABLE `parking_session` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n  `vrm` varchar(10) NOT NULL,\n" +
		"  `zone` varchar(20) DEFAULT NULL,\n  `started` datetime NOT NULL,\n  `ended` datetime DEFAULT NULL,\n" +
		"  `tariff` decimal(8,2) NOT NULL DEFAULT '0.00',\n  `paid` tinyint(1) NOT NULL DEFAULT '0',\n  `method` enum('card','cash','app') DEFAULT NULL,\n" +
		"  `note` varchar(255) DEFAULT NULL,\n  `bay` int DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")
	b.WriteString("LOCK TABLES `parking_session` WRITE;\n/*!40000 ALTER TABLE `parking_session` DISABLE KEYS */;\n")
	zones := []string{"Zone A North", "Zone B", "Hackney Central", "CPZ-E", "Dalston"}
	methods := []string{"'card'", "'cash'", "'app'", "NULL"}
	notes := []string{"NULL", "''", "'ok'", "'driver\\'s note'", "'paid via app, ref 12345'", "NULL"}
	id := 0
	x := uint32(12345)
	rnd := func() uint32 { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x }
	for b.Len() < size {
		b.WriteString("INSERT INTO `parking_session` VALUES ")
		start := b.Len()
		for first := true; b.Len()-start < 1<<20; first = false {
			if !first {
				b.WriteByte(',')
			}
			id++
			r := rnd()
			fmt.Fprintf(&b, "(%d,'%c%c%02d%c%c%c','%s','2026-%02d-%02d %02d:%02d:%02d',", id,
				'A'+r%26, 'A'+(r>>5)%26, r%100, 'A'+(r>>10)%26, 'A'+(r>>15)%26, 'A'+(r>>20)%26,
				zones[r%5], 1+r%12, 1+(r>>4)%28, (r>>8)%24, (r>>12)%60, (r>>16)%60)
			if r%7 == 0 {
				b.WriteString("NULL,")
			} else {
				fmt.Fprintf(&b, "'2026-%02d-%02d %02d:%02d:%02d',", 1+r%12, 1+(r>>4)%28, (r>>9)%24, (r>>13)%60, (r>>17)%60)
			}
			b.WriteString(strconv.Itoa(int(r%5000)/100) + "." + fmt.Sprintf("%02d", r%100))
			fmt.Fprintf(&b, ",%d,%s,%s,%d)", r%2, methods[(r>>3)%4], notes[(r>>6)%6], r%400)
		}
		b.WriteString(";\n")
	}
	b.WriteString("/*!40000 ALTER TABLE `parking_session` ENABLE KEYS */;\nUNLOCK TABLES;\n-- Dump completed on 2026-11-24  3:15:00\n")
	return b.Bytes()
}

var benchData = sync.OnceValue(func() []byte { return genDump(64 << 20) })

func BenchmarkScan(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPUThroughput(b, len(data))()
	for i := 0; i < b.N; i++ {
		h := &countingHandler{}
		st, err := Scan(context.Background(), bytes.NewReader(data), h, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Rows == 0 || h.rows != st.Rows {
			b.Fatalf("rows %d %d", st.Rows, h.rows)
		}
	}
}

func BenchmarkStatementReader(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPUThroughput(b, len(data))()
	for i := 0; i < b.N; i++ {
		sr := NewStatementReader(bytes.NewReader(data), ReaderOptions{})
		for {
			_, err := sr.Next()
			if err != nil {
				break
			}
		}
	}
}

// reportCPUThroughput reports MB per second of process CPU time (user +
// system) as "cpu-MB/s": on a machine shared with other work the wall-clock
// MB/s understates what the scanner does with a core of its own.
func reportCPUThroughput(b *testing.B, size int) func() {
	start := cpuTime()
	return func() {
		b.StopTimer()
		if d := cpuTime() - start; d > 0 {
			b.ReportMetric(float64(size)*float64(b.N)/1e6/d.Seconds(), "cpu-MB/s")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkZipScan opens a zipped dump from a local file with OpenDump
// (klauspost deflate, bomb guard, CRC32) and scans it: the embedded
// exporter's input path, with and without read-ahead (decompression in its
// own goroutine).
func BenchmarkZipScan(b *testing.B) {
	data := benchData()
	path := filepath.Join(b.TempDir(), "d.zip")
	if err := os.WriteFile(path, makeZip(b, zipEntry{name: "liberator.sql", body: data}), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, ahead := range []int{0, 4} {
		b.Run(fmt.Sprintf("readahead=%d", ahead), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			defer reportCPUThroughput(b, len(data))()
			for i := 0; i < b.N; i++ {
				d, err := openDump(context.Background(), nil, path, ReadOptions{ReadAhead: ahead})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Scan(context.Background(), d, &countingHandler{}, ScanOptions{}); err != nil {
					b.Fatal(err)
				}
				d.Close()
			}
		})
	}
}

// BenchmarkScanHugeValue scans a dump that is 90% one 50 MB LONGTEXT value
// (text with an escaped newline every line, as mysqldump writes it),
// streamed from a generator in 32 KiB reads as a decompressor returns
// them: compare its MB/s with BenchmarkScan's. Each byte of the value is
// scanned once however the reads split it.
func BenchmarkScanHugeValue(b *testing.B) {
	size := hugeValueDump(50<<20, 32<<10).size()
	b.SetBytes(size)
	b.ReportAllocs()
	defer reportCPUThroughput(b, int(size))()
	for i := 0; i < b.N; i++ {
		h := &countingHandler{}
		st, err := Scan(context.Background(), hugeValueDump(50<<20, 32<<10), h, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Bytes != size || h.bytes < 50<<20 {
			b.Fatalf("scanned %d of %d bytes, %d value bytes", st.Bytes, size, h.bytes)
		}
	}
}

// BenchmarkScanHugeComment scans a dump whose first statement follows a
// 300 MB /* */ comment (streamed, 32 KiB reads): the comment is skipped as
// it streams, in constant memory.
func BenchmarkScanHugeComment(b *testing.B) {
	const comment = 300 << 20
	size := hugeCommentDump(comment, 32<<10).size()
	b.SetBytes(size)
	defer reportCPUThroughput(b, int(size))()
	for i := 0; i < b.N; i++ {
		st, err := Scan(context.Background(), hugeCommentDump(comment, 32<<10), &countingHandler{}, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Rows != 2 {
			b.Fatalf("%d rows", st.Rows)
		}
	}
}

// writeZipStream writes a zip holding one .sql entry read from r to path,
// streaming (neither the SQL nor the zip is held in memory).
func writeZipStream(tb testing.TB, path string, r io.Reader) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "liberator_dump_20261124.sql", Method: zip.Deflate})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(w, r); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkZipHugeComment opens a zipped dump whose first statement follows
// a 300 MB /* */ comment (a few MB zipped) and scans it: decompression, the
// bomb guard and the streaming skip of the comment.
func BenchmarkZipHugeComment(b *testing.B) {
	const comment = 300 << 20
	path := filepath.Join(b.TempDir(), "d.zip")
	writeZipStream(b, path, hugeCommentDump(comment, 0))
	size := hugeCommentDump(comment, 0).size()
	b.SetBytes(size)
	b.ResetTimer()
	defer reportCPUThroughput(b, int(size))()
	for i := 0; i < b.N; i++ {
		d, err := openDump(context.Background(), nil, path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		st, err := Scan(context.Background(), d, &countingHandler{}, ScanOptions{})
		if err != nil || st.Rows != 2 {
			b.Fatalf("%v, %d rows", err, st.Rows)
		}
		d.Close()
	}
}
