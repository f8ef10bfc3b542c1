package mysqldump

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
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

// ReaderOptions tunes a StatementReader.
type ReaderOptions struct {
	// BufferSize is the initial read window (default DefaultBufferSize).
	BufferSize int
	// MaxStatement caps one statement's size (default
	// DefaultMaxStatement); a longer statement is an error. Memory use is
	// bounded by it.
	MaxStatement int
}

// StatementReader splits a mysqldump / mariadb-dump stream into
// statements. It understands -- and # comments, /* */ comments,
// executable comments /*!NNNNN … */ and /*M!NNNNNN … */, DELIMITER
// commands, quoted strings with backslash escapes and doubled quotes, and
// backquoted identifiers. Memory is bounded by ReaderOptions.MaxStatement.
type StatementReader struct {
	win     *window
	delim   []byte
	special [256]bool
	header  string
	done    bool // saw "-- Dump completed"
	count   int
	sawSQL  bool   // a statement other than the sandbox marker was read
	spans   []span // comment spans of the current statement, relative to its start
}

// span is a comment inside a statement: [start, body) is the opening marker
// and [close, end) the closing one; for a plain comment body == close.
type span struct {
	start, body, close, end int
	exec, mariadb           bool
}

// NewStatementReader returns a reader of the statements in r.
func NewStatementReader(r io.Reader, opts ReaderOptions) *StatementReader {
	sr := &StatementReader{win: newWindow(r, opts.BufferSize, opts.MaxStatement)}
	sr.setDelimiter(";")
	return sr
}

func (sr *StatementReader) setDelimiter(d string) {
	sr.delim = []byte(d)
	sr.special = lexSpecial
	sr.special['*'] = true
	sr.special['\n'] = false
	sr.special[sr.delim[0]] = true
}

// Header returns the dump's first "-- MySQL dump …" or "-- MariaDB dump …"
// comment line seen so far, or "".
func (sr *StatementReader) Header() string { return sr.header }

// Completed reports whether the "-- Dump completed" trailer mysqldump
// writes last has been read.
func (sr *StatementReader) Completed() bool { return sr.done }

// Line returns the current line number (where the next statement search
// starts).
func (sr *StatementReader) Line() int { return sr.win.line }

// Offset returns the number of bytes consumed so far.
func (sr *StatementReader) Offset() int64 { return sr.win.off + int64(sr.win.r) }

// Next returns the next statement, or io.EOF after the last one. Errors
// (unterminated string, comment or statement at the end of the stream,
// statement larger than MaxStatement) wrap liberator.ErrInvalid and name the
// line and offset.
func (sr *StatementReader) Next() (Statement, error) {
	if err := sr.skipLeading(); err != nil {
		return Statement{}, err
	}
	return sr.readStatement()
}

func (sr *StatementReader) invalid(line int, off int64, format string, args ...any) error {
	return liberator.Errorf(liberator.ErrInvalid, "read dump", fmt.Sprintf("line %d (offset %d)", line, off), format, args...)
}

// more fills the window keeping buf[keep:]; it returns the shift or an
// error: io.EOF when the stream has ended.
func (sr *StatementReader) more(keep int) (int, error) {
	shift, err := sr.win.fill(keep)
	if err == errNeedRoom {
		return shift, sr.invalid(sr.win.line, sr.Offset(), "statement longer than the %d-byte cap (MaxStatement)", sr.win.max)
	}
	return shift, err
}

