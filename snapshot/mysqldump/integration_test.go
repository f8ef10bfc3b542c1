package mysqldump

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
)

// sumHandler sums CRC32s of the values of the differential test's table.
type sumHandler struct {
	Rows, Nulls   int64
	S, B, D, DT   uint64
	BadRowLengths int
}

func (h *sumHandler) CreateTable(*Table) error { return nil }
func (h *sumHandler) Row(_ *Table, v []Value, _ int) error {
	if len(v) != 7 {
		h.BadRowLengths++
		return nil
	}
	h.Rows++
	h.S += uint64(crc32.ChecksumIEEE(v[1].Bytes))
	h.B += uint64(crc32.ChecksumIEEE(v[2].Bytes))
	h.D += uint64(crc32.ChecksumIEEE(v[3].Bytes))
	h.DT += uint64(crc32.ChecksumIEEE(v[5].Bytes))
	if v[6].Kind == Null {
		h.Nulls++
	}
	return nil
}
func (h *sumHandler) Skip(Skipped) {}

// TestScanAgainstServer fills a table on a real MySQL/MariaDB server with
// strings holding every escape, binary data, decimals, datetimes and NULLs,
// dumps it with the server's dump tool (plain and --hex-blob), scans the
// dump and compares CRC32 sums of the scanned values with the sums the
// server computes. Needs LIBERATOR_TEST_MYSQL_DSN (e.g.
// "root@tcp(127.0.0.1:3306)/") and mariadb-dump or mysqldump on PATH.
func TestScanAgainstServer(t *testing.T) {
	dsn := os.Getenv("LIBERATOR_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("set LIBERATOR_TEST_MYSQL_DSN=root@tcp(127.0.0.1:3306)/ to run")
	}
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
	ctx := context.Background()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := fmt.Sprintf("snapscan_%d", os.Getpid())
	exec1 := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.ExecContext(ctx, "SET SESSION max_recursive_iterations = 1000000") // MariaDB
	conn.ExecContext(ctx, "SET SESSION cte_max_recursion_depth = 1000000")  // MySQL
	exec1("CREATE DATABASE " + name)
	defer conn.ExecContext(ctx, "DROP DATABASE "+name)
	exec1("USE " + name)
	exec1("CREATE TABLE r (id int PRIMARY KEY, s varchar(200), b varbinary(64), d decimal(12,3), f double, dt datetime(3), n int NULL)")
	exec1(`INSERT INTO r
WITH RECURSIVE seq AS (SELECT 1 AS i UNION ALL SELECT i+1 FROM seq WHERE i < 20000)
SELECT i,
  CONCAT('v', i, CASE i % 7 WHEN 0 THEN '''q' WHEN 1 THEN '\\\\' WHEN 2 THEN '\n\r\t' WHEN 3 THEN '"' WHEN 4 THEN '%_' WHEN 5 THEN CHAR(0) ELSE ',(),;' END),
  UNHEX(SHA2(i, 256)), i / 7, i * 1.000001, '2026-11-24 08:15:00.123' + INTERVAL i SECOND, IF(i % 3 = 0, NULL, i)
FROM seq`)
	var want sumHandler
	err = conn.QueryRowContext(ctx, "SELECT COUNT(*), SUM(CRC32(s)), SUM(CRC32(b)), SUM(CRC32(CAST(d AS CHAR))), SUM(CRC32(CAST(dt AS CHAR))), SUM(n IS NULL) FROM r").
		Scan(&want.Rows, &want.S, &want.B, &want.D, &want.DT, &want.Nulls)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--hex-blob"}, {"--complete-insert", "--skip-extended-insert"}} {
		args := append([]string{"-h", host, "-P", port, "-u", cfg.User, "--skip-ssl"}, extra...)
		if cfg.Passwd != "" {
			args = append(args, "-p"+cfg.Passwd)
		}
		args = append(args, name)
		var out, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, tool, args...)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			// Older clients lack --skip-ssl: retry without it.
			args = append(args[:6:6], args[7:]...)
			out.Reset()
			stderr.Reset()
			cmd = exec.CommandContext(ctx, tool, args...)
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s %v: %v: %s", tool, extra, err, stderr.String())
			}
		}
		var got sumHandler
		st, err := Scan(ctx, &out, &got, ScanOptions{BufferSize: 64 << 10})
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v: scanned values differ from the server's (-want +got):\n%s", extra, diff)
		}
		if st.Header == "" || !st.Completed {
			t.Errorf("%v: stats %+v", extra, st)
		}
	}
}
