package mysqlsnap

import (
	"errors"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

func TestAllowlistAccepts(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want Decision
	}{
		{"empty", "-- just a comment\n/* c */", Decision{Action: Skip, Kind: KindEmpty}},
		{"sandbox", "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump", Decision{Action: Skip, Kind: KindEmpty}},
		{"save charset", "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", Decision{Kind: KindSet}},
		{"names", "/*!40101 SET NAMES utf8mb4 */", Decision{Kind: KindSet}},
		{"names collate", "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci", Decision{Kind: KindSet}},
		{"time zone", "/*!40103 SET TIME_ZONE='+00:00' */", Decision{Kind: KindSet}},
		{"two assignments", "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */", Decision{Kind: KindSet}},
		{"sql mode", "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */", Decision{Kind: KindSet}},
		{"session scope", "SET @@SESSION.foreign_key_checks = 0", Decision{Kind: KindSet}},
		{"sql_log_bin skipped", "SET @@SESSION.SQL_LOG_BIN= 0", Decision{Action: Skip, Kind: KindSet}},
		{"gtid skipped", "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'", Decision{Action: Skip, Kind: KindSet}},
		{"autocommit", "SET autocommit=0", Decision{Kind: KindSet}},
		{"drop table", "DROP TABLE IF EXISTS `PCN_IC`", Decision{Kind: KindDropTable, Table: "PCN_IC"}},
		{"drop view skipped", "/*!50001 DROP VIEW IF EXISTS `v`*/", Decision{Action: Skip, Kind: KindView, Table: "v"}},
		{"create table", "CREATE TABLE `t` (\n  `a` int(11) NOT NULL,\n  `b` varchar(10) DEFAULT 'x;y',\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
			Decision{Kind: KindCreateTable, Table: "t"}},
		{"create table if not exists", "CREATE TABLE /*!32312 IF NOT EXISTS*/ `t` (a int)", Decision{Kind: KindCreateTable, Table: "t"}},
		{"create table target qualified", "CREATE TABLE `tgt`.`t` (a int)", Decision{Kind: KindCreateTable, Table: "t"}},
		{"create view skipped", "/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select `t`.`a` AS `a` from `mysql`.`user` */",
			Decision{Action: Skip, Kind: KindView, Table: "v"}},
		{"trigger skipped", "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 trigger tr before insert on t for each row set new.b=upper(new.b) \n*/",
			Decision{Action: Skip, Kind: KindTrigger, Table: "tr"}},
		{"procedure skipped", "CREATE DEFINER=`root`@`%` PROCEDURE `p`()\nBEGIN\n  SELECT 1;\nEND", Decision{Action: Skip, Kind: KindRoutine, Table: "p"}},
		{"lock", "LOCK TABLES `t` WRITE", Decision{Kind: KindLock, Table: "t"}},
		{"unlock", "UNLOCK TABLES", Decision{Kind: KindUnlock}},
		{"disable keys", "/*!40000 ALTER TABLE `t` DISABLE KEYS */", Decision{Kind: KindAlterKeys, Table: "t"}},
		{"insert", "INSERT INTO `t` VALUES (1,'x\\'y',_binary 'a',0x0A,b'101',NULL,-1.5e-05,X'0a'),(2,'',\"q\",'',+3,TRUE,N'n',_utf8mb4'z')",
			Decision{Kind: KindInsert, Table: "t", valuesAt: 22}},
		{"insert columns", "INSERT IGNORE INTO `t` (`a`, `b`) VALUES (1,'a;b')", Decision{Kind: KindInsert, Table: "t", Columns: []string{"a", "b"}, valuesAt: 40}},
		{"insert empty row", "INSERT INTO `t` VALUES ()", Decision{Kind: KindInsert, Table: "t", valuesAt: 22}},
		{"begin", "BEGIN", Decision{Kind: KindTransaction}},
		{"percona probe select", "/*!50717 SELECT COUNT(*) INTO @rocksdb_has_p_s_session_variables FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME = 'session_variables' */",
			Decision{Action: Skip, Kind: KindPerconaRocksDB}},
		{"percona probe execute", "/*!50717 EXECUTE s */", Decision{Action: Skip, Kind: KindPerconaRocksDB}},
		{"percona probe deallocate", "/*!50717 DEALLOCATE PREPARE s */", Decision{Action: Skip, Kind: KindPerconaRocksDB}},
		{"start", "START TRANSACTION", Decision{Kind: KindTransaction}},
		{"commit", "COMMIT", Decision{Kind: KindTransaction}},
		{"engine-only alter (Sakila)", "/*!50610 ALTER TABLE film_text engine=InnoDB */", Decision{Kind: KindAlterEngine, Table: "film_text"}},
		{"engine-only alter with =", "ALTER TABLE `t` ENGINE = MyISAM", Decision{Kind: KindAlterEngine, Table: "t"}},
		{"default storage engine (Sakila)", "SET @@default_storage_engine = 'MyISAM'", Decision{Kind: KindSet}},
		{"default storage engine in cond", "/*!50610 SET @@default_storage_engine = 'InnoDB'*/", Decision{Kind: KindSet}},
		{"save default storage engine", "SET @old_default_storage_engine = @@default_storage_engine", Decision{Kind: KindSet}},
		{"cp850 from Windows mysqldump", "/*!40101 SET NAMES cp850 */", Decision{Kind: KindSet}},
		{"cp1250 client", "SET character_set_client = cp1250", Decision{Kind: KindSet}},
		{"cp1251 names collate", "SET NAMES cp1251 COLLATE cp1251_general_ci", Decision{Kind: KindSet}},
		{"koi8r client", "/*!40101 SET character_set_client = 'koi8r' */", Decision{Kind: KindSet}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAllowlist("tgt", AllowOptions{})
			got, err := a.Check(tc.sql, 7)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			want := tc.want
			if want.Action == Execute {
				want.SQL = tc.sql
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(Decision{})); diff != "" {
				t.Errorf("Check(%q) (-want +got):\n%s", tc.sql, diff)
			}
		})
	}
}

