package bloblander_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// export2 is a second export of the same tables, with other file names.
var export2 = map[string]string{
	"exp-2/liberator/liberator.PCN_IC/1/part-00000-xx-c000.gz.parquet": "pcn-ic-two-a",
	"exp-2/liberator/liberator.PCN_IC/1/part-00001-yy-c000.gz.parquet": "pcn-ic-two-b",
	"exp-2/liberator/liberator.vrm/part-00000-zz-c000.gz.parquet":      "vrm-two",
}

const leaseDir = lease.DefaultPrefix + "landing/parking/20261124/"

// longLease keeps leases alive through any number of polls on a shared
// virtual clock.
func longLease(wait time.Duration) lease.Options {
	return lease.Options{TTL: 24 * time.Hour, Wait: wait, Poll: time.Second}
}

// checkPartition checks the partition at prefix: if it has a marker, its
// Parquet files are exactly its manifest's objects, with their sources'
// bytes in src. It returns whether it is published and its export.
func checkPartition(t *testing.T, src, dst *blob.Bucket, prefix string) (bool, string) {
	t.Helper()
	ctx := context.Background()
	files := contents(t, dst, prefix)
	if ok, _, err := partition.PublishedAt(ctx, dst, prefix); err != nil || !ok {
		return false, ""
	}
	m, err := partition.ReadManifestAt(ctx, dst, prefix)
	if err != nil {
		t.Errorf("published partition %s: manifest: %v", prefix, err)
		return true, ""
	}
	want := map[string]string{}
	for _, o := range m.Tables[0].Objects {
		body, err := src.ReadAll(ctx, o.Source)
		if err != nil {
			t.Errorf("source %s of %s: %v", o.Source, o.Key, err)
		}
		want[o.Key] = string(body)
	}
	got := map[string]string{}
	for k, v := range files {
		if partition.IsParquet(k) || lease.IsTemp(k) {
			got[k] = v
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published partition %s holds other files than its manifest (export %s) (-want +got):\n%s", prefix, m.ExportID, diff)
	}
	return true, m.ExportID
}

// A Land that waits for another run of the date, which publishes every
// table meanwhile, finds the date done and lands nothing.
func TestLandWaitsThenFindsDateDone(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	put(t, inner, export1)
	put(t, inner, export2)
	vc := liberator.NewVirtualClock(start)
	a, _ := newLander(t, b, b, bloblander.Options{Clock: vc, Lease: longLease(0)})
	release := faults.Hold(faultblob.OpCopy)
	type result struct {
		m   liberator.Manifest
		err error
	}
	aDone := make(chan result)
	go func() {
		m, err := a.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
		aDone <- result{m, err}
	}()
	var told []lease.Record
	bl := longLease(time.Hour)
	bl.OnWait = func(r lease.Record) {
		told = append(told, r)
		release() // the holder goes on once the waiter waits
	}
	var logs bytes.Buffer
	bLander, _ := newLander(t, b, b, bloblander.Options{Clock: vc, Lease: bl, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	// Wait until A holds the lease and copies, then start B.
	for faults.InFlight(faultblob.OpCopy) == 0 {
		select {
		case r := <-aDone:
			t.Fatalf("A ended before copying: %v", r.err)
		default:
			runtime.Gosched()
		}
	}
	got, err := bLander.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day})
	if err != nil {
		t.Fatal(err)
	}
	ra := <-aDone
	if ra.err != nil {
		t.Fatal(ra.err)
	}
	if len(told) != 1 || told[0].Run != "exp-1" || told[0].State != lease.StateHolding {
		t.Errorf("OnWait got %+v, want once, for exp-1 holding", told)
	}
	if diff := cmp.Diff(ra.m, got); diff != "" {
		t.Errorf("the waiter's manifest is not the published one (-published +waiter):\n%s", diff)
	}
	for _, p := range []string{pcnPrefix("parking"), vrmPrefix("parking")} {
		if ok, exp := checkPartition(t, inner, inner, p); !ok || exp != "exp-1" {
			t.Errorf("%s: published %v by %q, want exp-1", p, ok, exp)
		}
	}
	if !strings.Contains(logs.String(), "done by another run") || !strings.Contains(logs.String(), "done_by_run=exp-1") {
		t.Errorf("the waiter does not say the date was done:\n%s", logs.String())
	}
	if got := contents(t, inner, leaseDir); len(got) != 1 || !strings.Contains(got[leaseDir+"last.json"], `"outcome": "done by another run"`) {
		t.Errorf("lease objects left: %v", got)
	}
}

// A Land that may not wait fails clearly and writes nothing.
func TestLandFailsWhileDateHeld(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	put(t, inner, export1)
	put(t, inner, export2)
	vc := liberator.NewVirtualClock(start)
	a, _ := newLander(t, b, b, bloblander.Options{Clock: vc, Lease: longLease(0)})
	release := faults.Hold(faultblob.OpCopy)
	aErr := make(chan error)
	go func() {
		_, err := a.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
		aErr <- err
	}()
	for faults.InFlight(faultblob.OpCopy) == 0 {
		runtime.Gosched()
	}
	// The refused Lands see the store through their own wrapper.
	bb, seen := faultblob.Wrap(inner)
	for _, tc := range []struct {
		kind *liberator.Kind
		want *liberator.Kind
	}{{nil, liberator.ErrNotReady}, {liberator.ErrTerminal, liberator.ErrTerminal}} {
		o := longLease(0)
		o.HeldKind = tc.kind
		bLander, _ := newLander(t, bb, bb, bloblander.Options{Clock: vc, Lease: o})
		_, err := bLander.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day})
		var held *lease.HeldError
		if !errors.As(err, &held) || !errors.Is(err, tc.want) {
			t.Fatalf("Land while held = %v, want a HeldError of kind %v", err, tc.want)
		}
		host, _ := os.Hostname()
		want := `land export "exp-2": import of 2026-11-24 is in progress by run exp-1 on ` + host + " since 2026-11-24T03:15:00Z"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q\nwant prefix %q", err, want)
		}
	}
	for _, c := range seen.Calls() {
		if !strings.HasPrefix(c.Key, lease.DefaultPrefix) && !strings.HasPrefix(c.Key, "exp-") {
			t.Errorf("the refused Land touched %s %s", c.Op, c.Key)
		}
	}
	release()
	if err := <-aErr; err != nil {
		t.Fatal(err)
	}
}