// skipLeading skips whitespace and comments before the next statement,
// leaving win.r at its first byte. It returns io.EOF if none is left.
func (sr *StatementReader) skipLeading() error {
	w := sr.win
	i := w.r
	for {
		if i >= w.w {
			w.advance(i)
			if _, err := sr.more(w.r); err != nil {
				return err
			}
			i = w.r
			continue
		}
		buf := w.buf[:w.w]
		c := buf[i]
		if isSpace(c) {
			i++
			continue
		}
		if c == '#' || c == '-' {
			if c == '-' {
				yes, more := lineCommentAt(buf, i, w.eof)
				if more {
					w.advance(i)
					if err := sr.need(); err != nil {
						return err
					}
					i = w.r
					continue
				}
				if !yes {
					break
				}
			}
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 && !w.eof {
				w.advance(i)
				if err := sr.need(); err != nil {
					return err
				}
				i = w.r
				continue
			}
			end := len(buf)
			if j >= 0 {
				end = i + j + 1
			}
			sr.noteComment(buf[i:end])
			i = end
			continue
		}
		if c == '/' {
			if i+1 >= len(buf) && !w.eof {
				w.advance(i)
				if err := sr.need(); err != nil {
					return err
				}
				i = w.r
				continue
			}
			if i+1 < len(buf) && buf[i+1] == '*' {
				if _, _, _, ok := condAt(buf, i); ok {
					break
				}
				j := bytes.Index(buf[i+2:], []byte("*/"))
				if j < 0 {
					if w.eof {
						w.advance(i)
						return sr.invalid(w.line, sr.Offset(), "comment not closed at end of dump (dump cut off?)")
					}
					w.advance(i)
					if err := sr.need(); err != nil {
						return err
					}
					i = w.r
					continue
				}
				i += j + 4
				continue
			}
		}
		break
	}
	w.advance(i)
	return nil
}

// need reads more bytes keeping everything from win.r; at the end of the
// stream it returns nil if bytes remain (the caller decides), io.EOF if
// none do.
func (sr *StatementReader) need() error {
	_, err := sr.more(sr.win.r)
	if err == io.EOF {
		if sr.win.r < sr.win.w {
			return nil
		}
		return io.EOF
	}
	return err
}

func (sr *StatementReader) noteComment(c []byte) {
	if sr.header == "" && !sr.sawSQL && (bytes.HasPrefix(c, []byte("-- MySQL dump")) || bytes.HasPrefix(c, []byte("-- MariaDB dump"))) {
		sr.header = strings.TrimRight(string(c), "\r\n")
	}
	if bytes.HasPrefix(c, []byte("-- Dump completed")) {
		sr.done = true
	}
}

// readStatement reads the statement starting at win.r.
func (sr *StatementReader) readStatement() (Statement, error) {
	w := sr.win
	line, off := w.line, w.off+int64(w.r)
	sr.spans = sr.spans[:0]
	sr.count++

	// Client commands first: DELIMITER and the MariaDB sandbox marker.
	if st, ok, err := sr.clientCommand(line, off); ok || err != nil {
		sr.sawSQL = sr.sawSQL || st.Kind != KindSandbox
		return st, err
	}
	sr.sawSQL = true

	pos := 0 // scan position relative to w.r
	inCond := false
	condIdx := 0 // index in sr.spans of the open executable comment
	for {
		buf := w.buf[w.r:w.w]
		i := pos
		n := len(buf)
		status := lexOK
	scan:
		for i < n {
			c := buf[i]
			if !sr.special[c] {
				i++
				continue
			}
			switch c {
			case '\'', '"', '`':
				j := skipQuoted(buf, i, w.eof)
				if j < 0 {
					status = lexMore
					break scan
				}
				i = j
				continue
			case '-', '#':
				if c == '-' {
					yes, more := lineCommentAt(buf, i, w.eof)
					if more {
						status = lexMore
						break scan
					}
					if !yes {
						break
					}
				}
				j := bytes.IndexByte(buf[i:], '\n')
				if j < 0 {
					if !w.eof {
						status = lexMore
						break scan
					}
					i = n
					continue
				}
				i += j + 1
				continue
			case '/':
				if i+1 >= n {
					if !w.eof {
						status = lexMore
						break scan
					}
					break
				}
				if buf[i+1] != '*' {
					break
				}
				if body, _, mdb, ok := condAt(buf, i); ok && !inCond {
					if i+11 > n && !w.eof { // "/*M!" + 6 digits + 1: the version may go on
						status = lexMore
						break scan
					}
					if body+1 >= n && !w.eof {
						status = lexMore
						break scan
					}
					inCond = true
					condIdx = len(sr.spans)
					sr.spans = append(sr.spans, span{start: i, body: body, close: -1, mariadb: mdb, exec: true})
					i = body
					continue
				}
				j := bytes.Index(buf[i+2:], []byte("*/"))
				if j < 0 {
					if !w.eof {
						status = lexMore
						break scan
					}
					return Statement{}, sr.invalid(line+bytes.Count(buf[:i], nl), off+int64(i), "comment not closed at end of dump (dump cut off?)")
				}
				sr.spans = append(sr.spans, span{start: i, body: i + 2 + j, close: i + 2 + j, end: i + j + 4})
				i += j + 4
				continue
			case '*':
				if !inCond {
					break
				}
				if i+1 >= n {
					if !w.eof {
						status = lexMore
						break scan
					}
					break
				}
				if buf[i+1] == '/' {
					inCond = false
					sp := &sr.spans[condIdx]
					sp.close, sp.end = i, i+2
					i += 2
					continue
				}
			}
			if c == sr.delim[0] && !inCond {
				if i+len(sr.delim) > n && !w.eof {
					status = lexMore
					break scan
				}
				if bytes.HasPrefix(buf[i:], sr.delim) {
					return sr.finish(buf, i, line, off)
				}
			}
			i++
		}
		if status == lexOK && !w.eof {
			status = lexMore
		}
		if w.eof {
			// End of stream inside the statement.
			switch {
			case status == lexMore:
				what := "string"
				if buf[i] == '`' {
					what = "identifier"
				}
				return Statement{}, sr.invalid(line+bytes.Count(buf[:i], nl), off+int64(i), "%s not closed at end of dump (dump cut off?)", what)
			case inCond:
				return Statement{}, sr.invalid(line, off, "executable comment not closed at end of dump (dump cut off?)")
			default:
				return Statement{}, sr.invalid(line, off, "statement not terminated by %q at end of dump (dump cut off?)", sr.delim)
			}
		}
		// Resume from the start of the construct that did not fit.
		pos = i
		if _, err := sr.more(w.r); err != nil && err != io.EOF {
			return Statement{}, err
		}
	}
}

