package dumpgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
)

func dump(t *testing.T, o Options) ([]byte, Stats) {
	t.Helper()
	var b bytes.Buffer
	st, err := Write(&b, o)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), st
}

func TestDeterministic(t *testing.T) {
	a, _ := dump(t, Options{Seed: 7, Rows: 30})
	b, _ := dump(t, Options{Seed: 7, Rows: 30})
	c, _ := dump(t, Options{Seed: 8, Rows: 30})
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Error("same seed gave different dumps")
	}
	if sha256.Sum256(a) == sha256.Sum256(c) {
		t.Error("different seeds gave the same dump")
	}
}

func TestStatsAndShape(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		maxLine    int
		wantInsert func(rows int64) int64 // nil: don't check
	}{
		{"default", Options{Seed: 1, Rows: 200}, DefaultNetBufferLength + 1, nil},
		{"small net buffer", Options{Seed: 1, Rows: 200, NetBufferLength: 16384, Tables: []string{"vehicles"}}, 16384 + 1, nil},
		{"one row per insert", Options{Seed: 1, Rows: 20, SkipExtendedInsert: true, CompleteInsert: true, HexBlob: true}, 1 << 30,
			func(rows int64) int64 { return rows }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, st := dump(t, tc.opts)
			if st.Bytes != int64(len(b)) {
				t.Errorf("Stats.Bytes = %d, wrote %d", st.Bytes, len(b))
			}
			var gotRows int64
			for _, ts := range st.Tables {
				gotRows += ts.Rows
				if ts.Rows != tc.opts.Rows {
					t.Errorf("table %s rows = %d, want %d", ts.Name, ts.Rows, tc.opts.Rows)
				}
				if tc.wantInsert != nil && ts.Inserts != tc.wantInsert(ts.Rows) {
					t.Errorf("table %s inserts = %d, want %d", ts.Name, ts.Inserts, tc.wantInsert(ts.Rows))
				}
			}
			if gotRows != st.Rows {
				t.Errorf("Stats.Rows = %d, sum of tables %d", st.Rows, gotRows)
			}
			// Every INSERT is one line ending ");" and, unless one row is
			// longer, shorter than the net buffer.
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 64<<20)
			var inserts int64
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "INSERT INTO `") {
					continue
				}
				inserts++
				if !strings.HasSuffix(line, ");") {
					t.Errorf("INSERT line does not end with );: …%q", line[max(0, len(line)-20):])
				}
				if len(line) > tc.maxLine && strings.Contains(line, "),(") {
					t.Errorf("extended INSERT of %d bytes > %d", len(line), tc.maxLine)
				}
			}
			var wantInserts int64
			for _, ts := range st.Tables {
				wantInserts += ts.Inserts
			}
			if inserts != wantInserts {
				t.Errorf("found %d INSERT lines, stats say %d", inserts, wantInserts)
			}
			for _, s := range []string{"-- MySQL dump 10.13", "/*!40103 SET TIME_ZONE='+00:00' */;", "-- Dump completed on 2026-11-24  3:15:02"} {
				if !bytes.Contains(b, []byte(s)) {
					t.Errorf("dump lacks %q", s)
				}
			}
		})
	}
}

func TestTargetBytes(t *testing.T) {
	const target = 3 << 20
	var n countOnly
	st, err := Write(&n, Options{Seed: 3, TargetBytes: target})
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes < target || st.Bytes > target*12/10 {
		t.Errorf("Bytes = %d, want within [%d, %d]", st.Bytes, target, target*12/10)
	}
	if int64(n) != st.Bytes {
		t.Errorf("wrote %d, stats %d", n, st.Bytes)
	}
}

type countOnly int64

func (c *countOnly) Write(p []byte) (int, error) { *c += countOnly(len(p)); return len(p), nil }

func TestWriteZip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ZipName(2026, 11, 24))
	opts := Options{Seed: 5, Rows: 40}
	st, err := WriteZip(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := dump(t, opts)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"liberator_dump_20261124.sql"}, names); diff != "" {
		t.Fatalf("entries (-want +got):\n%s", diff)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("zip entry (%d bytes) differs from Write output (%d bytes)", len(got), len(want))
	}
	fi, _ := os.Stat(path)
	if st.ZipBytes != fi.Size() || st.Bytes != int64(len(want)) {
		t.Errorf("stats %+v, file %d bytes, sql %d", st, fi.Size(), len(want))
	}
}

