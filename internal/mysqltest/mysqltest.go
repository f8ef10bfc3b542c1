// Package mysqltest gives integration tests a MySQL-compatible server.
//
// DSN returns, in order of preference: a MySQL 8.4 container started with
// testcontainers-go when a Docker engine answers (one per test binary), the
// server named by LIBERATOR_TEST_MYSQL_DSN, or skips the test saying how to
// enable it. Prefix gives each test its own database names and drops what
// the test created, so tests run in parallel and leave nothing behind.
// Private starts a MariaDB server of the test's own, for tests that need
// server settings the shared one must not change (max_allowed_packet).
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"
)

// EnvDSN is the environment variable naming a server for the tests, e.g.
// "root@tcp(127.0.0.1:3306)/".
const EnvDSN = "LIBERATOR_TEST_MYSQL_DSN"

// SkipMessage is what a test says when no server is available.
const SkipMessage = "MySQL tests need Docker or " + EnvDSN + "=root@tcp(127.0.0.1:3306)/"

var (
	once      sync.Once
	sharedDSN string
	setupErr  error
)

// dockerAnswers reports, quickly, whether a Docker engine is reachable.
func dockerAnswers() bool {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			return false
		}
		host = "unix:///var/run/docker.sock"
	}
	if p, ok := strings.CutPrefix(host, "unix://"); ok {
		c, err := net.DialTimeout("unix", p, time.Second)
		if err != nil {
			return false
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	prov, err := testcontainers.NewDockerProvider()
	if err != nil {
		return false
	}
	return prov.Health(ctx) == nil
}

func setup() {
	if dockerAnswers() {
		if sharedDSN, setupErr = containerDSN(); setupErr == nil {
			return
		}
	}
	sharedDSN = os.Getenv(EnvDSN)
}

// containerDSN starts a MySQL 8.4 container and returns its DSN with no
// database selected. The container is removed by testcontainers' reaper
// when the test binary exits.
func containerDSN() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ctr, err := tcmysql.Run(ctx, "mysql:8.4",
		tcmysql.WithUsername("root"), tcmysql.WithPassword("test"), tcmysql.WithDatabase("mysql"))
	if err != nil {
		return "", err
	}
	dsn, err := ctr.ConnectionString(ctx)
	if err != nil {
		return "", err
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	cfg.DBName = ""
	return cfg.FormatDSN(), nil
}

// DSN returns the DSN of a server the test may use (no database selected),
// or skips the test. It fails the test if the server does not answer.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if sharedDSN == "" {
		if setupErr != nil {
			t.Logf("testcontainers MySQL failed: %v", setupErr)
		}
		t.Skip(SkipMessage)
	}
	db, err := sql.Open("mysql", sharedDSN)
	if err != nil {
		t.Fatalf("mysqltest: bad DSN %q: %v", sharedDSN, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("mysqltest: server at %q does not answer: %v", sharedDSN, err)
	}
	return sharedDSN
}

// Prefix returns a name prefix unique to this test ("t_<hex>_"); every
// database whose name starts with it is dropped when the test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	p := "t_" + hex.EncodeToString(b[:]) + "_"
	t.Cleanup(func() { DropPrefix(t, dsn, p) })
	return p
}

// Databases lists the databases whose names start with prefix.
func Databases(t testing.TB, db *sql.DB, prefix string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(),
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ? ORDER BY SCHEMA_NAME",
		len(prefix), prefix)
	if err != nil {
		t.Fatalf("mysqltest: list databases: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// DropPrefix drops every database whose name starts with prefix.
func DropPrefix(t testing.TB, dsn, prefix string) {
	t.Helper()
	if len(prefix) < 4 {
		t.Errorf("mysqltest: refusing to drop databases with the short prefix %q", prefix)
		return
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	for _, n := range Databases(t, db, prefix) {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE `"+strings.ReplaceAll(n, "`", "``")+"`"); err != nil {
			t.Errorf("mysqltest: drop database %s: %v", n, err)
		}
	}
}
