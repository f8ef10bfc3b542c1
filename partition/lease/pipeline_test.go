package lease_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/glue/localglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
)

// The guarantees of the leases through the library: whole pipelines
// (embedded snapshot and export, the blob Lander, the local workflow) run
// at once for one import date, each as its own process would run it, on
// every store.

// dumpRows are the tables of the test dump and their rows.
var dumpRows = map[string]int{"PCN_IC": 600, "vrm_hist": 45}

// writeDump writes a dump of dumpRows for date d and returns its path.
func writeDump(t *testing.T, d liberator.Date) string {
	t.Helper()
	var sb strings.Builder
	for _, table := range []string{"PCN_IC", "vrm_hist"} {
		fmt.Fprintf(&sb, "CREATE TABLE `%s` (\n  `id` int NOT NULL,\n  `vrm` varchar(8) DEFAULT NULL\n);\n", table)
		for i := range dumpRows[table] {
			if i%100 == 0 {
				if i > 0 {
					sb.WriteString(";\n")
				}
				fmt.Fprintf(&sb, "INSERT INTO `%s` VALUES ", table)
			} else {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "(%d,'V%06d')", i+1, i)
		}
		sb.WriteString(";\n")
	}
	p := filepath.Join(t.TempDir(), "liberator_dump_"+d.Compact()+".sql")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zones are the three buckets of a lake, each seen through faultblob.
type zones struct {
	exports, landing, raw               *blob.Bucket
	exportCalls, landingCalls, rawCalls *faultblob.Faults
}

func openZones(t *testing.T, store string) zones {
	t.Helper()
	var z zones
	for _, b := range []**blob.Bucket{&z.exports, &z.landing, &z.raw} {
		for _, be := range backends {
			if be.name == store {
				*b = be.open(t)
			}
		}
		t.Cleanup(func() { (*b).Close() })
	}
	z.exports, z.exportCalls = faultblob.Wrap(z.exports)
	z.landing, z.landingCalls = faultblob.Wrap(z.landing)
	z.raw, z.rawCalls = faultblob.Wrap(z.raw)
	return z
}

// publishes counts the _SUCCESS markers written under the partitions of
// date d: one per table per publish.
func publishes(f *faultblob.Faults, d liberator.Date) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Op == faultblob.OpNewTypedWriter && !c.Failed && strings.HasSuffix(c.Key, "/import_date="+d.Compact()+"/"+partition.MarkerName) {
			n++
		}
	}
	return n
}

// run is one pipeline run of the test and its outcome.
type run struct {
	date liberator.Date
	dump string
	mark lease.Mark // the date's landing lease when the run began
	res  liberator.Result
	err  error
}

// observe marks the run's date as the run begins, as the CLI does.
func observe(ctx context.Context, t *testing.T, z zones, vc liberator.Clock, r *run) {
	t.Helper()
	bl, err := bloblander.New(z.exports, z.landing, bloblander.Options{Prefix: "parking", Clock: vc, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if r.mark, err = bl.Observe(ctx, r.date); err != nil {
		t.Fatal(err)
	}
}

// runPipeline runs r as its own process would: its own components on the
// shared zones and clock.
func runPipeline(ctx context.Context, t *testing.T, z zones, vc liberator.Clock, lo lease.Options, i int, r *run) {
	snap, err := embeddedsnap.New(embeddedsnap.Options{Store: z.exports, Clock: vc})
	if err != nil {
		r.err = err
		return
	}
	exp := embeddedexport.New(z.exports, embeddedexport.Options{Export: export.Options{Database: "liberator", Clock: vc}})
	bl, err := bloblander.New(z.exports, z.landing, bloblander.Options{Prefix: "parking", Clock: vc, Logger: quiet(), Lease: lo})
	if err != nil {
		r.err = err
		return
	}
	wf, err := localglue.New(z.landing, z.raw, localglue.Options{Clock: vc, Logger: quiet(), Lease: lo})
	if err != nil {
		r.err = err
		return
	}
	// Snapshot pruning is off here: with more concurrent runs on one snapshot
	// store than Config.KeepSnapshots, one run's pruning deletes a sibling
	// run's snapshot before that run has exported it (a limit of pruning,
	// named in the README's pruning paragraph, not of the lease).
	p, err := liberator.New(liberator.Config{Snapshotter: snap, Exporter: exp, Lander: bl, Workflow: wf, Clock: vc,
		KeepSnapshots: liberator.KeepAllSnapshots})
	if err != nil {
		r.err = err
		return
	}
	received := vc.Now()
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: r.dump}, r.date, false, received)
	if err != nil {
		r.err = err
		return
	}
	m.SnapshotID = fmt.Sprintf("%s-r%d", liberator.SnapshotID(received), i) // one export per run, as the CLI does
	r.res, r.err = p.Run(lease.ContextWithMark(ctx, r.mark), m)
}

