package mysqldump

import (
	"fmt"
	"slices"
	"strings"
)

// IsSystemDatabase reports whether name is one of MySQL's system
// databases (mysql, sys, information_schema, performance_schema,
// case-insensitively), which are never converted (see the package doc).
func IsSystemDatabase(name string) bool {
	switch strings.ToLower(name) {
	case "mysql", "sys", "information_schema", "performance_schema":
		return true
	}
	return false
}

// tableKey identifies a table: its database and name.
type tableKey struct{ db, name string }

// tableInfo is the scanner's record of a table the dump created.
type tableInfo struct {
	t        *Table
	reported bool // handed to Handler.CreateTable: its rows are decoded
	// text has, per column, the charset of a text column (nil for other
	// columns); textOnly is true for columns of a type the scanner does
	// not know, whose hex and bit literals are left as they are.
	text     []*charset
	textOnly []bool
	textIdx  []int // the indexes of the text columns
	// gen has, per generated column whose expression Scan computes, the
	// compiled expression (nil for other columns).
	gen []genExpr
}

// databases is the scanner's view of the dump's databases.
type databases struct {
	source   string   // ScanOptions.SourceDatabase
	cur      string   // the database of the last USE (or the header's)
	user     []string // user databases that created tables, in dump order
	named    []string // every database the dump names (CREATE DATABASE, USE, qualified names)
	chosen   string   // the user database converted
	isChosen bool
	system   map[string]bool // system databases seen (logged once)
}

// note records that the dump names database db.
func (d *databases) note(db string) {
	if db != "" && !slices.Contains(d.named, db) {
		d.named = append(d.named, db)
	}
}

// mayConvert reports whether database db is, or may yet be, the one
// converted (for the views and routines reported as skipped).
func (d *databases) mayConvert(db string) bool {
	switch {
	case IsSystemDatabase(db):
		return false
	case d.source != "":
		return db == d.source
	case d.isChosen:
		return db == d.chosen
	}
	return true
}

// displayDB names a database in messages.
func displayDB(db string) string {
	if db == "" {
		return "(unnamed: the dump has no USE before its tables)"
	}
	return "`" + db + "`"
}

func displayDBs(dbs []string) string {
	out := make([]string, len(dbs))
	for i, db := range dbs {
		out[i] = displayDB(db)
	}
	return strings.Join(out, ", ")
}

// keyOf returns the key of table name in database db ("": the current one).
func (s *scanner) keyOf(db, name string) tableKey {
	if db == "" {
		db = s.dbs.cur
	}
	return tableKey{db, name}
}

// converts decides whether the tables of database db are converted: never
// for a system database; for a user database, when it is the one chosen
// (ScanOptions.SourceDatabase, or else the first user database that creates
// a table: a second one is an error listing them).
func (s *scanner) converts(db string, line int, off int64, name string) (bool, error) {
	d := &s.dbs
	if IsSystemDatabase(db) {
		if !d.system[strings.ToLower(db)] {
			d.system[strings.ToLower(db)] = true
			s.log.Info("skipping system database (never converted)", "database", db, "line", line)
		}
		return false, nil
	}
	if !slices.Contains(d.user, db) {
		d.user = append(d.user, db)
	}
	if d.source != "" {
		return db == d.source, nil
	}
	if !d.isChosen {
		d.chosen, d.isChosen = db, true
		return true, nil
	}
	if db == d.chosen {
		return true, nil
	}
	return false, s.errAt(line, off, (&Table{Database: db, Name: name}).QualifiedName(),
		"the dump holds tables of several user databases (%s); choose the one to convert (ScanOptions.SourceDatabase)", displayDBs(d.user))
}

