package mysqlsnap

import (
	"fmt"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// Action is what the restore does with a statement the allowlist accepted.
type Action uint8

// Actions.
const (
	// Execute: send the statement (possibly rewritten) to the server.
	Execute Action = iota
	// Skip: do not send it; it is harmless but not wanted (views, triggers,
	// routines, events by default, comments, GTID bookkeeping).
	Skip
	// AfterPromote: send it after the dump's tables have been promoted, in
	// the promoted database (views and triggers when allowed: RENAME TABLE
	// cannot move them between databases).
	AfterPromote
)

// String returns "execute", "skip" or "after-promote".
func (a Action) String() string {
	switch a {
	case Execute:
		return "execute"
	case Skip:
		return "skip"
	case AfterPromote:
		return "after-promote"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Kind names what a statement is, for logs, reports and refusals.
type Kind string

// Statement kinds the allowlist recognises.
const (
	KindEmpty       Kind = "empty"
	KindSet         Kind = "SET"
	KindDropTable   Kind = "DROP TABLE"
	KindCreateTable Kind = "CREATE TABLE"
	KindInsert      Kind = "INSERT"
	KindLock        Kind = "LOCK TABLES"
	KindUnlock      Kind = "UNLOCK TABLES"
	KindAlterKeys   Kind = "ALTER TABLE … KEYS"
	// KindAlterEngine: exactly ALTER TABLE t ENGINE[=]e with an allowed
	// engine (Sakila's /*!50610 ALTER TABLE film_text engine=InnoDB */).
	KindAlterEngine Kind = "ALTER TABLE … ENGINE"
	KindTransaction Kind = "transaction"
	KindView        Kind = "view"
	KindTrigger     Kind = "trigger"
	KindRoutine     Kind = "routine"
	KindEvent       Kind = "event"
	// KindPerconaRocksDB: the /*!50717 … */ RocksDB bulk-load probe Percona's
	// mysqldump writes around each table's data (SELECT … INTO
	// @rocksdb_…, PREPARE/EXECUTE s): skipped, never sent.
	KindPerconaRocksDB Kind = "percona rocksdb probe"
)

// Decision is the allowlist's verdict on one allowed statement.
type Decision struct {
	// Action is what to do with the statement.
	Action Action
	// Kind is what the statement is.
	Kind Kind
	// Table is the table a CREATE TABLE, INSERT, DROP TABLE or ALTER TABLE
	// names (or the view/trigger/routine name for skipped objects).
	Table string
	// SQL is the text to send when Action is Execute: the statement itself,
	// or a rewrite of it when dialect bridging changed a collation or
	// engine. Data (INSERT values) is never rewritten.
	SQL string
	// Columns is, for an INSERT with a column list, the columns it names.
	Columns []string
	// Database is the database a KindDatabase statement names, or the
	// database not restored that a skipped table statement is in.
	Database string
	// valuesAt is, for an INSERT, the offset just past VALUES: statements
	// with the same text before it can be merged into one.
	valuesAt int
}

// Dialect is the kind of server a restore talks to; the allowlist rewrites
// collations and engines the other dialect does not know.
type Dialect uint8

// Dialects.
const (
	// DialectUnknown performs no rewriting.
	DialectUnknown Dialect = iota
	// DialectMariaDB: MySQL 8 collations (utf8mb4_0900_ai_ci, …) are mapped
	// to MariaDB ones.
	DialectMariaDB
	// DialectMySQL: MariaDB collations (uca1400, nopad) and the Aria engine
	// are mapped to MySQL 8 ones.
	DialectMySQL
)

// AllowOptions tune the allowlist.
type AllowOptions struct {
	// AllowViews sends CREATE VIEW statements whose body refers only to the
	// target database (DEFINER and SQL SECURITY clauses are dropped so the
	// view runs with the invoker's rights). Default: views are skipped.
	AllowViews bool
	// AllowTriggers sends CREATE TRIGGER statements whose body refers only
	// to the target database and contains no forbidden statement (DEFINER
	// dropped). Default: triggers are skipped.
	AllowTriggers bool
	// Dialect selects collation/engine bridging.
	Dialect Dialect
	// SourceDatabase chooses the database of the dump to restore when the
	// dump names several (CREATE DATABASE / USE, as mysqldump --databases
	// and --all-databases write): the statements of the others are
	// skipped. Default: the dump's only user database with tables; a dump
	// writing tables in two is refused (ErrSeveralDatabases). See the
	// package doc (Databases).
	SourceDatabase string
}

// Allowlist decides, statement by statement, what of an untrusted dump may
// reach a server. It keeps a little state across statements (which user
// variables hold saved session values) so it must see the statements in
// order; it is not safe for concurrent use.
type Allowlist struct {
	target string
	// shown is the name errors give target: a restore's target, not the
	// staging database it writes into.
	shown string
	opts  AllowOptions
	// saved maps a user variable (lower-case, without @) to the system
	// variable whose value it was assigned from.
	saved map[string]string
	db    dbState
}

// NewAllowlist returns an allowlist for a restore into the database target:
// names qualified with any other database are refused.
func NewAllowlist(target string, opts AllowOptions) *Allowlist {
	return &Allowlist{target: target, shown: target, opts: opts, saved: map[string]string{}}
}

// Allow checks one statement of a dump against the allowlist for a restore
// into the database target, with default options: nil if it may be sent
// (or is harmlessly skipped), else an error wrapping liberator.ErrInvalid naming
// its line. It is stateless: restoring a session variable from a user
// variable is only accepted by an Allowlist that saw the variable saved,
// so a restore uses one Allowlist for the whole dump.
func Allow(stmt mysqldump.Statement, target string) error {
	_, err := NewAllowlist(target, AllowOptions{}).CheckStatement(stmt)
	return err
}

// CheckStatement classifies a statement of the scanner. DELIMITER and the
// sandbox marker are client commands the scanner has acted on: skipped.
func (a *Allowlist) CheckStatement(stmt mysqldump.Statement) (Decision, error) {
	if stmt.Kind == mysqldump.KindDelimiter || stmt.Kind == mysqldump.KindSandbox {
		return Decision{Action: Skip, Kind: KindEmpty}, nil
	}
	return a.Check(string(stmt.Text), stmt.Line)
}

// Check classifies one statement (without its delimiter). line is its
// 1-based line in the dump. A refused statement returns an error wrapping
// liberator.ErrInvalid that names the line and quotes the statement.
func (a *Allowlist) Check(text string, line int) (Decision, error) {
	if perconaRocksDB(text) {
		return Decision{Action: Skip, Kind: KindPerconaRocksDB}, nil
	}
	c := checker{a: a, l: lexer{s: []byte(text)}, line: line, text: text}
	d, err := c.check()
	if c.l.err != nil {
		err = c.l.err // a lexical error explains any parse error it caused
	}
	if err != nil {
		return Decision{}, liberator.Errorf(liberator.ErrInvalid, "restore", fmt.Sprintf("line %d", line),
			"statement refused: %w: %s", err, excerpt(text))
	}
	if d.Action != Skip && d.SQL == "" {
		d.SQL = text
	}
	return d, nil
}

// perconaRocksDB recognises the statements of Percona mysqldump's RocksDB
// bulk-load probe. Skipping them sends nothing, so the match may be loose.
func perconaRocksDB(text string) bool {
	rest, ok := strings.CutPrefix(text, "/*!50717 ")
	if !ok {
		return false
	}
	rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "*/"))
	return strings.Contains(rest, "@rocksdb_") || rest == "EXECUTE s" || rest == "DEALLOCATE PREPARE s"
}

// excerpt quotes the start of a statement for an error message.
func excerpt(s string) string {
	s = strings.TrimSpace(s)
	const max = 160
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}

type checker struct {
	a    *Allowlist
	l    lexer
	line int
	text string
	// peeked token, if any
	peek    token
	hasPeek bool
	// edits are text replacements for dialect bridging.
	edits []edit
}

type edit struct {
	start, end int
	repl       string
}

func (c *checker) next() token {
	if c.hasPeek {
		c.hasPeek = false
		return c.peek
	}
	return c.l.next()
}

func (c *checker) peekTok() token {
	if !c.hasPeek {
		c.peek = c.l.next()
		c.hasPeek = true
	}
	return c.peek
}

func (c *checker) word(t token) string { return strings.ToUpper(string(c.l.text(t))) }

// refusedFirst maps a leading keyword to why it is refused.
var refusedFirst = map[string]string{
	"GRANT":     "GRANT",
	"REVOKE":    "REVOKE",
	"LOAD":      "LOAD DATA/XML",
	"SELECT":    "SELECT",
	"INSTALL":   "INSTALL PLUGIN/SONAME",
	"UNINSTALL": "UNINSTALL PLUGIN",
	"SHUTDOWN":  "SHUTDOWN",
	"KILL":      "KILL",
	"SYSTEM":    "client command system",
	"SOURCE":    "client command source",
	"DELIMITER": "client command DELIMITER",
	"CALL":      "CALL",
	"DO":        "DO",
	"HANDLER":   "HANDLER",
	"FLUSH":     "FLUSH",
	"RESET":     "RESET",
	"PURGE":     "PURGE",
	"CHANGE":    "CHANGE MASTER/REPLICATION",
	"RENAME":    "RENAME",
	"TRUNCATE":  "TRUNCATE",
	"DELETE":    "DELETE",
	"UPDATE":    "UPDATE",
	"PREPARE":   "PREPARE",
	"EXECUTE":   "EXECUTE",
	"IMPORT":    "IMPORT TABLE",
	"CLONE":     "CLONE",
	"BINLOG":    "BINLOG",
}

func (c *checker) check() (Decision, error) {
	t := c.next()
	switch t.kind {
	case tkEOF:
		if c.l.err != nil {
			return Decision{}, c.l.err
		}
		return Decision{Action: Skip, Kind: KindEmpty}, nil
	case tkBackslash:
		return Decision{}, fmt.Errorf("client command \\%s", c.afterBackslash(t))
	case tkWord:
	default:
		return Decision{}, fmt.Errorf("unexpected %q at start of statement", c.l.text(t))
	}
	w := c.word(t)
	if why, ok := refusedFirst[w]; ok {
		return Decision{}, fmt.Errorf("%s is not allowed", why)
	}
	var d Decision
	var err error
	switch w {
	case "SET":
		d, err = c.set()
	case "DROP":
		d, err = c.drop()
	case "CREATE":
		d, err = c.create()
	case "INSERT", "REPLACE":
		d, err = c.insert()
	case "LOCK":
		d, err = c.lock()
	case "UNLOCK":
		d, err = c.expectWords(Decision{Kind: KindUnlock}, "TABLES")
	case "ALTER":
		d, err = c.alter()
	case "USE":
		d, err = c.use()
	case "START":
		d, err = c.expectWords(Decision{Kind: KindTransaction}, "TRANSACTION")
	case "BEGIN", "COMMIT":
		d, err = c.expectWords(Decision{Kind: KindTransaction})
	default:
		return Decision{}, fmt.Errorf("%s statements are not allowed in a dump", w)
	}
	if err != nil {
		return Decision{}, err
	}
	if c.l.err != nil {
		return Decision{}, c.l.err
	}
	if d, err = c.a.place(d); err != nil {
		return Decision{}, err
	}
	if d.Action != Skip && len(c.edits) > 0 {
		d.SQL = c.applyEdits()
	}
	return d, nil
}

func (c *checker) afterBackslash(t token) string {
	if t.end < len(c.text) {
		return string(c.text[t.end])
	}
	return ""
}

// rest checks the remaining tokens for anything never allowed: a client
// command, a name qualified with another database, or a forbidden word.
func (c *checker) restSafe(forbidden map[string]string) error {
	var prev token
	for {
		t := c.next()
		switch t.kind {
		case tkEOF:
			return c.l.err
		case tkBackslash:
			return fmt.Errorf("client command \\%s", c.afterBackslash(t))
		case tkWord:
			if why, ok := forbidden[c.word(t)]; ok {
				return fmt.Errorf("%s is not allowed", why)
			}
		case tkPunct:
			if err := c.checkQualifier(prev, t); err != nil {
				return err
			}
			if c.l.isPunct(t, ";") {
				return fmt.Errorf("more than one statement")
			}
		}
		c.bridge(t)
		prev = t
	}
}

// checkQualifier refuses t when it is the '.' of a name prev qualifies
// with a database other than the target. The part after the dot may lex
// as a number (db.9, db.1e5, db.0x1): the server reads a table name there.
func (c *checker) checkQualifier(prev, t token) error {
	if !c.l.isPunct(t, ".") || (prev.kind != tkWord && prev.kind != tkQIdent) {
		return nil
	}
	switch c.peekTok().kind {
	case tkWord, tkQIdent, tkNumber, tkHex, tkBit:
		if q := c.l.ident(prev); q != c.a.target {
			return fmt.Errorf("name qualified with database %q (only %q may be written)", q, c.a.shown)
		}
	}
	return nil
}

// expectWords accepts the statement if the remaining tokens are exactly the
// given words (case-insensitive); a few harmless trailing words are also
// accepted for transaction statements.
func (c *checker) expectWords(d Decision, words ...string) (Decision, error) {
	for _, w := range words {
		t := c.next()
		if !c.l.is(t, w) {
			return Decision{}, fmt.Errorf("expected %s", w)
		}
	}
	for {
		t := c.next()
		if t.kind == tkEOF {
			return d, c.l.err
		}
		if d.Kind == KindTransaction && (c.l.is(t, "WORK") || c.l.is(t, "WITH") || c.l.is(t, "CONSISTENT") || c.l.is(t, "SNAPSHOT")) {
			continue
		}
		return Decision{}, fmt.Errorf("unexpected %q", c.l.text(t))
	}
}

// tableName reads a table name, optionally qualified with the target
// database, and returns it.
func (c *checker) tableName() (string, error) {
	t := c.next()
	if t.kind != tkWord && t.kind != tkQIdent {
		return "", fmt.Errorf("expected a table name, got %q", c.l.text(t))
	}
	name := c.l.ident(t)
	if n := c.peekTok(); c.l.isPunct(n, ".") {
		c.next()
		t2 := c.next()
		if t2.kind != tkWord && t2.kind != tkQIdent {
			return "", fmt.Errorf("expected a table name after %q.", name)
		}
		if name != c.a.target {
			return "", fmt.Errorf("name qualified with database %q (only %q may be written)", name, c.a.shown)
		}
		name = c.l.ident(t2)
	}
	return name, nil
}

// ---- DROP ----

func (c *checker) drop() (Decision, error) {
	t := c.next()
	switch c.word(t) {
	case "TABLE":
	case "VIEW":
		return c.skipObject(KindView, c.a.opts.AllowViews)
	case "TRIGGER":
		return c.skipObject(KindTrigger, c.a.opts.AllowTriggers)
	case "PROCEDURE", "FUNCTION":
		return c.skipObject(KindRoutine, false)
	case "EVENT":
		return c.skipObject(KindEvent, false)
	case "DATABASE", "SCHEMA":
		return c.database("DROP")
	default:
		return Decision{}, fmt.Errorf("DROP %s is not allowed", c.word(t))
	}
	d := Decision{Action: Execute, Kind: KindDropTable}
	if c.l.is(c.peekTok(), "IF") {
		c.next()
		if !c.l.is(c.next(), "EXISTS") {
			return Decision{}, fmt.Errorf("expected IF EXISTS")
		}
	}
	return c.tableList(d, "DROP TABLE", nil)
}

// tableList reads the comma-separated table names that end a statement
// (each in the target database, see tableName) and returns d with Table
// set to the first. After each name, item, if set, reads what the
// statement allows there from the token after the name and returns the
// token after that.
func (c *checker) tableList(d Decision, what string, item func(t token) (token, error)) (Decision, error) {
	for {
		name, err := c.tableName()
		if err != nil {
			return Decision{}, err
		}
		if d.Table == "" {
			d.Table = name
		}
		t := c.next()
		if item != nil {
			if t, err = item(t); err != nil {
				return Decision{}, err
			}
		}
		if t.kind == tkEOF {
			return d, c.l.err
		}
		if !c.l.isPunct(t, ",") {
			return Decision{}, fmt.Errorf("unexpected %q in %s", c.l.text(t), what)
		}
	}
}

// skipObject handles a DROP of a view/trigger/routine/event: it is skipped
// unless allowed, in which case the name must be in the target database.
func (c *checker) skipObject(k Kind, allowed bool) (Decision, error) {
	if c.l.is(c.peekTok(), "IF") {
		c.next()
		c.next()
	}
	name, err := c.tableName()
	if err != nil {
		return Decision{}, err
	}
	if err := c.restSafe(nil); err != nil {
		return Decision{}, err
	}
	if allowed {
		return Decision{Action: AfterPromote, Kind: k, Table: name}, nil
	}
	return Decision{Action: Skip, Kind: k, Table: name}, nil
}

// ---- ALTER ----

func (c *checker) alter() (Decision, error) {
	const only = "only ALTER TABLE … DISABLE/ENABLE KEYS or ENGINE= is allowed"
	switch t := c.next(); {
	case c.l.is(t, "DATABASE"), c.l.is(t, "SCHEMA"):
		return c.database("ALTER")
	case !c.l.is(t, "TABLE"):
		return Decision{}, fmt.Errorf("%s", only)
	}
	name, err := c.tableName()
	if err != nil {
		return Decision{}, err
	}
	t := c.next()
	if c.l.is(t, "ENGINE") {
		if err := c.engine(t); err != nil {
			return Decision{}, err
		}
		return c.end(Decision{Action: Execute, Kind: KindAlterEngine, Table: name})
	}
	if !c.l.is(t, "DISABLE") && !c.l.is(t, "ENABLE") {
		return Decision{}, fmt.Errorf("%s", only)
	}
	d, err := c.expectWords(Decision{Action: Execute, Kind: KindAlterKeys, Table: name}, "KEYS")
	if err != nil {
		return Decision{}, fmt.Errorf("%s", only)
	}
	return d, nil
}

// ---- LOCK ----

func (c *checker) lock() (Decision, error) {
	t := c.next()
	if !c.l.is(t, "TABLES") && !c.l.is(t, "TABLE") {
		return Decision{}, fmt.Errorf("only LOCK TABLES is allowed")
	}
	return c.tableList(Decision{Action: Execute, Kind: KindLock}, "LOCK TABLES", c.lockType)
}

// lockType reads "[AS alias] READ [LOCAL] | [LOW_PRIORITY] WRITE
// [CONCURRENT]" from t, the token after a table name in LOCK TABLES, and
// returns the token after it.
func (c *checker) lockType(t token) (token, error) {
	if c.l.is(t, "AS") {
		c.next()
		t = c.next()
	}
	switch {
	case c.l.is(t, "READ"):
		if c.l.is(c.peekTok(), "LOCAL") {
			c.next()
		}
	case c.l.is(t, "LOW_PRIORITY"):
		if !c.l.is(c.next(), "WRITE") {
			return t, fmt.Errorf("expected WRITE")
		}
	case c.l.is(t, "WRITE"):
		if c.l.is(c.peekTok(), "CONCURRENT") {
			c.next()
		}
	default:
		return t, fmt.Errorf("unexpected %q in LOCK TABLES", c.l.text(t))
	}
	return c.next(), nil
}
