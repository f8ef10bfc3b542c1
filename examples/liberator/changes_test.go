package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"

	_ "github.com/go-sql-driver/mysql"
)

// parkingDump writes a mysqldump 8 style dump of three parking tables for
// the change tests: PCN_IC with pcnRows rows (day 2 drops officer_notes
// and makes fine_amount a varchar), vehicles with vehicleRows rows and
// permits with 50.
func parkingDump(t *testing.T, dir, date string, day2 bool, pcnRows, vehicleRows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("-- MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)\n--\n-- Host: 127.0.0.1    Database: liberator\n" +
		"-- ------------------------------------------------------\n-- Server version\t8.4.3\n\n" +
		"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!50503 SET NAMES utf8mb4 */;\n" +
		"/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n\n")
	table := func(name string, cols []string, n int, row func(i int) string) {
		fmt.Fprintf(&b, "--\n-- Table structure for table `%s`\n--\n\nDROP TABLE IF EXISTS `%s`;\n", name, name)
		b.WriteString("/*!40101 SET @saved_cs_client     = @@character_set_client */;\n/*!50503 SET character_set_client = utf8mb4 */;\n")
		fmt.Fprintf(&b, "CREATE TABLE `%s` (\n  %s,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;\n", name, strings.Join(cols, ",\n  "))
		b.WriteString("/*!40101 SET character_set_client = @saved_cs_client */;\n\n")
		fmt.Fprintf(&b, "--\n-- Dumping data for table `%s`\n--\n\nLOCK TABLES `%s` WRITE;\n/*!40000 ALTER TABLE `%s` DISABLE KEYS */;\n", name, name, name)
		if n > 0 {
			rows := make([]string, n)
			for i := range rows {
				rows[i] = "(" + row(i) + ")"
			}
			fmt.Fprintf(&b, "INSERT INTO `%s` VALUES %s;\n", name, strings.Join(rows, ","))
		}
		fmt.Fprintf(&b, "/*!40000 ALTER TABLE `%s` ENABLE KEYS */;\nUNLOCK TABLES;\n\n", name)
	}
	pcnCols := []string{"`id` int NOT NULL AUTO_INCREMENT", "`pcn_ref` varchar(12) NOT NULL", "`vrm` varchar(10) NOT NULL",
		"`fine_amount` decimal(8,2) DEFAULT NULL", "`issued_at` datetime DEFAULT NULL", "`officer_notes` text"}
	if day2 {
		pcnCols = pcnCols[:5]
		pcnCols[3] = "`fine_amount` varchar(12) DEFAULT NULL"
	}
	table("PCN_IC", pcnCols, pcnRows, func(i int) string {
		amount := fmt.Sprintf("%d.00", 35+i%4*35)
		if day2 {
			return fmt.Sprintf("%d,'HY%08d','AB%03dCDE','%s','2026-11-%02d 08:%02d:00'", i+1, i+1, i%997, amount, 1+i%22, i%60)
		}
		return fmt.Sprintf("%d,'HY%08d','AB%03dCDE',%s,'2026-11-%02d 08:%02d:00','note %d'", i+1, i+1, i%997, amount, 1+i%22, i%60, i)
	})
	table("permits", []string{"`id` int NOT NULL AUTO_INCREMENT", "`holder` varchar(40) NOT NULL", "`valid_from` date NOT NULL"}, 50,
		func(i int) string { return fmt.Sprintf("%d,'holder %d','2026-01-%02d'", i+1, i, 1+i%28) })
	table("vehicles", []string{"`id` int NOT NULL AUTO_INCREMENT", "`vrm` varchar(10) NOT NULL", "`make` varchar(20) DEFAULT NULL"}, vehicleRows,
		func(i int) string {
			return fmt.Sprintf("%d,'AB%03dCDE','%s'", i+1, i, []string{"Ford", "VW", "Kia"}[i%3])
		})
	b.WriteString("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n\n-- Dump completed on 2026-11-24  3:15:00\n")
	path := filepath.Join(dir, "liberator_dump_"+date+".sql")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// partitionsOf returns the lake's files of one import date.
func partitionsOf(files map[string]string, date string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		if strings.Contains(k, "import_date="+date+"/") {
			out[k] = v
		}
	}
	return out
}