// finish builds the statement ending at buf[end] (the delimiter).
func (sr *StatementReader) finish(buf []byte, end, line int, off int64) (Statement, error) {
	w := sr.win
	text := buf[:end]
	st := Statement{Text: trimRightSpace(text), Line: line, Offset: off, Delimiter: string(sr.delim)}
	if len(sr.spans) > 0 {
		st.Inner = sr.inner(text, &st)
	}
	classifyInto(&st)
	w.advance(w.r + end + len(sr.delim))
	return st, nil
}

// inner removes comment markers from text using sr.spans.
func (sr *StatementReader) inner(text []byte, st *Statement) []byte {
	out := make([]byte, 0, len(text))
	last := 0
	for k, sp := range sr.spans {
		if sp.start < last {
			continue // a comment inside an executable comment stays
		}
		if sp.exec {
			if st.Version == 0 {
				_, v, _, _ := condAt(text, sp.start)
				st.Version = v
			}
			if k == 0 && sp.start == 0 {
				st.Conditional = true
			}
			st.MariaDB = st.MariaDB || sp.mariadb
		}
		out = append(out, text[last:sp.start]...)
		if sp.close < 0 { // cannot happen for a finished statement
			out = append(out, text[sp.body:]...)
			last = len(text)
			break
		}
		out = append(out, text[sp.body:sp.close]...)
		out = append(out, ' ')
		last = sp.end
	}
	if last < len(text) {
		out = append(out, text[last:]...)
	}
	return bytes.TrimSpace(out)
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// clientCommand handles DELIMITER and the sandbox marker at win.r.
func (sr *StatementReader) clientCommand(line int, off int64) (Statement, bool, error) {
	w := sr.win
	for {
		buf := w.buf[w.r:w.w]
		if len(buf) < 10 && !w.eof {
			if err := sr.need(); err != nil && err != io.EOF {
				return Statement{}, false, err
			}
			if !w.eof || len(w.buf[w.r:w.w]) != len(buf) {
				continue
			}
		}
		isDelim := len(buf) >= 10 && equalFold(string(buf[:9]), "delimiter") && (buf[9] == ' ' || buf[9] == '\t')
		isSandbox := bytes.HasPrefix(buf, []byte(`/*M!999999\-`))
		if !isDelim && !isSandbox {
			return Statement{}, false, nil
		}
		var j int
		if isDelim {
			j = bytes.IndexByte(buf, '\n')
		} else {
			j = bytes.Index(buf, []byte("*/"))
			if j >= 0 {
				j += 2
			}
		}
		if j < 0 {
			if !w.eof {
				if _, err := sr.more(w.r); err != nil && err != io.EOF {
					return Statement{}, false, err
				}
				continue
			}
			if isSandbox {
				return Statement{}, true, sr.invalid(line, off, "comment not closed at end of dump (dump cut off?)")
			}
			j = len(buf)
		}
		text := trimRightSpace(buf[:j])
		st := Statement{Text: text, Line: line, Offset: off}
		if isSandbox {
			st.Kind = KindSandbox
			st.MariaDB = true
			st.Version = 999999
			st.Conditional = true
		} else {
			fields := strings.Fields(string(text[9:]))
			if len(fields) == 0 {
				return Statement{}, true, sr.invalid(line, off, "DELIMITER without a delimiter")
			}
			d := fields[0]
			if strings.ContainsAny(d, "'\"`\\") {
				return Statement{}, true, sr.invalid(line, off, "unsupported delimiter %q", d)
			}
			st.Kind = KindDelimiter
			st.Delimiter = d
			sr.setDelimiter(d)
		}
		w.advance(w.r + j)
		return st, true, nil
	}
}

// Classify returns the kind of the SQL statement text (which may hold
// executable comments) and the table and object names it concerns, as
// Statement reports them.
func Classify(text []byte) (kind StatementKind, table, name string) {
	st := Statement{Text: text}
	classifyInto(&st)
	return st.Kind, st.Table, st.Name
}

func classifyInto(st *Statement) {
	z := &tokenizer{s: st.Text}
	t := z.next()
	if t.kind != tokWord {
		st.Kind = KindOther
		return
	}
	switch {
	case t.is("SET"):
		st.Kind = KindSet
	case t.is("INSERT"), t.is("REPLACE"):
		st.Kind = KindInsert
		if t.is("REPLACE") {
			st.Kind = KindReplace
		}
		for {
			t = z.next()
			if t.is("INTO") {
				t = z.next()
				break
			}
			if !t.isInsertModifier() {
				break
			}
		}
		if t.kind == tokIdent || t.kind == tokWord {
			st.Table = z.qualifiedName(t)
			st.Name = st.Table
		} else {
			st.Kind = KindOther
		}
	case t.is("DROP"):
		sr := z.next()
		if sr.is("TEMPORARY") {
			sr = z.next()
		}
		k, ok := dropKinds[strings.ToUpper(string(sr.raw))]
		if sr.kind != tokWord || !ok {
			st.Kind = KindOther
			return
		}
		st.Kind = k
		n := z.next()
		if n.is("IF") && z.peek().is("EXISTS") {
			z.next()
			n = z.next()
		}
		if n.kind == tokIdent || n.kind == tokWord {
			st.Name = z.qualifiedName(n)
			if k == KindDropTable {
				st.Table = st.Name
			}
		}
	case t.is("CREATE"):
		classifyCreate(z, st)
	case t.is("USE"):
		st.Kind = KindUse
		if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
			st.Name = n.name()
		}
	case t.is("LOCK"):
		n := z.next()
		if !(n.is("TABLES") || n.is("TABLE")) {
			st.Kind = KindOther
			return
		}
		st.Kind = KindLockTables
		if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
			st.Table = z.qualifiedName(n)
			st.Name = st.Table
		}
	case t.is("UNLOCK"):
		if n := z.next(); n.is("TABLES") || n.is("TABLE") {
			st.Kind = KindUnlockTables
		}
	case t.is("ALTER"):
		n := z.next()
		switch {
		case n.is("TABLE"):
			st.Kind = KindAlterTable
			if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
				st.Table = z.qualifiedName(n)
				st.Name = st.Table
				a, b, c := z.next(), z.next(), z.next()
				if (a.is("DISABLE") || a.is("ENABLE")) && b.is("KEYS") && c.kind == tokEOF && !z.bad {
					st.Kind = KindAlterTableKeys
				}
			}
		case n.is("DATABASE"), n.is("SCHEMA"):
			st.Kind = KindAlterDatabase
			if n := z.next(); n.kind == tokIdent {
				st.Name = n.name()
			}
		}
	case t.is("START"):
		if z.next().is("TRANSACTION") {
			st.Kind = KindStartTransaction
		}
	case t.is("BEGIN"):
		if n := z.next(); n.kind == tokEOF || n.is("WORK") {
			st.Kind = KindStartTransaction
		}
	case t.is("COMMIT"):
		st.Kind = KindCommit
	case t.is("ROLLBACK"):
		if n := z.next(); n.kind == tokEOF || n.is("WORK") {
			st.Kind = KindRollback
		}
	}
}