// A table whose copy fails for good keeps no file of the failed export;
// the earlier export's files stay, unpublished, until a re-run.
func TestLandFailedTableRemovesItsCopies(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	put(t, inner, export1)
	put(t, inner, export2)
	l, _ := newLander(t, b, b, bloblander.Options{Workers: 1})
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
		t.Fatal(err)
	}
	bad := pcnPrefix("parking") + "part-00001-yy-c000.gz.parquet"
	faults.Add(faultblob.Rule{Op: faultblob.OpCopy, Key: bad, Code: gcerrors.PermissionDenied})
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day}); !errors.Is(err, liberator.ErrTerminal) {
		t.Fatalf("Land = %v, want a terminal failure", err)
	}
	got := contents(t, inner, pcnPrefix("parking"))
	want := map[string]string{
		pcnPrefix("parking") + "part-00000-aa-c000.gz.parquet": "pcn-ic-0",
		pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet": "pcn-ic-one",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failed partition (-want +got):\n%s", diff)
	}
	if ok, exp := checkPartition(t, inner, inner, vrmPrefix("parking")); !ok || exp != "exp-2" {
		t.Errorf("vrm: published %v by %q, want exp-2", ok, exp)
	}
	faults.Reset()
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day}); err != nil {
		t.Fatal(err)
	}
	if ok, exp := checkPartition(t, inner, inner, pcnPrefix("parking")); !ok || exp != "exp-2" {
		t.Errorf("PCN_IC after re-run: published %v by %q, want exp-2", ok, exp)
	}
}

// writeTemp leaves the temporary file of a write killed at mtime.
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