// createTable handles a CREATE TABLE statement that is not a view
// stand-in.
func (s *scanner) createTable(st *Statement) error {
	text, err := s.clientStatement(st)
	if err != nil {
		return err
	}
	t, ifNotExists, err := parseCreateTable(text, s.view)
	if err != nil {
		return s.errAt(st.Line, st.Offset, st.Table, "%w", err)
	}
	t.Line = st.Line
	if t.Database == "" {
		t.Database = s.dbs.cur
	}
	s.dbs.note(t.Database)
	key := tableKey{t.Database, t.Name}
	if old := s.tables[key]; old != nil {
		if ifNotExists {
			s.log.Info("CREATE TABLE IF NOT EXISTS of an existing table ignored", "table", t.QualifiedName(), "line", st.Line)
			return nil
		}
		return s.errAt(st.Line, st.Offset, t.QualifiedName(), "table created twice (line %d, then here, with no DROP TABLE between)", old.t.Line)
	}
	conv, err := s.converts(t.Database, st.Line, st.Offset, t.Name)
	if err != nil {
		return err
	}
	ti := &tableInfo{t: t, reported: conv && s.wanted(t.Name)}
	s.textColumns(ti)
	if ti.reported {
		s.generatedColumns(ti)
	}
	s.tables[key] = ti
	delete(s.standin, key)
	s.stats.Tables++
	if ti.reported {
		if err := s.h.CreateTable(t); err != nil {
			return fmt.Errorf("table %s at line %d: %w", t.QualifiedName(), st.Line, err)
		}
	}
	return nil
}

// dropTables handles DROP TABLE a, b, …: the tables are forgotten, and a
// Handler that implements TableDropper is told of those it was given.
func (s *scanner) dropTables(st *Statement) error {
	z := &tokenizer{s: st.Text, view: &s.view}
	z.next() // DROP
	if z.next().is("TEMPORARY") {
		z.next() // TABLE
	}
	if z.peek().is("IF") {
		z.next()
		z.next() // EXISTS
	}
	for {
		n := z.next()
		if n.kind != tokIdent && n.kind != tokWord {
			return nil
		}
		db, name := z.qualified(n)
		if err := s.dropTable(s.keyOf(db, name), st.Line); err != nil {
			return err
		}
		if !z.next().isPunct(',') {
			return nil
		}
	}
}

func (s *scanner) dropTable(key tableKey, line int) error {
	delete(s.standin, key)
	ti := s.tables[key]
	if ti == nil {
		return nil
	}
	delete(s.tables, key)
	s.log.Debug("table dropped", "table", ti.t.QualifiedName(), "line", line)
	if !ti.reported {
		return nil
	}
	s.stats.Rows -= s.stats.RowsByTable[ti.t.Name]
	delete(s.stats.RowsByTable, ti.t.Name)
	if d, ok := s.h.(TableDropper); ok {
		if err := d.DropTable(ti.t); err != nil {
			return fmt.Errorf("table %s dropped at line %d: %w", ti.t.QualifiedName(), line, err)
		}
	}
	return nil
}

// dropDatabase drops the tables of the database st drops.
func (s *scanner) dropDatabase(st *Statement) error {
	db := st.Name
	var keys []tableKey
	for k := range s.tables {
		if k.db == db {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b tableKey) int { return s.tables[a].t.Line - s.tables[b].t.Line })
	for _, k := range keys {
		if err := s.dropTable(k, st.Line); err != nil {
			return err
		}
	}
	return nil
}

// finishDatabases checks, at the end of the dump, that the database
// ScanOptions.SourceDatabase chose is in it.
func (s *scanner) finishDatabases() error {
	d := &s.dbs
	if d.source == "" || slices.Contains(d.named, d.source) || slices.Contains(d.user, d.source) {
		return nil
	}
	have := "no database names"
	if len(d.user) > 0 {
		have = "tables of " + displayDBs(d.user)
	} else if len(d.named) > 0 {
		have = "databases " + displayDBs(d.named)
	}
	return s.errAt(s.sr.win.line, s.sr.Offset(), "", "database %s (ScanOptions.SourceDatabase) is not in the dump, which has %s", displayDB(d.source), have)
}
