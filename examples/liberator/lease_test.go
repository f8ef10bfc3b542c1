package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// partitionFiles returns, per partition directory under root whose path
// holds import_date=date, its Parquet files (base names), sorted.
func partitionFiles(t *testing.T, root, date string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for rel := range tree(t, root) {
		dir, file := filepath.Split(rel)
		if strings.Contains(dir, "import_date="+date) && partition.IsParquet(file) {
			out[dir] = append(out[dir], file)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// Three runs of one dump started at once into one lake, and a run of
// another date: every landing and raw partition of the date holds the
// files of one export, and the runs that did not land say which run did.
func TestConcurrentRunsOneLake(t *testing.T) {
	lake, dir := t.TempDir(), t.TempDir()
	const rows = 30
	dumps := map[string]string{}
	for i, d := range []string{"20261124", "20261125"} {
		dumps[d] = filepath.Join(dir, "liberator_dump_"+d+".zip")
		if _, err := dumpgen.WriteZip(dumps[d], dumpgen.Options{Seed: int64(i), Rows: rows}); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		code     int
		out, err string
	}
	dates := []string{"20261124", "20261124", "20261124", "20261125"}
	results := make([]result, len(dates))
	var wg sync.WaitGroup
	for i, d := range dates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.code, r.out, r.err = cli(t, "run", "--dump", dumps[d], "--lake", lake, "--json")
		}()
	}
	wg.Wait()
	doneBy := 0
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("run %d (%s): exit %d: %s", i, dates[i], r.code, r.err)
		}
		var s Summary
		if err := json.Unmarshal([]byte(r.out), &s); err != nil {
			t.Fatal(err)
		}
		for _, tb := range s.Tables {
			if tb.Rows != rows {
				t.Errorf("run %d: %s has %d rows, want %d", i, tb.Table, tb.Rows, rows)
			}
		}
		if strings.Contains(r.err, "was done by another run") {
			doneBy++
		}
	}
	for _, d := range []string{"20261124", "20261125"} {
		landing := partitionFiles(t, filepath.Join(lake, "landing"), d)
		raw := partitionFiles(t, filepath.Join(lake, "raw"), d)
		if len(landing) != len(dumpgen.TableNames()) || len(raw) != len(dumpgen.TableNames()) {
			t.Fatalf("%s: %d landing and %d raw partitions, want %d each", d, len(landing), len(raw), len(dumpgen.TableNames()))
		}
		exports := map[string]bool{}
		for p, files := range landing {
			m, err := partition.ReadManifestAt(context.Background(), openDir(t, filepath.Join(lake, "landing")), p)
			if err != nil {
				t.Fatal(err)
			}
			exports[m.ExportID] = true
			var want []string
			for _, o := range m.Tables[0].Objects {
				want = append(want, filepath.Base(o.Key))
			}
			if strings.Join(want, ",") != strings.Join(files, ",") {
				t.Errorf("landing %s holds %q, its manifest (export %s) %q", p, files, m.ExportID, want)
			}
		}
		if len(exports) != 1 {
			t.Errorf("%s is published from %d exports: %v", d, len(exports), exports)
		}
		var landed, copied []string
		for _, f := range landing {
			landed = append(landed, f...)
		}
		for _, f := range raw {
			copied = append(copied, f...)
		}
		sort.Strings(landed)
		sort.Strings(copied)
		if strings.Join(landed, ",") != strings.Join(copied, ",") {
			t.Errorf("%s: raw files %q are not the landed files %q", d, copied, landed)
		}
	}
	// Runs that began before the date was published do not land over it
	// (at most two here: one run lands); a run that began after one had
	// published would replace it, so this is not asserted exactly.
	t.Logf("%d runs found the date done by another", doneBy)
	if doneBy > 2 {
		t.Errorf("%d runs found the date done, but only one can have landed it", doneBy)
	}
	for k := range tree(t, lake) {
		if lease.IsTemp(k) || (strings.Contains(k, "/_liberator/leases/") && filepath.Base(k) != "last.json") {
			t.Errorf("left in the lake: %s", k)
		}
	}
}