// publishArgs returns the command line a stopped run's message names
// after "to publish this export anyway: liberator ".
func publishArgs(t *testing.T, stderr string) []string {
	t.Helper()
	_, cmdline, ok := strings.Cut(stderr, "to publish this export anyway: liberator ")
	if !ok {
		t.Fatalf("stderr names no publish command: %s", stderr)
	}
	return strings.Fields(strings.TrimSpace(cmdline))
}

// The walk-through of the README: day 1, then a day 2 whose dump dropped a
// column, retyped another and lost 90% of one table's rows, under --gate
// strict. Day 2 is stopped (exit 3, every rule named, nothing published
// for its date, day 1 untouched, no raw copy), and the command its message
// gives publishes the kept export without converting again.
func TestRunGateWalkthrough(t *testing.T) {
	lake, dir := t.TempDir(), t.TempDir()
	day1 := parkingDump(t, dir, "20261123", false, 600, 100)
	day2 := parkingDump(t, dir, "20261124", true, 612, 10)

	code, out, errOut := cli(t, "run", "--dump", day1, "--lake", lake, "--gate", "strict", "--quiet")
	if code != 0 {
		t.Fatalf("day 1: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"changes: first import (no earlier published import): 3 tables, all new", "gate strict: passed (0 failed, 0 warnings)"} {
		if !strings.Contains(out, want) {
			t.Errorf("day 1 report lacks %q:\n%s", want, out)
		}
	}
	before := tree(t, lake)

	code, out, errOut = cli(t, "run", "--dump", day2, "--lake", lake, "--gate", "strict", "--quiet")
	if code != exitGated {
		t.Fatalf("day 2: exit %d, want %d: %s", code, exitGated, errOut)
	}
	for _, want := range []string{
		"ROWS SINCE 2026-11-23",
		"liberator.PCN_IC    612   0      ",
		"+12 (+2.0%)",
		"-90 (-90.0%)",
		"changes since 2026-11-23 (export ",
		"  liberator.PCN_IC: column fine_amount retyped decimal(8,2) → varchar(12) (Parquet INT32 DECIMAL(8,2) → BYTE_ARRAY STRING)\n",
		"  liberator.PCN_IC: column officer_notes removed (was text, BYTE_ARRAY STRING)\n",
		"gate strict: stopped (3 failed, 0 warnings)\n" +
			"  FAIL  on-removed-column      liberator.PCN_IC.fine_amount\n" +
			"  FAIL  on-removed-column      liberator.PCN_IC.officer_notes\n" +
			"  FAIL  max-row-drop           liberator.vehicles (100 rows → 10 rows)\n",
		"nothing published for 2026-11-24; export ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("day 2 report lacks %q:\n%s", want, out)
		}
	}
	line := oneLine(t, errOut)
	for _, want := range []string{
		"liberator: gate stopped import 2026-11-24 before publishing", "3 rules failed since 2026-11-23",
		"table liberator.PCN_IC: column officer_notes removed (was text, BYTE_ARRAY STRING)",
		"table liberator.PCN_IC: column fine_amount retyped decimal(8,2) → varchar(12)",
		"table liberator.vehicles lost 90.0% of its rows (100 → 10)",
		"to publish this export anyway: liberator run --accept-changes --export-id sql-to-parquet-",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("stderr lacks %q:\n%s", want, line)
		}
	}
	after := tree(t, lake)
	if got := partitionsOf(after, "20261124"); len(got) != 0 {
		t.Errorf("the stopped run wrote partitions of its date: %v", got)
	}
	if diff := cmp.Diff(partitionsOf(before, "20261123"), partitionsOf(after, "20261123")); diff != "" {
		t.Errorf("the stopped run changed day 1's partitions (-before +after):\n%s", diff)
	}
	exports := len(filesNamed(after, "_SUCCESS"))

	// Publish the kept export as the message says.
	args := publishArgs(t, line)
	code, out, errOut = cli(t, append(args, "--quiet")...)
	if code != 0 {
		t.Fatalf("publish %v: exit %d: %s", args, code, errOut)
	}
	if !strings.Contains(out, "gate strict: accepted (3 failed, 0 warnings)") {
		t.Errorf("publish report lacks the accepted verdict:\n%s", out)
	}
	published := tree(t, lake)
	if n := len(filesNamed(partitionsOf(published, "20261124"), "_SUCCESS")); n != 6 {
		t.Errorf("%d day 2 partitions published after the override, want 6 (3 landing, 3 raw)", n)
	}
	if got, want := len(filesNamed(published, "_SUCCESS")), exports+2*3; got != want {
		t.Errorf("%d _SUCCESS markers after the override, want %d (3 landing + 3 raw partitions)", got, want)
	}
	var infos []string
	for k := range published {
		if strings.HasPrefix(filepath.Base(k), "export_info_") {
			infos = append(infos, k)
		}
	}
	if len(infos) != 2 {
		t.Errorf("export infos %v, want two exports (the override converts nothing)", infos)
	}
}

