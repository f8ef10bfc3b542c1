package mysqldump

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
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
// with the position. Memory is bounded by ScanOptions.MaxStatement.
func Scan(ctx context.Context, r io.Reader, h Handler, opts ScanOptions) (ScanStats, error) {
	s := newScanner(r, h, opts)
	err := s.run(ctx)
	s.stats.Bytes = s.sr.Offset()
	s.stats.Lines = s.sr.win.line
	s.stats.Header = s.sr.header
	s.stats.Completed = s.sr.done
	return s.stats, err
}

type scanner struct {
	sr      *StatementReader
	h       Handler
	log     *slog.Logger
	want    map[string]bool
	tables  map[string]*Table
	standin map[string]bool // view stand-in tables (/*!50001 CREATE TABLE …*/)
	skipped map[string]bool
	known   int64 // recognised statements
	stats   ScanStats

	raw     []Value
	vals    []Value
	scratch []byte
	mapping []int // INSERT column list → table column index
	nongen  []int // table column indexes of non-generated columns
}

func newScanner(r io.Reader, h Handler, opts ScanOptions) *scanner {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &scanner{
		sr:      NewStatementReader(r, ReaderOptions{BufferSize: opts.BufferSize, MaxStatement: opts.MaxStatement}),
		h:       h,
		log:     log,
		tables:  map[string]*Table{},
		standin: map[string]bool{},
		skipped: map[string]bool{},
		stats:   ScanStats{RowsByTable: map[string]int64{}},
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

func (s *scanner) errAt(line int, off int64, table string, format string, args ...any) error {
	what := fmt.Sprintf("line %d (offset %d)", line, off)
	if table != "" {
		what = fmt.Sprintf("table `%s` at %s", table, what)
	}
	return liberator.Errorf(liberator.ErrInvalid, "scan dump", what, format, args...)
}

func (s *scanner) run(ctx context.Context) error {
	err := s.loop(ctx)
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
	switch st.Kind {
	case KindCreateTable:
		if st.Conditional {
			// mysqldump's stand-in for a view, replaced by the view later.
			s.standin[st.Table] = true
			s.log.Debug("view stand-in table", "name", st.Table, "line", st.Line)
			return nil
		}
		t, err := ParseCreateTable(st.Text)
		if err != nil {
			return s.errAt(st.Line, st.Offset, st.Table, "%w", err)
		}
		t.Line = st.Line
		s.tables[t.Name] = t
		s.stats.Tables++
		if s.wanted(t.Name) {
			if err := s.h.CreateTable(t); err != nil {
				return fmt.Errorf("table `%s` at line %d: %w", t.Name, st.Line, err)
			}
		}
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

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func (s *scanner) skip(kind SkippedKind, st *Statement) {
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

// insert streams the INSERT statement at win.r row by row.
func (s *scanner) insert(ctx context.Context) error {
	sr := s.sr
	w := sr.win
	line, off := w.line, w.off+int64(w.r)

	// Parse the header up to VALUES.
	var (
		tableName string
		cols      []string
		p         int // absolute index in w.buf of the first tuple
	)
	for {
		var more bool
		var err error
		tableName, cols, p, more, err = parseInsertHeader(w.buf[w.r:w.w], w.eof)
		if err != nil {
			return s.errAt(line, off, tableName, "%v", err)
		}
		if !more {
			p += w.r
			break
		}
		if _, err := sr.more(w.r); err != nil {
			if err == io.EOF {
				return s.errAt(line, off, tableName, "INSERT cut off at end of dump")
			}
			return err
		}
	}
	t := s.tables[tableName]
	if t == nil {
		if s.standin[tableName] {
			return s.errAt(line, off, tableName, "INSERT into a view")
		}
		return s.errAt(line, off, tableName, "INSERT into a table the dump never created")
	}
	if !s.wanted(t.Name) {
		// Not decoded: let the statement reader find its end.
		st, err := sr.readStatement()
		if err != nil {
			return err
		}
		_ = st
		return nil
	}

	// Column mapping.
	ncols := len(t.Columns)
	if cap(s.vals) < ncols {
		s.vals = make([]Value, ncols)
	}
	s.vals = s.vals[:ncols]
	s.mapping = s.mapping[:0]
	for _, c := range cols {
		ci := t.ColumnIndex(c)
		if ci < 0 {
			return s.errAt(line, off, t.Name, "INSERT names column `%s` that the table does not have", c)
		}
		for _, m := range s.mapping {
			if m == ci {
				return s.errAt(line, off, t.Name, "INSERT names column `%s` twice", c)
			}
		}
		s.mapping = append(s.mapping, ci)
	}
	s.nongen = s.nongen[:0]
	for i, c := range t.Columns {
		if !c.Generated {
			s.nongen = append(s.nongen, i)
		}
	}
	hasList := cols != nil
	delim := sr.delim
	rows := int64(0)

	for {
		// Expect a tuple at p.
		var k, end int
		var perr error
		for {
			buf := w.buf[:w.w]
			for p < len(buf) && isSpace(buf[p]) {
				p++
			}
			status := lexMore
			if p < len(buf) {
				if buf[p] != '(' {
					w.advance(p)
					return s.errAt(w.line, w.off+int64(p), t.Name, "expected '(' to start a row, found %q", first(buf[p:]))
				}
				w.advance(p)
				s.scratch = s.scratch[:0]
				k, end, status, perr = s.tuple(buf, p, w.eof)
			}
			if perr != nil {
				return s.errAt(w.line+bytes.Count(buf[w.r:min(end, len(buf))], nl), w.off+int64(end), t.Name, "%v", perr)
			}
			if status == lexOK {
				break
			}
			if w.eof {
				return s.errAt(w.line, w.off+int64(w.r), t.Name, "dump ends inside an INSERT row (dump cut off?)")
			}
			shift, err := w.fill(w.r)
			p -= shift
			if err == errNeedRoom {
				return s.errAt(w.line, w.off+int64(w.r), t.Name, "row longer than the %d-byte cap (MaxStatement)", w.max)
			}
			if err != nil && err != io.EOF {
				return err
			}
		}
		// Map the values.
		vals := s.raw[:k]
		switch {
		case hasList:
			if k != len(s.mapping) {
				return s.errAt(w.line, w.off+int64(w.r), t.Name, "row has %d values for %d listed columns", k, len(s.mapping))
			}
			for i := range s.vals {
				s.vals[i] = Value{}
			}
			for i, ci := range s.mapping {
				s.vals[ci] = s.raw[i]
			}
			vals = s.vals
		case k == ncols:
		case k == len(s.nongen):
			for i := range s.vals {
				s.vals[i] = Value{}
			}
			for i, ci := range s.nongen {
				s.vals[ci] = s.raw[i]
			}
			vals = s.vals
		default:
			return s.errAt(w.line, w.off+int64(w.r), t.Name, "row has %d values, table has %d columns", k, ncols)
		}
		if err := s.h.Row(t, vals, w.line); err != nil {
			return fmt.Errorf("table `%s` row at line %d: %w", t.Name, w.line, err)
		}
		rows++
		if rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p = end
		// After a row: ',' or the delimiter.
		for {
			buf := w.buf[:w.w]
			for p < len(buf) && isSpace(buf[p]) {
				p++
			}
			if p+len(delim) <= len(buf) || (w.eof && p < len(buf)) {
				c := buf[p]
				if c == ',' {
					p++
					break
				}
				if bytes.HasPrefix(buf[p:], delim) {
					w.advance(p + len(delim))
					s.stats.Rows += rows
					s.stats.RowsByTable[t.Name] += rows
					return nil
				}
				w.advance(p)
				return s.errAt(w.line, w.off+int64(p), t.Name, "expected ',' or %q after a row, found %q", delim, first(buf[p:]))
			}
			if w.eof {
				return s.errAt(w.line, w.off+int64(w.r), t.Name, "INSERT not terminated at end of dump (dump cut off?)")
			}
			w.advance(min(p, w.w))
			shift, err := sr.more(w.r)
			p -= shift
			if err != nil && err != io.EOF {
				return err
			}
		}
	}
}

// parseInsertHeader parses "INSERT [modifiers] [INTO] name [(cols)] VALUES"
// at the start of b and returns the index after VALUES. more is true when b
// ends first and eof is false.
func parseInsertHeader(b []byte, eof bool) (table string, cols []string, p int, more bool, err error) {
	z := &tokenizer{s: b}
	next := func() (token, bool) {
		t := z.next()
		if !eof && (t.kind == tokEOF || t.end >= len(b) || z.bad) {
			return t, false
		}
		return t, true
	}
	t, ok := next() // INSERT or REPLACE
	if !ok {
		return "", nil, 0, true, nil
	}
	for {
		if t, ok = next(); !ok {
			return "", nil, 0, true, nil
		}
		if t.is("INTO") {
			if t, ok = next(); !ok {
				return "", nil, 0, true, nil
			}
			break
		}
		if !t.isInsertModifier() {
			break
		}
	}
	if t.kind != tokIdent && t.kind != tokWord {
		return "", nil, 0, false, fmt.Errorf("INSERT without a table name")
	}
	table = t.name()
	for {
		if t, ok = next(); !ok {
			return table, nil, 0, true, nil
		}
		if !t.isPunct('.') {
			break
		}
		if t, ok = next(); !ok {
			return table, nil, 0, true, nil
		}
		table = t.name()
	}
	if t.isPunct('(') {
		cols = []string{}
		for {
			if t, ok = next(); !ok {
				return table, nil, 0, true, nil
			}
			if t.isPunct(')') && len(cols) == 0 {
				break
			}
			if t.kind != tokIdent && t.kind != tokWord {
				return table, nil, 0, false, fmt.Errorf("bad INSERT column list near %q", t.raw)
			}
			cols = append(cols, t.name())
			if t, ok = next(); !ok {
				return table, nil, 0, true, nil
			}
			if t.isPunct(')') {
				break
			}
			if !t.isPunct(',') {
				return table, nil, 0, false, fmt.Errorf("bad INSERT column list near %q", t.raw)
			}
		}
		if t, ok = next(); !ok {
			return table, nil, 0, true, nil
		}
	}
	if !(t.is("VALUES") || t.is("VALUE")) {
		return table, nil, 0, false, fmt.Errorf("unsupported INSERT form (expected VALUES, found %q)", t.raw)
	}
	return table, cols, t.end, false, nil
}

// numByte marks the bytes of an unquoted numeric literal.
var numByte [256]bool

func init() {
	for _, c := range []byte("0123456789.eE+-") {
		numByte[c] = true
	}
}

// tuple parses the row "( v, v, … )" at buf[p] into s.raw. It returns the
// number of values, the index after ')', and lexMore if buf ends first. On
// a syntax error it returns the error and its index in end.
func (s *scanner) tuple(buf []byte, p int, eof bool) (k, end int, st lexStatus, err error) {
	n := len(buf)
	i := p + 1
	raw := s.raw
	for {
		if i >= n {
			s.raw = raw
			return k, i, lexMore, nil
		}
		c := buf[i]
		var v Value
		switch {
		case c == '\'':
			j := indexQuoteOrBackslash(buf, i+1)
			if j+1 >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if buf[j] == '\'' && buf[j+1] != '\'' {
				v = Value{Kind: String, Bytes: buf[i+1 : j]}
				i = j + 1
			} else {
				e := skipQuoted(buf, i, eof)
				if e < 0 {
					s.raw = raw
					return k, i, lexMore, nil
				}
				v, i = s.unescaped(buf[i+1:e-1], '\''), e
			}
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if c == '0' && i+1 < n && (buf[i+1] == 'x' || buf[i+1] == 'b') {
				j := i + 2
				for j < n && isWordByte(buf[j]) {
					j++
				}
				if j >= n {
					s.raw = raw
					return k, i, lexMore, nil
				}
				var err error
				if buf[i+1] == 'x' {
					v, err = s.hex(buf[i+2 : j])
				} else {
					v, err = s.bits(buf[i+2 : j])
				}
				if err != nil {
					return k, i, lexOK, err
				}
				i = j
				break
			}
			j := i + 1
			for j < n && numByte[buf[j]] {
				j++
			}
			if j >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			v = Value{Kind: Number, Bytes: buf[i:j]}
			i = j
		case c == 'N' || c == 'n':
			if i+4 >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if !equalFold(string(buf[i:i+4]), "null") || isWordByte(buf[i+4]) {
				return k, i, lexOK, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
			}
			v = Value{Kind: Null}
			i += 4
		case c == '"':
			e := skipQuoted(buf, i, eof)
			if e < 0 {
				s.raw = raw
				return k, i, lexMore, nil
			}
			v, i = s.unescaped(buf[i+1:e-1], '"'), e
		case c == '_' || c == 'x' || c == 'X' || c == 'b' || c == 'B':
			var err error
			var more bool
			v, i, more, err = s.special(buf, i, eof)
			if more {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if err != nil {
				return k, i, lexOK, err
			}
		case isSpace(c):
			i++
			continue
		default:
			return k, i, lexOK, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
		}
		if k < len(raw) {
			raw[k] = v
		} else {
			raw = append(raw, v)
		}
		k++
		// After a value.
		for {
			if i >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			c = buf[i]
			if c == ',' {
				i++
				break
			}
			if c == ')' {
				s.raw = raw
				return k, i + 1, lexOK, nil
			}
			if !isSpace(c) {
				return k, i, lexOK, fmt.Errorf("expected ',' or ')' after a value, found %q", first(buf[i:]))
			}
			i++
		}
	}
}

func (s *scanner) unescaped(body []byte, q byte) Value {
	start := len(s.scratch)
	s.scratch = AppendUnescaped(s.scratch, body, q)
	return Value{Kind: String, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}
}

func (s *scanner) hex(digits []byte) (Value, error) {
	if len(digits) == 0 {
		return Value{}, fmt.Errorf("empty 0x literal")
	}
	start := len(s.scratch)
	var err error
	s.scratch, err = appendHex(s.scratch, digits)
	return Value{Kind: Hex, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}, err
}

func (s *scanner) bits(digits []byte) (Value, error) {
	if len(digits) == 0 {
		return Value{}, fmt.Errorf("empty 0b literal")
	}
	start := len(s.scratch)
	var err error
	s.scratch, err = appendBits(s.scratch, digits)
	return Value{Kind: Bit, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}, err
}

// special parses _charset'…', X'…' and B'…' literals at buf[i].
func (s *scanner) special(buf []byte, i int, eof bool) (v Value, next int, more bool, err error) {
	n := len(buf)
	if i+1 >= n {
		return v, i, true, nil
	}
	c := buf[i]
	if c == '_' {
		j := i + 1
		for j < n && isWordByte(buf[j]) {
			j++
		}
		for j < n && isSpace(buf[j]) {
			j++
		}
		if j+1 >= n {
			return v, i, true, nil
		}
		switch b := buf[j]; {
		case b == '\'' || b == '"':
			e := skipQuoted(buf, j, eof)
			if e < 0 {
				return v, i, true, nil
			}
			return s.unescaped(buf[j+1:e-1], b), e, false, nil
		case b == '0' || b == 'x' || b == 'X' || b == 'b' || b == 'B':
			if b == '0' && (buf[j+1] == 'x' || buf[j+1] == 'b') {
				e := j + 2
				for e < n && isWordByte(buf[e]) {
					e++
				}
				if e >= n {
					return v, i, true, nil
				}
				if buf[j+1] == 'x' {
					v, err = s.hex(buf[j+2 : e])
				} else {
					v, err = s.bits(buf[j+2 : e])
				}
				return v, e, false, err
			}
			if buf[j+1] == '\'' {
				return s.special(buf, j, eof)
			}
		}
		return v, i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	if buf[i+1] != '\'' {
		return v, i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	e := bytes.IndexByte(buf[i+2:], '\'')
	if e < 0 {
		return v, i, true, nil
	}
	digits := buf[i+2 : i+2+e]
	next = i + 3 + e
	if c == 'x' || c == 'X' {
		if len(digits)%2 == 1 {
			return v, i, false, fmt.Errorf("X'…' literal with an odd number of digits")
		}
		start := len(s.scratch)
		s.scratch, err = appendHex(s.scratch, digits)
		return Value{Kind: Hex, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}, next, false, err
	}
	start := len(s.scratch)
	s.scratch, err = appendBits(s.scratch, digits)
	return Value{Kind: Bit, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}, next, false, err
}

// first returns the first byte of b as a string, for error messages that
// must not depend on how much of the input is buffered.
func first(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return string(b[:1])
}

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// indexQuoteOrBackslash returns the index of the first ' or \ in buf at or
// after j, or len(buf). It tests 8 bytes at a time (SWAR): the lowest byte
// flagged by the zero-byte test is always a true match.
func indexQuoteOrBackslash(buf []byte, j int) int {
	n := len(buf)
	for j+8 <= n {
		x := binary.LittleEndian.Uint64(buf[j:])
		a := x ^ ('\'' * swarLo)
		b := x ^ ('\\' * swarLo)
		if m := ((a-swarLo)&^a | (b-swarLo)&^b) & swarHi; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < n && buf[j] != '\'' && buf[j] != '\\' {
		j++
	}
	return j
}
