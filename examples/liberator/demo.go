package main

import (
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// demoDate is the fixed date of the demo dump, so its output is the same
// every day.
var demoDate = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func demoCmd(args []string, stdout, stderr io.Writer) int {
	var lake string
	var rows, seed int64
	var asJSON, quiet bool
	fs := newFlags("demo", "demo --lake DIR [--rows N] [--seed N] [--json]\n\n"+
		"Writes a realistic sample Liberator dump, DIR/liberator_dump_20261124.zip\n"+
		"(penalty charge notices, permits, payments, fixed penalty notices,\n"+
		"vehicles; every MySQL type of the RDS export mapping, edge values\n"+
		"included), then runs 'liberator run' on it with the lake in DIR.", stdout)
	fs.StringVar(&lake, "lake", "", "lake directory (required); created if missing")
	fs.Int64Var(&rows, "rows", 600, "rows per table")
	fs.Int64Var(&seed, "seed", 1, "seed of the generated data")
	fs.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	fs.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if lake == "" {
		return fail(stderr, fmt.Errorf("demo: --lake DIR is required"))
	}
	if rows < 1 {
		return fail(stderr, fmt.Errorf("demo: --rows must be at least 1"))
	}
	if err := os.MkdirAll(lake, 0o755); err != nil {
		return fail(stderr, fmt.Errorf("demo: %w", err))
	}
	dump := filepath.Join(lake, dumpgen.ZipName(demoDate.Year(), demoDate.Month(), demoDate.Day()))
	st, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: seed, Rows: rows})
	if err != nil {
		return fail(stderr, fmt.Errorf("demo: write sample dump: %w", err))
	}
	if !quiet {
		fmt.Fprintf(stderr, "wrote %s: %d tables, %d rows, %.1f MB of SQL (%.1f MB zipped)\n",
			dump, len(st.Tables), st.Rows, float64(st.Bytes)/1e6, float64(st.ZipBytes)/1e6)
	}
	runArgs := []string{"--dump", dump, "--lake", lake}
	if asJSON {
		runArgs = append(runArgs, "--json")
	}
	if quiet {
		runArgs = append(runArgs, "--quiet")
	}
	return runCmd(runArgs, stdout, stderr)
}

func gendumpCmd(args []string, stdout, stderr io.Writer) int {
	var out, size, tables string
	var rows, seed int64
	var level int
	var hexBlob, extended, complete, asJSON bool
	fs := newFlags("gendump", "gendump --out FILE [--size 1GB | --rows N] [--seed N] [--level N] [--hex-blob]\n\n"+
		"Writes a realistic, deterministic Liberator mysqldump: a .zip with one\n"+
		".sql entry (streamed), or plain SQL when FILE ends in .sql. --size sizes\n"+
		"the SQL (KB, MB, GB are powers of 1024); --rows gives rows per table.", stdout)
	fs.StringVar(&out, "out", "", "output file: liberator_dump_YYYYMMDD.zip or .sql (required)")
	fs.StringVar(&size, "size", "", "SQL size to reach, e.g. 100MB, 1GB (overrides --rows)")
	fs.Int64Var(&rows, "rows", 1000, "rows per table when --size is not given")
	fs.Int64Var(&seed, "seed", 1, "seed of the generated data")
	fs.StringVar(&tables, "tables", "", "comma-separated tables to write (default all: "+strings.Join(dumpgen.TableNames(), ",")+")")
	fs.IntVar(&level, "level", flate.DefaultCompression, "deflate level for .zip, 1 (fast) to 9 (small); -1 = default (6)")
	fs.BoolVar(&hexBlob, "hex-blob", false, "write binary values as 0x… like mysqldump --hex-blob")
	fs.BoolVar(&extended, "skip-extended-insert", false, "one INSERT per row like mysqldump --skip-extended-insert")
	fs.BoolVar(&complete, "complete-insert", false, "column lists in INSERTs like mysqldump --complete-insert")
	fs.BoolVar(&asJSON, "json", false, "print the stats as JSON")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if out == "" {
		return fail(stderr, fmt.Errorf("gendump: --out FILE is required"))
	}
	opts := dumpgen.Options{Seed: seed, Rows: rows, HexBlob: hexBlob, SkipExtendedInsert: extended, CompleteInsert: complete}
	if tables != "" {
		opts.Tables = strings.Split(tables, ",")
	}
	if size != "" {
		n, err := parseSize(size)
		if err != nil {
			return fail(stderr, fmt.Errorf("gendump: --size: %w", err))
		}
		opts.TargetBytes = n
	}
	var st dumpgen.Stats
	var err error
	if strings.HasSuffix(strings.ToLower(out), ".zip") {
		st, err = dumpgen.WriteZipLevel(out, opts, level)
	} else {
		var f *os.File
		if f, err = os.Create(out); err == nil {
			st, err = dumpgen.Write(f, opts)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
			}
		}
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("gendump: %w", err))
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(st)
		return 0
	}
	fmt.Fprintf(stdout, "%s: %d rows, %d bytes of SQL", out, st.Rows, st.Bytes)
	if st.ZipBytes > 0 {
		fmt.Fprintf(stdout, ", %d bytes zipped", st.ZipBytes)
	}
	fmt.Fprintln(stdout)
	for _, t := range st.Tables {
		fmt.Fprintf(stdout, "  %-24s %10d rows %6d inserts %12d bytes\n", t.Name, t.Rows, t.Inserts, t.Bytes)
	}
	return 0
}

// parseSize parses "1GB", "512MB", "100k", "12345" (binary units).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 100MB or 1GB)", s)
	}
	return int64(f * float64(mult)), nil
}
