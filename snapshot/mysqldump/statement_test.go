package mysqldump

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

// stmtView is the comparable part of a Statement.
type stmtView struct {
	Kind        string
	Text        string
	Inner       string
	Conditional bool
	Version     int
	MariaDB     bool
	Table, Name string
	Delimiter   string
	Line        int
}

func readAll(t *testing.T, sql string, bufSize int) ([]stmtView, error) {
	t.Helper()
	sr := NewStatementReader(strings.NewReader(sql), ReaderOptions{BufferSize: bufSize})
	var out []stmtView
	for {
		st, err := sr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !strings.HasPrefix(sql[st.Offset:], string(st.Text)) {
			t.Errorf("statement at offset %d is %q, not at that offset in the input", st.Offset, st.Text)
		}
		out = append(out, stmtView{Kind: st.Kind.String(), Text: string(st.Text), Inner: string(st.Inner),
			Conditional: st.Conditional, Version: st.Version, MariaDB: st.MariaDB, Table: st.Table, Name: st.Name,
			Delimiter: st.Delimiter, Line: st.Line})
	}
}

func TestStatementReader(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want []stmtView
	}{
		{"set in conditional comment", "/*!40101 SET NAMES utf8mb4 */;\n",
			[]stmtView{{Kind: "SET", Text: "/*!40101 SET NAMES utf8mb4 */", Inner: "SET NAMES utf8mb4", Conditional: true, Version: 40101, Delimiter: ";", Line: 1}}},
		{"comments skipped", "-- MySQL dump\n# hash comment\n/* plain */\n--\nDROP TABLE IF EXISTS `a``b`;\n",
			[]stmtView{{Kind: "DROP TABLE", Text: "DROP TABLE IF EXISTS `a``b`", Table: "a`b", Name: "a`b", Delimiter: ";", Line: 5}}},
		{"double dash without space is not a comment", "SET @a=1--1;\n",
			[]stmtView{{Kind: "SET", Text: "SET @a=1--1", Delimiter: ";", Line: 1}}},
		{"semicolons in strings, identifiers and comments", "INSERT INTO `x;y` VALUES ('a;b','it''s;','\\';',\"q;\\\"\") -- c;\n;\n",
			[]stmtView{{Kind: "INSERT", Text: "INSERT INTO `x;y` VALUES ('a;b','it''s;','\\';',\"q;\\\"\") -- c;", Table: "x;y", Name: "x;y", Delimiter: ";", Line: 1}}},
		{"lock unlock alter keys", "LOCK TABLES `t` WRITE;\n/*!40000 ALTER TABLE `t` DISABLE KEYS */;\nALTER TABLE `t` ADD COLUMN x int;\nUNLOCK TABLES;\n",
			[]stmtView{
				{Kind: "LOCK TABLES", Text: "LOCK TABLES `t` WRITE", Table: "t", Name: "t", Delimiter: ";", Line: 1},
				{Kind: "ALTER TABLE KEYS", Text: "/*!40000 ALTER TABLE `t` DISABLE KEYS */", Inner: "ALTER TABLE `t` DISABLE KEYS", Conditional: true, Version: 40000, Table: "t", Name: "t", Delimiter: ";", Line: 2},
				{Kind: "ALTER TABLE", Text: "ALTER TABLE `t` ADD COLUMN x int", Table: "t", Name: "t", Delimiter: ";", Line: 3},
				{Kind: "UNLOCK TABLES", Text: "UNLOCK TABLES", Delimiter: ";", Line: 4},
			}},
		{"view", "/*!50001 CREATE VIEW `v` AS SELECT\n 1 AS `id`*/;\n",
			[]stmtView{{Kind: "CREATE VIEW", Text: "/*!50001 CREATE VIEW `v` AS SELECT\n 1 AS `id`*/", Inner: "CREATE VIEW `v` AS SELECT\n 1 AS `id`", Conditional: true, Version: 50001, Name: "v", Delimiter: ";", Line: 1}}},
		{"final view", "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select '*/' AS `x` */;\n",
			[]stmtView{{Kind: "CREATE VIEW", Text: "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select '*/' AS `x` */",
				Inner: "CREATE ALGORITHM=UNDEFINED  \n DEFINER=`root`@`localhost` SQL SECURITY DEFINER  \n VIEW `v` AS select '*/' AS `x`", Conditional: true, Version: 50001, Name: "v", Delimiter: ";", Line: 1}}},
		{"trigger in delimiter block", "DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `trg` BEFORE INSERT ON `db`.`t` FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = ';;'; END */;;\nDELIMITER ;\nSET @x = 1;\n",
			[]stmtView{
				{Kind: "DELIMITER", Text: "DELIMITER ;;", Delimiter: ";;", Line: 1},
				{Kind: "CREATE TRIGGER", Text: "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `trg` BEFORE INSERT ON `db`.`t` FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = ';;'; END */",
					Inner: "CREATE   DEFINER=`root`@`localhost`   TRIGGER `trg` BEFORE INSERT ON `db`.`t` FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = ';;'; END", Conditional: true, Version: 50003,
					Table: "t", Name: "trg", Delimiter: ";;", Line: 2},
				{Kind: "DELIMITER", Text: "DELIMITER ;", Delimiter: ";", Line: 3},
				{Kind: "SET", Text: "SET @x = 1", Delimiter: ";", Line: 4},
			}},
		{"procedure", "DELIMITER $$\nCREATE DEFINER=`root`@`%` PROCEDURE `p`(IN a INT)\nBEGIN\n  SELECT 1; -- x $$ not end\nEND $$\nDELIMITER ;\n",
			[]stmtView{
				{Kind: "DELIMITER", Text: "DELIMITER $$", Delimiter: "$$", Line: 1},
				{Kind: "CREATE PROCEDURE", Text: "CREATE DEFINER=`root`@`%` PROCEDURE `p`(IN a INT)\nBEGIN\n  SELECT 1; -- x $$ not end\nEND", Name: "p", Delimiter: "$$", Line: 2},
				{Kind: "DELIMITER", Text: "DELIMITER ;", Delimiter: ";", Line: 6},
			}},
		{"function and event", "CREATE DEFINER='u'@'h' AGGREGATE FUNCTION f() RETURNS INT RETURN 1;\n/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */;\n",
			[]stmtView{
				{Kind: "CREATE FUNCTION", Text: "CREATE DEFINER='u'@'h' AGGREGATE FUNCTION f() RETURNS INT RETURN 1", Name: "f", Delimiter: ";", Line: 1},
				{Kind: "CREATE EVENT", Text: "/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */",
					Inner: "CREATE   DEFINER=`root`@`localhost`   EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1", Conditional: true, Version: 50106, Name: "e", Delimiter: ";", Line: 2},
			}},
		{"drops", "/*!50003 DROP PROCEDURE IF EXISTS `p` */;\nDROP VIEW IF EXISTS v;\n/*!50032 DROP TRIGGER IF EXISTS `t` */;\nDROP FUNCTION f;\nDROP EVENT e;\nDROP DATABASE d;\nDROP USER x;\n",
			[]stmtView{
				{Kind: "DROP PROCEDURE", Text: "/*!50003 DROP PROCEDURE IF EXISTS `p` */", Inner: "DROP PROCEDURE IF EXISTS `p`", Conditional: true, Version: 50003, Name: "p", Delimiter: ";", Line: 1},
				{Kind: "DROP VIEW", Text: "DROP VIEW IF EXISTS v", Name: "v", Delimiter: ";", Line: 2},
				{Kind: "DROP TRIGGER", Text: "/*!50032 DROP TRIGGER IF EXISTS `t` */", Inner: "DROP TRIGGER IF EXISTS `t`", Conditional: true, Version: 50032, Name: "t", Delimiter: ";", Line: 3},
				{Kind: "DROP FUNCTION", Text: "DROP FUNCTION f", Name: "f", Delimiter: ";", Line: 4},
				{Kind: "DROP EVENT", Text: "DROP EVENT e", Name: "e", Delimiter: ";", Line: 5},
				{Kind: "DROP DATABASE", Text: "DROP DATABASE d", Name: "d", Delimiter: ";", Line: 6},
				{Kind: "OTHER", Text: "DROP USER x", Delimiter: ";", Line: 7},
			}},
		{"database statements", "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `liberator` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\nUSE `liberator`;\nALTER DATABASE `liberator` CHARACTER SET latin1 ;\n",
			[]stmtView{
				{Kind: "CREATE DATABASE", Text: "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `liberator` /*!40100 DEFAULT CHARACTER SET utf8mb4 */",
					Inner: "CREATE DATABASE  IF NOT EXISTS  `liberator`  DEFAULT CHARACTER SET utf8mb4", Version: 32312, Name: "liberator", Delimiter: ";", Line: 1},
				{Kind: "USE", Text: "USE `liberator`", Name: "liberator", Delimiter: ";", Line: 2},
				{Kind: "ALTER DATABASE", Text: "ALTER DATABASE `liberator` CHARACTER SET latin1", Name: "liberator", Delimiter: ";", Line: 3},
			}},
		{"transactions", "START TRANSACTION;\nBEGIN;\nCOMMIT;\nROLLBACK;\nset autocommit=0;\n",
			[]stmtView{
				{Kind: "START TRANSACTION", Text: "START TRANSACTION", Delimiter: ";", Line: 1},
				{Kind: "START TRANSACTION", Text: "BEGIN", Delimiter: ";", Line: 2},
				{Kind: "COMMIT", Text: "COMMIT", Delimiter: ";", Line: 3},
				{Kind: "ROLLBACK", Text: "ROLLBACK", Delimiter: ";", Line: 4},
				{Kind: "SET", Text: "set autocommit=0", Delimiter: ";", Line: 5},
			}},
		{"mariadb sandbox and M! comment", "/*M!999999\\- enable the sandbox mode */ \n/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;\n",
			[]stmtView{
				{Kind: "SANDBOX", Text: "/*M!999999\\- enable the sandbox mode */", Conditional: true, Version: 999999, MariaDB: true, Line: 1},
				{Kind: "SET", Text: "/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */", Inner: "SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0",
					Conditional: true, Version: 100616, MariaDB: true, Delimiter: ";", Line: 2},
			}},
		{"gtid purged with inner comment", "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'abc:1-5';\n",
			[]stmtView{{Kind: "SET", Text: "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'abc:1-5'", Inner: "SET @@GLOBAL.GTID_PURGED= '+'  'abc:1-5'", Version: 80000, Delimiter: ";", Line: 1}}},
		{"replace and insert ignore", "REPLACE INTO t VALUES (1);\nINSERT  IGNORE INTO `d`.`t` VALUES (1);\n",
			[]stmtView{
				{Kind: "REPLACE", Text: "REPLACE INTO t VALUES (1)", Table: "t", Name: "t", Delimiter: ";", Line: 1},
				{Kind: "INSERT", Text: "INSERT  IGNORE INTO `d`.`t` VALUES (1)", Table: "t", Name: "t", Delimiter: ";", Line: 2},
			}},
		{"empty statements skipped? no: reported as OTHER", "SELECT 1;\n", []stmtView{{Kind: "OTHER", Text: "SELECT 1", Delimiter: ";", Line: 1}}},
		{"crlf", "SET a=1;\r\nSET b=2;\r\n", []stmtView{
			{Kind: "SET", Text: "SET a=1", Delimiter: ";", Line: 1},
			{Kind: "SET", Text: "SET b=2", Delimiter: ";", Line: 2},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{1, 7, 0} {
				got, err := readAll(t, tc.sql, bufSize)
				if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("buf %d (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}

func TestStatementReaderHeaderAndTrailer(t *testing.T) {
	sr := NewStatementReader(strings.NewReader("-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)\nSET a=1;\n-- Dump completed on 2026-11-24\n"), ReaderOptions{})
	for {
		if _, err := sr.Next(); err != nil {
			break
		}
	}
	if sr.Header() != "-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)" || !sr.Completed() {
		t.Errorf("header %q completed %v", sr.Header(), sr.Completed())
	}
}

func TestStatementReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		opts ReaderOptions
		want []string
	}{
		{"unterminated string", "SET a=1;\nINSERT INTO t VALUES ('abc", ReaderOptions{}, []string{"line 2", "string not closed", "cut off"}},
		{"unterminated identifier", "SET a=1;\nSELECT `abc", ReaderOptions{}, []string{"line 2", "identifier not closed"}},
		{"unterminated statement", "SET a=1;\n\nSET b=2", ReaderOptions{}, []string{"line 3", "not terminated"}},
		{"unterminated conditional", "/*!40101 SET a=1;\n", ReaderOptions{}, []string{"line 1", "executable comment not closed"}},
		{"unterminated comment", "SET a=1;\n/* abc", ReaderOptions{}, []string{"line 2", "comment not closed"}},
		{"unterminated inner comment", "SET a=1 /* abc", ReaderOptions{}, []string{"comment not closed"}},
		{"too long", "SET a='" + strings.Repeat("x", 5000) + "';\n", ReaderOptions{BufferSize: 64, MaxStatement: 1024}, []string{"line 1", "1024-byte cap"}},
		{"bad delimiter", "DELIMITER \n", ReaderOptions{}, []string{"DELIMITER without"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sr := NewStatementReader(strings.NewReader(tc.sql), tc.opts)
			var err error
			for err == nil {
				_, err = sr.Next()
			}
			if err == io.EOF || !errors.Is(err, liberator.ErrInvalid) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestStatementReaderLargeStatement(t *testing.T) {
	// A multi-megabyte INSERT with escapes, read with a small initial window.
	var b strings.Builder
	b.WriteString("INSERT INTO `t` VALUES ")
	for i := 0; i < 100000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(1,'a\\'b;c',\"x\")")
	}
	text := b.String()
	sr := NewStatementReader(strings.NewReader(text+";\nSET a=1;\n"), ReaderOptions{BufferSize: 4096})
	st, err := sr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != KindInsert || string(st.Text) != text {
		t.Errorf("got %s of %d bytes, want INSERT of %d", st.Kind, len(st.Text), len(text))
	}
	st, err = sr.Next()
	if err != nil || st.Kind != KindSet || st.Line != 2 {
		t.Errorf("next = %+v, %v", st, err)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		sql         string
		kind        StatementKind
		table, name string
	}{
		{"CREATE TABLE IF NOT EXISTS `db`.`t` (a int)", KindCreateTable, "t", "t"},
		{"create temporary table t (a int)", KindCreateTable, "t", "t"},
		{"CREATE OR REPLACE ALGORITHM=MERGE DEFINER=CURRENT_USER() SQL SECURITY INVOKER VIEW v AS SELECT 1", KindCreateView, "", "v"},
		{"CREATE DEFINER=root@localhost TRIGGER tr AFTER UPDATE ON t FOR EACH ROW SET @a=1", KindCreateTrigger, "t", "tr"},
		{"/*!50003 CREATE*/ /*!50020 DEFINER=`a`@`b`*/ /*!50003 PROCEDURE `p`() SELECT 1 */", KindCreateProcedure, "", "p"},
		{"ALTER TABLE t ENABLE KEYS", KindAlterTableKeys, "t", "t"},
		{"ALTER TABLE t ENABLE KEYS, ADD x int", KindAlterTable, "t", "t"},
		{"LOCK TABLES a READ, b WRITE", KindLockTables, "a", "a"},
		{"GRANT ALL ON *.* TO x", KindOther, "", ""},
		{"", KindOther, "", ""},
		{"'SET'", KindOther, "", ""},
	}
	for _, tc := range tests {
		k, tb, n := Classify([]byte(tc.sql))
		if k != tc.kind || tb != tc.table || n != tc.name {
			t.Errorf("Classify(%q) = %v %q %q, want %v %q %q", tc.sql, k, tb, n, tc.kind, tc.table, tc.name)
		}
	}
}
