package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

const dumpSQL = "-- MySQL dump 10.13\n" +
	"DROP TABLE IF EXISTS `PCN_IC`;\n" +
	"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `ref` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"INSERT INTO `PCN_IC` VALUES (1,'WK12345678'),(2,NULL);\n"

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, s)
	zw.Close()
	return buf.Bytes()
}

// TestOpenDump reads dumps from a file:// bucket and a local path.
func TestOpenDump(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("parking/liberator_dump_20261124.zip", zipOf(t, map[string]string{"liberator_dump_20261124.sql": dumpSQL}))
	write("parking/liberator_dump_20261125.sql.gz", gzipOf(t, dumpSQL))
	write("parking/liberator_dump_20261126.sql", []byte(dumpSQL))
	write("parking/liberator_dump_20261127.zip", zipOf(t, map[string]string{"a.sql": dumpSQL, "b.sql": dumpSQL}))
	write("parking/liberator_dump_20261128.zip", []byte("not a zip"))
	write("parking/liberator_dump_20261130.zip", zipOf(t, map[string]string{"liberator_dump_20261130.sql": dumpSQL, "README.txt": "notes"}))
	bucket := "file://" + filepath.ToSlash(dir)

	tests := []struct {
		name    string
		ref     liberator.DumpRef
		wantErr error
	}{
		{"zip in a bucket", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261124.zip"}, nil},
		{"gzip in a bucket", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261125.sql.gz"}, nil},
		{"plain SQL in a bucket", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261126.sql"}, nil},
		{"zip with a .sql and a note", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261130.zip"}, nil},
		{"local zip file", liberator.DumpRef{Key: filepath.Join(dir, "parking/liberator_dump_20261124.zip")}, nil},
		{"zip with two .sql files", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261127.zip"}, liberator.ErrInvalid},
		{"not a zip", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261128.zip"}, liberator.ErrInvalid},
		{"missing object", liberator.DumpRef{Bucket: bucket, Key: "parking/liberator_dump_20261129.zip"}, liberator.ErrNotFound},
		{"missing local file", liberator.DumpRef{Key: filepath.Join(dir, "nope.sql")}, liberator.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := mysqldump.Open(context.Background(), tc.ref, mysqldump.ReadOptions{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), filepath.Base(tc.ref.Key)) {
					t.Fatalf("openDump = %v, want an error wrapping %v naming the dump", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if string(got) != dumpSQL {
				t.Errorf("read %q, want the dump's SQL", got)
			}
		})
	}
}

// TestRunConfigErrors checks the one-line messages of a misconfigured task.
func TestRunConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing set", map[string]string{}, []string{"AWS_REGION", "LIBERATOR_DB_INSTANCE", "not set"}},
		{
			"no dump",
			map[string]string{
				"AWS_REGION": "eu-west-2", "LIBERATOR_DB_INSTANCE": "liberator-db", "LIBERATOR_EXPORT_BUCKET": "x",
				"LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/export", "LIBERATOR_EXPORT_KMS_KEY_ID": "k",
				"LIBERATOR_LANDING_BUCKET": "l", "LIBERATOR_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/q",
			},
			[]string{"LIBERATOR_MESSAGE", "DUMP_KEY"},
		},
		{
			"bad port",
			map[string]string{"LIBERATOR_DB_PORT": "33o6"},
			[]string{"LIBERATOR_DB_PORT", "33o6"},
		},
		{
			"launched by the direct chain",
			map[string]string{"LIBERATOR_CHAIN": "direct", "DUMP_BUCKET": "b", "DUMP_KEY": "parking/liberator_dump_20261124.zip"},
			[]string{"LIBERATOR_CHAIN=direct", "ecs-direct"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), func(k string) string { return tc.env[k] })
			if err == nil || !errors.Is(err, liberator.ErrInvalid) {
				t.Fatalf("run = %v, want a configuration error", err)
			}
			line := oneLine(err)
			for _, w := range tc.want {
				if !strings.Contains(line, w) || strings.Contains(line, "\n") {
					t.Errorf("message %q lacks %q", line, w)
				}
			}
		})
	}
}

// TestMySQLRestorer restores dumps into a real server: the first creates
// the database, the second replaces it, and a bad one leaves no database
// (and no staging database) behind.
func TestMySQLRestorer(t *testing.T) {
	dsn := mysqltest.DSN(t)
	target := mysqltest.Prefix(t) + "liberator"
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	ctx := context.Background()
	restore := mysqlRestorer(db, target, quiet())

	put := func(name, sql string) liberator.DumpRef {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, zipOf(t, map[string]string{"dump.sql": sql}), 0o644); err != nil {
			t.Fatal(err)
		}
		return liberator.DumpRef{Key: p}
	}
	count := func() int {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+target+"`.`PCN_IC`").Scan(&n); err != nil {
			t.Fatalf("count rows: %v", err)
		}
		return n
	}
	if err := restore(ctx, put("liberator_dump_20261124.zip", dumpSQL)); err != nil {
		t.Fatalf("first restore: %v", err)
	}
	if n := count(); n != 2 {
		t.Fatalf("rows after the first restore = %d, want 2", n)
	}
	second := strings.Replace(dumpSQL, "(2,NULL)", "(2,NULL),(3,'WK00000003')", 1)
	if err := restore(ctx, put("liberator_dump_20261125.zip", second)); err != nil {
		t.Fatalf("second restore: %v", err)
	}
	if n := count(); n != 3 {
		t.Fatalf("rows after the second restore = %d, want 3", n)
	}
	bad := dumpSQL + "INSERT INTO `PCN_IC` VALUES (4,'x'),(4,'duplicate key');\n"
	if err := restore(ctx, put("liberator_dump_20261126.zip", bad)); err == nil {
		t.Fatal("a dump with a duplicate key restored without error")
	}
	var left []string
	rows, err := db.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1", target+"%")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		left = append(left, name)
	}
	rows.Close()
	// The live database survives a bad dump, unchanged; no staging database is left.
	if diff := cmp.Diff([]string{target}, left); diff != "" {
		t.Errorf("databases after a failed restore (-want +got):\n%s", diff)
	}
	if n := count(); n != 3 {
		t.Errorf("rows after a failed restore = %d, want the previous 3", n)
	}
}
