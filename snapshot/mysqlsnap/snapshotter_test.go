package mysqlsnap

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

func gzipFile(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSnapshotterLifecycle(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	s := New(db, Config{DatabasePrefix: prefix, Clock: clk})
	ctx := context.Background()
	dump := liberator.DumpRef{Key: gzipFile(t, "testdata/alltypes.sql")}
	ids := []string{"sql-to-parquet-26-11-22-031500", "sql-to-parquet-26-11-23-031500", "sql-to-parquet-26-11-24-031500"}
	for _, id := range ids {
		info, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: dump})
		if err != nil {
			t.Fatalf("CreateSnapshot(%s): %v", id, err)
		}
		want := liberator.SnapshotInfo{ID: id, Status: liberator.SnapshotAvailable, Created: clk.Now(),
			Kind: liberator.SnapshotDatabase, Database: prefix + id, Dump: dump}
		if diff := cmp.Diff(want, info); diff != "" {
			t.Errorf("CreateSnapshot(%s) (-want +got):\n%s", id, diff)
		}
		clk.Advance(24 * time.Hour)
	}
	// The snapshot database holds the dump's tables and the metadata.
	if n := count(t, db, "SELECT COUNT(*) FROM `"+prefix+ids[0]+"`.PCN_IC"); n != 4 {
		t.Errorf("PCN_IC has %d rows, want 4", n)
	}
	m, err := ReadMeta(ctx, db, prefix+ids[0])
	if err != nil || m.Database != "liberator" || m.Tables != 4 || len(m.Skipped) != 5 {
		t.Errorf("ReadMeta = %+v, %v; want database liberator, 4 tables, 5 skipped", m, err)
	}
	// A database that is not a snapshot is never listed.
	if _, err := db.Exec("CREATE DATABASE `" + prefix + "other`"); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range list {
		got = append(got, l.ID)
	}
	if diff := cmp.Diff([]string{ids[2], ids[1], ids[0]}, got); diff != "" {
		t.Errorf("ListSnapshots (-want +got):\n%s", diff)
	}
	// Prune keeping one fallback: the oldest goes, the newest two stay.
	deleted, err := s.Prune(ctx, liberator.KeepPolicy{Current: ids[2], Keep: 1})
	if err != nil || !cmp.Equal(deleted, []string{ids[0]}) {
		t.Errorf("Prune = %v, %v; want [%s]", deleted, err, ids[0])
	}
	if _, err := s.DescribeSnapshot(ctx, ids[0]); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DescribeSnapshot(pruned) = %v, want NotFound", err)
	}
	// Prune with no current never deletes the newest available snapshot.
	deleted, err = s.Prune(ctx, liberator.KeepPolicy{Keep: 0})
	if err != nil || !cmp.Equal(deleted, []string{ids[1]}) {
		t.Errorf("Prune = %v, %v; want [%s]", deleted, err, ids[1])
	}
	if _, err := s.DescribeSnapshot(ctx, ids[2]); err != nil {
		t.Errorf("newest snapshot gone: %v", err)
	}
	if err := s.DeleteSnapshot(ctx, "nope"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DeleteSnapshot(unknown) = %v, want NotFound", err)
	}
	if err := s.DeleteSnapshot(ctx, "other"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DeleteSnapshot(non-snapshot database) = %v, want NotFound", err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", prefix+"other"); n != 1 {
		t.Errorf("the non-snapshot database was dropped")
	}
}

func TestSnapshotIDValidation(t *testing.T) {
	s := New(nil, Config{DatabasePrefix: "p_"})
	for _, id := range []string{"", "a`b", "a/b", "a.b", "x" + string(make([]byte, 60)), "snap__staging_x"} {
		if _, err := s.CreateSnapshot(context.Background(), liberator.SnapshotRequest{ID: id}); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("CreateSnapshot(%q) = %v, want Invalid", id, err)
		}
	}
}

// Corrupt snapshot metadata is reported, not read as "no column lists"
// (which would export generated columns' values instead of NULL).
func TestReadMetaCorruptColumnLists(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	s := New(db, Config{DatabasePrefix: prefix, Clock: liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))})
	ctx := context.Background()
	const id = "sql-to-parquet-26-11-24-031500"
	if _, err := s.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: id, Dump: liberator.DumpRef{Key: gzipFile(t, "testdata/alltypes.sql")}}); err != nil {
		t.Fatal(err)
	}
	name := prefix + id
	if _, err := ReadMeta(ctx, db, name); err != nil {
		t.Fatalf("ReadMeta before corruption: %v", err)
	}
	for _, col := range []string{"skipped", "insert_columns"} {
		t.Run(col, func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "UPDATE `"+name+"`.`"+MetaTable+"` SET "+col+" = '{not json'"); err != nil {
				t.Fatal(err)
			}
			_, err := ReadMeta(ctx, db, name)
			if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), col) {
				t.Errorf("ReadMeta with corrupt %s = %v; want Invalid naming the column", col, err)
			}
			if _, err := db.ExecContext(ctx, "UPDATE `"+name+"`.`"+MetaTable+"` SET "+col+" = NULL"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