// parquetRows returns the Parquet files under prefix (base names) and
// their rows.
func parquetRows(ctx context.Context, t *testing.T, b *blob.Bucket, prefix string) ([]string, int) {
	t.Helper()
	var names []string
	n := 0
	for _, k := range keys(t, b, prefix) {
		if !partition.IsParquet(k) { // by default, partition folders hold only Parquet files
			names = append(names, "unexpected "+path.Base(k))
			continue
		}
		body, err := b.ReadAll(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(strings.NewReader(string(body)), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		names = append(names, path.Base(k))
		n += int(f.NumRows())
	}
	return names, n
}

// checkDate checks that date d is published, landing and raw, from
// export exp alone, with the dump's rows.
func checkDate(ctx context.Context, t *testing.T, z zones, d liberator.Date, exp string) {
	t.Helper()
	for table, want := range dumpRows {
		lp := partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: table}, d)
		m, err := partition.ReadManifestAt(ctx, z.landing, lp)
		if err != nil {
			t.Fatalf("%s: %v", lp, err)
		}
		if ok, _, _ := partition.PublishedAt(ctx, z.landing, lp); !ok || m.ExportID != exp {
			t.Errorf("landing %s: published %v from %q, want %q", lp, ok, m.ExportID, exp)
		}
		var wantFiles []string
		for _, o := range m.Tables[0].Objects {
			wantFiles = append(wantFiles, path.Base(o.Key))
		}
		files, n := parquetRows(ctx, t, z.landing, lp)
		if !slices.Equal(files, wantFiles) || n != want {
			t.Errorf("landing %s holds %q (%d rows), want %q (%d rows)", lp, files, n, wantFiles, want)
		}
		rp := partition.RawPrefix("parking", "liberator", table, d)
		if ok, _, _ := partition.PublishedAt(ctx, z.raw, rp); !ok {
			t.Errorf("raw %s is not published", rp)
		}
		files, n = parquetRows(ctx, t, z.raw, rp)
		if !slices.Equal(files, wantFiles) || n != want {
			t.Errorf("raw %s holds %q (%d rows), want %q (%d rows)", rp, files, n, wantFiles, want)
		}
	}
}

// checkNoLeases checks that only last.json is left of the leases.
func checkNoLeases(t *testing.T, z zones) {
	t.Helper()
	for _, b := range []*blob.Bucket{z.landing, z.raw} {
		for _, k := range keys(t, b, lease.DefaultPrefix) {
			if path.Base(k) != "last.json" {
				t.Errorf("lease object left: %s", k)
			}
		}
	}
}

// exportFolders counts the exports in the export zone.
func exportFolders(t *testing.T, b *blob.Bucket) int {
	t.Helper()
	n := 0
	for _, k := range keys(t, b, "") {
		if strings.HasPrefix(path.Base(k), "export_info_") {
			n++
		}
	}
	return n
}

