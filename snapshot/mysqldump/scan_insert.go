package mysqldump

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// insert streams the INSERT statement at win.r row by row: it parses the
// header, maps the column list to the table's columns, then reads each row,
// puts its values in the table's column order and hands it to the Handler,
// up to the delimiter.
func (s *scanner) insert(ctx context.Context) error {
	sr := s.sr
	w := sr.win
	line, off := w.line, w.off+int64(w.r)
	ti, cols, p, err := s.insertHeader(line, off)
	if err != nil {
		return err
	}
	t := ti.t
	if err := s.mapColumns(t, cols, line, off); err != nil {
		return err
	}
	hasList := cols != nil
	s.hasList = hasList
	rows := int64(0)
	for {
		k, end, err := s.readTuple(t, p)
		if err != nil {
			return err
		}
		if ti.reported { // else the rows are read (streaming) and dropped
			vals, meta, err := s.rowValues(t, k, hasList)
			if err != nil {
				return err
			}
			if err := s.toUTF8(ti, vals, meta); err != nil {
				return err
			}
			if ti.gen != nil {
				s.computeGenerated(ti, vals)
			}
			if err := s.h.Row(t, vals, w.line); err != nil {
				return fmt.Errorf("table %s row at line %d: %w", t.QualifiedName(), w.line, err)
			}
		}
		rows++
		if rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var done bool
		if p, done, err = s.afterRow(t, end); err != nil {
			return err
		}
		if done {
			if ti.reported {
				s.stats.Rows += rows
				s.stats.RowsByTable[t.Name] += rows
			}
			return nil
		}
	}
}

// insertHeader parses the header of the INSERT at win.r up to VALUES,
// reading more of the dump as needed. It returns the table the dump created
// under that name, the column list (nil if none) and the index in win.buf
// where the rows start.
func (s *scanner) insertHeader(line int, off int64) (*tableInfo, []string, int, error) {
	sr := s.sr
	w := sr.win
	for {
		db, tableName, cols, p, more, err := parseInsertHeader(w.buf[w.r:w.w], w.eof, &s.view)
		if err != nil {
			return nil, nil, 0, s.errAt(line, off, tableName, "%v", err)
		}
		if !more {
			db, tableName = s.clientText(db), s.clientText(tableName)
			for i := range cols {
				cols[i] = s.clientText(cols[i])
			}
			key := s.keyOf(db, tableName)
			t := s.tables[key]
			if t == nil && key.db != "" {
				// A table created with no database named, filled through
				// a qualified name: the unnamed database is the one
				// restored into.
				t = s.tables[tableKey{"", tableName}]
			}
			if t == nil {
				name := (&Table{Database: key.db, Name: key.name}).QualifiedName()
				if s.standin[key] {
					return nil, nil, 0, s.errAt(line, off, name, "INSERT into a view")
				}
				return nil, nil, 0, s.errAt(line, off, name, "INSERT into a table the dump never created")
			}
			return t, cols, p + w.r, nil
		}
		if _, err := sr.more(w.r); err != nil {
			if err == io.EOF {
				return nil, nil, 0, s.errAt(line, off, tableName, "INSERT cut off at end of dump")
			}
			return nil, nil, 0, err
		}
	}
}

// mapColumns prepares the rows of an INSERT into t: s.vals sized to t's
// columns, s.mapping from the INSERT's column list cols to t's column
// indexes, and s.nongen listing t's non-generated columns.
func (s *scanner) mapColumns(t *Table, cols []string, line int, off int64) error {
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
	return nil
}

