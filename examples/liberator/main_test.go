package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// cli runs the command in process.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// tree returns every file under dir (relative path → sha256 of content).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(h[:8])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func filesNamed(m map[string]string, name string) []string {
	var out []string
	for k := range m {
		if filepath.Base(k) == name {
			out = append(out, k)
		}
	}
	return out
}

func oneLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "liberator: ") {
		t.Errorf("last stderr line %q does not start with \"liberator: \"", last)
	}
	return last
}

func TestDemo(t *testing.T) {
	lake := t.TempDir()
	code, out, errOut := cli(t, "demo", "--lake", lake, "--rows", "40")
	if code != 0 {
		t.Fatalf("demo exit %d\nstderr:\n%s", code, errOut)
	}
	tables := dumpgen.TableNames()
	for _, name := range tables {
		if !strings.Contains(out, "liberator."+name) {
			t.Errorf("summary lacks table %s:\n%s", name, out)
		}
		if !strings.Contains(errOut, "liberator."+name) {
			t.Errorf("progress lacks table %s:\n%s", name, errOut)
		}
	}
	files := tree(t, lake)
	if got := len(filesNamed(files, "_SUCCESS")); got != 2*len(tables) { // landing and raw
		t.Errorf("%d _SUCCESS markers, want %d (landing + raw per table)", got, 2*len(tables))
	}
	for _, name := range tables {
		dir := "landing/_liberator/partitions/parking/liberator/liberator." + name + "/import_year=2026/import_month=11/import_day=24/import_date=20261124/_SUCCESS"
		if _, ok := files[dir]; !ok {
			t.Errorf("no landing marker %s", dir)
		}
	}
	// Raw files carry import_timestamp as their last column.
	var raws []string
	for k := range files {
		if strings.HasPrefix(k, "raw/parking/liberator/liberator_pcn_ic/") && strings.HasSuffix(k, ".parquet") {
			raws = append(raws, k)
		}
	}
	if len(raws) == 0 {
		t.Fatalf("no raw Parquet for PCN_IC in %v", files)
	}
	f, err := os.Open(filepath.Join(lake, raws[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	fields := pf.Schema().Fields()
	if got := fields[len(fields)-1].Name(); got != "import_timestamp" {
		t.Errorf("last raw column = %s, want import_timestamp", got)
	}
	if got := fields[0].Name(); got != "id" {
		t.Errorf("first raw column = %s, want id", got)
	}
	if pf.NumRows() != 40 {
		t.Errorf("raw PCN_IC rows = %d, want 40", pf.NumRows())
	}
}

func TestRunJSON(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 2, Rows: 25}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--json", "--date", "2026-11-20", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	type row struct {
		Table string
		Rows  int64
	}
	var got []row
	for _, tb := range s.Tables {
		got = append(got, row{tb.Table, tb.Rows})
		if tb.Files < 1 || tb.Bytes <= 0 {
			t.Errorf("%s: files %d bytes %d", tb.Table, tb.Files, tb.Bytes)
		}
		if !strings.Contains(tb.Landing, "import_date=20261120/") {
			t.Errorf("%s landed at %s, want the --date partition", tb.Table, tb.Landing)
		}
	}
	var want []row
	for _, n := range dumpgen.TableNames() {
		want = append(want, row{"liberator." + n, 25})
	}
	sortRows := func(r []row) { sort.Slice(r, func(i, j int) bool { return r[i].Table < r[j].Table }) }
	sortRows(got)
	sortRows(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if s.ImportDate != "2026-11-20" || s.Rows != 25*int64(len(want)) {
		t.Errorf("summary date %s rows %d", s.ImportDate, s.Rows)
	}
	if errOut != "" {
		t.Errorf("--quiet run wrote to stderr: %s", errOut)
	}
}

func TestRunArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	undated := filepath.Join(dir, "export.zip")
	if _, err := dumpgen.WriteZip(undated, dumpgen.Options{Rows: 3}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"no date in name", []string{"run", "--dump", undated, "--lake", dir}, 1, "pass --date"},
		{"bad date", []string{"run", "--dump", undated, "--lake", dir, "--date", "2026-02-30"}, 1, "--date"},
		{"no dump", []string{"run", "--lake", dir}, 1, "--dump FILE is required"},
		{"missing dump", []string{"run", "--dump", filepath.Join(dir, "liberator_dump_20261124.zip"), "--lake", dir}, 1, "no such file"},
		{"no lake", []string{"run", "--dump", undated, "--date", "2026-11-24"}, 1, "--lake DIR is required"},
		{"unknown flag", []string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{"unknown workflow", []string{"run", "--dump", undated, "--lake", dir, "--date", "2026-11-24", "--workflow", "spark"}, 1, "unknown --workflow"},
		{"unknown codec", []string{"run", "--dump", undated, "--lake", dir, "--date", "2026-11-24", "--codec", "brotli"}, 1, "unknown --codec"},
		{"unknown backend", []string{"run", "--dump", undated, "--lake", dir, "--date", "2026-11-24", "--backend", "oracle"}, 1, "unknown --backend"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %s", code, tc.wantCode, errOut)
			}
			line := oneLine(t, errOut)
			if strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 {
				t.Errorf("stderr has more than one line:\n%s", errOut)
			}
			if !strings.Contains(line, tc.wantMsg) {
				t.Errorf("stderr %q lacks %q", line, tc.wantMsg)
			}
		})
	}
	if files := tree(t, filepath.Join(dir, "landing")); len(files) != 0 {
		t.Errorf("landing has files after failed runs: %v", files)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range []string{"run", "inspect", "demo", "gendump"} {
		t.Run(c, func(t *testing.T) {
			code, out, _ := cli(t, c, "--help")
			if code != 0 || strings.Count(out, "Usage: liberator "+c) != 1 || !strings.Contains(out, "-") {
				t.Errorf("exit %d, output:\n%s", code, out)
			}
		})
	}
	code, out, _ := cli(t, "--help")
	if code != 0 || !strings.Contains(out, "gendump") {
		t.Errorf("top-level help: exit %d\n%s", code, out)
	}
}

