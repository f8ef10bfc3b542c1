package handlers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// benchDumpMB is the SQL size of the benchmarks' dump:
// LIBERATOR_BENCH_DUMP_MB, default 320.
func benchDumpMB(b *testing.B) int64 {
	if v := os.Getenv("LIBERATOR_BENCH_DUMP_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("LIBERATOR_BENCH_DUMP_MB=%q", v)
		}
		return n
	}
	return 320
}

// benchDump writes a generated zipped dump of about mb MB of SQL into dir
// and returns its path and stats. With LIBERATOR_BENCH_DUMP_FILE set to a
// zipped dump (liberator gendump writes one), that file is used instead,
// so that runs in separate processes read the same dump without writing
// it again (its stats then hold its size only).
func benchDump(b *testing.B, dir string, mb int64) (string, dumpgen.Stats) {
	b.Helper()
	if f := os.Getenv("LIBERATOR_BENCH_DUMP_FILE"); f != "" {
		fi, err := os.Stat(f)
		if err != nil {
			b.Fatalf("LIBERATOR_BENCH_DUMP_FILE: %v", err)
		}
		return f, dumpgen.Stats{ZipBytes: fi.Size()}
	}
	path := filepath.Join(dir, "liberator_dump_20261124.zip")
	st, err := dumpgen.WriteZip(path, dumpgen.Options{Seed: 11, TargetBytes: mb << 20})
	if err != nil {
		b.Fatal(err)
	}
	return path, st
}

// benchRuns numbers the benchmarks' runs.
var benchRuns atomic.Int64

// convertRuns runs h.Convert b.N times on dump, a new run (a new export)
// each time, and reports SQL MB/s, the peak RSS and the peak Go heap of
// the runs (Direct's own figures: RunStats).
func convertRuns(b *testing.B, h *Direct, dump liberator.DumpRef) RunStats {
	b.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	var worst RunStats
	var sql int64
	var secs float64
	runtime.GC()
	b.ResetTimer()
	for i := range b.N {
		// A new run each time (b.Run calls the benchmark more than once).
		m, err := liberator.NewRunMessage(dump, liberator.Date{}, false, t0.Add(time.Duration(benchRuns.Add(1))*time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		res, err := h.Convert(ctx, m)
		if err != nil {
			b.Fatal(err)
		}
		s := res.Stats
		if !s.Converted {
			b.Fatalf("run %d converted nothing", i)
		}
		sql += s.SQLBytes
		secs += s.Seconds
		worst.PeakRSSBytes = max(worst.PeakRSSBytes, s.PeakRSSBytes)
		worst.PeakHeapBytes = max(worst.PeakHeapBytes, s.PeakHeapBytes)
	}
	b.StopTimer()
	worst.SQLBytes, worst.Seconds = sql, secs
	worst.MBPerSecond = float64(sql) / 1e6 / secs
	b.ReportMetric(worst.MBPerSecond, "SQL-MB/s")
	b.ReportMetric(float64(worst.PeakRSSBytes)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(worst.PeakHeapBytes)/(1<<20), "peak-heap-MiB")
	return worst
}

// noWorkflow starts nothing (the local run has no Glue).
type noWorkflow struct{}

func (noWorkflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	return liberator.WorkflowRun{ID: "none", RunKey: req.RunKey, Status: "SKIPPED", Properties: req.Properties}, nil
}

func (noWorkflow) GetRun(ctx context.Context, id string) (liberator.WorkflowRun, error) {
	return liberator.WorkflowRun{ID: id, Status: "SKIPPED"}, nil
}

// heldBytes is the size of every object in buckets.
func heldBytes(b *testing.B, buckets ...*blob.Bucket) int64 {
	var n int64
	for _, bk := range buckets {
		it := bk.List(nil)
		for {
			o, err := it.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += o.Size
		}
	}
	return n
}

// BenchmarkDirect converts one generated dump (LIBERATOR_BENCH_DUMP_MB MB
// of SQL, default 320) with the direct chain's handler, Direct.Convert,
// the Lambda's code path, each run a new export landed over the last:
//
//   - local: the dump, the export and the landing zone in directories
//     (fileblob), no workflow: the local-disk figure;
//   - s3: the dump, the export bucket and the landing bucket in the
//     in-process S3 (gofakes3, in memory) through the real SDK client
//     (range reads, bounded multipart uploads, server-side landing
//     copies), Glue local: the direct Lambda's path.
//
// It reports SQL MB/s, peak RSS (VmHWM, reset before each run) and peak Go
// heap; for s3 also what the in-process server holds afterwards
// (s3-held-MiB: dump, export and landed copies), which the peak RSS
// includes. Not a timed test: README "Direct mode on AWS" quotes it.
//
//	go test ./examples/lambda/handlers -run '^$' -bench BenchmarkDirect$ -benchtime 2x
//
// Each sub-benchmark in its own process (so that one's RSS does not carry
// into the next), alternated, on one dump: make bench-direct.
func BenchmarkDirect(b *testing.B) {
	mb := benchDumpMB(b)
	dir := b.TempDir()
	path, st := benchDump(b, dir, mb)
	b.Logf("dump: %.0f MB of SQL, %.0f MB zipped, %d rows", float64(st.Bytes)/1e6, float64(st.ZipBytes)/1e6, st.Rows)
	quiet := slog.New(slog.DiscardHandler)

	b.Run("local", func(b *testing.B) {
		open := func(name string) *blob.Bucket {
			d := filepath.Join(dir, name)
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
			bk, err := fileblob.OpenBucket(d, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { bk.Close() })
			return bk
		}
		dumps, exports, landing := open("dumps"), open("export"), open("landing")
		link := filepath.Join(dir, "dumps", filepath.Base(path))
		if err := os.Symlink(path, link); err != nil && !os.IsExist(err) {
			b.Fatal(err)
		}
		url := "file://" + filepath.Join(dir, "dumps")
		p, err := NewDirectPipelineOn(DirectBuckets{Dumps: dumps, DumpsURL: url, Exports: exports, Landing: landing, LandingPrefix: "parking"},
			noWorkflow{}, DirectOptions{}, liberator.RealClock{}, quiet)
		if err != nil {
			b.Fatal(err)
		}
		h := &Direct{Pipeline: p, Where: "local", Logger: quiet}
		convertRuns(b, h, liberator.DumpRef{Bucket: url, Key: filepath.Base(path), Size: st.ZipBytes})
	})

	s3 := func(apart bool) func(b *testing.B) {
		return func(b *testing.B) {
			body, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			o := directWorldOptions{env: []string{"LIBERATOR_LOG_LEVEL", "error"}}
			if apart {
				o.s3URL = startS3Apart(b)
			}
			w := newDirectWorld(b, o)
			w.h.Logger = quiet
			w.upload(testDumpKey, body)
			body = nil
			convertRuns(b, w.h, liberator.DumpRef{Bucket: w.cfg.BucketURL(testDumpBucket), Key: testDumpKey, Size: int64(st.ZipBytes)})
			b.ReportMetric(float64(heldBytes(b, w.dumps, w.exports, w.landing))/(1<<20), "s3-held-MiB")
		}
	}
	b.Run("s3", s3(false))
	b.Run("s3-server-apart", s3(true))
}

// s3ApartEnv makes this test binary serve an in-process S3 (awstest.S3)
// instead of running tests: startS3Apart runs it so, in a child process,
// for figures of the converter's memory without the server's objects.
const s3ApartEnv = "LIBERATOR_TEST_S3_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(s3ApartEnv) == "1" {
		s := awstest.NewS3(liberator.RealClock{})
		fmt.Println(s.URL())
		_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
		s.Close()
		return
	}
	os.Exit(m.Run())
}