// --json carries the changes, the verdict and the publish command; the
// stderr line is the same.
func TestRunGateJSON(t *testing.T) {
	lake, dir := t.TempDir(), t.TempDir()
	if code, _, errOut := cli(t, "run", "--dump", parkingDump(t, dir, "20261123", false, 600, 100), "--lake", lake, "--quiet", "--json"); code != 0 {
		t.Fatalf("day 1: %s", errOut)
	}
	code, out, errOut := cli(t, "run", "--dump", parkingDump(t, dir, "20261124", true, 612, 10), "--lake", lake, "--quiet", "--json", "--gate", "strict")
	if code != exitGated {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if s.Published || s.Changes == nil || s.Changes.Gate == nil || s.Changes.Gate.Verdict != liberator.GateStopped ||
		!strings.HasPrefix(s.Publish, "liberator run --accept-changes --export-id "+s.ExportID) {
		t.Errorf("summary: published %v, changes %+v, publish %q", s.Published, s.Changes, s.Publish)
	}
	if s.Changes.Since.String() != "2026-11-23" || len(s.Tables) != 3 || s.Rows != 612+50+10 {
		t.Errorf("summary since %s, %d tables, %d rows", s.Changes.Since, len(s.Tables), s.Rows)
	}
	if !strings.Contains(oneLine(t, errOut), "gate stopped import 2026-11-24") {
		t.Errorf("stderr: %s", errOut)
	}
}

// The fine-grained flags and $LIBERATOR_GATE set the gate; flags override
// the preset.
func TestRunGateFlags(t *testing.T) {
	dir := t.TempDir()
	day1 := parkingDump(t, dir, "20261123", false, 600, 100)
	day2 := parkingDump(t, dir, "20261124", true, 612, 10)
	tests := []struct {
		name  string
		env   string
		args  []string
		code  int
		rules []string // rules named in the report's gate block
	}{
		{"no gate: reported, published", "", nil, 0, nil},
		{"removed columns fail", "", []string{"--on-removed-column", "fail"}, exitGated,
			[]string{"FAIL  on-removed-column", "FAIL  on-removed-column"}},
		{"row drop over 50% fails", "", []string{"--max-row-drop", "50%"}, exitGated, []string{"FAIL  max-row-drop"}},
		{"row drop over 95% passes", "", []string{"--max-row-drop=95%"}, 0, nil},
		{"strict, columns only warn, drop up to 95%", "", []string{"--gate", "strict", "--on-removed-column", "warn", "--max-row-drop", "95%"}, 0,
			[]string{"WARN  on-removed-column", "WARN  on-removed-column"}},
		{"flags override the preset whatever their order", "", []string{"--max-row-drop", "95%", "--gate", "strict", "--on-removed-column=off"}, 0, nil},
		{"LIBERATOR_GATE", "strict", nil, exitGated, []string{"FAIL  on-removed-column", "FAIL  on-removed-column", "FAIL  max-row-drop"}},
		{"flags override LIBERATOR_GATE", "strict", []string{"--gate", "off"}, 0, nil},
		{"accept-changes publishes despite failures", "", []string{"--gate", "strict", "--accept-changes"}, 0,
			[]string{"FAIL  on-removed-column", "FAIL  on-removed-column", "FAIL  max-row-drop"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(gateEnv, tc.env)
			lake := t.TempDir()
			if code, _, errOut := cli(t, "run", "--dump", day1, "--lake", lake, "--quiet"); code != 0 {
				t.Fatalf("day 1: %s", errOut)
			}
			code, out, errOut := cli(t, append([]string{"run", "--dump", day2, "--lake", lake, "--quiet"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s\n%s", code, tc.code, errOut, out)
			}
			var got []string
			for l := range strings.SplitSeq(out, "\n") {
				if strings.HasPrefix(l, "  FAIL  ") || strings.HasPrefix(l, "  WARN  ") {
					got = append(got, strings.TrimSpace(l[:30]))
				}
			}
			if diff := cmp.Diff(tc.rules, got); diff != "" {
				t.Errorf("gate lines (-want +got):\n%s\n%s", diff, out)
			}
			if !strings.Contains(out, "changes since 2026-11-23") {
				t.Errorf("no changes block:\n%s", out)
			}
			published := len(filesNamed(partitionsOf(tree(t, lake), "20261124"), "_SUCCESS")) > 0
			if published != (tc.code == 0) {
				t.Errorf("day 2 published = %v with exit %d", published, code)
			}
		})
	}
}

func TestRunGateArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	dump := parkingDump(t, dir, "20261124", false, 3, 3)
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown preset", []string{"--gate", "paranoid"}, `parse gate "paranoid": unknown setting`},
		{"bad action", []string{"--on-removed-table", "block"}, `want on-removed-table=off, warn or fail`},
		{"bad percentage", []string{"--max-row-drop", "half"}, "want a percentage such as 50%"},
		{"export id without accept", []string{"--export-id", "sql-to-parquet-x"}, "--export-id publishes a kept export: it needs --accept-changes"},
		{"unknown export", []string{"--accept-changes", "--export-id", "sql-to-parquet-nope"}, "--export-id sql-to-parquet-nope: no such export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, append([]string{"run", "--dump", dump, "--lake", dir, "--quiet"}, tc.args...)...)
			if code != 1 || !strings.Contains(oneLine(t, errOut), tc.msg) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.msg)
			}
		})
	}
	code, _, errOut := cli(t, "run", "--accept-changes", "--export-id", "x", "--lake", dir)
	if code != 1 || !strings.Contains(errOut, "--export-id needs the import date") {
		t.Errorf("--export-id without a date: exit %d %s", code, errOut)
	}
}