// A Land removes the temporary files that killed writes left in the
// landing zone, once they are old enough, and says how many.
func TestLandSweepsTempFiles(t *testing.T) {
	ctx := context.Background()
	src := memblob.OpenBucket(nil)
	put(t, src, export1)
	dst, dir := openDir(t)
	dead := []string{
		pcnPrefix("parking") + "part-00000-aa-c000.gz.parquet.18eedde0942007da.tmp",
		"parking/liberator/liberator.other/import_year=2026/import_month=11/import_day=20/import_date=20261120/x.parquet.18eedde0942007db.tmp",
	}
	for _, k := range dead {
		writeTemp(t, dir, k, start.Add(-2*time.Hour))
	}
	// A young one may be a live write (here of another date): it stays.
	live := "parking/liberator/liberator.vrm/import_year=2026/import_month=11/import_day=25/import_date=20261125/y.parquet.18eedde0942007dc.tmp"
	writeTemp(t, dir, live, start.Add(-time.Minute))
	var logs bytes.Buffer
	l, _ := newLander(t, src, dst, bloblander.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
		t.Fatal(err)
	}
	for _, k := range dead {
		if ok, _ := dst.Exists(ctx, k); ok {
			t.Errorf("%s is still there", k)
		}
	}
	if ok, _ := dst.Exists(ctx, live); !ok {
		t.Errorf("the young temp file %s was removed", live)
	}
	if !strings.Contains(logs.String(), `msg="removed temporary files of interrupted writes"`) || !strings.Contains(logs.String(), "files=2 bytes=22") {
		t.Errorf("log does not count the removed files:\n%s", logs.String())
	}
	last, err := dst.ReadAll(ctx, leaseDir+"last.json")
	if err != nil || !strings.Contains(string(last), `"temp_files_removed": "2"`) {
		t.Errorf("last.json = %s, %v; want temp_files_removed 2", last, err)
	}
}

// interruption is a point at which a Land is cancelled or its process
// killed.
type interruption struct {
	name  string
	match func(op faultblob.Op, key string) bool
	nth   int
}

func opOn(op faultblob.Op, suffix string) func(faultblob.Op, string) bool {
	return func(o faultblob.Op, key string) bool { return o == op && strings.HasSuffix(key, suffix) }
}

var interruptions = []interruption{
	{"lease taken", opOn(faultblob.OpNewTypedWriter, ".lease.json"), 3},
	{"unpublish", opOn(faultblob.OpDelete, partition.MarkerName), 1},
	{"first copy", opOn(faultblob.OpCopy, ".parquet"), 1},
	{"inside copies", opOn(faultblob.OpCopy, ".parquet"), 2},
	{"stale objects removed", opOn(faultblob.OpDelete, ".parquet"), 1},
	{"manifest", opOn(faultblob.OpNewTypedWriter, partition.ManifestName), 1},
	{"first marker", opOn(faultblob.OpNewTypedWriter, partition.MarkerName), 1},
	{"second marker", opOn(faultblob.OpNewTypedWriter, partition.MarkerName), 2},
	{"release", opOn(faultblob.OpNewTypedWriter, "last.json"), 1},
}

// A Land cancelled or killed at any step, then run again, leaves every
// partition published from exactly the new export, no temporary file and
// no lease but last.json; in between, no partition is published with
// files of two exports.
func TestLandInterruptedThenRerun(t *testing.T) {
	for _, store := range []string{"memblob", "fileblob"} {
		for _, kill := range []bool{false, true} {
			for _, at := range interruptions {
				name := fmt.Sprintf("%s/%s/%s", store, map[bool]string{false: "cancel", true: "kill"}[kill], at.name)
				t.Run(name, func(t *testing.T) {
					var inner *blob.Bucket
					dir := ""
					if store == "memblob" {
						inner = memblob.OpenBucket(nil)
					} else {
						inner, dir = openDir(t)
					}
					put(t, inner, export1)
					put(t, inner, export2)
					vc := liberator.NewVirtualClock(start)
					first, _ := newLander(t, inner, inner, bloblander.Options{Clock: vc, Workers: 1})
					if _, err := first.Land(context.Background(), liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
						t.Fatal(err)
					}
					b, faults := faultblob.Wrap(inner)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					hook := cancel
					if kill {
						hook = func() {
							faults.Crash()
							if dir != "" && strings.Contains(at.name, "cop") {
								// A write killed mid-copy leaves its temporary file.
								writeTemp(t, dir, pcnPrefix("parking")+"part-00000-xx-c000.gz.parquet.18eedde0942007ee.tmp", vc.Now())
							}
						}
					}
					faults.At(at.match, at.nth, hook)
					l, _ := newLander(t, b, b, bloblander.Options{Clock: vc, Workers: 1})
					_, _ = l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day})
					for _, p := range []string{pcnPrefix("parking"), vrmPrefix("parking")} {
						checkPartition(t, inner, inner, p)
					}
					// The next run: after the dead run's lease has expired
					// (and temporary files aged) when it was killed.
					if kill {
						vc.Advance(lease.DefaultTTL + lease.DefaultTempAge)
					}
					again, _ := newLander(t, inner, inner, bloblander.Options{Clock: vc})
					if _, err := again.Land(context.Background(), liberator.LandRequest{ExportID: "exp-2", ImportDate: day}); err != nil {
						t.Fatalf("rerun: %v", err)
					}
					for _, p := range []string{pcnPrefix("parking"), vrmPrefix("parking")} {
						if ok, exp := checkPartition(t, inner, inner, p); !ok || exp != "exp-2" {
							t.Errorf("%s after the rerun: published %v by %q, want exp-2", p, ok, exp)
						}
					}
					var debris []string
					for k := range contents(t, inner, "") {
						if lease.IsTemp(k) || (strings.HasPrefix(k, lease.DefaultPrefix) && k != leaseDir+"last.json") {
							debris = append(debris, k)
						}
					}
					slices.Sort(debris)
					if len(debris) > 0 {
						t.Errorf("left behind: %q", debris)
					}
				})
			}
		}
	}
}

