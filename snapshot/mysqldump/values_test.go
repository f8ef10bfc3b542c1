package mysqldump

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

func TestAppendUnescaped(t *testing.T) {
	tests := []struct {
		in    string
		quote byte
		want  string
	}{
		{`plain`, '\'', "plain"},
		{`\0\'\"\b\n\r\t\Z\\`, '\'', "\x00'\"\b\n\r\t\x1a\\"},
		{`50\% a\_b`, '\'', `50\% a\_b`},
		{`\x\y\q`, '\'', "xyq"},
		{`it''s`, '\'', "it's"},
		{`say ""hi""`, '"', `say "hi"`},
		{`it''s`, '"', "it''s"}, // two single quotes in a " string stay
		{"a``b", '`', "a`b"},
		{`a\nb`, '`', `a\nb`},
		{`trailing\`, '\'', `trailing\`},
		{"", '\'', ""},
		{"héllo wörld", '\'', "héllo wörld"},
	}
	for _, tc := range tests {
		got := string(AppendUnescaped([]byte("pre:"), []byte(tc.in), tc.quote))
		if got != "pre:"+tc.want {
			t.Errorf("AppendUnescaped(%q, %c) = %q, want %q", tc.in, tc.quote, got, "pre:"+tc.want)
		}
	}
}

func TestAppendQuotedRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a", "\x00'\"\b\n\r\t\x1a\\", `50\% a\_b`, "\xff\xfe", "it's"} {
		q := AppendQuoted(nil, []byte(s))
		if q[0] != '\'' || q[len(q)-1] != '\'' {
			t.Fatalf("AppendQuoted(%q) = %q", s, q)
		}
		if got := AppendUnescaped(nil, q[1:len(q)-1], '\''); !bytes.Equal(got, []byte(s)) {
			t.Errorf("round trip of %q gave %q via %q", s, got, q)
		}
	}
}

func TestScanValues(t *testing.T) {
	const create = "CREATE TABLE `v` (`a` blob);\n"
	tests := []struct {
		name   string
		values string
		want   []string
	}{
		{"null and numbers", "(NULL),(null),(-12),(3.50),(1e-05),(+7),(.5)", []string{"NULL", "NULL", "n:-12", "n:3.50", "n:1e-05", "n:+7", "n:.5"}},
		{"strings", `('a'),(''),('it''s'),('\'\\'),("dq\"x"""),('a;b),(c')`, []string{`s:"a"`, `s:""`, `s:"it's"`, `s:"'\\"`, `s:"dq\"x\""`, `s:"a;b),(c"`}},
		{"escapes", `('\0\b\n\r\t\Z\%\_\q')`, []string{`s:"\x00\b\n\r\t\x1a\\%\\_q"`}},
		{"introducers", `(_binary 'ab\0'),(_utf8mb4'x'),(_latin1 X'41'),(_binary 0xFF00)`, []string{`s:"ab\x00"`, `s:"x"`, "x:41", "x:ff00"}},
		{"hex", "(0xCAFE),(0xabc),(X'0A0b'),(x''),(0x1),(0x123456789)", []string{"x:cafe", "x:0abc", "x:0a0b", "x:", "x:01", "x:0123456789"}},
		{"bits", "(b'101'),(B'0'),(b''),(0b100000000),(b'00000001')", []string{"b:05", "b:00", "b:00", "b:0100", "b:01"}},
		{"spaces", "( 1 , 'a' ) , (\n2\n)", []string{"n:1|s:\"a\"", "n:2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{1, 5, 0} {
				// Rows have one or two values; use a 2-column table when needed.
				cr := create
				if strings.Contains(tc.name, "spaces") {
					cr = "CREATE TABLE `v` (`a` int, `b` varchar(3));\n"
				}
				sql := cr + "INSERT INTO `v` VALUES " + tc.values + ";\n"
				if strings.Contains(tc.name, "spaces") {
					sql = cr + "INSERT INTO `v` (`a`) VALUES " + tc.values + ";\n"
					sql = strings.Replace(sql, "(`a`)", "(`a`,`b`)", 1)
					sql = strings.Replace(sql, "(\n2\n)", "(\n2\n,'b')", 1)
					tc.want = []string{`n:1|s:"a"`, `n:2|s:"b"`}
				}
				rec, _, err := scanString(t, sql, ScanOptions{BufferSize: bufSize})
				if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				var got []string
				for _, r := range rec.rows {
					got = append(got, r[strings.Index(r, ": ")+2:])
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("buf %d (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}

func TestScanColumnMapping(t *testing.T) {
	const create = "CREATE TABLE `g` (\n  `a` int,\n  `v` int GENERATED ALWAYS AS ((`a` + 1)) VIRTUAL,\n  `b` varchar(5),\n  `s` int GENERATED ALWAYS AS ((`a` * 2)) STORED\n);\n"
	tests := []struct {
		name   string
		insert string
		want   []string
	}{
		{"mysql 8 column list without generated", "INSERT INTO `g` (`a`, `b`) VALUES (1,'x');", []string{`g@7: n:1|n:2|s:"x"|n:2`}},
		{"column list in another order", "INSERT INTO `g` (`b`,`A`) VALUES ('x',1);", []string{`g@7: n:1|n:2|s:"x"|n:2`}},
		{"all columns without a list", "INSERT INTO `g` VALUES (1,2,'x',2);", []string{`g@7: n:1|n:2|s:"x"|n:2`}},
		{"non-generated columns without a list", "INSERT INTO `g` VALUES (1,'x'),(2,'y');", []string{`g@7: n:1|n:2|s:"x"|n:2`, `g@7: n:2|n:3|s:"y"|n:4`}},
		{"skip-extended-insert", "INSERT INTO `g` VALUES (1,'x');\nINSERT INTO `g` VALUES (2,'y');", []string{`g@7: n:1|n:2|s:"x"|n:2`, `g@8: n:2|n:3|s:"y"|n:4`}},
		{"insert ignore, into omitted db prefix", "INSERT IGNORE INTO `db`.`g` VALUES (1,'x');", []string{`g@7: n:1|n:2|s:"x"|n:2`}},
		{"replace", "REPLACE INTO `g` VALUES (1,'x');", []string{`g@7: n:1|n:2|s:"x"|n:2`}},
		{"multi-line rows", "INSERT INTO `g` VALUES (1,'x'),\n(2,'y'),\n(3,'multi\nline'),(4,'z');", []string{`g@7: n:1|n:2|s:"x"|n:2`, `g@8: n:2|n:3|s:"y"|n:4`, `g@9: n:3|n:4|s:"multi\nline"|n:6`, `g@10: n:4|n:5|s:"z"|n:8`}},
		{"delimiter block", "DELIMITER ;;\nINSERT INTO `g` VALUES (1,'x');;\nDELIMITER ;", []string{`g@8: n:1|n:2|s:"x"|n:2`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{3, 0} {
				rec, st, err := scanString(t, create+tc.insert+"\n", ScanOptions{BufferSize: bufSize})
				if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				if diff := cmp.Diff(tc.want, rec.rows); diff != "" {
					t.Errorf("buf %d (-want +got):\n%s", bufSize, diff)
				}
				if st.RowsByTable["g"] != int64(len(tc.want)) {
					t.Errorf("stats %+v", st)
				}
			}
		})
	}
}

func TestScanOptionsAndHandlerErrors(t *testing.T) {
	sql := "CREATE TABLE `a` (`x` int);\nCREATE TABLE `b` (`y` int);\nINSERT INTO `a` VALUES (1),(2);\nINSERT INTO `b` VALUES (3);\nINSERT INTO `a` VALUES (4);\n"
	rec, st, err := scanString(t, sql, ScanOptions{Tables: []string{"A"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a@3: n:1", "a@3: n:2", "a@5: n:4"}, rec.rows); diff != "" {
		t.Errorf("filtered rows (-want +got):\n%s", diff)
	}
	if len(rec.tables) != 1 || st.Tables != 2 || st.Rows != 3 {
		t.Errorf("tables %d stats %+v", len(rec.tables), st)
	}

	// A failing handler stops the scan; the error names table and line.
	rec = &recorder{failRow: 2}
	_, err = Scan(context.Background(), strings.NewReader(sql), rec, ScanOptions{})
	if err == nil || !strings.Contains(err.Error(), "injected row failure") || !strings.Contains(err.Error(), "table `a` row at line 3") {
		t.Errorf("handler failure: %v", err)
	}

	// A canceled context stops the scan.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, strings.NewReader(sql), &recorder{}, ScanOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}

	// A row larger than MaxStatement is refused; bigger INSERTs are fine.
	big := "CREATE TABLE `a` (`x` text);\nINSERT INTO `a` VALUES ('" + strings.Repeat("x", 3000) + "');\n"
	if _, _, err := scanString(t, big, ScanOptions{BufferSize: 256, MaxStatement: 1024}); !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "1024-byte cap") || !strings.Contains(err.Error(), "table `a`") {
		t.Errorf("row too long: %v", err)
	}
	var many strings.Builder
	many.WriteString("CREATE TABLE `a` (`x` text);\nINSERT INTO `a` VALUES ")
	for i := 0; i < 1000; i++ {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteString("('" + strings.Repeat("y", 50) + "')")
	}
	many.WriteString(";\n")
	_, st, err = scanString(t, many.String(), ScanOptions{BufferSize: 256, MaxStatement: 1024})
	if err != nil || st.Rows != 1000 {
		t.Errorf("large INSERT with small rows: %v %+v", err, st)
	}
}

func TestIndexQuoteOrBackslash(t *testing.T) {
	for _, s := range []string{"", "a", "'", "\\", "abcdefgh'", "abcdefghijklmnop\\x'", "\x27\x27", "\xa7\xdc'", "12345678", "1234567\\", "\x00\x01\x80\xff\x26\x28\x5b\x5d'"} {
		for start := 0; start <= len(s); start++ {
			want := start
			for want < len(s) && s[want] != '\'' && s[want] != '\\' {
				want++
			}
			if got := indexQuoteOrBackslash([]byte(s), start); got != want {
				t.Errorf("indexQuoteOrBackslash(%q, %d) = %d, want %d", s, start, got, want)
			}
		}
	}
}