func TestRowEdgesAndTypes(t *testing.T) {
	tests := []struct {
		table string
		row   int64
		col   string
		want  any
	}{
		{"PCN_IC", 0, "issue_date", nil}, // zero date
		{"PCN_IC", 0, "observed_time", "-838:59:59.000000"},
		{"PCN_IC", 3, "is_void", int64(-1)},
		{"PCN_IC", 1, "updated_at", time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC)},
		{"PCN_IC", 3, "street", "nul\x00byte\x00"},
		{"liberator_permit", 1, "uprn", uint64(math.MaxUint64)},
		{"liberator_permit", 1, "hours_mask", []byte{0x0f, 0xff}},
		{"liberator_permit", 2, "first_registered", int64(0)},
		{"liberator_pcn_payments", 0, "ledger_balance", maxDec65},
		{"liberator_pcn_payments", 4, "fee_rate", 1.17549e-38},
		{"liberator_pcn_payments", 0, "transaction_ref", make([]byte, 16)},
		{"vehicles", 0, "odometer_raw", int64(math.MinInt64)},
	}
	cols := map[string][]Column{}
	for _, tb := range Tables() {
		cols[tb.Name] = tb.Columns
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s", tc.table, tc.row, tc.col), func(t *testing.T) {
			row, err := Row(1, tc.table, tc.row)
			if err != nil {
				t.Fatal(err)
			}
			idx := -1
			for i, c := range cols[tc.table] {
				if c.Name == tc.col {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("no column %s", tc.col)
			}
			if diff := cmp.Diff(tc.want, row[idx]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Row(1, "nope", 0); err == nil {
		t.Error("Row of unknown table: no error")
	}
}

// TestRowMatchesDatabase loads a generated dump into MySQL/MariaDB and
// checks that Row predicts every value the server returns.
func TestRowMatchesDatabase(t *testing.T) {
	dsn := os.Getenv("LIBERATOR_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("set LIBERATOR_TEST_MYSQL_DSN=root@tcp(127.0.0.1:3306)/ to run")
	}
	const seed, rows = 11, 60
	sqlText, _ := dump(t, Options{Seed: seed, Rows: rows, NoViewTrigger: true})
	db, err := sql.Open("mysql", dsn+"?multiStatements=true&maxAllowedPacket=0")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dbName := fmt.Sprintf("dumpgen_test_%d", os.Getpid())
	if _, err := db.Exec("CREATE DATABASE " + dbName); err != nil {
		t.Fatal(err)
	}
	defer db.Exec("DROP DATABASE " + dbName)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "USE "+dbName); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), string(sqlText)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "SET time_zone='+00:00'"); err != nil {
		t.Fatal(err)
	}
	for _, tb := range catalog {
		var names []string
		for _, c := range tb.cols {
			names = append(names, "`"+c.name+"`")
		}
		q := "SELECT " + strings.Join(names, ",") + " FROM `" + tb.name + "` ORDER BY `" + tb.cols[0].name + "`"
		rs, err := conn.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]any{}
		for rs.Next() {
			raw := make([]sql.RawBytes, len(tb.cols))
			ptrs := make([]any, len(raw))
			for i := range raw {
				ptrs[i] = &raw[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			vals := make([]any, len(raw))
			for i, rb := range raw {
				vals[i] = fromServer(t, tb.cols[i].kind, rb)
			}
			got[string(raw[0])] = vals
		}
		rs.Close()
		if len(got) != rows {
			t.Errorf("%s: %d rows in server, want %d", tb.name, len(got), rows)
		}
		for i := int64(0); i < rows; i++ {
			want, _ := Row(seed, tb.name, i)
			key := fmt.Sprint(want[0])
			if diff := cmp.Diff(want, got[key]); diff != "" {
				t.Errorf("%s row %d (-Row +server):\n%s", tb.name, i, diff)
			}
		}
	}
}

func fromServer(t *testing.T, k kind, rb sql.RawBytes) any {
	if rb == nil {
		return nil
	}
	s := string(rb)
	var v any
	var err error
	switch k {
	case kInt, kYear:
		v, err = strconv.ParseInt(s, 10, 64)
	case kUint:
		v, err = strconv.ParseUint(s, 10, 64)
	case kFloat, kDouble:
		v, err = strconv.ParseFloat(s, 64)
	case kBytes:
		return []byte(s)
	case kDate:
		if strings.HasPrefix(s, "0000") || strings.Contains(s, "-00") {
			return nil
		}
		return s
	case kDatetime:
		if strings.HasPrefix(s, "0000") {
			return nil
		}
		v, err = time.Parse("2006-01-02 15:04:05.999999", s)
	default:
		return s
	}
	if err != nil {
		t.Fatalf("server value %q: %v", s, err)
	}
	return v
}

func BenchmarkWrite(b *testing.B) {
	var st Stats
	for b.Loop() {
		var n countOnly
		var err error
		st, err = Write(&n, Options{Seed: 1, TargetBytes: 64 << 20})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(st.Bytes)
}
