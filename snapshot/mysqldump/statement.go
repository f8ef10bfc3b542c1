package mysqldump

import (
	"fmt"
)

// StatementKind classifies a statement of a dump.
type StatementKind uint8

// Statement kinds. A statement written inside executable comments
// (/*!40101 SET … */, /*!50001 CREATE VIEW … */) has the kind of the
// statement inside.
const (
	// KindOther is any statement not listed below.
	KindOther StatementKind = iota
	// KindSet: SET … (variables, NAMES, character_set_client, …).
	KindSet
	// KindDropTable: DROP [TEMPORARY] TABLE.
	KindDropTable
	// KindDropView: DROP VIEW.
	KindDropView
	// KindDropTrigger: DROP TRIGGER.
	KindDropTrigger
	// KindDropProcedure: DROP PROCEDURE.
	KindDropProcedure
	// KindDropFunction: DROP FUNCTION.
	KindDropFunction
	// KindDropEvent: DROP EVENT.
	KindDropEvent
	// KindDropDatabase: DROP DATABASE or SCHEMA.
	KindDropDatabase
	// KindCreateTable: CREATE [TEMPORARY] TABLE.
	KindCreateTable
	// KindCreateView: CREATE [OR REPLACE] [ALGORITHM=…] [DEFINER=…]
	// [SQL SECURITY …] VIEW.
	KindCreateView
	// KindCreateTrigger: CREATE [DEFINER=…] TRIGGER.
	KindCreateTrigger
	// KindCreateProcedure: CREATE [DEFINER=…] PROCEDURE.
	KindCreateProcedure
	// KindCreateFunction: CREATE [DEFINER=…] [AGGREGATE] FUNCTION.
	KindCreateFunction
	// KindCreateEvent: CREATE [DEFINER=…] EVENT.
	KindCreateEvent
	// KindCreateDatabase: CREATE DATABASE or SCHEMA.
	KindCreateDatabase
	// KindUse: USE db.
	KindUse
	// KindLockTables: LOCK TABLES (or LOCK TABLE).
	KindLockTables
	// KindUnlockTables: UNLOCK TABLES.
	KindUnlockTables
	// KindAlterTableKeys: exactly ALTER TABLE t DISABLE KEYS or ENABLE KEYS.
	KindAlterTableKeys
	// KindAlterTable: any other ALTER TABLE.
	KindAlterTable
	// KindAlterDatabase: ALTER DATABASE or SCHEMA (mysqldump --routines
	// writes it around routines).
	KindAlterDatabase
	// KindInsert: INSERT [IGNORE] INTO.
	KindInsert
	// KindReplace: REPLACE INTO (mysqldump --replace).
	KindReplace
	// KindDelimiter: the client command DELIMITER x; Delimiter holds x.
	KindDelimiter
	// KindStartTransaction: START TRANSACTION or BEGIN.
	KindStartTransaction
	// KindCommit: COMMIT.
	KindCommit
	// KindRollback: ROLLBACK.
	KindRollback
	// KindSandbox: mariadb-dump's first line "/*M!999999\- enable the
	// sandbox mode */", a client command with no delimiter.
	KindSandbox
)

var kindNames = [...]string{
	KindOther:            "OTHER",
	KindSet:              "SET",
	KindDropTable:        "DROP TABLE",
	KindDropView:         "DROP VIEW",
	KindDropTrigger:      "DROP TRIGGER",
	KindDropProcedure:    "DROP PROCEDURE",
	KindDropFunction:     "DROP FUNCTION",
	KindDropEvent:        "DROP EVENT",
	KindDropDatabase:     "DROP DATABASE",
	KindCreateTable:      "CREATE TABLE",
	KindCreateView:       "CREATE VIEW",
	KindCreateTrigger:    "CREATE TRIGGER",
	KindCreateProcedure:  "CREATE PROCEDURE",
	KindCreateFunction:   "CREATE FUNCTION",
	KindCreateEvent:      "CREATE EVENT",
	KindCreateDatabase:   "CREATE DATABASE",
	KindUse:              "USE",
	KindLockTables:       "LOCK TABLES",
	KindUnlockTables:     "UNLOCK TABLES",
	KindAlterTableKeys:   "ALTER TABLE KEYS",
	KindAlterTable:       "ALTER TABLE",
	KindAlterDatabase:    "ALTER DATABASE",
	KindInsert:           "INSERT",
	KindReplace:          "REPLACE",
	KindDelimiter:        "DELIMITER",
	KindStartTransaction: "START TRANSACTION",
	KindCommit:           "COMMIT",
	KindRollback:         "ROLLBACK",
	KindSandbox:          "SANDBOX",
}

// String returns the kind's name, e.g. "CREATE TABLE".
func (k StatementKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("StatementKind(%d)", uint8(k))
}

// Statement is one statement of a dump.
type Statement struct {
	// Kind classifies the statement (inside executable comments too).
	Kind StatementKind
	// Text is the statement as written, from its first byte (leading
	// whitespace and comments dropped) up to, not including, the delimiter
	// (trailing whitespace dropped).
	// It aliases the reader's buffer: it is valid until the next call to
	// Next; copy it to keep it.
	Text []byte
	// Inner is Text with the markers of executable comments ("/*!NNNNN",
	// "/*M!NNNNNN" and their "*/") and plain /* */ comments removed, i.e. the
	// SQL a server of version ≥ Version runs (each comment leaves a space).
	// Nil when Text has none of them (then Text is the SQL). For
	// "/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 TRIGGER … */"
	// it is "CREATE   DEFINER=`u`@`h`   TRIGGER …". Inner is a fresh copy.
	Inner []byte
	// Conditional is true when Text begins with an executable comment, so
	// the whole statement only runs on servers of version ≥ Version.
	Conditional bool
	// Version is the version number of the first executable comment in
	// Text (40101 for "/*!40101 …"), 0 if none.
	Version int
	// MariaDB is true if Text holds a MariaDB-only "/*M!…" comment.
	MariaDB bool
	// Table is the table the statement is about: CREATE/DROP/ALTER TABLE,
	// INSERT, REPLACE, LOCK TABLES (the first table), and a trigger's ON
	// table. Database prefixes are dropped.
	Table string
	// Name is the object the statement defines or drops: a table, view,
	// trigger, procedure, function, event or database (for USE, the
	// database).
	Name string
	// Delimiter is, for KindDelimiter, the new delimiter; otherwise the
	// delimiter that ended the statement.
	Delimiter string
	// Line is the 1-based line of the statement's first byte and Offset its
	// byte offset in the stream.
	Line   int
	Offset int64
}