// N pipelines of one date started at once, and one of each of two other
// dates: exactly one of the same-date runs publishes, landing and raw; the
// others wait (or not) and find the date done, or (with no wait, ending
// the run) fail clearly. Every published partition holds exactly one
// export's files with the dump's rows, and no lease is left.
func TestConcurrentPipelines(t *testing.T) {
	const n = 4
	day := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	others := []liberator.Date{{Year: 2026, Month: time.November, Day: 23}, {Year: 2026, Month: time.November, Day: 25}}
	for _, be := range backends {
		for _, mode := range []string{"wait", "fail"} {
			t.Run(be.name+"/"+mode, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				z := openZones(t, be.name)
				vc := liberator.NewVirtualClock(start)
				// All runs share one virtual clock, which every poll of a
				// waiter moves on at once: the TTL is long enough that no
				// amount of polling and backoff here lets a live lease
				// expire (with real clocks a holder renews as time passes).
				lo := lease.Options{TTL: 1000 * time.Hour, Wait: time.Hour, Poll: time.Second}
				if mode == "fail" {
					lo = lease.Options{TTL: 1000 * time.Hour, HeldKind: liberator.ErrTerminal}
				}
				dump := writeDump(t, day)
				var runs []*run
				for range n {
					runs = append(runs, &run{date: day, dump: dump})
				}
				for _, d := range others {
					runs = append(runs, &run{date: d, dump: writeDump(t, d)})
				}
				for _, r := range runs {
					observe(ctx, t, z, vc, r)
				}
				var wg sync.WaitGroup
				for i, r := range runs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						runPipeline(ctx, t, z, vc, lo, i, r)
					}()
				}
				wg.Wait()
				// Exactly one publish of the date's two tables, landing and raw.
				tables := len(dumpRows)
				if l, r := publishes(z.landingCalls, day), publishes(z.rawCalls, day); l != tables || r != tables {
					t.Fatalf("%d landing and %d raw markers written for %s; want %d each (one publish)", l, r, day, tables)
				}
				m, err := partition.ReadManifest(ctx, z.landing, "parking", "liberator", "PCN_IC", day)
				if err != nil {
					t.Fatal(err)
				}
				published := m.ExportID
				for i, r := range runs[:n] {
					var held *lease.HeldError
					switch {
					case r.err == nil && r.res.Manifest.ExportID == published:
					case r.err != nil && mode == "fail" && errors.As(r.err, &held) && errors.Is(r.err, liberator.ErrTerminal) &&
						strings.Contains(r.err.Error(), "import of 2026-11-24 is in progress by run "):
					default:
						t.Errorf("run %d: manifest of %q, err %v; want the date found done or a clear in-progress error", i, r.res.Manifest.ExportID, r.err)
					}
				}
				checkDate(ctx, t, z, day, published)
				for _, r := range runs[n:] {
					if r.err != nil {
						t.Fatalf("run for %s: %v", r.date, r.err)
					}
					checkDate(ctx, t, z, r.date, r.res.ExportID)
				}
				checkNoLeases(t, z)
			})
		}
	}
}