// readTuple parses the row expected at (or after white space from) index p
// of win.buf into s.raw, reading more of the dump as needed; win.r is then
// at the row's '('. It returns the number of values and the index in
// win.buf after the row's ')'.
func (s *scanner) readTuple(t *Table, p int) (k, end int, err error) {
	w := s.sr.win
	for {
		buf := w.buf[:w.w]
		for p < len(buf) && isSpace(buf[p]) {
			p++
		}
		if p < len(buf) {
			break
		}
		if w.eof {
			return 0, 0, s.errAt(w.line, w.off+int64(w.r), t.Name, "dump ends inside an INSERT row (dump cut off?)")
		}
		w.advance(p) // the rows before are done with
		shift, err := w.fill(w.r)
		p -= shift
		if err != nil && err != io.EOF {
			return 0, 0, err
		}
	}
	buf := w.buf[:w.w]
	if buf[p] != '(' {
		w.advance(p)
		return 0, 0, s.errAt(w.line, w.off+int64(p), t.Name, "expected '(' to start a row, found %q", first(buf[p:]))
	}
	w.advance(p)
	s.scratch = s.scratch[:0]
	s.row.k, s.row.pos, s.row.after, s.row.cond, s.row.intro, s.row.lit, s.row.added = 0, 1, false, false, nil, literal{}, 0
	for {
		buf := w.buf[w.r:w.w]
		status, at, perr := s.tuple(buf, w.eof)
		if perr != nil {
			// (values decoded in place before the error added s.row.added
			// newlines to the window)
			return 0, 0, s.errAt(w.line+bytes.Count(buf[:at], nl)-s.row.added, w.off+int64(w.r+at), t.Name, "%v", perr)
		}
		if status == lexOK {
			w.added += s.row.added
			return s.row.k, w.r + s.row.pos, nil
		}
		if w.eof {
			return 0, 0, s.errAt(w.line, w.off+int64(w.r), t.Name, "dump ends inside an INSERT row (dump cut off?)")
		}
		_, err := w.fill(w.r)
		if err == errNeedRoom {
			return 0, 0, s.errAt(w.line, w.off+int64(w.r), t.Name, "column `%s`: the row passes the %d-byte cap on one row (ScanOptions.MaxStatement)", s.columnAt(t, s.row.k), w.max)
		}
		if err != nil && err != io.EOF {
			return 0, 0, err
		}
		s.rebase(w.buf[w.r:w.w])
	}
}

// columnAt names the column the k-th value of the row being read is for.
func (s *scanner) columnAt(t *Table, k int) string {
	switch {
	case s.hasList && k < len(s.mapping):
		return t.Columns[s.mapping[k]].Name
	case !s.hasList && len(s.nongen) < len(t.Columns) && k < len(s.nongen):
		return t.Columns[s.nongen[k]].Name
	case k < len(t.Columns):
		return t.Columns[k].Name
	}
	return fmt.Sprintf("#%d", k+1)
}

// rowValues returns the k values just parsed into s.raw in t's column
// order: through the INSERT's column list if it has one (hasList), as they
// are if there is one per column, or over the non-generated columns
// (mysqldump leaves generated ones out). Columns given no value are
// Missing.
func (s *scanner) rowValues(t *Table, k int, hasList bool) ([]Value, []valueMeta, error) {
	w := s.sr.win
	switch {
	case hasList:
		if k != len(s.mapping) {
			return nil, nil, s.errAt(w.line, w.off+int64(w.r), t.Name, "row has %d values for %d listed columns", k, len(s.mapping))
		}
		return s.spread(s.mapping)
	case k == len(s.vals):
		return s.raw[:k], s.row.meta[:k], nil
	case k == len(s.nongen):
		return s.spread(s.nongen)
	default:
		return nil, nil, s.errAt(w.line, w.off+int64(w.r), t.Name, "row has %d values, table has %d columns", k, len(s.vals))
	}
}

// spread puts s.raw[i] at s.vals[to[i]] (the other values Missing), and
// their meta likewise, and returns them.
func (s *scanner) spread(to []int) ([]Value, []valueMeta, error) {
	if cap(s.valMeta) < len(s.vals) {
		s.valMeta = make([]valueMeta, len(s.vals))
	}
	s.valMeta = s.valMeta[:len(s.vals)]
	for i := range s.vals {
		s.vals[i] = Value{}
		s.valMeta[i] = valueMeta{}
	}
	for i, ci := range to {
		s.vals[ci] = s.raw[i]
		s.valMeta[ci] = s.row.meta[i]
	}
	return s.vals, s.valMeta, nil
}

