package mysqldump

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
)

// dumpTool runs mariadb-dump (or mysqldump) against the test server with
// args and returns its output; it skips the test when neither is installed.
func dumpTool(t *testing.T, dsn string, args ...string) []byte {
	t.Helper()
	tool, err := exec.LookPath("mariadb-dump")
	if err != nil {
		if tool, err = exec.LookPath("mysqldump"); err != nil {
			t.Skip("no mariadb-dump or mysqldump on PATH")
		}
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"-h", host, "-P", port, "-u", cfg.User, "--skip-dump-date"}
	if cfg.Passwd != "" {
		base = append(base, "-p"+cfg.Passwd)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(tool, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v: %s", tool, args, err, stderr.String())
	}
	return out.Bytes()
}

// execAll runs statements on the test server.
func execAll(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range stmts {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestScanRealDatabaseDumps scans what mariadb-dump writes with --databases
// for two user databases holding a table of the same name, and for a user
// database with the mysql system database: the system tables (global_priv
// and its password hashes included) are never handed on, the two user
// databases are refused with both named unless one is chosen, and each
// chosen one gives its own rows.
func TestScanRealDatabaseDumps(t *testing.T) {
	dsn := mysqltest.DSN(t)
	p := mysqltest.Prefix(t)
	app, shop := p+"app", p+"shop"
	execAll(t, dsn, "CREATE DATABASE `"+app+"`", "CREATE DATABASE `"+shop+"`",
		"CREATE TABLE `"+app+"`.`t` (`id` int PRIMARY KEY, `who` varchar(9))", "INSERT INTO `"+app+"`.`t` VALUES (1,'app')",
		"CREATE TABLE `"+shop+"`.`t` (`sku` varchar(9) PRIMARY KEY)", "INSERT INTO `"+shop+"`.`t` VALUES ('shop-1'),('shop-2')")

	withMySQL := dumpTool(t, dsn, "--databases", app, "mysql")
	var events []string
	st, err := Scan(context.Background(), bytes.NewReader(withMySQL), &eventHandler{events: &events}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create `" + app + "`.`t`", "row `" + app + "`.`t`: n:1|s:\"app\""}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("--databases app mysql (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{[]string{app}, app}, []any{st.Databases, st.Database}); diff != "" {
		t.Errorf("databases (-want +got):\n%s", diff)
	}
	if !bytes.Contains(withMySQL, []byte("CREATE TABLE `global_priv`")) {
		t.Errorf("the dump has no mysql.global_priv: the test proves nothing")
	}

	two := dumpTool(t, dsn, "--databases", app, shop)
	events = nil
	_, err = Scan(context.Background(), bytes.NewReader(two), &eventHandler{events: &events}, ScanOptions{})
	if err == nil || !strings.Contains(err.Error(), "several user databases (`"+app+"`, `"+shop+"`)") || !strings.Contains(err.Error(), "`"+shop+"`.`t`") {
		t.Errorf("two databases: %v", err)
	}
	for db, rows := range map[string][]string{app: {"n:1|s:\"app\""}, shop: {"s:\"shop-1\"", "s:\"shop-2\""}} {
		events = nil
		if _, err := Scan(context.Background(), bytes.NewReader(two), &eventHandler{events: &events}, ScanOptions{SourceDatabase: db}); err != nil {
			t.Fatalf("%s: %v", db, err)
		}
		want := []string{"create `" + db + "`.`t`"}
		for _, r := range rows {
			want = append(want, "row `"+db+"`.`t`: "+r)
		}
		if diff := cmp.Diff(want, events); diff != "" {
			t.Errorf("SourceDatabase %s (-want +got):\n%s", db, diff)
		}
	}
}

// restoreTool loads sql into database db with the mariadb (or mysql)
// client, as a user restores a dump.
func restoreTool(t *testing.T, dsn, db string, sql []byte) {
	t.Helper()
	tool, err := exec.LookPath("mariadb")
	if err != nil {
		if tool, err = exec.LookPath("mysql"); err != nil {
			t.Skip("no mariadb or mysql client on PATH")
		}
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-h", host, "-P", port, "-u", cfg.User}
	if cfg.Passwd != "" {
		args = append(args, "-p"+cfg.Passwd)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool, append(args, db)...)
	cmd.Stdin, cmd.Stderr = bytes.NewReader(sql), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", tool, err, stderr.String())
	}
}

// TestScanRealCharsetDumps dumps a table of non-ASCII text with
// mariadb-dump --default-character-set latin1, cp850, cp1251, sjis and
// utf8mb4, restores each dump with the mariadb client into a fresh
// database and compares, value by value, what the server then holds with
// what Scan hands on.
func TestScanRealCharsetDumps(t *testing.T) {
	dsn := mysqltest.DSN(t)
	p := mysqltest.Prefix(t)
	src := p + "cs"
	execAll(t, dsn, "CREATE DATABASE `"+src+"`",
		"CREATE TABLE `"+src+"`.`people` (`id` int PRIMARY KEY, `name` varchar(40), `city` varchar(20) CHARACTER SET latin1, `note` text CHARACTER SET cp1251, `kind` enum('café','thé')) DEFAULT CHARSET=utf8mb4",
		"INSERT INTO `"+src+"`.`people` VALUES (1,'café Müller €','Zürich','Привет','café'),(2,'こんにちは','São Paulo',NULL,'thé'),(3,'plain',NULL,'ascii','café')")
	for i, cs := range []string{"latin1", "cp850", "cp1251", "sjis", "utf8mb4"} {
		t.Run(cs, func(t *testing.T) {
			dump := dumpTool(t, dsn, "--default-character-set="+cs, src, "people")
			if !bytes.Contains(dump, []byte("SET NAMES "+cs)) {
				t.Fatalf("the dump does not say SET NAMES %s", cs)
			}
			dst := p + "r" + strconv.Itoa(i)
			execAll(t, dsn, "CREATE DATABASE `"+dst+"`")
			restoreTool(t, dsn, dst, dump)
			want := selectAll(t, dsn, "SELECT * FROM `"+dst+"`.`people` ORDER BY `id`")
			rec := &valuesRecorder{}
			if _, err := Scan(context.Background(), bytes.NewReader(dump), rec, ScanOptions{BufferSize: 64}); err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, r := range rec.rows {
				row := make([]string, len(r))
				for j, v := range r {
					row[j] = plainValue(v)
				}
				got = append(got, row)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("restore (-) and Scan (+) differ:\n%s", diff)
			}
		})
	}
}

// selectAll returns the rows of query as text ("NULL" for NULL).
func selectAll(t *testing.T, dsn, query string) [][]string {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// plainValue turns a rendered value (renderValue) back into its text.
func plainValue(v string) string {
	switch {
	case v == "NULL":
		return v
	case strings.HasPrefix(v, "n:"):
		return v[2:]
	}
	s, err := strconv.Unquote(v[2:])
	if err != nil {
		return v
	}
	return s
}
