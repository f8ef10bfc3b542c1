package mysqlexport

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// tableNames records the tables a scan creates.
type tableNames struct{ tables []string }

func (h *tableNames) CreateTable(t *mysqldump.Table) error {
	h.tables = append(h.tables, t.Name)
	return nil
}
func (h *tableNames) Row(*mysqldump.Table, []mysqldump.Value, int) error { return nil }
func (h *tableNames) Skip(mysqldump.Skipped)                             {}

// TestScanDatabaseMeta checks that ScanDatabase exports a database without
// a snapshot metadata table, and fails (rather than exporting without the
// metadata's column lists) when the metadata cannot be read.
func TestScanDatabaseMeta(t *testing.T) {
	ctx := context.Background()
	prefix := mysqltest.Prefix(t)
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: mysqltest.DSN(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plain, broken := prefix+"plain", prefix+"broken"
	for _, q := range []string{
		"CREATE DATABASE `" + plain + "`",
		"CREATE TABLE `" + plain + "`.`t` (id INT)",
		"CREATE DATABASE `" + broken + "`",
		"CREATE TABLE `" + broken + "`.`t` (id INT)",
		"CREATE TABLE `" + broken + "`.`" + mysqlsnap.MetaTable + "` (id TEXT, status TEXT, created TEXT, dump_bucket TEXT, dump_key TEXT, import_date TEXT, logical_database TEXT, server TEXT, tables_count INT, dump_bytes BIGINT, skipped TEXT, insert_columns TEXT)",
		"INSERT INTO `" + broken + "`.`" + mysqlsnap.MetaTable + "` (id, status, created) VALUES ('x', 'available', 'not a time')",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tests := []struct {
		database   string
		wantTables []string
		wantErr    error
	}{
		{plain, []string{"t"}, nil},
		{broken, nil, liberator.ErrInvalid},
		{prefix + "missing", nil, liberator.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.database, func(t *testing.T) {
			h := &tableNames{}
			err := ScanDatabase(ctx, db, tc.database, h)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ScanDatabase = %v, want an error wrapping %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantTables, h.tables); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScanDatabaseOnly checks that the row source reads only the tables an
// export is restricted to (case-insensitively), and reads database
// snapshots only.
func TestScanDatabaseOnly(t *testing.T) {
	ctx := context.Background()
	prefix := mysqltest.Prefix(t)
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: mysqltest.DSN(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	database := prefix + "only"
	for _, q := range []string{
		"CREATE DATABASE `" + database + "`",
		"CREATE TABLE `" + database + "`.`a` (id INT)",
		"CREATE TABLE `" + database + "`.`B` (id INT)",
		"CREATE TABLE `" + database + "`.`c` (id INT)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tests := []struct {
		only       []string
		wantTables []string
	}{
		{nil, []string{"a", "B", "c"}}, // in the server's name order
		{[]string{"b"}, []string{"B"}},
		{[]string{"c", "A"}, []string{"a", "c"}},
		{[]string{"z"}, nil},
	}
	src := &databaseSource{db: db}
	for _, tc := range tests {
		t.Run(strings.Join(tc.only, ","), func(t *testing.T) {
			h := &tableNames{}
			st, err := src.Rows(ctx, export.RowsRequest{Snapshot: liberator.SnapshotInfo{ID: "s", Database: database}, Tables: tc.only}, h)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{tc.wantTables, export.SourceStats{}}, []any{h.tables, st}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]liberator.SnapshotKind{liberator.SnapshotDatabase}, New(db, nil, Options{}).ReadsSnapshots()); diff != "" {
		t.Errorf("ReadsSnapshots (-want +got):\n%s", diff)
	}
}
