package mysqldump

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, name := range []string{"testdata/mysql84.sql", "testdata/mariadb114.sql"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		tinyDump,
		"CREATE TABLE `t` (`a` int, `b` text);\nINSERT INTO `t` VALUES (1,'a\\'b'),(2,_binary 0xFF),(3,b'1'),(NULL,X'00');\n",
		"CREATE TABLE t (a int, g int AS (a) VIRTUAL);\nINSERT INTO t (a) VALUES (1);\nINSERT INTO t VALUES (2);\n",
		"DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET @a=1 */;;\nDELIMITER ;\n",
		"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump\nSET a=1;\n",
		"INSERT INTO `t` VALUES (1,'abc",
		"/*!40101 SET x=1 */",
		"-- x\n# y\n/* z */ SET @a='--';\n",
	} {
		f.Add([]byte(s))
	}
}

type scanResult struct {
	rows    []string
	skipped []Skipped
	tables  int
	err     string
}

func scanBytes(data []byte, bufSize int) scanResult {
	rec := &recorder{}
	st, err := Scan(context.Background(), bytes.NewReader(data), rec, ScanOptions{BufferSize: bufSize, MaxStatement: 1 << 20})
	r := scanResult{rows: rec.rows, skipped: rec.skipped, tables: st.Tables}
	if err != nil {
		r.err = err.Error()
	}
	return r
}

// FuzzScan checks that Scan never panics and that its result does not
// depend on how the input is split into reads.
func FuzzScan(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a := scanBytes(data, 4096)
		b := scanBytes(data, 3)
		if a.err != b.err || len(a.rows) != len(b.rows) || a.tables != b.tables || len(a.skipped) != len(b.skipped) {
			t.Fatalf("results differ with the read window:\n%+v\n%+v", a, b)
		}
		for i := range a.rows {
			if a.rows[i] != b.rows[i] {
				t.Fatalf("row %d differs: %q vs %q", i, a.rows[i], b.rows[i])
			}
		}
	})
}

type readResult struct {
	stmts []string
	err   string
}

func readStatements(t *testing.T, data []byte, bufSize int) readResult {
	sr := NewStatementReader(bytes.NewReader(data), ReaderOptions{BufferSize: bufSize, MaxStatement: 1 << 20})
	var r readResult
	for {
		st, err := sr.Next()
		if err == io.EOF {
			return r
		}
		if err != nil {
			r.err = err.Error()
			return r
		}
		if st.Offset < 0 || st.Offset > int64(len(data)) || !bytes.HasPrefix(data[st.Offset:], st.Text) {
			t.Fatalf("statement %q not at its offset %d", st.Text, st.Offset)
		}
		if want := 1 + bytes.Count(data[:st.Offset], []byte("\n")); st.Line != want {
			t.Fatalf("statement %q at line %d, want %d", st.Text, st.Line, want)
		}
		r.stmts = append(r.stmts, st.Kind.String()+"|"+string(st.Text)+"|"+string(st.Inner)+"|"+st.Table+"|"+st.Name)
	}
}

// FuzzStatementReader checks that the reader never panics, that statements
// are where it says, and that the split into reads does not matter.
func FuzzStatementReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a := readStatements(t, data, 4096)
		b := readStatements(t, data, 1)
		if a.err != b.err || strings.Join(a.stmts, "\x00") != strings.Join(b.stmts, "\x00") {
			t.Fatalf("results differ with the read window:\n%q\n%q", a, b)
		}
	})
}

// FuzzParseCreateTable checks that the parser never panics and that what it
// returns is sane.
func FuzzParseCreateTable(f *testing.F) {
	for _, s := range []string{
		"CREATE TABLE `t` (`a` int unsigned NOT NULL, `b` enum('x','y''z') DEFAULT 'x', PRIMARY KEY (`a`)) ENGINE=InnoDB",
		"CREATE TABLE t (a decimal(10,2), b varchar(5) CHARACTER SET latin1 COLLATE latin1_bin, c int AS (a+1) PERSISTENT)",
		"CREATE TABLE t (g geometry NOT NULL /*!80003 SRID 4326 */, v int GENERATED ALWAYS AS ((`a` * 2)) VIRTUAL)",
		"CREATE TABLE t (a int DEFAULT (1+(2)), b datetime(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))",
		"CREATE TABLE t (a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := ParseCreateTable(data)
		if err != nil {
			return
		}
		if tbl.Name == "" || len(tbl.Columns) == 0 {
			t.Fatalf("table %+v without a name or columns", tbl)
		}
		for _, c := range tbl.Columns {
			if c.Type == "" || c.Type != strings.ToLower(c.Type) {
				t.Fatalf("column %+v has a bad type", c)
			}
		}
	})
}

// FuzzUnescape checks AppendUnescaped on any input and that it inverts
// AppendQuoted.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"", "a", "\\0\\'\\\"\\b\\n\\r\\t\\Z\\\\", "50\\% a\\_b", "it''s", "x\\", "a``b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, q := range []byte{'\'', '"', '`'} {
			out := AppendUnescaped(nil, data, q)
			if len(out) > len(data) {
				t.Fatalf("unescaping %q grew it to %q", data, out)
			}
		}
		want := 0
		for want < len(data) && data[want] != '\'' && data[want] != '\\' {
			want++
		}
		if got := indexQuoteOrBackslash(data, 0); got != want {
			t.Fatalf("indexQuoteOrBackslash(%q) = %d, want %d", data, got, want)
		}
		quoted := AppendQuoted(nil, data)
		if got := AppendUnescaped(nil, quoted[1:len(quoted)-1], '\''); !bytes.Equal(got, data) {
			t.Fatalf("round trip of %q gave %q", data, got)
		}
		// The scanner decodes the same literal to the same bytes.
		sql := append([]byte("CREATE TABLE t (a blob);\nINSERT INTO t VALUES ("), quoted...)
		sql = append(sql, ");\n"...)
		rec := &rawRecorder{}
		if _, err := Scan(context.Background(), bytes.NewReader(sql), rec, ScanOptions{BufferSize: 2}); err != nil {
			t.Fatalf("scan of %q: %v", sql, err)
		}
		if len(rec.vals) != 1 || !bytes.Equal(rec.vals[0], data) {
			t.Fatalf("scanner decoded %q, want %q", rec.vals, data)
		}
	})
}

// rawRecorder keeps copies of the first value of each row.
type rawRecorder struct{ vals [][]byte }

func (r *rawRecorder) CreateTable(*Table) error { return nil }
func (r *rawRecorder) Row(_ *Table, vals []Value, _ int) error {
	r.vals = append(r.vals, bytes.Clone(vals[0].Bytes))
	return nil
}
func (r *rawRecorder) Skip(Skipped) {}
