package mysqldump

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

func scanString(t *testing.T, sql string, opts ScanOptions) (*recorder, ScanStats, error) {
	t.Helper()
	rec := &recorder{}
	st, err := Scan(context.Background(), strings.NewReader(sql), rec, opts)
	return rec, st, err
}

func TestScanMySQLDump(t *testing.T) {
	data, err := os.ReadFile("testdata/mysql84.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, bufSize := range []int{16, 4096, 0} {
		rec, st, err := scanString(t, string(data), ScanOptions{BufferSize: bufSize})
		if err != nil {
			t.Fatalf("buf %d: %v", bufSize, err)
		}
		wantRows := []string{
			`PCN_IC@47: n:1|s:"AB12345"|s:"2026-11-24 08:15:00.000000"|n:65.00|s:"open"|s:"line1\nline2 'q' \\ 50\\% a\\_b"|s:"\x00"|s:"PNG\x00\r\n"|n:130.00`,
			`PCN_IC@47: n:2|s:"CD 678"|s:"2026-11-24 09:00:00.000000"|n:35.50|s:"can't pay"|NULL|x:02|NULL|n:71.00`,
			`PCN_IC@47: n:3|s:"EF,(9)"|s:"0000-00-00 00:00:00.000000"|n:-1.00|s:"it's"|s:""|b:03|x:cafe|n:-2.00`,
		}
		if diff := cmp.Diff(wantRows, rec.rows); diff != "" {
			t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
		}
		wantSkipped := []Skipped{
			{Kind: SkippedView, Name: "v_open", Line: 59},
			{Kind: SkippedProcedure, Name: "purge_old", Line: 71},
			{Kind: SkippedTrigger, Name: "pcn_upper", Line: 84},
		}
		if diff := cmp.Diff(wantSkipped, rec.skipped); diff != "" {
			t.Errorf("buf %d skipped (-want +got):\n%s", bufSize, diff)
		}
		if len(rec.tables) != 1 || rec.tables[0].Name != "PCN_IC" || rec.tables[0].Line != 25 {
			t.Errorf("tables = %+v", rec.tables)
		}
		if st.Rows != 3 || st.Tables != 1 || !st.Completed || !strings.HasPrefix(st.Header, "-- MySQL dump 10.13  Distrib 8.4.0") || st.Bytes != int64(len(data)) {
			t.Errorf("stats = %+v", st)
		}
	}
}

func TestScanMariaDBDump(t *testing.T) {
	data, err := os.ReadFile("testdata/mariadb114.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, bufSize := range []int{16, 0} {
		rec, st, err := scanString(t, string(data), ScanOptions{BufferSize: bufSize})
		if err != nil {
			t.Fatalf("buf %d: %v", bufSize, err)
		}
		wantRows := []string{
			`permits@46: n:1|s:"AB12CDE"|s:"A,C,D"|s:"2026-01-01"|s:"2026-11-24 03:00:00"|n:12.5|n:7|s:"ab12cde"|s:"{\"k\": \"v\"}"`,
			`permits@47: n:2|s:"ZZ99ZZZ"|s:""|s:"2026-02-01"|NULL|NULL|n:7|s:"zz99zzz"|NULL`,
		}
		if diff := cmp.Diff(wantRows, rec.rows); diff != "" {
			t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
		}
		wantSkipped := []Skipped{
			{Kind: SkippedTrigger, Name: "permits_bi", Line: 67},
			{Kind: SkippedEvent, Name: "nightly", Line: 79},
			{Kind: SkippedFunction, Name: "fee", Line: 87},
			{Kind: SkippedView, Name: "v_permits", Line: 100},
		}
		if diff := cmp.Diff(wantSkipped, rec.skipped); diff != "" {
			t.Errorf("buf %d skipped (-want +got):\n%s", bufSize, diff)
		}
		if len(rec.tables) != 1 || rec.tables[0].Name != "permits" {
			t.Errorf("tables = %+v", rec.tables)
		}
		if !st.Completed || !strings.HasPrefix(st.Header, "-- MariaDB dump 10.19-11.4.2-MariaDB") {
			t.Errorf("stats = %+v", st)
		}
	}
}

