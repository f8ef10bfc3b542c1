package mysqlsnap

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// step is one statement of a dump fed to an Allowlist and what it should
// decide: its action and kind, and the database a database statement
// names or a skipped table statement is in; or, with err set, a refusal
// naming err.
type step struct {
	sql      string
	action   Action
	kind     Kind
	database string
	err      string
}

// TestAllowlistDatabases feeds the database statements of real dumps
// (mysqldump --databases and --all-databases, mysqldump 8.0's world,
// Sakila's schema) and of dumps that name several databases.
func TestAllowlistDatabases(t *testing.T) {
	tests := []struct {
		name   string
		source string
		steps  []step
		// skipped is SkippedDatabases at the end, own Database.
		skipped []string
		own     string
	}{
		{
			name: "mysqldump 8.0 --databases world",
			steps: []step{
				{sql: "/*!40101 SET NAMES utf8mb4 */", kind: KindSet},
				{sql: "/*!40000 DROP DATABASE IF EXISTS `world`*/", action: Skip, kind: KindDatabase, database: "world"},
				{sql: "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `world` /*!40100 DEFAULT CHARACTER SET utf8mb4 */ /*!80016 DEFAULT ENCRYPTION='N' */", action: Skip, kind: KindDatabase, database: "world"},
				{sql: "USE `world`", action: Skip, kind: KindDatabase, database: "world"},
				{sql: "DROP TABLE IF EXISTS `city`", kind: KindDropTable},
				{sql: "CREATE TABLE `city` (`ID` int NOT NULL) ENGINE=InnoDB", kind: KindCreateTable},
				{sql: "INSERT INTO `city` VALUES (1)", kind: KindInsert},
				{sql: "/*!50003 ALTER DATABASE `world` CHARACTER SET latin1 COLLATE latin1_swedish_ci */", action: Skip, kind: KindDatabase, database: "world"},
				{sql: "ALTER DATABASE `world` DEFAULT CHARACTER SET = utf8mb4 DEFAULT COLLATE = utf8mb4_0900_ai_ci", action: Skip, kind: KindDatabase, database: "world"},
			},
			own: "world",
		},
		{
			name: "Sakila's schema and data",
			steps: []step{
				{sql: "DROP SCHEMA IF EXISTS sakila", action: Skip, kind: KindDatabase, database: "sakila"},
				{sql: "CREATE SCHEMA sakila", action: Skip, kind: KindDatabase, database: "sakila"},
				{sql: "USE sakila", action: Skip, kind: KindDatabase, database: "sakila"},
				{sql: "SET @old_default_storage_engine = @@default_storage_engine", kind: KindSet},
				{sql: "SET @@default_storage_engine = 'MyISAM'", kind: KindSet},
				{sql: "/*!50610 SET @@default_storage_engine = 'InnoDB'*/", kind: KindSet},
				{sql: "CREATE TABLE film_text (film_id SMALLINT NOT NULL) DEFAULT CHARSET=utf8mb4", kind: KindCreateTable},
				{sql: "SET @@default_storage_engine = @old_default_storage_engine", kind: KindSet},
				{sql: "/*!50610 ALTER TABLE film_text engine=InnoDB */", kind: KindAlterEngine},
				{sql: "USE sakila", action: Skip, kind: KindDatabase, database: "sakila"},
				{sql: "INSERT INTO film_text VALUES (1)", kind: KindInsert},
			},
			own: "sakila",
		},
		{
			name: "--all-databases: the system database is skipped, checked as usual",
			steps: []step{
				{sql: "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysql` /*!40100 DEFAULT CHARACTER SET utf8mb4 */", action: Skip, kind: KindDatabase, database: "mysql"},
				{sql: "USE `mysql`", action: Skip, kind: KindDatabase, database: "mysql"},
				{sql: "DROP TABLE IF EXISTS `global_priv`", action: Skip, kind: KindDropTable, database: "mysql"},
				{sql: "CREATE TABLE `global_priv` (`Host` char(255) NOT NULL, `Priv` longtext) ENGINE=Aria", action: Skip, kind: KindCreateTable, database: "mysql"},
				{sql: "CREATE TABLE IF NOT EXISTS `general_log` (`event_time` timestamp(6) NOT NULL) ENGINE=CSV DEFAULT CHARSET=utf8mb3 COMMENT='General log'", action: Skip, kind: KindCreateTable, database: "mysql"},
				{sql: "CREATE TABLE `x` (`a` int) ENGINE=FEDERATED CONNECTION='mysql://u@h/db/t'", err: "ENGINE FEDERATED"},
				{sql: "LOCK TABLES `global_priv` WRITE", action: Skip, kind: KindLock, database: "mysql"},
				{sql: "/*!40000 ALTER TABLE `global_priv` DISABLE KEYS */", action: Skip, kind: KindAlterKeys, database: "mysql"},
				{sql: "INSERT INTO `global_priv` VALUES ('localhost','{\"access\":18446744073709551615}')", action: Skip, kind: KindInsert, database: "mysql"},
				{sql: "UNLOCK TABLES", kind: KindUnlock},
				{sql: "INSERT INTO `user` VALUES (LOAD_FILE('/etc/passwd'))", err: "literal"},
				{sql: "INSERT INTO mysql.user VALUES (1)", err: "qualified"},
				{sql: "GRANT ALL ON *.* TO 'x'@'%'", err: "GRANT"},
				{sql: "UPDATE user SET authentication_string = ''", err: "UPDATE"},
				{sql: "/*!40101 SET NAMES utf8mb4 */", kind: KindSet},
				{sql: "CREATE DATABASE `app`", action: Skip, kind: KindDatabase, database: "app"},
				{sql: "USE `app`", action: Skip, kind: KindDatabase, database: "app"},
				{sql: "CREATE TABLE `t` (`a` int)", kind: KindCreateTable},
				{sql: "CREATE TABLE `log` (`a` int) ENGINE=CSV", err: "ENGINE CSV"},
				{sql: "USE `sys`", action: Skip, kind: KindDatabase, database: "sys"},
				{sql: "/*!50001 CREATE VIEW `v` AS SELECT 1 AS `a` */", action: Skip, kind: KindView, database: "sys"},
			},
			skipped: []string{"mysql", "sys"},
			own:     "app",
		},
		{
			name: "a second user database is refused, naming both",
			steps: []step{
				{sql: "CREATE DATABASE `app`", action: Skip, kind: KindDatabase, database: "app"},
				{sql: "USE `app`", action: Skip, kind: KindDatabase, database: "app"},
				{sql: "CREATE TABLE `t` (`a` int)", kind: KindCreateTable},
				{sql: "CREATE DATABASE `other`", action: Skip, kind: KindDatabase, database: "other"},
				{sql: "USE `other`", action: Skip, kind: KindDatabase, database: "other"},
				{sql: "DROP TABLE IF EXISTS `u`", err: "several databases (app, other)"},
			},
			own: "app",
		},
		{
			name: "databases without tables do not count",
			steps: []step{
				{sql: "CREATE DATABASE `empty`", action: Skip, kind: KindDatabase, database: "empty"},
				{sql: "USE `empty`", action: Skip, kind: KindDatabase, database: "empty"},
				{sql: "USE `app`", action: Skip, kind: KindDatabase, database: "app"},
				{sql: "INSERT INTO `t` VALUES (1)", kind: KindInsert},
				{sql: "USE `lbr_canary`", action: Skip, kind: KindDatabase, database: "lbr_canary"},
				{sql: "INSERT INTO `c` VALUES (2)", err: "several databases (empty, app, lbr_canary)"},
			},
			own: "app",
		},
		{
			name: "tables before the dump names a database",
			steps: []step{
				{sql: "CREATE TABLE `t` (`a` int)", kind: KindCreateTable},
				{sql: "USE `lbr_canary`", err: "tables were written before it named database \"lbr_canary\""},
			},
		},
		{
			name: "tables before USE of a system database",
			steps: []step{
				{sql: "CREATE TABLE `t` (`a` int)", kind: KindCreateTable},
				{sql: "USE mysql", err: "tables were written before it named database \"mysql\""},
			},
		},
		{
			name: "tables before a DROP DATABASE",
			steps: []step{
				{sql: "INSERT INTO `t` VALUES (1)", kind: KindInsert},
				{sql: "DROP DATABASE `lbr_canary`", err: "several databases"},
			},
		},
		{
			name:   "SourceDatabase chooses one of several",
			source: "b",
			steps: []step{
				{sql: "CREATE DATABASE `a`", action: Skip, kind: KindDatabase, database: "a"},
				{sql: "USE `a`", action: Skip, kind: KindDatabase, database: "a"},
				{sql: "CREATE TABLE `t` (`x` int)", action: Skip, kind: KindCreateTable, database: "a"},
				{sql: "INSERT INTO `t` VALUES (1)", action: Skip, kind: KindInsert, database: "a"},
				{sql: "CREATE DATABASE `b`", action: Skip, kind: KindDatabase, database: "b"},
				{sql: "USE `b`", action: Skip, kind: KindDatabase, database: "b"},
				{sql: "CREATE TABLE `t` (`x` int)", kind: KindCreateTable},
				{sql: "INSERT INTO `t` VALUES (2)", kind: KindInsert},
				{sql: "USE `c`", action: Skip, kind: KindDatabase, database: "c"},
				{sql: "DROP TABLE IF EXISTS `t`", action: Skip, kind: KindDropTable, database: "c"},
			},
			skipped: []string{"a", "c"},
			own:     "b",
		},
		{
			name: "a dump that names no database",
			steps: []step{
				{sql: "CREATE TABLE `t` (`a` int)", kind: KindCreateTable},
				{sql: "INSERT INTO `t` VALUES (1)", kind: KindInsert},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAllowlist("tgt", AllowOptions{SourceDatabase: tc.source})
			for i, s := range tc.steps {
				d, err := a.Check(s.sql, i+1)
				if s.err != "" {
					if err == nil || !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), s.err) {
						t.Errorf("step %d %q: %v, want a refusal naming %q", i+1, s.sql, err, s.err)
					}
					continue
				}
				if err != nil {
					t.Errorf("step %d %q: %v", i+1, s.sql, err)
					continue
				}
				want := step{sql: s.sql, action: s.action, kind: s.kind, database: s.database}
				if got := (step{sql: s.sql, action: d.Action, kind: d.Kind, database: d.Database}); got != want {
					t.Errorf("step %d: got %+v, want %+v", i+1, got, want)
				}
			}
			if diff := cmp.Diff(tc.skipped, a.SkippedDatabases()); diff != "" {
				t.Errorf("SkippedDatabases (-want +got):\n%s", diff)
			}
			if got := a.Database(); got != tc.own {
				t.Errorf("Database() = %q, want %q", got, tc.own)
			}
		})
	}
}

// TestAllowlistSeveralDatabasesIs: the refusal of a second database wraps
// ErrSeveralDatabases, so callers can tell it from other refusals.
func TestAllowlistSeveralDatabasesIs(t *testing.T) {
	a := NewAllowlist("tgt", AllowOptions{})
	for i, q := range []string{"USE a", "CREATE TABLE t (x int)", "USE b"} {
		if _, err := a.Check(q, i+1); err != nil {
			t.Fatal(err)
		}
	}
	_, err := a.Check("CREATE TABLE t (x int)", 4)
	if !errors.Is(err, ErrSeveralDatabases) || !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("err = %v, want ErrSeveralDatabases and ErrInvalid", err)
	}
}
