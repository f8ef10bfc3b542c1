package mysqlsnap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestHostileDatabases: database statements are accepted only in the
// shapes real dumps write them, and never reach another database. Each
// dump either is refused (naming the line) or restores only its own tables
// into the target; either way the server's system tables, users and the
// canary database are as they were.
func TestHostileDatabases(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	for _, q := range []string{"DROP DATABASE IF EXISTS " + canary, "CREATE DATABASE " + canary,
		"CREATE TABLE " + canary + ".c (v int)", "INSERT INTO " + canary + ".c VALUES (1)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + canary) })
	type system struct {
		State       serverState
		MySQLTables int
		GlobalPriv  int
	}
	systemState := func() system {
		return system{stateOf(t, db), count(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql'"),
			count(t, db, "SELECT COUNT(*) FROM mysql.global_priv")}
	}
	before := systemState()
	const own = "CREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n"
	tests := []struct {
		name   string
		dump   string
		opts   AllowOptions
		refuse string   // the refusal's words, with its line; "" if restored
		tables []string // the target's tables when restored
	}{
		{name: "USE mysql then writes: skipped, never sent",
			dump: "USE `mysql`;\nDROP TABLE IF EXISTS `db`;\nCREATE TABLE `user` (`User` char(80));\nINSERT INTO `global_priv` VALUES ('%','lbr_evil','{}');\n" +
				"LOCK TABLES `global_priv` WRITE;\n/*!40000 ALTER TABLE `global_priv` DISABLE KEYS */;\nUNLOCK TABLES;\nUSE `app`;\n" + own,
			tables: []string{"t"}},
		{name: "USE mysql then a trigger allowed by the options: skipped",
			dump: "CREATE DATABASE `mysql`;\nUSE `mysql`;\nCREATE TRIGGER tr AFTER INSERT ON user FOR EACH ROW SET @x = 1;\nCREATE DATABASE `app`;\nUSE `app`;\n" + own,
			opts: AllowOptions{AllowTriggers: true, AllowViews: true}, tables: []string{"t"}},
		{name: "tables then USE mysql", dump: own + "USE mysql;\nINSERT INTO `global_priv` VALUES ('%','lbr_evil','{}');\n", refuse: "line 3: statement refused: the dump holds several databases"},
		{name: "tables then DROP DATABASE mysql", dump: own + "DROP DATABASE mysql;\n", refuse: "line 3: statement refused: the dump holds several databases"},
		{name: "USE mysql then UPDATE", dump: "USE `mysql`;\nUPDATE user SET authentication_string = '';\n", refuse: "line 2: statement refused: UPDATE"},
		{name: "USE mysql then GRANT", dump: "USE mysql;\nGRANT ALL ON *.* TO 'lbr_evil'@'%';\n", refuse: "line 2: statement refused: GRANT"},
		{name: "USE mysql then CREATE USER", dump: "USE mysql;\n/*!50000 CREATE USER 'lbr_evil'@'%' */;\n", refuse: "line 2: statement refused: CREATE USER"},
		{name: "USE mysql then SET GLOBAL", dump: "USE mysql;\nSET GLOBAL max_connections = 1;\n", refuse: "line 2: statement refused: SET GLOBAL"},
		{name: "USE mysql then a write qualified with mysql", dump: "USE mysql;\nINSERT INTO mysql.global_priv VALUES ('%','lbr_evil','{}');\n", refuse: "line 2: statement refused: name qualified"},
		{name: "own database then a write qualified with the canary",
			dump: "CREATE DATABASE app;\nUSE app;\n" + own + "INSERT INTO `" + canary + "`.`c` VALUES (2);\n", refuse: "line 5: statement refused: name qualified"},
		{name: "own database then USE of another",
			dump: "CREATE DATABASE app;\nUSE app;\n" + own + "USE `" + canary + "`;\nDROP TABLE `c`;\n", refuse: "line 6: statement refused: the dump holds several databases (app, " + canary + ")"},
		{name: "tables then DROP DATABASE of another", dump: own + "/*!40000 DROP DATABASE IF EXISTS `" + canary + "`*/;\n", refuse: "line 3: statement refused: the dump holds several databases"},
		{name: "the other database chosen away: its statements skipped",
			dump: "USE `" + canary + "`;\nDROP TABLE `c`;\nINSERT INTO `c` VALUES (2);\nUSE `app`;\n" + own,
			opts: AllowOptions{SourceDatabase: "app"}, tables: []string{"t"}},
		{name: "DROP DATABASE of the canary as the dump's own: never sent",
			dump: "/*!40000 DROP DATABASE IF EXISTS `" + canary + "`*/;\nCREATE DATABASE `" + canary + "`;\nUSE `" + canary + "`;\n" + own, tables: []string{"t"}},
		{name: "CREATE DATABASE of a new database: never sent", dump: "CREATE DATABASE `lbr_evil_db`;\nUSE `lbr_evil_db`;\n" + own, tables: []string{"t"}},
		{name: "CREATE OR REPLACE DATABASE", dump: "CREATE OR REPLACE DATABASE `" + canary + "`;\n", refuse: "line 1: statement refused: CREATE DATABASE"},
		{name: "database options beyond charset and collation", dump: "CREATE DATABASE `app` DATA DIRECTORY = '/tmp/lbr_evil_dir';\n", refuse: "line 1: statement refused: database option"},
		{name: "ALTER DATABASE of the system database with options: never sent",
			dump: "USE mysql;\n/*!50003 ALTER DATABASE `mysql` CHARACTER SET latin1 COLLATE latin1_swedish_ci */;\nUSE app;\n" + own, tables: []string{"t"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mysqltest.Prefix(t)
			target := p + "liberator"
			_, err := Restore(ctx, db, strings.NewReader(tc.dump), target, RestoreOptions{Allow: tc.opts})
			switch {
			case tc.refuse != "":
				if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.refuse) {
					t.Errorf("Restore: %v, want a refusal naming %q", err, tc.refuse)
				}
				if got := mysqltest.Databases(t, db, p); len(got) != 0 {
					t.Errorf("databases left behind: %v", got)
				}
			case err != nil:
				t.Errorf("Restore: %v", err)
			default:
				got := selectAll(t, db, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"+target+"' AND TABLE_NAME <> '"+MetaTable+"' ORDER BY 1")
				if diff := cmp.Diff(tc.tables, got); diff != "" {
					t.Errorf("tables restored (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(before, systemState()); diff != "" {
				t.Errorf("server state changed (-before +after):\n%s", diff)
			}
		})
	}
}
