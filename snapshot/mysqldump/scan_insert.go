package mysqldump

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

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