func TestInspect(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 4, Rows: 12}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "inspect", "--dump", dump)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"PCN_IC: 12 rows", "liberator_permit: 12 rows", "vehicles: 12 rows",
		"decimal(65,30)", "bigint unsigned", "FIXED_LEN_BYTE_ARRAY(9)",
		"view v_open_pcns", "trigger trg_pcn_ic_before_update",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, "inspect", "--dump", dump, "--json")
	var ins Inspection
	if code != 0 || json.Unmarshal([]byte(out), &ins) != nil {
		t.Fatalf("inspect --json: exit %d\n%s", code, out)
	}
	if len(ins.Tables) != len(dumpgen.TableNames()) || !ins.Completed {
		t.Errorf("inspect --json: %d tables, completed %v", len(ins.Tables), ins.Completed)
	}
}

// TestInspectTypesAreTheExportReports checks that inspect names every
// column's Parquet type as the export of the same dump reports it.
func TestInspectTypesAreTheExportReports(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 5, Rows: 10}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--workflow", "none", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exp, err := openBucket(ctx, filepath.Join(lake, "export"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	rep, _ := readReport(ctx, exp, s.ExportID)
	if rep == nil {
		t.Fatalf("no tables report for export %s", s.ExportID)
	}
	want := map[string]string{} // "table.column" → type
	for _, tr := range rep.PerTableStatus {
		for _, c := range tr.Columns {
			typ := c.ExportedType
			if c.Optional {
				typ += " optional"
			}
			want[strings.TrimPrefix(tr.Target, "liberator.")+"."+c.Name] = typ
		}
	}
	code, out, errOut = cli(t, "inspect", "--dump", dump, "--json")
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	var ins Inspection
	if err := json.Unmarshal([]byte(out), &ins); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tb := range ins.Tables {
		for _, c := range tb.Columns {
			got[tb.Name+"."+c.Name] = c.Parquet
		}
	}
	if len(want) == 0 {
		t.Fatal("the export report lists no columns")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parquet types (-export report +inspect):\n%s", diff)
	}
}

func TestGendump(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
	}{
		{"zip by size", []string{"--out", filepath.Join(dir, "liberator_dump_20261124.zip"), "--size", "2MB", "--level", "1"}},
		{"sql by rows", []string{"--out", filepath.Join(dir, "d.sql"), "--rows", "7", "--tables", "PCN_IC,vehicles", "--hex-blob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"gendump", "--json"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var st dumpgen.Stats
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(tc.args[1])
			if err != nil {
				t.Fatal(err)
			}
			size := st.Bytes
			if st.ZipBytes > 0 {
				size = st.ZipBytes
				if st.Bytes < 2<<20 {
					t.Errorf("SQL bytes %d < 2MB", st.Bytes)
				}
			}
			if fi.Size() != size {
				t.Errorf("file %d bytes, stats %d", fi.Size(), size)
			}
		})
	}
	code, _, errOut := cli(t, "gendump", "--out", filepath.Join(dir, "x.zip"), "--size", "lots")
	if code == 0 || !strings.Contains(errOut, "bad size") {
		t.Errorf("bad size: exit %d %s", code, errOut)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{{"1GB", 1 << 30}, {"1.5 MB", 3 << 19}, {"100k", 100 << 10}, {"4096", 4096}, {"2GiB", 2 << 30}}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "GB", "-1MB", "ten"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q): no error", bad)
		}
	}
}

