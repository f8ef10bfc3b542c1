package mysqldump

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// textTypes are the types whose values are text in the column's character
// set; nonTextTypes those whose values are numbers, dates or bytes. The
// values of other types (MariaDB's UUID, INET6, types the scanner does not
// know) are text when they are quoted strings.
var (
	textTypes    = setOf("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json")
	nonTextTypes = setOf("tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "bit", "year",
		"date", "time", "datetime", "timestamp", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
		"geometrycollection", "geomcollection", "serial", "bool", "boolean")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// textColumns sets ti's per-column charsets: a column's own CHARACTER SET
// or COLLATE, else the table's, else its database's (CREATE DATABASE …
// DEFAULT CHARACTER SET), else utf8mb4; JSON is always utf8mb4.
func (s *scanner) textColumns(ti *tableInfo) {
	t := ti.t
	ti.text = make([]*charset, len(t.Columns))
	ti.textOnly = make([]bool, len(t.Columns))
	def := charsetNamed(t.Charset)
	if def == nil {
		def = charsetOfCollation(t.Collation)
	}
	if def == nil {
		def = s.dbCharset[t.Database]
	}
	if def == nil {
		def = utf8mb4
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if nonTextTypes[c.Type] {
			continue
		}
		cs := charsetNamed(c.Charset)
		if cs == nil {
			cs = charsetOfCollation(c.Collation)
		}
		if cs == nil {
			cs = def
		}
		if c.Type == "json" || !textTypes[c.Type] {
			cs = utf8mb4
		}
		ti.text[i] = cs
		ti.textOnly[i] = !textTypes[c.Type]
		ti.textIdx = append(ti.textIdx, i)
	}
}

// toUTF8 converts the text values of a row of ti to UTF-8, as a server
// stores them: a quoted string is in its _charset introducer's charset, or
// else the client's (SET NAMES); hex and bit literals, _binary strings
// and text sent with SET NAMES binary are in the column's own charset. A
// byte sequence invalid in that charset is an error naming the column.
func (s *scanner) toUTF8(ti *tableInfo, vals []Value, meta []valueMeta) error {
	for _, i := range ti.textIdx {
		col := ti.text[i]
		v := &vals[i]
		if v.Kind != String && (v.Kind != Hex && v.Kind != Bit || ti.textOnly[i]) {
			continue
		}
		src := meta[i].intro
		if src == nil {
			src = binaryCharset
			if v.Kind == String {
				src = s.session.client
			}
		}
		if src.kind == csBinary {
			src = col
		}
		if meta[i].ascii && src.asciiText {
			continue // ASCII text is its own UTF-8
		}
		v.Kind = String
		if src.passesAsIs() {
			if !utf8.Valid(v.Bytes) {
				return s.badText(ti, i, src, v.Bytes, invalidUTF8At(v.Bytes))
			}
			continue
		}
		start := len(s.scratch)
		var bad int
		if s.scratch, bad = src.appendUTF8(s.scratch, v.Bytes); bad >= 0 {
			return s.badText(ti, i, src, v.Bytes, bad)
		}
		v.Bytes = s.scratch[start:len(s.scratch):len(s.scratch)]
	}
	return nil
}

func (s *scanner) badText(ti *tableInfo, col int, cs *charset, b []byte, at int) error {
	w := s.sr.win
	where := ""
	if at < len(b) {
		where = fmt.Sprintf(" at byte %d (%q)", at, b[at:min(len(b), at+4)])
	}
	if cs.kind == csUnsupported {
		return s.errAt(w.line, w.off+int64(w.r), ti.t.QualifiedName(), "column `%s`: character set %s is not supported: its text other than ASCII cannot be converted%s",
			ti.t.Columns[col].Name, cs.name, where)
	}
	return s.errAt(w.line, w.off+int64(w.r), ti.t.QualifiedName(), "column `%s`: invalid %s text%s", ti.t.Columns[col].Name, cs.name, where)
}

// clientText returns name, sent in the client's charset, as UTF-8 (as it
// is when it cannot be converted).
func (s *scanner) clientText(name string) string {
	cs := s.session.client
	if cs.passesAsIs() || cs.kind == csBinary || !hasNonASCII([]byte(name)) {
		return name
	}
	if b, bad := cs.appendUTF8(nil, []byte(name)); bad < 0 {
		return string(b)
	}
	return name
}

// clientStatement returns st's text as UTF-8: a statement the client sent
// in another charset (SET NAMES latin1) is converted, so that names and
// ENUM elements are read as the server reads them.
func (s *scanner) clientStatement(st *Statement) ([]byte, error) {
	cs := s.session.client
	if cs.passesAsIs() || cs.kind == csBinary || !hasNonASCII(st.Text) {
		return st.Text, nil
	}
	b, bad := cs.appendUTF8(nil, st.Text)
	if bad >= 0 {
		line := st.Line
		if bad < len(st.Text) {
			line += bytes.Count(st.Text[:bad], []byte{'\n'})
		}
		return nil, s.errAt(line, st.Offset, st.Table, "invalid %s text in the statement", cs.name)
	}
	return b, nil
}

// createDatabase notes the default charset of CREATE DATABASE.
func (s *scanner) createDatabase(st *Statement) {
	z := &tokenizer{s: st.Text, view: &s.view}
	z.next() // CREATE
	z.next() // DATABASE
	db, name, _ := qualifiedObject(z)
	if db != "" {
		name = db
	}
	for t := z.next(); t.kind != tokEOF; t = z.next() {
		switch {
		case t.is("CHARSET"), t.is("CHARACTER") && z.peek().is("SET"):
			if t.is("CHARACTER") {
				z.next()
			}
			if cs := charsetNamed(optionValue(z)); cs != nil {
				s.dbCharset[name] = cs
			}
		case t.is("COLLATE"):
			if cs := charsetOfCollation(optionValue(z)); cs != nil && s.dbCharset[name] == nil {
				s.dbCharset[name] = cs
			}
		}
	}
}
