package mysqldump

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// ScanOptions tunes Scan.
type ScanOptions struct {
	// Logger receives notices (skipped views, triggers, routines, unknown
	// statements). Default: a logger that discards.
	Logger *slog.Logger
	// BufferSize is the initial read window (default DefaultBufferSize).
	BufferSize int
	// MaxStatement caps the size of one non-INSERT statement and of one
	// INSERT row (default DefaultMaxStatement). INSERT statements are
	// streamed row by row, so their total size is not capped.
	MaxStatement int
	// Tables, if not empty, restricts CreateTable and Row calls to these
	// tables (case-insensitive); rows of other tables are skipped without
	// being decoded.
	Tables []string
	// SourceDatabase chooses the database whose tables are converted when
	// the dump holds several (mysqldump --databases or --all-databases);
	// "" converts the dump's only user database and refuses a dump with
	// tables in two. System databases are never converted. See the
	// package doc.
	SourceDatabase string
}

// ScanStats sums up a scan.
type ScanStats struct {
	// Bytes of SQL read and Lines counted.
	Bytes int64
	Lines int
	// Statements read (INSERTs included).
	Statements int64
	// Tables created (reported or not) and Rows reported.
	Tables int
	Rows   int64
	// RowsByTable counts the rows reported, per table.
	RowsByTable map[string]int64
	// Skipped lists views, triggers, routines and events, in dump order.
	Skipped []Skipped
	// Databases lists the user databases that create tables, in dump
	// order ("" for tables before any USE in a dump whose header names no
	// database), and Database the one converted.
	Databases []string
	Database  string
	// Header is the dump's "-- MySQL dump …" / "-- MariaDB dump …" line.
	Header string
	// Completed is true when the "-- Dump completed" trailer was read. A
	// dump without it may have been cut off at a statement boundary (or
	// made with --skip-comments).
	Completed bool
}

// Scan streams a mysqldump / mariadb-dump file, calling h.CreateTable for
// each CREATE TABLE, h.Row for each row of each INSERT (values in the
// table's column order) and h.Skip for each view, trigger, routine and
// event. Other statements (SET, LOCK TABLES, …) are read and ignored.
//
// Errors wrap liberator.ErrInvalid and name the line, byte offset and table:
// an INSERT into a table the dump never created, a row with the wrong
// number of values, a dump cut off inside a statement, a file with no
// recognisable statements. An error from the Handler is returned wrapped
// with the position. The package doc tells how databases, character sets,
// executable comments, dropped tables and generated columns are handled,
// and the memory Scan uses.
func Scan(ctx context.Context, r io.Reader, h Handler, opts ScanOptions) (ScanStats, error) {
	s := newScanner(r, h, opts)
	err := s.run(ctx)
	s.stats.Bytes = s.sr.Offset()
	s.stats.Lines = s.sr.win.line
	s.stats.Header = s.sr.header
	s.stats.Completed = s.sr.done
	s.stats.Databases = s.dbs.user
	if s.dbs.source != "" {
		s.stats.Database = s.dbs.source
	} else {
		s.stats.Database = s.dbs.chosen
	}
	return s.stats, err
}

type scanner struct {
	sr      *StatementReader
	h       Handler
	log     *slog.Logger
	want    map[string]bool
	tables  map[tableKey]*tableInfo
	standin map[tableKey]bool // view stand-in tables (/*!50001 CREATE TABLE …*/)
	dbs     databases
	skipped map[string]bool
	known   int64 // recognised statements
	stats   ScanStats

	raw       []Value
	vals      []Value
	scratch   []byte
	mapping   []int // INSERT column list → table column index
	hasList   bool  // the INSERT being read has a column list
	row       rowParse
	view      dialect
	nongen    []int // table column indexes of non-generated columns
	valMeta   []valueMeta
	session   session
	dbCharset map[string]*charset // default charsets of CREATE DATABASE
}

func newScanner(r io.Reader, h Handler, opts ScanOptions) *scanner {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &scanner{
		sr:        NewStatementReader(r, ReaderOptions{BufferSize: opts.BufferSize, MaxStatement: opts.MaxStatement}),
		h:         h,
		log:       log,
		tables:    map[tableKey]*tableInfo{},
		standin:   map[tableKey]bool{},
		dbs:       databases{source: opts.SourceDatabase, system: map[string]bool{}},
		session:   newSession(),
		dbCharset: map[string]*charset{},
		skipped:   map[string]bool{},
		stats:     ScanStats{RowsByTable: map[string]int64{}},
	}
	if len(opts.Tables) > 0 {
		s.want = map[string]bool{}
		for _, t := range opts.Tables {
			s.want[strings.ToLower(t)] = true
		}
	}
	return s
}

func (s *scanner) wanted(name string) bool {
	return s.want == nil || s.want[strings.ToLower(name)]
}

// errAt returns an error at line and off, about table (a name, or a
// QualifiedName) if not "".
func (s *scanner) errAt(line int, off int64, table string, format string, args ...any) error {
	what := fmt.Sprintf("line %d (offset %d)", line, off)
	if table != "" {
		if !strings.HasPrefix(table, "`") {
			table = "`" + table + "`"
		}
		what = fmt.Sprintf("table %s at %s", table, what)
	}
	return liberator.Errorf(liberator.ErrInvalid, "scan dump", what, format, args...)
}