// classifyCreate classifies CREATE … after the CREATE keyword.
func classifyCreate(z *tokenizer, st *Statement) {
	for {
		t := z.next()
		switch {
		case t.kind != tokWord:
			return
		case t.is("OR"):
			if !z.next().is("REPLACE") {
				return
			}
		case t.is("TEMPORARY"), t.is("AGGREGATE"), t.is("ONLINE"), t.is("OFFLINE"):
		case t.is("ALGORITHM"):
			if !z.next().isPunct('=') {
				return
			}
			z.next()
		case t.is("DEFINER"):
			if !z.next().isPunct('=') {
				return
			}
			u := z.next()
			if u.kind == tokEOF {
				return
			}
			if u.is("CURRENT_USER") && z.peek().isPunct('(') {
				z.next()
				z.next()
			}
			if z.peek().isPunct('@') {
				z.next()
				z.next()
			}
		case t.is("SQL"):
			if !z.next().is("SECURITY") {
				return
			}
			z.next()
		case t.is("TABLE"):
			st.Kind = KindCreateTable
			st.Table = objectName(z)
			st.Name = st.Table
			return
		case t.is("VIEW"):
			st.Kind = KindCreateView
			st.Name = objectName(z)
			return
		case t.is("TRIGGER"):
			st.Kind = KindCreateTrigger
			st.Name = objectName(z)
			for {
				n := z.next()
				if n.kind == tokEOF {
					return
				}
				if n.is("ON") {
					if tt := z.next(); tt.kind == tokIdent || tt.kind == tokWord {
						st.Table = z.qualifiedName(tt)
					}
					return
				}
			}
		case t.is("PROCEDURE"):
			st.Kind = KindCreateProcedure
			st.Name = objectName(z)
			return
		case t.is("FUNCTION"):
			st.Kind = KindCreateFunction
			st.Name = objectName(z)
			return
		case t.is("EVENT"):
			st.Kind = KindCreateEvent
			st.Name = objectName(z)
			return
		case t.is("DATABASE"), t.is("SCHEMA"):
			st.Kind = KindCreateDatabase
			st.Name = objectName(z)
			return
		default:
			return
		}
	}
}

// objectName reads [IF NOT EXISTS] name.
func objectName(z *tokenizer) string {
	t := z.next()
	if t.is("IF") && z.peek().is("NOT") {
		z.next()
		if z.peek().is("EXISTS") {
			z.next()
		}
		t = z.next()
	}
	if t.kind != tokIdent && t.kind != tokWord {
		return ""
	}
	return z.qualifiedName(t)
}

// dropKinds maps the object word after DROP [TEMPORARY] to its kind.
var dropKinds = map[string]StatementKind{"TABLE": KindDropTable, "VIEW": KindDropView, "TRIGGER": KindDropTrigger,
	"PROCEDURE": KindDropProcedure, "FUNCTION": KindDropFunction, "EVENT": KindDropEvent,
	"DATABASE": KindDropDatabase, "SCHEMA": KindDropDatabase}

// isInsertModifier reports whether t is a modifier that may stand between
// INSERT/REPLACE and INTO.
func (t token) isInsertModifier() bool {
	return t.is("IGNORE") || t.is("LOW_PRIORITY") || t.is("DELAYED") || t.is("HIGH_PRIORITY")
}