// Two runs of different dumps on one lake within the same second each land
// their own data (snapshot ids must not collide).
func TestBackToBackRuns(t *testing.T) {
	lake, dir := t.TempDir(), t.TempDir()
	for i, tc := range []struct {
		date string
		rows int64
	}{{"20261122", 9}, {"20261123", 4}, {"20261124", 6}} {
		dump := filepath.Join(dir, "liberator_dump_"+tc.date+".zip")
		if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: int64(i), Rows: tc.rows}); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--json", "--quiet")
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", tc.date, code, errOut)
		}
		var s Summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		for _, tb := range s.Tables {
			if tb.Rows != tc.rows {
				t.Errorf("run %s: %s has %d rows, want %d", tc.date, tb.Table, tb.Rows, tc.rows)
			}
		}
	}
}

// The MySQL backend restores the dump into a server, exports it with
// SELECTs and lands the same tables; the snapshot database is dropped.
func TestRunMySQLBackend(t *testing.T) {
	dsn := os.Getenv("LIBERATOR_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("set LIBERATOR_TEST_MYSQL_DSN=root@tcp(127.0.0.1:3306)/ to run")
	}
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 6, Rows: 15}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--json", "--quiet", "--backend", "mysql", "--mysql-dsn", dsn)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != len(dumpgen.TableNames()) {
		t.Errorf("%d tables landed, want %d", len(s.Tables), len(dumpgen.TableNames()))
	}
	for _, tb := range s.Tables {
		if tb.Rows != 15 {
			t.Errorf("%s: %d rows, want 15", tb.Table, tb.Rows)
		}
	}
	if got := len(filesNamed(tree(t, lake), "_SUCCESS")); got != 2*len(dumpgen.TableNames()) {
		t.Errorf("%d _SUCCESS markers", got)
	}
	code, _, errOut = cli(t, "run", "--backend", "mysql", "--dump", dump, "--lake", lake)
	if code != 1 || !strings.Contains(errOut, "--mysql-dsn") {
		t.Errorf("mysql without DSN: exit %d %s", code, errOut)
	}
}

// --workflow none stops at the landed partition: nothing in the raw zone.
func TestRunWorkflowNone(t *testing.T) {
	lake := t.TempDir()
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 8, Rows: 5}); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--quiet", "--workflow", "none", "--codec", "snappy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files := tree(t, lake)
	var landed, raw int
	for k := range files {
		if strings.HasSuffix(k, ".parquet") && !strings.HasSuffix(k, ".snappy.parquet") {
			t.Errorf("--codec snappy wrote %s", k)
		}
		switch {
		case strings.HasPrefix(k, "landing/") && strings.HasSuffix(k, "/_SUCCESS"):
			landed++
		case strings.HasPrefix(k, "raw/"):
			raw++
		}
	}
	if landed != len(dumpgen.TableNames()) || raw != 0 {
		t.Errorf("%d landed markers (want %d), %d raw files (want 0)", landed, len(dumpgen.TableNames()), raw)
	}
}

// readReport reads an export's tables report straight from the export
// bucket, as a user inspecting the export zone would (the CLI itself
// reports from the pipeline's result).
func readReport(ctx context.Context, exp *blob.Bucket, id string) (*export.TablesReportFile, *export.InfoFile) {
	root := id + "/"
	b, err := exp.ReadAll(ctx, root+export.InfoFileName(id))
	if err != nil {
		return nil, nil
	}
	var info export.InfoFile
	if json.Unmarshal(b, &info) != nil || info.TablesReport == "" {
		return nil, &info
	}
	if b, err = exp.ReadAll(ctx, root+info.TablesReport); err != nil {
		return nil, &info
	}
	var rep export.TablesReportFile
	if json.Unmarshal(b, &rep) != nil {
		return nil, &info
	}
	return &rep, &info
}
