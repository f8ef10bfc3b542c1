package rdsrestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap/rdsrestore"
)

// TestMySQLRestorer loads a small dump through the production restorer
// into a real server (the RDS instance's stand-in).
func TestRestorer(t *testing.T) {
	dsn := os.Getenv("LIBERATOR_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("set LIBERATOR_TEST_MYSQL_DSN=root@tcp(127.0.0.1:3306)/ to run")
	}
	ctx := context.Background()
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	target := "rdssnap_test_liberator"
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + target + "`")
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + target + rdsrestore.NextSuffix + "`")
	})
	dir := t.TempDir()
	good := filepath.Join(dir, "liberator_dump_20261124.sql")
	if err := os.WriteFile(good, []byte("CREATE TABLE `PCN_IC` (`id` int NOT NULL, PRIMARY KEY (`id`));\nINSERT INTO `PCN_IC` VALUES (1),(2),(3);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.sql")
	if err := os.WriteFile(bad, []byte("CREATE TABLE `x` (`id` int);\nDROP DATABASE mysql;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &rdsrestore.Restorer{DB: db, Database: target}
	if err := r.Restore(ctx, liberator.DumpRef{Key: good}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`PCN_IC`", target)).Scan(&n); err != nil || n != 3 {
		t.Fatalf("restored rows %d, %v; want 3", n, err)
	}
	err = r.Restore(ctx, liberator.DumpRef{Key: bad})
	if !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("bad dump: %v, want ErrInvalid", err)
	}
	if err := db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`PCN_IC`", target)).Scan(&n); err != nil || n != 3 {
		t.Errorf("after a refused dump the live database has %d rows, %v; want the 3 of the good one", n, err)
	}
	// The next day's dump replaces the database, table by table.
	next := filepath.Join(dir, "liberator_dump_20261125.sql")
	if err := os.WriteFile(next, []byte("CREATE TABLE `vrm_hist` (`v` varchar(8));\nINSERT INTO `vrm_hist` VALUES ('AB12CDE');\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Restore(ctx, liberator.DumpRef{Key: next}); err != nil {
		t.Fatal(err)
	}
	var tables []string
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", target)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	if fmt.Sprint(tables) != "[vrm_hist]" {
		t.Errorf("tables after the second restore %v, want [vrm_hist]", tables)
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", target+rdsrestore.NextSuffix).Scan(&n); err != nil || n != 0 {
		t.Errorf("%s%s left behind (%d, %v)", target, rdsrestore.NextSuffix, n, err)
	}
}