// After any number of runs the export zone holds at most Keep+1 exports
// when each run prunes it with the exports in use for its date.
func TestExportRetentionAfterRuns(t *testing.T) {
	const keep = 3
	ctx := context.Background()
	z := openZones(t, "fileblob")
	vc := liberator.NewVirtualClock(start)
	dates := []liberator.Date{{Year: 2026, Month: time.November, Day: 23}, {Year: 2026, Month: time.November, Day: 24}}
	dumps := map[liberator.Date]string{}
	for _, d := range dates {
		dumps[d] = writeDump(t, d)
	}
	for i := range 9 {
		d := dates[min(i%3, 1)] // 23, 24, 24, 23, 24, 24, …
		r := &run{date: d, dump: dumps[d]}
		observe(ctx, t, z, vc, r)
		runPipeline(ctx, t, z, vc, lease.Options{}, i, r)
		if r.err != nil {
			t.Fatalf("run %d: %v", i, r.err)
		}
		bl, err := bloblander.New(z.exports, z.landing, bloblander.Options{Prefix: "parking", Clock: vc, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		inUse, err := bl.ExportsInUse(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := export.PruneExports(ctx, z.exports, export.RetentionOptions{Keep: keep, InUse: inUse, Clock: vc, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		if got := exportFolders(t, z.exports); got > keep+1 {
			t.Errorf("after run %d: %d exports (report %+v), want at most %d", i, got, rep, keep+1)
		}
		// Every date stays published whatever was pruned.
		checkDate(ctx, t, z, d, r.res.ExportID)
		vc.Advance(time.Hour)
	}
}

// A whole run cancelled, or killed, at each step (inside the export, the
// landing, the raw copy), then run again: the date ends published from
// one export alone, with no lease but last.json, and while the first run
// was stopped no partition was published half-way.
func TestPipelineInterruptedThenRerun(t *testing.T) {
	day := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	type point struct {
		name  string
		zone  func(z zones) *faultblob.Faults
		match func(faultblob.Op, string) bool
	}
	write := func(suffix string) func(faultblob.Op, string) bool {
		return func(op faultblob.Op, key string) bool {
			return op == faultblob.OpNewTypedWriter && strings.HasSuffix(key, suffix)
		}
	}
	points := []point{
		{"export part", func(z zones) *faultblob.Faults { return z.exportCalls }, write(".parquet")},
		{"export info", func(z zones) *faultblob.Faults { return z.exportCalls }, func(op faultblob.Op, key string) bool {
			return op == faultblob.OpNewTypedWriter && strings.Contains(key, "/export_info_")
		}},
		{"landing copy", func(z zones) *faultblob.Faults { return z.landingCalls }, write(".parquet")}, // streamed: two buckets
		{"landing marker", func(z zones) *faultblob.Faults { return z.landingCalls }, write(partition.MarkerName)},
		{"raw file", func(z zones) *faultblob.Faults { return z.rawCalls }, write(".parquet")},
		{"raw marker", func(z zones) *faultblob.Faults { return z.rawCalls }, write(partition.MarkerName)},
	}
	for _, be := range backends {
		for _, kill := range []bool{false, true} {
			for _, at := range points {
				t.Run(fmt.Sprintf("%s/%s/%s", be.name, map[bool]string{false: "cancel", true: "kill"}[kill], at.name), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					z := openZones(t, be.name)
					vc := liberator.NewVirtualClock(start)
					dump := writeDump(t, day)
					runCtx, stop := context.WithCancel(ctx)
					defer stop()
					fired := false
					at.zone(z).At(at.match, 1, func() {
						fired = true
						if !kill {
							stop()
							return
						}
						for _, f := range []*faultblob.Faults{z.exportCalls, z.landingCalls, z.rawCalls} {
							f.Crash()
						}
					})
					first := &run{date: day, dump: dump}
					observe(ctx, t, z, vc, first)
					runPipeline(runCtx, t, z, vc, lease.Options{}, 0, first)
					if !fired || first.err == nil {
						t.Fatalf("the first run was not interrupted (fired %v, err %v)", fired, first.err)
					}
					for _, f := range []*faultblob.Faults{z.exportCalls, z.landingCalls, z.rawCalls} {
						f.Reset()
					}
					// Nothing published half-way: a landing marker means the
					// first run's whole export is in place.
					for table := range dumpRows {
						lp := partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: table}, day)
						if ok, _, _ := partition.PublishedAt(ctx, z.landing, lp); ok {
							files, n := parquetRows(ctx, t, z.landing, lp)
							if n != dumpRows[table] {
								t.Errorf("%s published after the interruption with %q (%d rows)", lp, files, n)
							}
						}
					}
					if kill {
						vc.Advance(lease.DefaultTTL + time.Minute) // the dead run's leases expire
					}
					vc.Advance(time.Second)
					second := &run{date: day, dump: dump}
					observe(ctx, t, z, vc, second)
					runPipeline(ctx, t, z, vc, lease.Options{}, 1, second)
					if second.err != nil {
						t.Fatalf("rerun: %v", second.err)
					}
					checkDate(ctx, t, z, day, second.res.Manifest.ExportID)
					checkNoLeases(t, z)
					// Later, retention removes a killed export's leftovers.
					vc.Advance(7 * time.Hour)
					if _, err := export.PruneExports(ctx, z.exports, export.RetentionOptions{Keep: 3, Clock: vc, Logger: quiet()}); err != nil {
						t.Fatal(err)
					}
					for _, k := range keys(t, z.exports, "") {
						if strings.Contains(k, "/export_lock_") {
							t.Errorf("export lock left: %s", k)
						}
					}
					for _, b := range []*blob.Bucket{z.exports, z.landing, z.raw} {
						for _, k := range keys(t, b, "") {
							if lease.IsTemp(k) {
								t.Errorf("temp file left: %s", k)
							}
						}
					}
				})
			}
		}
	}
}
