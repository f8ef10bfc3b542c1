package mysqlsnap

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// KindDatabase is CREATE/DROP/ALTER DATABASE (or SCHEMA) and USE: never
// sent, see the package doc (Databases).
const KindDatabase Kind = "database"

// ErrSeveralDatabases is wrapped by the refusal of a dump that writes
// tables in a second user database when AllowOptions.SourceDatabase
// chooses none, or that names a database (a system one included) after
// writing tables before naming any.
var ErrSeveralDatabases = errors.New("the dump holds several databases")

// dbState follows the databases a dump names, statement by statement.
type dbState struct {
	// own is the database that is restored: the chosen one, or the first
	// user database the dump writes tables in ("" until then).
	own string
	// cur is the database the dump's USE statements put it in ("" before
	// any); skipping is true when that is a database not restored.
	cur      string
	skipping bool
	// unnamed is true once a table statement ran before any USE.
	unnamed bool
	// databases are the user databases named, in order; skipped the
	// databases (system ones included) whose statements were skipped.
	databases []string
	skipped   []string
}

// tableStatement reports whether statements of kind k concern a table of
// the current database (so are skipped in a database not restored).
func tableStatement(k Kind) bool {
	switch k {
	case KindDropTable, KindCreateTable, KindInsert, KindLock, KindAlterKeys, KindAlterEngine,
		KindView, KindTrigger, KindRoutine, KindEvent:
		return true
	}
	return false
}

// place applies the current database to the decision d of a statement:
// statements about tables of a database not restored are skipped, and
// tables written in a second user database, when none is chosen, are
// refused.
func (a *Allowlist) place(d Decision) (Decision, error) {
	if !tableStatement(d.Kind) {
		return d, nil
	}
	switch {
	case a.db.skipping:
		d.Action = Skip
		d.Database = a.db.cur
	case a.db.cur == "":
		a.db.unnamed = true
	case a.db.own == "":
		a.db.own = a.db.cur
	case a.db.cur != a.db.own:
		return Decision{}, fmt.Errorf("%w (%s): choose the one to restore (SourceDatabase)", ErrSeveralDatabases, strings.Join(a.db.databases, ", "))
	}
	return d, nil
}

// name records that the dump names database n (CREATE, DROP, ALTER or
// USE) and reports whether n's tables are restored: not those of a system
// database, nor those of another database than the chosen one.
func (a *Allowlist) name(n string) (restored bool, err error) {
	if a.db.unnamed {
		// Real dumps name their databases before any table.
		return false, fmt.Errorf("%w: tables were written before it named database %q", ErrSeveralDatabases, n)
	}
	if mysqldump.IsSystemDatabase(n) {
		a.skip(n)
		return false, nil
	}
	if !slices.Contains(a.db.databases, n) {
		a.db.databases = append(a.db.databases, n)
	}
	if chosen := a.opts.SourceDatabase; chosen != "" && n != chosen {
		a.skip(n)
		return false, nil
	}
	return true, nil
}

func (a *Allowlist) skip(n string) {
	if !slices.Contains(a.db.skipped, n) {
		a.db.skipped = append(a.db.skipped, n)
	}
}

// SkippedDatabases returns the databases the dump named whose statements
// were skipped (system databases, and user databases other than
// AllowOptions.SourceDatabase), in the order named.
func (a *Allowlist) SkippedDatabases() []string { return slices.Clone(a.db.skipped) }

// Database returns the user database whose tables are restored, "" if the
// dump named none (or wrote no table in it).
func (a *Allowlist) Database() string { return a.db.own }

// use checks USE db: the dump's following table statements are in db.
func (c *checker) use() (Decision, error) {
	n, err := c.databaseName()
	if err != nil {
		return Decision{}, err
	}
	if _, err := c.end(Decision{}); err != nil {
		return Decision{}, err
	}
	restored, err := c.a.name(n)
	if err != nil {
		return Decision{}, err
	}
	c.a.db.cur, c.a.db.skipping = n, !restored
	return Decision{Action: Skip, Kind: KindDatabase, Database: n}, nil
}

// database checks CREATE DATABASE|SCHEMA [IF NOT EXISTS] db [options],
// ALTER DATABASE|SCHEMA [db] options and DROP DATABASE|SCHEMA [IF EXISTS]
// db, what mysqldump --databases --add-drop-database, its --routines and
// Sakila's schema write. They are never sent (the restore makes its own
// database); the options may only be the character set, collation,
// encryption and comment.
func (c *checker) database(verb string) (Decision, error) {
	if c.l.is(c.peekTok(), "IF") {
		c.next()
		if verb == "CREATE" && !c.l.is(c.next(), "NOT") {
			return Decision{}, fmt.Errorf("expected IF NOT EXISTS")
		}
		if !c.l.is(c.next(), "EXISTS") {
			return Decision{}, fmt.Errorf("expected IF EXISTS")
		}
	}
	n := c.a.db.cur
	if t := c.peekTok(); verb != "ALTER" || !databaseOption[c.word(t)] {
		var err error
		if n, err = c.databaseName(); err != nil {
			return Decision{}, err
		}
	}
	if n == "" {
		return Decision{}, fmt.Errorf("ALTER DATABASE without a database")
	}
	if verb == "DROP" {
		if _, err := c.end(Decision{}); err != nil {
			return Decision{}, err
		}
	} else if err := c.databaseOptions(verb == "ALTER"); err != nil {
		return Decision{}, err
	}
	if _, err := c.a.name(n); err != nil {
		return Decision{}, err
	}
	return Decision{Action: Skip, Kind: KindDatabase, Database: n}, nil
}

// databaseName reads a database name (a word or quoted identifier).
func (c *checker) databaseName() (string, error) {
	t := c.next()
	if t.kind != tkWord && t.kind != tkQIdent {
		return "", fmt.Errorf("expected a database name, got %q", c.l.text(t))
	}
	return c.l.ident(t), nil
}

// databaseOption are the words that may start an option of CREATE or
// ALTER DATABASE.
var databaseOption = map[string]bool{"DEFAULT": true, "CHARACTER": true, "CHARSET": true, "COLLATE": true, "ENCRYPTION": true, "COMMENT": true}

// databaseOptions reads "[DEFAULT] {CHARACTER SET|CHARSET|COLLATE|
// ENCRYPTION|COMMENT} [=] value" options up to the end of the statement;
// ALTER needs at least one.
func (c *checker) databaseOptions(required bool) error {
	for n := 0; ; n++ {
		t := c.next()
		if t.kind == tkEOF {
			if required && n == 0 {
				return fmt.Errorf("ALTER DATABASE without options")
			}
			return c.l.err
		}
		if c.l.is(t, "DEFAULT") {
			t = c.next()
		}
		switch c.word(t) {
		case "CHARACTER":
			if !c.l.is(c.next(), "SET") {
				return fmt.Errorf("expected CHARACTER SET")
			}
		case "CHARSET", "COLLATE", "ENCRYPTION", "COMMENT":
		default:
			return fmt.Errorf("database option %q is not allowed", c.l.text(t))
		}
		if c.l.isPunct(c.peekTok(), "=") {
			c.next()
		}
		switch v := c.next(); v.kind {
		case tkWord, tkQIdent, tkString:
		default:
			return fmt.Errorf("unexpected %q in a database option", c.l.text(v))
		}
	}
}