func TestAllowlistRefuses(t *testing.T) {
	tests := []struct {
		name, sql, wantMsg string
	}{
		{"grant", "GRANT ALL ON *.* TO 'x'@'%'", "GRANT"},
		{"revoke", "REVOKE ALL ON *.* FROM 'root'@'localhost'", "REVOKE"},
		{"create user", "CREATE USER 'x'@'%' IDENTIFIED BY 'p'", "CREATE USER"},
		{"alter user", "ALTER USER 'root'@'localhost' IDENTIFIED BY 'p'", "ALTER TABLE"},
		{"drop user", "DROP USER 'root'@'localhost'", "DROP USER"},
		{"set password", "SET PASSWORD FOR 'root'@'localhost' = 'x'", "SET PASSWORD"},
		{"set global", "SET GLOBAL general_log = 1", "SET GLOBAL"},
		{"set persist", "SET PERSIST max_connections = 1", "SET PERSIST"},
		{"set @@global", "SET @@global.general_log_file = '/tmp/x'", "@@global"},
		{"set unknown var", "SET sql_log_off = 1", "setting sql_log_off"},
		{"set no backslash", "SET sql_mode='NO_BACKSLASH_ESCAPES'", "NO_BACKSLASH_ESCAPES"},
		{"set mssql (implies ANSI_QUOTES)", "SET sql_mode='MSSQL'", "MSSQL"},
		{"set oracle in a list", "/*!40101 SET sql_mode='NO_AUTO_VALUE_ON_ZERO, oracle' */", "ORACLE"},
		{"set postgresql word", "SET sql_mode=POSTGRESQL", "POSTGRESQL"},
		{"set ansi quotes via var", "SET sql_mode=@x", "restored"},
		{"set gbk", "SET NAMES gbk", "character set"},
		{"set names default", "SET NAMES DEFAULT", "character set"},
		{"sql_mode default", "SET sql_mode = DEFAULT", "DEFAULT"},
		{"charset default", "SET character_set_client = DEFAULT", "DEFAULT"},
		{"user var from function", "SET @x = LOAD_FILE('/etc/passwd')", "user variable"},
		{"load data", "LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "LOAD DATA"},
		{"select outfile", "SELECT * FROM t INTO OUTFILE '/tmp/x'", "SELECT"},
		{"select dumpfile in cond", "/*!50000 SELECT 0x41 INTO DUMPFILE '/tmp/x' */", "SELECT"},
		{"install plugin", "INSTALL PLUGIN x SONAME 'x.so'", "INSTALL"},
		{"shutdown", "SHUTDOWN", "SHUTDOWN"},
		{"kill", "KILL 1", "KILL"},
		{"client system", "\\! rm -rf /", "client command"},
		{"client source", "\\. /etc/passwd", "client command"},
		{"system word", "system rm -rf /", "system"},
		{"source word", "source /etc/passwd", "source"},
		{"data directory", "CREATE TABLE t (a int) DATA DIRECTORY='/tmp'", "DIRECTORY"},
		{"index directory", "CREATE TABLE t (a int) ENGINE=MyISAM INDEX DIRECTORY='/tmp'", "DIRECTORY"},
		{"create table select", "CREATE TABLE t (a int) SELECT user FROM mysql.user", "SELECT"},
		{"create other db", "CREATE TABLE `mysql`.`t` (a int)", "qualified"},
		{"federated", "CREATE TABLE t (a int) ENGINE=FEDERATED CONNECTION='mysql://u@h/db/t'", "ENGINE"},
		{"references other db", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES `other`.`p` (`id`))", "qualified"},
		{"insert other db", "INSERT INTO mysql.user VALUES (1)", "qualified"},
		{"insert select", "INSERT INTO t SELECT * FROM mysql.user", "only INSERT … VALUES"},
		{"insert function", "INSERT INTO t VALUES (1, LOAD_FILE('/etc/passwd'))", "literal"},
		{"insert subquery", "INSERT INTO t VALUES ((SELECT 1))", "literal"},
		{"insert trailing", "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a=1", "after a row"},
		{"insert cond grant", "INSERT INTO t VALUES (1) /*!50000 ; GRANT ALL ON *.* TO x */", "after a row"},
		{"hint", "INSERT /*+ SET_VAR(sql_mode='NO_BACKSLASH_ESCAPES') */ INTO t VALUES (1)", "hint"},
		{"unterminated string", "INSERT INTO t VALUES ('abc)", "unterminated"},
		{"alter other", "ALTER TABLE t ADD COLUMN x int", "DISABLE/ENABLE KEYS"},
		{"alter engine and more", "ALTER TABLE t ENGINE=InnoDB, ADD COLUMN x int", "unexpected"},
		{"alter engine then options", "ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=COMPRESSED", "unexpected"},
		{"alter engine federated", "ALTER TABLE t ENGINE=FEDERATED", "ENGINE"},
		{"alter engine other db", "ALTER TABLE other.t ENGINE=InnoDB", "qualified"},
		{"default storage engine federated", "SET default_storage_engine = FEDERATED", "FEDERATED"},
		{"default storage engine from unsaved var", "SET default_storage_engine = @x", "restored"},
		{"default storage engine default", "SET default_storage_engine = DEFAULT", "DEFAULT"},
		{"sjis names", "SET NAMES sjis", "character set"},
		{"cp932 client", "SET character_set_client = cp932", "character set"},
		{"big5 collation", "SET collation_connection = big5_chinese_ci", "collation"},
		{"create or replace database", "CREATE OR REPLACE DATABASE x", "CREATE DATABASE"},
		{"create database data directory", "CREATE DATABASE x DATA DIRECTORY='/tmp'", "database option"},
		{"alter database upgrade", "ALTER DATABASE x UPGRADE DATA DIRECTORY NAME", "database option"},
		{"alter database read only", "ALTER DATABASE x READ ONLY = 1", "database option"},
		{"drop two databases", "DROP DATABASE x, y", "unexpected"},
		{"use and more", "USE x; GRANT ALL ON *.* TO y", "unexpected"},
		{"use a string", "USE 'x'", "database name"},
		{"truncate", "TRUNCATE TABLE t", "TRUNCATE"},
		{"execute outside the percona probe", "EXECUTE s", "EXECUTE"},
		{"prepare", "/*!50717 PREPARE s FROM @x */", "PREPARE"},
		{"rename", "RENAME TABLE t TO mysql.t", "RENAME"},
		{"lock other db", "LOCK TABLES mysql.user WRITE", "qualified"},
		{"drop other db table", "DROP TABLE IF EXISTS `mysql`.`user`", "qualified"},
		{"reserved meta", "CREATE TABLE `_liberator_snapshot` (a int)", "reserved"},
		{"temporary", "CREATE TEMPORARY TABLE t (a int)", "TEMPORARY"},
		{"sequence", "CREATE SEQUENCE s", "CREATE SEQUENCE"},
		{"nested comment", "/*!40000 SET /* x */ NAMES utf8 */", "nested"},
		{"dash operator is an expression", "INSERT INTO t VALUES (1--1)", "literal"},
		{"references other db with spaces", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES `other` . `p` (`id`))", "qualified"},
		{"references other db, table name starting with a digit", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES other.9p (id))", "qualified"},
		{"references other db, digits table name", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES other.9 (id))", "qualified"},
		{"references other db, number-like table name", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES other.1e5 (id))", "qualified"},
		{"references other db, hex-like table name", "CREATE TABLE t (a int, FOREIGN KEY (a) REFERENCES other.0x1 (id))", "qualified"},
		{"split across lines", "GR\nANT ALL ON *.* TO x", "GR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAllowlist("tgt", AllowOptions{})
			_, err := a.Check(tc.sql, 42)
			if err == nil {
				t.Fatalf("Check(%q) accepted, want refusal", tc.sql)
			}
			if !errors.Is(err, liberator.ErrInvalid) {
				t.Errorf("error %v does not wrap liberator.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), "line 42") || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not name the line and %q", err, tc.wantMsg)
			}
		})
	}
}