// afterRow reads what follows the row ending at index p of win.buf: ',' (it
// returns the index after it) or the delimiter (done: win.r is moved past
// it), reading more of the dump as needed.
func (s *scanner) afterRow(t *Table, p int) (next int, done bool, err error) {
	sr := s.sr
	w := sr.win
	delim := sr.delim
	for {
		buf := w.buf[:w.w]
		for p < len(buf) && isSpace(buf[p]) {
			p++
		}
		if p+len(delim) <= len(buf) || (w.eof && p < len(buf)) {
			c := buf[p]
			if c == ',' {
				return p + 1, false, nil
			}
			if bytes.HasPrefix(buf[p:], delim) {
				w.advance(p + len(delim))
				return p + len(delim), true, nil
			}
			w.advance(p)
			return 0, false, s.errAt(w.line, w.off+int64(p), t.Name, "expected ',' or %q after a row, found %q", delim, first(buf[p:]))
		}
		if w.eof {
			return 0, false, s.errAt(w.line, w.off+int64(w.r), t.Name, "INSERT not terminated at end of dump (dump cut off?)")
		}
		w.advance(min(p, w.w))
		shift, err := sr.more(w.r)
		p -= shift
		if err != nil && err != io.EOF {
			return 0, false, err
		}
	}
}

// parseInsertHeader parses "INSERT [modifiers] [INTO] name [(cols)] VALUES"
// at the start of b and returns the index after VALUES. more is true when b
// ends first and eof is false.
func parseInsertHeader(b []byte, eof bool, view *dialect) (db, table string, cols []string, p int, more bool, err error) {
	z := &tokenizer{s: b, view: view}
	next := func() (token, bool) {
		t := z.next()
		if !eof && (t.kind == tokEOF || t.end >= len(b) || z.bad) {
			return t, false
		}
		return t, true
	}
	t, ok := next() // INSERT or REPLACE
	if !ok {
		return "", "", nil, 0, true, nil
	}
	for {
		if t, ok = next(); !ok {
			return "", "", nil, 0, true, nil
		}
		if t.is("INTO") {
			if t, ok = next(); !ok {
				return "", "", nil, 0, true, nil
			}
			break
		}
		if !t.isInsertModifier() {
			break
		}
	}
	if t.kind != tokIdent && t.kind != tokWord {
		return "", "", nil, 0, false, fmt.Errorf("INSERT without a table name")
	}
	table = t.name()
	for {
		if t, ok = next(); !ok {
			return db, table, nil, 0, true, nil
		}
		if !t.isPunct('.') {
			break
		}
		if t, ok = next(); !ok {
			return db, table, nil, 0, true, nil
		}
		db, table = table, t.name()
	}
	if t.isPunct('(') {
		cols = []string{}
		for {
			if t, ok = next(); !ok {
				return db, table, nil, 0, true, nil
			}
			if t.isPunct(')') && len(cols) == 0 {
				break
			}
			if t.kind != tokIdent && t.kind != tokWord {
				return db, table, nil, 0, false, fmt.Errorf("bad INSERT column list near %q", t.raw)
			}
			cols = append(cols, t.name())
			if t, ok = next(); !ok {
				return db, table, nil, 0, true, nil
			}
			if t.isPunct(')') {
				break
			}
			if !t.isPunct(',') {
				return db, table, nil, 0, false, fmt.Errorf("bad INSERT column list near %q", t.raw)
			}
		}
		if t, ok = next(); !ok {
			return db, table, nil, 0, true, nil
		}
	}
	if !(t.is("VALUES") || t.is("VALUE")) {
		return db, table, nil, 0, false, fmt.Errorf("unsupported INSERT form (expected VALUES, found %q)", t.raw)
	}
	return db, table, cols, t.end, false, nil
}