// startS3Apart starts this test binary as an S3 server in a child process
// and returns its endpoint; the child ends with b.
func startS3Apart(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), s3ApartEnv+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { in.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("S3 server process: %v", err)
	}
	return strings.TrimSpace(line)
}

// BenchmarkDirectLambda runs the direct Lambda's handler in this process
// as a function of each memory size would: the Go memory limit at
// MemoryShare of the memory, and the cores Lambda gives that size (one up
// to 1,769 MB, two above: Lambda allocates CPU in proportion to memory,
// one vCPU's worth at 1,769 MB), on generated dumps of growing size, the
// S3 server in a child process (so that the peak RSS is the function's
// own). It reports SQL MB/s, peak RSS and heap: the memory stays flat
// with the dump's size, so a function's limit is its 15 minutes at that
// rate (scaled by the vCPU share below 1,769 MB; README "Direct mode on
// AWS").
//
//	go test ./examples/lambda/handlers -run '^$' -bench BenchmarkDirectLambda -benchtime 1x
//
// LIBERATOR_BENCH_SQL_MB lists other sizes ("1000"); with
// LIBERATOR_BENCH_DUMP_FILE the runs read that dump instead.
func BenchmarkDirectLambda(b *testing.B) {
	sizes := []int64{40, 80, 160, 320}
	if v := os.Getenv("LIBERATOR_BENCH_SQL_MB"); v != "" { // "1000", or "40,80"
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil || n <= 0 {
				b.Fatalf("LIBERATOR_BENCH_SQL_MB=%q", v)
			}
			sizes = append(sizes, n)
		}
	}
	if testing.Short() {
		sizes = []int64{8}
	}
	quiet := slog.New(slog.DiscardHandler)
	for _, memMB := range []int64{512, 1024, 2048} {
		for _, mb := range sizes {
			b.Run("mem="+strconv.FormatInt(memMB, 10)+"MB/sql="+strconv.FormatInt(mb, 10)+"MB", func(b *testing.B) {
				path, st := benchDump(b, b.TempDir(), mb)
				body, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				w := newDirectWorld(b, directWorldOptions{env: []string{"LIBERATOR_LOG_LEVEL", "error"}, s3URL: startS3Apart(b)})
				w.h.Logger = quiet
				w.upload(testDumpKey, body)
				body = nil
				cores := 1
				if memMB > 1769 {
					cores = 2
				}
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(float64(memMB<<20) * MemoryShare)))
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cores))
				runtime.GC()
				debug.FreeOSMemory()
				convertRuns(b, w.h, liberator.DumpRef{Bucket: w.cfg.BucketURL(testDumpBucket), Key: testDumpKey, Size: int64(st.ZipBytes)})
			})
		}
	}
}