// TestAllowlistMySQL8GTIDHeader feeds the statements mysqldump 8 writes
// around a dump of a GTID server (as RDS runs).
func TestAllowlistMySQL8GTIDHeader(t *testing.T) {
	a := NewAllowlist("tgt", AllowOptions{})
	for i, s := range []struct {
		sql  string
		want Action
	}{
		{"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", Execute},
		{"/*!50503 SET NAMES utf8mb4 */", Execute},
		{"SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN", Execute},
		{"SET @@SESSION.SQL_LOG_BIN= 0", Skip},
		{"SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77'", Skip},
		{"/*!80016 SET @@SESSION.information_schema_stats_expiry = 0 */", Execute},
		{"SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN", Skip},
		{"/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */", Execute},
	} {
		d, err := a.Check(s.sql, i+1)
		if err != nil || d.Action != s.want {
			t.Errorf("%q: %v, %v; want %v", s.sql, d.Action, err, s.want)
		}
	}
}

func TestAllowlistSavedVariables(t *testing.T) {
	a := NewAllowlist("tgt", AllowOptions{})
	steps := []struct {
		sql string
		ok  bool
	}{
		{"SET @OLD_SQL_MODE=@@SQL_MODE", true},
		{"SET SQL_MODE=@OLD_SQL_MODE", true},
		{"SET @OLD_SQL_MODE='ANSI_QUOTES'", true},
		{"SET SQL_MODE=@OLD_SQL_MODE", false},
		{"SET @saved_cs_client = @@character_set_client", true},
		{"SET character_set_client = @saved_cs_client", true},
		{"SET time_zone = @saved_cs_client", false},
	}
	for i, s := range steps {
		_, err := a.Check(s.sql, i+1)
		if (err == nil) != s.ok {
			t.Errorf("step %d %q: err=%v, want ok=%v", i, s.sql, err, s.ok)
		}
	}
}