func (s *scanner) run(ctx context.Context) error {
	err := s.loop(ctx)
	if err == nil {
		err = s.finishDatabases()
	}
	if err == nil && s.known == 0 {
		return liberator.Errorf(liberator.ErrInvalid, "scan dump", "", "not a mysqldump/mariadb-dump file: no recognisable statements")
	}
	if err != nil && s.known == 0 && errors.Is(err, liberator.ErrInvalid) {
		return fmt.Errorf("not a mysqldump/mariadb-dump file: %w", err)
	}
	return err
}

func (s *scanner) loop(ctx context.Context) error {
	sr := s.sr
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sr.skipLeading(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if !s.view.mariadb && strings.HasPrefix(sr.header, "-- MariaDB dump") {
			s.view.mariadb = true
		}
		if sr.headerDB != "" && s.dbs.cur == "" && len(s.dbs.named) == 0 {
			s.dbs.cur = sr.headerDB
		}
		ins, err := s.atInsert()
		if err != nil {
			return err
		}
		if ins {
			s.stats.Statements++
			s.known++
			if err := s.insert(ctx); err != nil {
				return err
			}
			continue
		}
		st, err := sr.readStatement()
		if err != nil {
			return err
		}
		s.stats.Statements++
		if err := s.statement(&st); err != nil {
			return err
		}
	}
}

// atInsert reports whether the statement at win.r starts with INSERT or
// REPLACE.
func (s *scanner) atInsert() (bool, error) {
	w := s.sr.win
	for w.w-w.r < 8 && !w.eof {
		if _, err := s.sr.more(w.r); err != nil && err != io.EOF {
			return false, err
		}
	}
	b := w.buf[w.r:w.w]
	word := func(kw string) bool {
		return len(b) > len(kw) && equalFold(string(b[:len(kw)]), kw) && !isWordByte(b[len(kw)])
	}
	return word("INSERT") || word("REPLACE"), nil
}

func (s *scanner) statement(st *Statement) error {
	if st.Kind != KindOther {
		s.known++
	}
	if st.Kind == KindSandbox {
		s.view.mariadb = true
	}
	if st.Conditional {
		if _, v, mdb, _ := condAt(st.Text, 0); !s.view.applies(v, mdb) {
			s.log.Debug("executable comment that MySQL 8.4 would not run ignored", "line", st.Line, "text", clip(st.Text, 80))
			return nil
		}
	}
	switch st.Kind {
	case KindCreateTable:
		if st.Conditional {
			// mysqldump's stand-in for a view, replaced by the view later.
			db, name := s.qualifiedOf(st)
			s.standin[s.keyOf(db, name)] = true
			s.log.Debug("view stand-in table", "name", st.Table, "line", st.Line)
			return nil
		}
		return s.createTable(st)
	case KindDropTable:
		return s.dropTables(st)
	case KindSet:
		s.set(st)
	case KindCreateDatabase:
		s.dbs.note(st.Name)
		s.createDatabase(st)
	case KindDropDatabase:
		s.dbs.note(st.Name)
		return s.dropDatabase(st)
	case KindUse:
		s.dbs.cur = st.Name
		s.dbs.note(st.Name)
	case KindCreateView:
		s.skip(SkippedView, st)
	case KindCreateTrigger:
		s.skip(SkippedTrigger, st)
	case KindCreateProcedure:
		s.skip(SkippedProcedure, st)
	case KindCreateFunction:
		s.skip(SkippedFunction, st)
	case KindCreateEvent:
		s.skip(SkippedEvent, st)
	case KindInsert, KindReplace:
		return s.errAt(st.Line, st.Offset, st.Table, "INSERT inside an executable comment is not supported")
	case KindOther:
		s.log.Warn("unrecognised statement ignored", "line", st.Line, "text", clip(st.Text, 80))
	}
	return nil
}

// qualifiedOf returns the database prefix and name of the table st is
// about.
func (s *scanner) qualifiedOf(st *Statement) (db, name string) {
	return s.objectOf(st, "TABLE")
}

// objectOf returns the database prefix and name of the object that
// follows the keyword word (TABLE, VIEW, TRIGGER, …) in st.
func (s *scanner) objectOf(st *Statement, word string) (db, name string) {
	z := &tokenizer{s: st.Text, view: &s.view}
	for t := z.next(); t.kind != tokEOF; t = z.next() {
		if t.is(word) {
			db, name, _ = qualifiedObject(z)
			return db, name
		}
	}
	return "", st.Name
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func (s *scanner) skip(kind SkippedKind, st *Statement) {
	db, _ := s.objectOf(st, strings.ToUpper(string(kind)))
	if db == "" {
		db = s.dbs.cur
	}
	if !s.dbs.mayConvert(db) {
		return // an object of a database not converted
	}
	key := string(kind) + "\x00" + st.Name
	if s.skipped[key] {
		return
	}
	s.skipped[key] = true
	sk := Skipped{Kind: kind, Name: st.Name, Line: st.Line}
	s.stats.Skipped = append(s.stats.Skipped, sk)
	s.log.Info("skipping "+string(kind)+" (not a table)", "name", st.Name, "line", st.Line)
	s.h.Skip(sk)
}
