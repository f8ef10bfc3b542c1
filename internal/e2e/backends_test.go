package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/export/mysqlexport"
	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// This file runs one dump through each backend and reads the exports back
// for value-by-value comparisons: the embedded backend (dump → Parquet),
// the MySQL backend (allowlisted restore → SELECT → Parquet) and a
// reference (the dump restored by the mariadb client, or the source
// database a dump was made from, exported with SELECT).

// exportedTable is one table of an export read back.
type exportedTable struct {
	// Columns are the Parquet fields: "name type (logical) optional".
	Columns []string
	// Rows are the rows rendered one value per column (see render), sorted.
	Rows [][]string
}

// exported is an export read back, by "db.table".
type exported map[string]exportedTable

// render writes a Parquet value for comparison: its kind and value; a
// long value as its length and digest, so that a difference in a 50 MB
// value reads as one line.
func render(v parquet.Value) string {
	if v.IsNull() {
		return "NULL"
	}
	if v.Kind() == parquet.Double && v.Double() == 0 {
		// A dump's "-0" is the integer expression -(0) to a server, which
		// stores +0; the embedded path keeps -0 (a known difference, see
		// mysqlexport's TestDifferential).
		return "DOUBLE:0"
	}
	s := v.String()
	if v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray {
		s = string(v.ByteArray())
	}
	if len(s) > 256 {
		return fmt.Sprintf("%v:%d bytes sha256 %x", v.Kind(), len(s), sha256.Sum256([]byte(s)))
	}
	return fmt.Sprintf("%v:%q", v.Kind(), s)
}

// readExported reads every Parquet file under root in bucket and checks
// each footer is under 1 MiB (finding 3 of issue 10).
func readExported(t *testing.T, bucket *blob.Bucket, root string) exported {
	t.Helper()
	ctx := context.Background()
	out := exported{}
	it := bucket.List(&blob.ListOptions{Prefix: root})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(obj.Key, ".parquet") {
			continue
		}
		// <root><db>/<db>.<table>/<batch>/part-….parquet; "" for the
		// files right under root.
		table := ""
		if parts := strings.Split(strings.TrimPrefix(obj.Key, root), "/"); len(parts) > 2 {
			table = parts[1]
		}
		data, err := bucket.ReadAll(ctx, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		if n := footerLen(data); n >= 1<<20 {
			t.Errorf("%s: footer of %d bytes, want < 1 MiB", obj.Key, n)
		}
		et := out[table]
		et.Columns = fieldsOf(t, obj.Key, data)
		et.Rows = append(et.Rows, rowsOf(t, obj.Key, data)...)
		out[table] = et
	}
	for k, et := range out {
		sort.Slice(et.Rows, func(i, j int) bool { return strings.Join(et.Rows[i], "|") < strings.Join(et.Rows[j], "|") })
		out[k] = et
	}
	return out
}

// footerLen returns the length of the footer of the Parquet file data.
func footerLen(data []byte) int {
	if len(data) < 8 {
		return 0
	}
	return int(binary.LittleEndian.Uint32(data[len(data)-8:]))
}

func fieldsOf(t *testing.T, key string, data []byte) []string {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	var out []string
	for _, fl := range f.Schema().Fields() {
		s := fl.Name() + " " + fl.Type().String()
		if lt := fl.Type().LogicalType(); lt != nil {
			s += " (" + lt.String() + ")"
		}
		if fl.Optional() {
			s += " optional"
		}
		out = append(out, s)
	}
	return out
}

func rowsOf(t *testing.T, key string, data []byte) [][]string {
	t.Helper()
	r := parquet.NewReader(bytes.NewReader(data))
	defer r.Close()
	var out [][]string
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			vals := make([]string, len(row))
			for i, v := range row {
				vals[i] = render(v)
			}
			out = append(out, vals)
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
}

// without returns e with the column named col of table left out.
func (e exported) without(table, col string) exported {
	et, ok := e[table]
	if !ok {
		return e
	}
	i := slices.IndexFunc(et.Columns, func(c string) bool { return strings.HasPrefix(c, col+" ") })
	if i < 0 {
		return e
	}
	out := exported{}
	for k, v := range e {
		out[k] = v
	}
	nt := exportedTable{Columns: slices.Delete(slices.Clone(et.Columns), i, i+1)}
	for _, r := range et.Rows {
		nt.Rows = append(nt.Rows, slices.Delete(slices.Clone(r), i, i+1))
	}
	out[table] = nt
	return out
}

// only returns e restricted to the tables keep holds.
func (e exported) only(keep func(table string) bool) exported {
	out := exported{}
	for k, v := range e {
		if keep(k) {
			out[k] = v
		}
	}
	return out
}

// counts returns the rows of each table.
func (e exported) counts() map[string]int {
	out := map[string]int{}
	for k, v := range e {
		out[k] = len(v.Rows)
	}
	return out
}

// compareExports reports, table by table, how got differs from want.
func compareExports(t *testing.T, what string, want, got exported) {
	t.Helper()
	var names []string
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		w, okw := want[k]
		g, okg := got[k]
		switch {
		case !okw:
			t.Errorf("%s: table %s should not be there", what, k)
		case !okg:
			t.Errorf("%s: table %s is missing", what, k)
		default:
			if diff := cmp.Diff(w.Columns, g.Columns); diff != "" {
				t.Errorf("%s: table %s: columns (-want +got):\n%s", what, k, diff)
			}
			if diff := cmp.Diff(w.Rows, g.Rows); diff != "" {
				t.Errorf("%s: table %s: rows (-want +got):\n%s", what, k, truncate(diff, 6000))
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "\n…"
	}
	return s
}

// embeddedExport converts the dump at path with the embedded backend.
func embeddedExport(t *testing.T, path string) (exported, error) {
	t.Helper()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	return embeddedExportTo(t, bucket, path)
}

// embeddedExportTo converts the dump at path with the embedded backend
// into bucket, under "emb/".
func embeddedExportTo(t *testing.T, bucket *blob.Bucket, path string) (exported, error) {
	t.Helper()
	e := embeddedexport.New(bucket, embeddedexport.Options{})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "emb",
		Snapshot: liberator.SnapshotInfo{ID: "s", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Key: path}}})
	if err != nil {
		return nil, err
	}
	if info.Status != liberator.ExportComplete {
		return nil, fmt.Errorf("embedded export %s: %s", info.Status, info.FailureCause)
	}
	return readExported(t, bucket, "emb/"), nil
}