func TestBridge(t *testing.T) {
	tests := []struct {
		name string
		d    Dialect
		sql  string
		want string
	}{
		{"mysql8 to mariadb", DialectMariaDB,
			"CREATE TABLE `t` (`a` varchar(3) COLLATE utf8mb4_0900_ai_ci) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
			"CREATE TABLE `t` (`a` varchar(3) COLLATE utf8mb4_unicode_520_ci) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci"},
		{"mysql8 as_cs", DialectMariaDB, "SET collation_connection = utf8mb4_0900_as_cs", "SET collation_connection = utf8mb4_bin"},
		{"mariadb to mysql", DialectMySQL,
			"CREATE TABLE `t` (`a` text COLLATE utf8mb4_uca1400_ai_ci, `b` text COLLATE utf8mb4_unicode_nopad_ci) ENGINE=Aria DEFAULT CHARSET=utf8mb4 PAGE_CHECKSUM=1 TRANSACTIONAL=1",
			"CREATE TABLE `t` (`a` text COLLATE utf8mb4_0900_ai_ci, `b` text COLLATE utf8mb4_unicode_ci) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4  "},
		{"aria default engine on mysql", DialectMySQL, "SET default_storage_engine = 'Aria'", "SET default_storage_engine = 'InnoDB'"},
		{"aria engine-only alter on mysql", DialectMySQL, "ALTER TABLE t ENGINE=Aria", "ALTER TABLE t ENGINE=InnoDB"},
		{"insert data untouched", DialectMariaDB, "INSERT INTO t VALUES ('utf8mb4_0900_ai_ci')", "INSERT INTO t VALUES ('utf8mb4_0900_ai_ci')"},
		{"no change", DialectMariaDB, "CREATE TABLE t (a int) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci", "CREATE TABLE t (a int) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewAllowlist("tgt", AllowOptions{Dialect: tc.d}).Check(tc.sql, 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, d.SQL); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllowlistViewsAndTriggers(t *testing.T) {
	opts := AllowOptions{AllowViews: true, AllowTriggers: true}
	accept := []struct {
		name, sql, want string
		kind            Kind
	}{
		{"mysqldump view", "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select `t`.`a` AS `a` from `t` */",
			"/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013  SQL SECURITY INVOKER */\n/*!50001 VIEW `v` AS select `t`.`a` AS `a` from `t` */", KindView},
		{"alias and target", "CREATE VIEW v AS SELECT a.x, (SELECT COUNT(*) FROM tgt.u) AS n FROM t a JOIN tgt.u b ON a.x = b.x", "", KindView},
		{"stand-in view", "/*!50001 CREATE VIEW `v` AS SELECT\n 1 AS `a` */", "", KindView},
		{"drop view", "/*!50001 DROP VIEW IF EXISTS `v`*/", "", KindView},
		{"trigger", "/*!50003 CREATE*/ /*!50017 DEFINER='root'@'%'*/ /*!50003 TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.b = UPPER(NEW.b) */",
			"/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.b = UPPER(NEW.b) */", KindTrigger},
		{"trigger current_user", "CREATE DEFINER=CURRENT_USER() TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO log VALUES (NEW.a)",
			"CREATE  TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO log VALUES (NEW.a)", KindTrigger},
	}
	for _, tc := range accept {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewAllowlist("tgt", opts).Check(tc.sql, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.sql
			}
			if d.Action != AfterPromote || d.Kind != tc.kind || d.SQL != want {
				t.Errorf("Check = %+v, want AfterPromote %s with SQL %q", d, tc.kind, want)
			}
		})
	}
	refuse := []struct{ name, sql, want string }{
		{"system schema", "CREATE VIEW v AS SELECT User FROM mysql.user", "mysql"},
		{"other db", "CREATE VIEW v AS SELECT * FROM other.t", "qualified"},
		{"other db spaced", "CREATE VIEW v AS SELECT * FROM `other` . `t`", "qualified"},
		{"other db, table name starting with a digit", "CREATE VIEW v AS SELECT * FROM other.9t", "qualified"},
		{"other db, digits table name", "CREATE VIEW v AS SELECT * FROM other.9", "after a dot"},
		{"other db after comma", "CREATE VIEW v AS SELECT * FROM t, other.u", "qualified"},
		{"other db join", "CREATE VIEW v AS SELECT * FROM t LEFT JOIN other.u ON 1", "qualified"},
		{"other db subquery", "CREATE VIEW v AS SELECT (SELECT x FROM other.u) FROM t", "qualified"},
		{"other db function", "CREATE VIEW v AS SELECT other.f(a) FROM t", "qualified"},
		{"three parts", "CREATE VIEW v AS SELECT other.u.x FROM t", "qualified"},
		{"load_file", "CREATE VIEW v AS SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE"},
		{"global var", "CREATE VIEW v AS SELECT @@global.secure_file_priv", "@@global"},
		{"view in other db", "CREATE VIEW other.v AS SELECT 1", "qualified"},
		{"trigger writes other db", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO other.t VALUES (1)", "qualified"},
		{"trigger updates other db", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW UPDATE other.t SET a = 1", "qualified"},
		{"trigger deletes users", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN DELETE FROM mysql.user; END", "mysql"},
		{"trigger grants", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW GRANT ALL ON *.* TO x", "GRANT"},
		{"trigger sets global", "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW SET GLOBAL max_connections = 1", "GLOBAL"},
	}
	for _, tc := range refuse {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewAllowlist("tgt", opts).Check(tc.sql, 9)
			if err == nil || !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check(%q) = %v, want a refusal naming %q", tc.sql, err, tc.want)
			}
		})
	}
}