func openDir(t *testing.T, dir string) *blob.Bucket {
	t.Helper()
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// A run that finds its date held by another run says so, waits up to
// --lease-wait and fails with the holder named; nothing is landed.
func TestRunWhileDateHeld(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 3, Rows: 5}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(lake, "landing"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := liberator.Date{Year: 2026, Month: 11, Day: 24}
	held, err := lease.Acquire(ctx, openDir(t, filepath.Join(lake, "landing")),
		lease.Scope{Zone: "landing/parking", Date: day}, lease.Options{Run: "the-other-run"})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	for _, tc := range []struct {
		wait    string
		waiting bool
	}{{"0", false}, {"1s", true}} {
		code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--lease-wait", tc.wait)
		if code != 1 {
			t.Fatalf("--lease-wait %s: exit %d, want 1: %s", tc.wait, code, errOut)
		}
		last := oneLine(t, errOut)
		if !strings.Contains(last, "import of 2026-11-24 is in progress by run the-other-run on "+host+" since ") {
			t.Errorf("--lease-wait %s: last line %q does not name the run holding the date", tc.wait, last)
		}
		said := strings.Contains(errOut, "waiting up to 1s: import of 2026-11-24 is in progress by run the-other-run")
		if said != tc.waiting {
			t.Errorf("--lease-wait %s: stderr says it waits: %v, want %v:\n%s", tc.wait, said, tc.waiting, errOut)
		}
	}
	if got := partitionFiles(t, filepath.Join(lake, "landing"), "20261124"); len(got) != 0 {
		t.Errorf("landed while the date was held: %v", got)
	}
	if err := held.Release(ctx, lease.Outcome{}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--quiet"); code != 0 {
		t.Fatalf("after the release: exit %d: %s", code, errOut)
	}
}

// Runs keep at most --keep-exports exports plus the one the date is
// published from.
func TestRunKeepsExports(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 4, Rows: 3}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--keep-exports", "2")
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
		exports := 0
		for k := range tree(t, filepath.Join(lake, "export")) {
			if strings.HasPrefix(filepath.Base(k), "export_info_") {
				exports++
			}
		}
		if exports > 3 {
			t.Errorf("after run %d: %d exports, want at most 3", i, exports)
		}
		if i >= 2 && !strings.Contains(errOut, "export zone: removed 1 old exports") {
			t.Errorf("run %d does not say what it removed:\n%s", i, errOut)
		}
	}
	for _, bad := range [][]string{{"--keep-exports", "x"}, {"--keep-exports", "-1"}, {"--lease-wait", "soon"}} {
		code, _, errOut := cli(t, append([]string{"run", "--dump", dump, "--lake", lake}, bad...)...)
		if code != 1 || !strings.Contains(oneLine(t, errOut), bad[0]) {
			t.Errorf("%s %s: exit %d: %s", bad[0], bad[1], code, errOut)
		}
	}
}

// After a run killed mid-way (its lease and a temporary file left behind),
// the next run takes the dead lease over, saying so, and leaves neither.
func TestRunAfterKilledRun(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 5, Rows: 4}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	landingDir := filepath.Join(lake, "landing")
	if err := os.MkdirAll(landingDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The killed run's lease: taken long ago, never renewed.
	killedAt := time.Now().Add(-2 * time.Hour)
	if _, err := lease.Acquire(ctx, openDir(t, landingDir), lease.Scope{Zone: "landing/parking", Date: liberator.Date{Year: 2026, Month: 11, Day: 24}},
		lease.Options{Run: "killed-run", Clock: liberator.NewVirtualClock(killedAt)}); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(landingDir, "parking", "liberator", "liberator.vehicles", "import_year=2026", "import_month=11", "import_day=24",
		"import_date=20261124", "part-00000-x-c000.gz.parquet.18eedde0942007da.tmp")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("half a part"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, killedAt, killedAt); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "taking over the landing lease of 2026-11-24 from run killed-run") {
		t.Errorf("stderr does not say the dead lease was taken over:\n%s", errOut)
	}
	for k := range tree(t, lake) {
		if lease.IsTemp(k) || (strings.Contains(k, "/_liberator/leases/") && filepath.Base(k) != "last.json") {
			t.Errorf("left in the lake: %s", k)
		}
	}
}
