package mysqldump

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os/exec"
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