// ExportsInUse names the exports of a date's published partitions (every
// date's when none is given) and those of live leases.
func TestExportsInUse(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	put(t, b, export1)
	put(t, b, export2)
	vc := liberator.NewVirtualClock(start)
	l, _ := newLander(t, b, b, bloblander.Options{Clock: vc})
	next := liberator.Date{Year: 2026, Month: time.November, Day: 25}
	for _, r := range []liberator.LandRequest{{ExportID: "exp-1", ImportDate: day}, {ExportID: "exp-2", ImportDate: next}} {
		if _, err := l.Land(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// An unpublished partition of another date names no export in use.
	if err := b.Delete(ctx, marker(partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: "vrm"}, next))); err != nil {
		t.Fatal(err)
	}
	held, err := lease.Acquire(ctx, b, lease.Scope{Zone: bloblander.LeaseZone("parking"), Date: next}, lease.Options{Run: "exp-3", Clock: vc, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(ctx, lease.Outcome{})
	for _, tc := range []struct {
		dates []liberator.Date
		want  []string
	}{
		{[]liberator.Date{day}, []string{"exp-1", "exp-3"}},
		{nil, []string{"exp-1", "exp-2", "exp-3"}},
	} {
		got, err := l.ExportsInUse(ctx, tc.dates...)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ExportsInUse(%v) (-want +got):\n%s", tc.dates, diff)
		}
	}
}

// A Land renews its lease as its clock moves (here through retry
// backoffs), and stops writing, publishing nothing more, once the lease
// has run out.
func TestLandRenewsOrLosesLease(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int // of the one PCN_IC copy, each followed by a 25s backoff
		wantLost bool
	}{
		{"renewed", 2, false}, // 50s of backoff: past TTL/3 (20s), renewed at the next check
		{"lost", 4, true},     // 100s: the lease expired during the copy
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			inner := memblob.OpenBucket(nil)
			b, faults := faultblob.Wrap(inner)
			put(t, inner, export1)
			target := pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet"
			faults.Add(faultblob.Rule{Op: faultblob.OpCopy, Key: target, Times: tc.failures})
			vc := liberator.NewVirtualClock(start)
			l, _ := newLander(t, b, b, bloblander.Options{Clock: vc, Workers: 1,
				Retry: liberator.RetryPolicy{Attempts: 5, Initial: 25 * time.Second, Multiplier: 1, Max: 25 * time.Second},
				Lease: lease.Options{TTL: time.Minute}})
			_, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
			// Land's error carries its causes as text (see result).
			if got := err != nil && strings.Contains(err.Error(), lease.ErrLost.Error()); got != tc.wantLost {
				t.Fatalf("Land = %v; lost %v, want %v", err, got, tc.wantLost)
			}
			ok, _ := partition.Published(ctx, inner, "", "liberator", "PCN_IC", day)
			if ok == tc.wantLost {
				t.Errorf("PCN_IC published %v after the lease was lost %v", ok, tc.wantLost)
			}
			if tc.wantLost && !errors.Is(err, liberator.ErrTransient) {
				t.Errorf("a lost lease is not transient: %v", err)
			}
		})
	}
}