// server is the MySQL-compatible server of the tests.
type server struct {
	dsn     string
	db      *sql.DB
	prefix  string // of every database the test makes
	mariadb bool
	backend *mysqlexport.Backend
	bucket  *blob.Bucket
}

// newServer returns the server mysqltest gives (skipping the test when
// there is none) with a MySQL backend on it.
func newServer(t *testing.T) *server {
	t.Helper()
	return newServerAt(t, mysqltest.DSN(t), mysqltest.Prefix(t))
}

// newServerAt returns the server at dsn with a MySQL backend on it; the
// test's databases start with prefix.
func newServerAt(t *testing.T, dsn, prefix string) *server {
	t.Helper()
	s := &server{dsn: dsn, prefix: prefix, bucket: memblob.OpenBucket(nil)}
	t.Cleanup(func() { s.bucket.Close() })
	var err error
	if s.db, err = mysqlsnap.Open(mysqlsnap.Config{DSN: dsn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.db.Close() })
	_, dialect, err := mysqlsnap.ServerDialect(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	s.mariadb = dialect == mysqlsnap.DialectMariaDB
	s.backend, err = mysqlexport.NewBackend(mysqlexport.BackendConfig{
		MySQL: mysqlsnap.Config{DSN: dsn, DatabasePrefix: s.prefix}, Bucket: s.bucket})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.backend.Close() })
	return s
}

// mysqlExport restores the dump at path through the MySQL backend (as
// snapshot id) and exports it.
func (s *server) mysqlExport(t *testing.T, id, path string, allow mysqlsnap.AllowOptions) (exported, error) {
	t.Helper()
	ctx := context.Background()
	be := s.backend
	if allow != (mysqlsnap.AllowOptions{}) {
		var err error
		be, err = mysqlexport.NewBackend(mysqlexport.BackendConfig{
			MySQL: mysqlsnap.Config{DSN: s.dsn, DatabasePrefix: s.prefix, Allow: allow}, Bucket: s.bucket})
		if err != nil {
			t.Fatal(err)
		}
		defer be.Close()
	}
	snap, err := be.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: liberator.DumpRef{Key: path}})
	if err != nil {
		return nil, err
	}
	info, err := be.Exporter.StartExport(ctx, liberator.ExportRequest{ID: "exp-" + id, Snapshot: snap})
	if err != nil {
		return nil, err
	}
	if info.Status != liberator.ExportComplete {
		return nil, fmt.Errorf("mysql export %s: %s", info.Status, info.FailureCause)
	}
	return readExported(t, s.bucket, "exp-"+id+"/"), nil
}

// databaseExport exports database, any database of the server, with the
// MySQL backend's exporter: the reference values.
func (s *server) databaseExport(t *testing.T, id, database string) exported {
	t.Helper()
	e := mysqlexport.New(s.db, s.bucket, mysqlexport.Options{})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "ref-" + id,
		Snapshot: liberator.SnapshotInfo{ID: id, Status: liberator.SnapshotAvailable, Kind: liberator.SnapshotDatabase, Database: database}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("export of database %s: %+v, %v", database, info, err)
	}
	return readExported(t, s.bucket, "ref-"+id+"/")
}

// exec runs statements on one connection.
func (s *server) exec(t *testing.T, stmts ...string) {
	t.Helper()
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range stmts {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", truncate(q, 200), err)
		}
	}
}

// clientArgs returns the connection arguments of the mariadb clients.
func (s *server) clientArgs(t *testing.T) []string {
	t.Helper()
	cfg, err := mysql.ParseDSN(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	if port == "" {
		port = "3306"
	}
	args := []string{"--protocol=tcp", "-h", host, "-P", port, "-u", cfg.User}
	if cfg.Passwd != "" {
		args = append(args, "-p"+cfg.Passwd)
	}
	return args
}

// tool returns the path of the first of names installed, or skips.
func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("%s is not installed", names[0])
	return ""
}

// dump runs mariadb-dump with args and returns the dump's path.
func (s *server) dump(t *testing.T, args ...string) string {
	t.Helper()
	bin := tool(t, "mariadb-dump", "mysqldump")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append(s.clientArgs(t), args...)...)
	cmd.Stderr = &stderr
	path := filepath.Join(t.TempDir(), "dump.sql")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = f
	err = cmd.Run()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("%s %v: %v: %s", bin, args, err, stderr.String())
	}
	return path
}

// clientRestore runs the dump sql through the mariadb client with
// --force (statements the server refuses are reported and passed over,
// as a user restoring by hand would see them) and returns what the client
// reported.
func (s *server) clientRestore(t *testing.T, sql io.Reader) string {
	t.Helper()
	bin := tool(t, "mariadb", "mysql")
	var out bytes.Buffer
	cmd := exec.Command(bin, append(s.clientArgs(t), "--force", "--max-allowed-packet=1G")...)
	cmd.Stdin = sql
	cmd.Stdout = &out
	cmd.Stderr = &out
	_ = cmd.Run() // --force: errors are in the output
	return out.String()
}