// Real dumps written by mysqldump 8.0.19: MySQL's world database, then its
// world_x variant as the next day (the country table lost most columns,
// city's Population gave way to a JSON Info column, countryinfo is new).
func TestRunChangesOnRealDumps(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "realdumps")
	if _, err := os.Stat(filepath.Join(dir, "world.zip")); err != nil {
		t.Skipf("real dumps not available (%v): they are in ../shared/realdumps on CI", err)
	}
	lake := t.TempDir()
	if code, _, errOut := cli(t, "run", "--dump", filepath.Join(dir, "world.zip"), "--date", "2026-11-23", "--lake", lake, "--quiet", "--database", "world"); code != 0 {
		t.Fatalf("world: %s", errOut)
	}
	code, out, errOut := cli(t, "run", "--dump", filepath.Join(dir, "world_x.zip"), "--date", "2026-11-24", "--lake", lake, "--quiet", "--json", "--database", "world", "--gate", "strict")
	if code != exitGated {
		t.Fatalf("world_x: exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	n := s.Changes.Counts()
	if n.TablesAdded != 1 || n.TablesRemoved != 0 || n.ColumnsRemoved < 11 || n.ColumnsAdded < 1 {
		t.Errorf("world → world_x counts %+v", n)
	}
	var lines []string
	for _, tc := range s.Changes.Tables {
		for _, c := range tc.Columns {
			if c.Name() == "Population" || c.Name() == "Info" || c.Name() == "Continent" {
				lines = append(lines, tc.Table+": "+c.String())
			}
		}
		if tc.Status != liberator.TableKept {
			lines = append(lines, tc.Table+" "+string(tc.Status))
		}
		if tc.RowDelta != 0 {
			t.Errorf("%s rows %d → %d, want the same", tc.Table, tc.OldRows, tc.NewRows)
		}
	}
	want := []string{
		"world.city: column Population removed (was int, INT32, NOT NULL)",
		"world.city: column Info added (json, BYTE_ARRAY STRING) at position 5",
		"world.country: column Continent removed (was enum('Asia','Europe','North America','Africa','Oceania','Antarctica','South America'), BYTE_ARRAY STRING, NOT NULL)",
		"world.country: column Population removed (was int, INT32, NOT NULL)",
		"world.countryinfo added",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("world → world_x (-want +got):\n%s", diff)
	}
}

// The MySQL backend reports the same changes as the embedded one; a
// stopped run drops its snapshot database (the export holds the data) and
// the override publishes the kept export.
func TestRunGateMySQLBackend(t *testing.T) {
	dsn := os.Getenv("LIBERATOR_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("set LIBERATOR_TEST_MYSQL_DSN=root@tcp(127.0.0.1:3306)/ to run")
	}
	dir := t.TempDir()
	day1 := parkingDump(t, dir, "20261123", false, 600, 100)
	day2 := parkingDump(t, dir, "20261124", true, 612, 10)
	changes := map[string]*liberator.Changes{}
	for _, backend := range []string{"embedded", "mysql"} {
		lake := t.TempDir()
		be := []string{"--backend", backend, "--mysql-dsn", dsn}
		if code, _, errOut := cli(t, append([]string{"run", "--dump", day1, "--lake", lake, "--quiet"}, be...)...); code != 0 {
			t.Fatalf("%s day 1: %s", backend, errOut)
		}
		code, out, errOut := cli(t, append([]string{"run", "--dump", day2, "--lake", lake, "--quiet", "--json", "--gate", "strict"}, be...)...)
		if code != exitGated {
			t.Fatalf("%s day 2: exit %d: %s", backend, code, errOut)
		}
		var s Summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		changes[backend] = s.Changes
		if backend == "mysql" {
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			err = db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", s.SnapshotID+"%").Scan(&n)
			db.Close()
			if err != nil || n != 0 {
				t.Errorf("snapshot database %s after the stopped run: %d left, %v", s.SnapshotID, n, err)
			}
		}
		if code, _, errOut := cli(t, append(publishArgs(t, errOut), "--quiet")...); code != 0 {
			t.Errorf("%s publish: exit %d: %s", backend, code, errOut)
		}
	}
	opts := cmp.Options{cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".SinceExportID" }, cmp.Ignore())}
	if diff := cmp.Diff(changes["embedded"], changes["mysql"], opts); diff != "" {
		t.Errorf("changes (-embedded +mysql):\n%s", diff)
	}
}
