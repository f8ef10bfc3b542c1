package localglue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

const rawLeaseDir = lease.DefaultPrefix + "raw/parking/20261124/"

// landedReq lands PCN_IC for export exp (files named after it) and
// returns the request copying it under runKey.
func landedReq(t *testing.T, landing *blob.Bucket, exp, runKey string, files int) liberator.WorkflowRequest {
	t.Helper()
	tm := liberator.TableManifest{}
	for i := range files {
		f := land(t, landing, "PCN_IC", fmt.Sprintf("part-%05d-%s-c000.gz.parquet", i, exp), rows(i*10, 10), 5)
		if i == 0 {
			tm = f
			continue
		}
		tm.Objects = append(tm.Objects, f.Objects...)
		tm.Rows += f.Rows
	}
	return liberator.WorkflowRequest{RunKey: runKey, ImportDate: day,
		Manifest: liberator.Manifest{ExportID: exp, ImportDate: day, Tables: []liberator.TableManifest{tm}}}
}

// rawFiles returns the Parquet files of the PCN_IC raw partition (base
// names), whether it has its marker, and its rows.
func rawFiles(t *testing.T, raw *blob.Bucket) (files []string, published bool, n int) {
	t.Helper()
	p := partition.RawPrefix("parking", "liberator", "PCN_IC", day)
	published, _, err := partition.PublishedAt(context.Background(), raw, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys(t, raw, p) {
		switch {
		case k == p+partition.MarkerName:
			t.Errorf("raw partition folder holds %s (the default layout keeps it under %s)", k, partition.ControlRoot)
		default:
			files = append(files, strings.TrimPrefix(k, p))
			if partition.IsParquet(k) {
				_, rs := readRaw(t, raw, k)
				n += len(rs)
			}
		}
	}
	return files, published, n
}

// A second run key for a landed export the raw zone already holds copies
// nothing: it is recorded done by the first.
func TestStartFindsRawDone(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	clk := liberator.NewVirtualClock(start)
	first := landedReq(t, landing, "exp-1", "20261124/exp-1", 2)
	a := newLocal(t, landing, raw, Options{Clock: clk})
	ra, err := a.Start(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	second := first
	second.RunKey = "20261124/exp-2"
	b := newLocal(t, landing, raw, Options{Clock: clk}) // another process
	rb, err := b.Start(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Status != StatusCompleted || rb.Properties[PropDoneBy] != "20261124/exp-1" ||
		rb.Properties[ImportTimestampColumn] != ra.Properties[ImportTimestampColumn] {
		t.Errorf("second run = %+v; want COMPLETED, done by 20261124/exp-1, the first run's import_timestamp", rb)
	}
	if diff := cmp.Diff(ra.Outputs, rb.Outputs); diff != "" {
		t.Errorf("outputs (-first +second):\n%s", diff)
	}
	if got, err := b.GetRun(ctx, rb.ID); err != nil || got.Properties[PropDoneBy] == "" {
		t.Errorf("GetRun = %+v, %v; want the recorded run", got, err)
	}
	files, published, n := rawFiles(t, raw)
	if !published || n != 20 || len(files) != 2 {
		t.Errorf("raw partition: %q published %v, %d rows; want the 2 files, 20 rows", files, published, n)
	}
	// Another landed export is copied: it replaces the partition.
	third := landedReq(t, landing, "exp-3", "20261124/exp-3", 1)
	if _, err := b.Start(ctx, third); err != nil {
		t.Fatal(err)
	}
	if files, published, n := rawFiles(t, raw); !published || n != 10 || !cmp.Equal(files, []string{"part-00000-exp-3-c000.gz.parquet"}) {
		t.Errorf("raw partition after exp-3: %q published %v, %d rows", files, published, n)
	}
}

// While another run holds the date, Start fails clearly at once (or after
// its wait); the refused run leaves nothing behind and can start later.
func TestStartWhileRawHeld(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	clk := liberator.NewVirtualClock(start)
	holder, err := lease.Acquire(ctx, raw, lease.Scope{Zone: LeaseZone("parking"), Date: day},
		lease.Options{Run: "20261124/exp-0", Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	req := landedReq(t, landing, "exp-1", "20261124/exp-1", 1)
	for _, wait := range []time.Duration{0, time.Minute} {
		l := newLocal(t, landing, raw, Options{Clock: clk, Lease: lease.Options{Wait: wait, Poll: 10 * time.Second}})
		_, err := l.Start(ctx, req)
		var held *lease.HeldError
		if !errors.As(err, &held) || !errors.Is(err, liberator.ErrNotReady) {
			t.Fatalf("Start while held = %v, want a HeldError (ErrNotReady)", err)
		}
		if !strings.Contains(err.Error(), "import of 2026-11-24 is in progress by run 20261124/exp-0") || held.Waited != wait {
			t.Errorf("error %q (waited %s), want the holder named after a wait of %s", err, held.Waited, wait)
		}
		if _, err := l.GetRun(ctx, RunID(req.RunKey)); !errors.Is(err, liberator.ErrNotFound) {
			t.Errorf("a refused run is recorded: %v", err)
		}
	}
	if got := keys(t, raw, "parking/"); len(got) != 0 {
		t.Errorf("raw written while held: %q", got)
	}
	if err := holder.Release(ctx, lease.Outcome{}); err != nil {
		t.Fatal(err)
	}
	l := newLocal(t, landing, raw, Options{Clock: clk})
	if run, err := l.Start(ctx, req); err != nil || run.Status != StatusCompleted {
		t.Fatalf("Start after release = %+v, %v", run, err)
	}
}

// Runs of one date from several Workflows (processes) at once: one copies,
// the others wait and find the date done; the raw partition holds one
// copy.
func TestConcurrentStartsOneDate(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	clk := liberator.NewVirtualClock(start)
	req := landedReq(t, landing, "exp-1", "", 3)
	const n = 4
	type res struct {
		run liberator.WorkflowRun
		err error
	}
	out := make(chan res, n)
	for i := range n {
		go func() {
			r := req
			r.RunKey = fmt.Sprintf("20261124/run-%d", i)
			l := newLocal(t, landing, raw, Options{Clock: clk, Lease: lease.Options{TTL: 24 * time.Hour, Wait: time.Hour, Poll: time.Second}})
			run, err := l.Start(ctx, r)
			out <- res{run, err}
		}()
	}
	copied := 0
	for range n {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.run.Status != StatusCompleted {
			t.Errorf("run %s: %s", r.run.RunKey, r.run.Status)
		}
		if r.run.Properties[PropDoneBy] == "" {
			copied++
		}
	}
	if copied != 1 {
		t.Errorf("%d runs copied, want 1", copied)
	}
	if files, published, rowsN := rawFiles(t, raw); !published || rowsN != 30 || len(files) != 3 {
		t.Errorf("raw partition: %q published %v, %d rows; want 3 files, 30 rows", files, published, rowsN)
	}
}

// A table whose copy fails keeps no file of this run; a later run
// replaces the partition exactly, stray files included.
func TestFailedCopyRemovesItsFiles(t *testing.T) {
	ctx := context.Background()
	landing, rawInner := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	raw, faults := faultblob.Wrap(rawInner)
	l := newLocal(t, landing, raw, Options{Workers: 1})
	if _, err := l.Start(ctx, landedReq(t, landing, "exp-1", "20261124/exp-1", 1)); err != nil {
		t.Fatal(err)
	}
	p := partition.RawPrefix("parking", "liberator", "PCN_IC", day)
	faults.Add(faultblob.Rule{Op: faultblob.OpNewTypedWriter, Key: p + "part-00001-exp-2-c000.gz.parquet", Code: gcerrors.PermissionDenied})
	req2 := landedReq(t, landing, "exp-2", "20261124/exp-2", 2)
	if _, err := l.Start(ctx, req2); err == nil {
		t.Fatal("Start succeeded with a failing write")
	}
	files, published, _ := rawFiles(t, rawInner)
	if published || !cmp.Equal(files, []string{"part-00000-exp-1-c000.gz.parquet"}) {
		t.Errorf("after the failed run: %q published %v; want only exp-1's file, unpublished", files, published)
	}
	faults.Reset()
	if err := rawInner.WriteAll(ctx, p+"stray-from-a-dead-run.parquet", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Start(ctx, req2); err != nil {
		t.Fatal(err)
	}
	files, published, n := rawFiles(t, rawInner)
	if !published || n != 20 || !cmp.Equal(files, []string{"part-00000-exp-2-c000.gz.parquet", "part-00001-exp-2-c000.gz.parquet"}) {
		t.Errorf("after the rerun: %q published %v, %d rows; want exp-2's two files, 20 rows", files, published, n)
	}
}

func openDir(t *testing.T) (*blob.Bucket, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dir
}

func writeTemp(t *testing.T, dir, key string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// A run cancelled or killed at any step, then run again, leaves the raw
// partition published with exactly the landed files, no temporary file
// and no lease but last.json; in between, the partition is never
// published with files of two runs.
func TestStartInterruptedThenRerun(t *testing.T) {
	type point struct {
		name  string
		match func(faultblob.Op, string) bool
		nth   int
	}
	on := func(op faultblob.Op, suffix string) func(faultblob.Op, string) bool {
		return func(o faultblob.Op, key string) bool { return o == op && strings.HasSuffix(key, suffix) }
	}
	points := []point{
		{"lease taken", on(faultblob.OpNewTypedWriter, ".lease.json"), 3},
		{"marker removed", on(faultblob.OpDelete, partition.MarkerName), 1},
		{"first copy", on(faultblob.OpNewTypedWriter, ".parquet"), 1},
		{"inside copies", on(faultblob.OpNewTypedWriter, ".parquet"), 2},
		{"old file removed", on(faultblob.OpDelete, ".parquet"), 1},
		{"marker", on(faultblob.OpNewTypedWriter, partition.MarkerName), 1},
		{"run recorded", on(faultblob.OpNewTypedWriter, ".json"), 4},
	}
	for _, store := range []string{"memblob", "fileblob"} {
		for _, kill := range []bool{false, true} {
			for _, at := range points {
				name := fmt.Sprintf("%s/%s/%s", store, map[bool]string{false: "cancel", true: "kill"}[kill], at.name)
				t.Run(name, func(t *testing.T) {
					landing := memblob.OpenBucket(nil)
					var rawInner *blob.Bucket
					dir := ""
					if store == "memblob" {
						rawInner = memblob.OpenBucket(nil)
					} else {
						rawInner, dir = openDir(t)
					}
					clk := liberator.NewVirtualClock(start)
					if _, err := newLocal(t, landing, rawInner, Options{Clock: clk}).Start(context.Background(),
						landedReq(t, landing, "exp-1", "20261124/exp-1", 2)); err != nil {
						t.Fatal(err)
					}
					raw, faults := faultblob.Wrap(rawInner)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					hook := cancel
					if kill {
						hook = func() {
							faults.Crash()
							if dir != "" && strings.Contains(at.name, "cop") {
								writeTemp(t, dir, partition.RawPrefix("parking", "liberator", "PCN_IC", day)+
									"part-00000-exp-2-c000.gz.parquet.18eedde0942007ee.tmp", clk.Now())
							}
						}
					}
					faults.At(at.match, at.nth, hook)
					req := landedReq(t, landing, "exp-2", "20261124/exp-2", 2)
					_, _ = newLocal(t, landing, raw, Options{Clock: clk, Workers: 1}).Start(ctx, req)
					if files, published, _ := rawFiles(t, rawInner); published && len(files) != 2 {
						t.Errorf("published partition holds %q after the interruption", files)
					}
					if kill {
						clk.Advance(lease.DefaultTTL + lease.DefaultTempAge)
					}
					run, err := newLocal(t, landing, rawInner, Options{Clock: clk}).Start(context.Background(), req)
					if err != nil || run.Status != StatusCompleted {
						t.Fatalf("rerun: %+v, %v", run, err)
					}
					files, published, n := rawFiles(t, rawInner)
					if !published || n != 20 || !cmp.Equal(files, []string{"part-00000-exp-2-c000.gz.parquet", "part-00001-exp-2-c000.gz.parquet"}) {
						t.Errorf("after the rerun: %q published %v, %d rows", files, published, n)
					}
					var debris []string
					for _, k := range keys(t, rawInner, "") {
						if lease.IsTemp(k) || (strings.HasPrefix(k, lease.DefaultPrefix) && k != rawLeaseDir+"last.json") {
							debris = append(debris, k)
						}
					}
					if len(debris) > 0 {
						t.Errorf("left behind: %q", debris)
					}
				})
			}
		}
	}
}

// A run removes the raw zone's dead temporary files and counts them.
func TestStartSweepsTempFiles(t *testing.T) {
	ctx := context.Background()
	landing := memblob.OpenBucket(nil)
	raw, dir := openDir(t)
	dead := []string{
		partition.RawPrefix("parking", "liberator", "PCN_IC", day) + "part-9.parquet.18eedde0942007aa.tmp",
		DefaultRunsPrefix + "wr_x.json.18eedde0942007ab.tmp",
	}
	for _, k := range dead {
		writeTemp(t, dir, k, start.Add(-2*time.Hour))
	}
	var logs bytes.Buffer
	l, err := New(landing, raw, Options{Clock: liberator.NewVirtualClock(start), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	run, err := l.Start(ctx, landedReq(t, landing, "exp-1", "20261124/exp-1", 1))
	if err != nil {
		t.Fatal(err)
	}
	if run.Properties[PropTempRemoved] != "2" {
		t.Errorf("run property %s = %q, want 2", PropTempRemoved, run.Properties[PropTempRemoved])
	}
	for _, k := range dead {
		if ok, _ := raw.Exists(ctx, k); ok {
			t.Errorf("%s is still there", k)
		}
	}
	if !strings.Contains(logs.String(), "removed temporary files of interrupted writes") {
		t.Errorf("no log of the removal:\n%s", logs.String())
	}
	runtime.KeepAlive(dir)
}