func TestScanErrors(t *testing.T) {
	const table = "CREATE TABLE `t` (\n  `a` int,\n  `b` varchar(5),\n  `g` int GENERATED ALWAYS AS (`a`+1) VIRTUAL\n);\n"
	tests := []struct {
		name string
		sql  string
		want []string // substrings of the error
	}{
		{"unknown table", table + "INSERT INTO `u` VALUES (1,'x',2);\n", []string{"table `u`", "line 6", "never created"}},
		{"too few values", table + "INSERT INTO `t` VALUES (1);\n", []string{"table `t`", "line 6", "1 values", "3 columns"}},
		{"too many values", table + "INSERT INTO `t` VALUES (1,'a',2,3);\n", []string{"table `t`", "line 6", "4 values"}},
		{"list count", table + "INSERT INTO `t` (`a`,`b`) VALUES (1);\n", []string{"table `t`", "1 values for 2 listed"}},
		{"unknown column", table + "INSERT INTO `t` (`a`,`zz`) VALUES (1,2);\n", []string{"table `t`", "column `zz`"}},
		{"cut mid string", table + "INSERT INTO `t` VALUES (1,'abc", []string{"table `t`", "line 6", "cut off"}},
		{"cut mid row", table + "INSERT INTO `t` VALUES (1,'a',2),(2,", []string{"table `t`", "line 6", "cut off"}},
		{"cut after row", table + "INSERT INTO `t` VALUES (1,'a',2)", []string{"table `t`", "cut off"}},
		{"cut in header", table + "INSERT INTO `t` VALU", []string{"cut off"}},
		{"garbage in row", table + "INSERT INTO `t` VALUES (1,'a',foo);\n", []string{"table `t`", "line 6", "unexpected"}},
		{"after row", table + "INSERT INTO `t` VALUES (1,'a',2) ON DUPLICATE KEY UPDATE a=1;\n", []string{"table `t`", "expected ','"}},
		{"not a dump", "hello world, this is not SQL\n", []string{"not a mysqldump"}},
		{"binary junk", "\x00\x01\x02PK;;;", []string{"not a mysqldump"}},
		{"empty", "", []string{"not a mysqldump", "no recognisable"}},
		{"only comments", "-- nothing here\n/* really */\n", []string{"no recognisable"}},
		{"cut statement", table + "DROP TABLE IF EXISTS `x`", []string{"line 6", "not terminated"}},
		{"cut comment", table + "/*!40101 SET x=1 ", []string{"line 6", "not closed"}},
		{"bad create", "CREATE TABLE `x` (\n `a` int(, `b` int);\n", []string{"table `x`", "line 1"}},
		{"insert into view", "/*!50001 CREATE TABLE `v` (`a` tinyint) ENGINE=MyISAM */;\nINSERT INTO `v` VALUES (1);\n", []string{"table `v`", "view"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{8, 0} {
				_, _, err := scanString(t, tc.sql, ScanOptions{BufferSize: bufSize})
				if err == nil {
					t.Fatalf("buf %d: no error", bufSize)
				}
				if !errors.Is(err, liberator.ErrInvalid) {
					t.Errorf("buf %d: %v is not Invalid", bufSize, err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("buf %d: error %q does not contain %q", bufSize, err, w)
					}
				}
			}
		})
	}
}

// TestScanLinesAfterEscapes checks that the lines reported after rows
// whose strings hold escaped newlines (decoded in place in the read
// window) are the dump's lines, whatever the window size.
func TestScanLinesAfterEscapes(t *testing.T) {
	const sql = "CREATE TABLE `t` (`a` text, `b` int);\n" +
		"INSERT INTO `t` VALUES ('one\\ntwo\\nthree',1),\n('x\\n\\n\\ny',2);\n" +
		"INSERT INTO `t` VALUES ('z',3);\n" +
		"CREATE VIEW `v` AS SELECT 1;\n" +
		"INSERT INTO `t` VALUES ('p\\nq', 4),('r\\ns', x);\n"
	for _, bufSize := range []int{5, 16, 0} {
		rec, _, err := scanString(t, sql, ScanOptions{BufferSize: bufSize})
		want := []string{`t@2: s:"one\ntwo\nthree"|n:1`, `t@3: s:"x\n\n\ny"|n:2`, `t@4: s:"z"|n:3`, `t@6: s:"p\nq"|n:4`}
		if diff := cmp.Diff(want, rec.rows); diff != "" {
			t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
		}
		if diff := cmp.Diff([]Skipped{{Kind: SkippedView, Name: "v", Line: 5}}, rec.skipped); diff != "" {
			t.Errorf("buf %d skipped (-want +got):\n%s", bufSize, diff)
		}
		if err == nil || !strings.Contains(err.Error(), "line 6") || !strings.Contains(err.Error(), `unexpected "x"`) {
			t.Errorf("buf %d: error %v", bufSize, err)
		}
	}
}

// TestScanCaps checks that a comment has no size cap (it is skipped as it
// streams, so one larger than the statement cap is fine) and that a row
// over the cap is an error naming the table, line and column.
func TestScanCaps(t *testing.T) {
	const table = "CREATE TABLE `t` (`id` int, `body` longtext, `n` int GENERATED ALWAYS AS (`id`) VIRTUAL);\n"
	comment := "/* " + strings.Repeat("a comment * / that goes on ", 40_000) + " */\n-- " + strings.Repeat("x", 1<<20) + "\n"
	rec, _, err := scanString(t, comment+table+"INSERT INTO `t` VALUES (1,'ok');\n", ScanOptions{BufferSize: 4096, MaxStatement: 64 << 10})
	if err != nil || len(rec.rows) != 1 {
		t.Errorf("comments of 1 MB under a 64 KiB cap: %v, %d rows", err, len(rec.rows))
	}
	_, _, err = scanString(t, table+"INSERT INTO `t` VALUES (1,'ok'),\n(2,'"+strings.Repeat("v", 100<<10)+"');\n", ScanOptions{BufferSize: 4096, MaxStatement: 64 << 10})
	for _, w := range []string{"table `t` at line 3", "column `body`", "65536-byte cap"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}
