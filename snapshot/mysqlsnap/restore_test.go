package mysqlsnap

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

func openTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := Open(Config{DSN: mysqltest.DSN(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRestoreAllTypes(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	f, err := os.Open("testdata/alltypes.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	target := prefix + "liberator"
	res, err := Restore(context.Background(), db, f, target, RestoreOptions{BatchBytes: 1 << 20})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if diff := cmp.Diff([]string{"PCN_IC", "empty_table", "liberator_fpn_notes", "gen_cols"}, res.Tables); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	wantCols := map[string][]string{"liberator_fpn_notes": {"id", "note"}, "gen_cols": {"id", "price"}}
	if diff := cmp.Diff(wantCols, res.InsertColumns); diff != "" {
		t.Errorf("InsertColumns (-want +got):\n%s", diff)
	}
	wantSkipped := []mysqldump.Skipped{
		{Kind: mysqldump.SkippedView, Name: "v_notes", Line: 133},
		{Kind: mysqldump.SkippedView, Name: "v_notes", Line: 136},
		{Kind: mysqldump.SkippedTrigger, Name: "notes_bi", Line: 148},
		{Kind: mysqldump.SkippedView, Name: "v_notes", Line: 159},
		{Kind: mysqldump.SkippedView, Name: "v_notes", Line: 166},
	}
	if diff := cmp.Diff(wantSkipped, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	for table, want := range map[string]int{"PCN_IC": 4, "empty_table": 0, "liberator_fpn_notes": 3} {
		if got := count(t, db, "SELECT COUNT(*) FROM "+quoteIdent(target)+"."+quoteIdent(table)); got != want {
			t.Errorf("%s has %d rows, want %d", table, got, want)
		}
	}
	// The three single-row INSERTs were merged into one statement.
	if res.Sent >= res.Statements {
		t.Errorf("sent %d of %d statements: nothing merged or skipped", res.Sent, res.Statements)
	}
	// The trigger was not created: the note keeps its case.
	var note string
	if err := db.QueryRow("SELECT note FROM " + quoteIdent(target) + ".liberator_fpn_notes WHERE id = 1").Scan(&note); err != nil || note != "first" {
		t.Errorf("note = %q, %v; want first (no trigger)", note, err)
	}
	if got := mysqltest.Databases(t, db, prefix); !cmp.Equal(got, []string{target}) {
		t.Errorf("databases with the test prefix = %v, want only %s (staging dropped)", got, target)
	}
	// Restoring onto an existing database is refused.
	_, err = Restore(context.Background(), db, strings.NewReader("CREATE TABLE t (a int);"), target, RestoreOptions{})
	if !errors.Is(err, liberator.ErrAlreadyExists) {
		t.Errorf("Restore onto an existing database: %v, want AlreadyExists", err)
	}
}

func TestRestoreFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	tests := []struct {
		name string
		dump string
		kind *liberator.Kind
		want string
	}{
		{"server error half-way", "CREATE TABLE t (a int primary key);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\nINSERT INTO u VALUES (2);\n", liberator.ErrInvalid, "lines 2-3"},
		{"refused statement half-way", "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nGRANT ALL ON *.* TO 'x'@'%';\n", liberator.ErrInvalid, "line 3"},
		{"truncated dump", "CREATE TABLE t (a int);\nINSERT INTO t VALUES ('abc", liberator.ErrInvalid, "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := mysqltest.Prefix(t)
			_, err := Restore(context.Background(), db, strings.NewReader(tc.dump), prefix+"liberator", RestoreOptions{})
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Restore: %v, want %v naming %q", err, tc.kind, tc.want)
			}
			if got := mysqltest.Databases(t, db, prefix); len(got) != 0 {
				t.Errorf("databases left behind: %v", got)
			}
		})
	}
}

func TestRestoreViewsAndTriggers(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	f, err := os.Open("testdata/alltypes.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	target := prefix + "liberator"
	res, err := Restore(context.Background(), db, f, target, RestoreOptions{Allow: AllowOptions{AllowViews: true, AllowTriggers: true}})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("skipped %v, want nothing", res.Skipped)
	}
	var security string
	if err := db.QueryRow("SELECT SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'v_notes'", target).Scan(&security); err != nil || security != "INVOKER" {
		t.Errorf("view v_notes: security %q, %v; want INVOKER", security, err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM "+quoteIdent(target)+".v_notes"); n != 3 {
		t.Errorf("v_notes has %d rows, want 3", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = 'notes_bi' AND DEFINER LIKE 'root@%'", target); n != 1 {
		t.Errorf("trigger notes_bi: %d found with the restoring user as definer, want 1", n)
	}
	// The trigger was created after the data: the dump's rows kept their case.
	var note string
	if err := db.QueryRow("SELECT note FROM " + quoteIdent(target) + ".liberator_fpn_notes WHERE id = 1").Scan(&note); err != nil || note != "first" {
		t.Errorf("note = %q, %v; want first", note, err)
	}
	if got := mysqltest.Databases(t, db, prefix); !cmp.Equal(got, []string{target}) {
		t.Errorf("databases = %v, want only %s", got, target)
	}
}
