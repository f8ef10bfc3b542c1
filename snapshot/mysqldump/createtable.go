package mysqldump

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// typeAliases normalises type names as documented on Column.Type.
var typeAliases = map[string]string{
	"integer":   "int",
	"int1":      "tinyint",
	"int2":      "smallint",
	"int3":      "mediumint",
	"int4":      "int",
	"int8":      "bigint",
	"middleint": "mediumint",
	"numeric":   "decimal",
	"dec":       "decimal",
	"fixed":     "decimal",
	"real":      "double",
	"float8":    "double",
	"float4":    "float",
	"character": "char",
	"nchar":     "char",
	"nvarchar":  "varchar",
	"varchar2":  "varchar",
	"long":      "mediumtext",
}

// keyKeywords start a table-level definition that is not a column.
var keyKeywords = map[string]bool{
	"PRIMARY": true, "KEY": true, "INDEX": true, "UNIQUE": true, "FULLTEXT": true,
	"SPATIAL": true, "CONSTRAINT": true, "FOREIGN": true, "CHECK": true, "PERIOD": true,
}

// ParseCreateTable parses a CREATE TABLE statement as a dump writes it
// (Statement.Text or Statement.Inner). Executable comments are read as
// MySQL 8.4 reads them (those of a later version and MariaDB's /*M!…*/
// are skipped; see the package doc). Keys, constraints, table options and
// partitioning are skipped. Errors wrap liberator.ErrInvalid. The returned
// Table has Line 0; the caller sets it.
func ParseCreateTable(text []byte) (*Table, error) {
	t, _, err := parseCreateTable(text, dialect{})
	return t, err
}

// parseCreateTable is ParseCreateTable reading executable comments as
// view says; it also tells whether the statement says IF NOT EXISTS.
func parseCreateTable(text []byte, view dialect) (tbl *Table, ifNotExists bool, err error) {
	tbl, err = createTable(&tokenizer{s: text, view: &view}, &ifNotExists)
	return tbl, ifNotExists, err
}

func createTable(z *tokenizer, ifNotExists *bool) (*Table, error) {
	fail := func(format string, args ...any) (*Table, error) {
		return nil, liberator.Errorf(liberator.ErrInvalid, "parse CREATE TABLE", "", format, args...)
	}
	if !z.next().is("CREATE") {
		return fail("not a CREATE TABLE statement")
	}
	t := z.next()
	for t.is("TEMPORARY") || t.is("OR") || t.is("REPLACE") {
		t = z.next()
	}
	if !t.is("TABLE") {
		return fail("not a CREATE TABLE statement")
	}
	db, name, ine := qualifiedObject(z)
	if name == "" {
		return fail("no table name")
	}
	*ifNotExists = ine
	tbl := &Table{Name: name, Database: db}
	failT := func(format string, args ...any) (*Table, error) {
		return nil, liberator.Errorf(liberator.ErrInvalid, "parse CREATE TABLE", "`"+name+"`", format, args...)
	}
	if !z.next().isPunct('(') {
		return failT("no column list (CREATE TABLE … LIKE/AS SELECT is not supported)")
	}
	for {
		first := z.next()
		switch {
		case first.kind == tokEOF:
			return failT("column list not closed")
		case first.isPunct(')'):
			if len(tbl.Columns) == 0 {
				return failT("no columns")
			}
			return tableOptions(z, tbl), nil
		case first.kind == tokWord && keyKeywords[strings.ToUpper(string(first.raw))]:
			end, err := skipDefinition(z)
			if err != nil {
				return failT("%v", err)
			}
			if end.isPunct(')') {
				if len(tbl.Columns) == 0 {
					return failT("no columns")
				}
				return tableOptions(z, tbl), nil
			}
		case first.kind == tokIdent || first.kind == tokWord || first.kind == tokString && first.raw[0] == '"':
			col, end, err := parseColumn(z, first)
			if err != nil {
				return failT("column `%s`: %v", first.name(), err)
			}
			tbl.Columns = append(tbl.Columns, col)
			if end.isPunct(')') {
				return tableOptions(z, tbl), nil
			}
		default:
			return failT("unexpected %q in column list", first.raw)
		}
	}
}

// tableOptions reads the table options after the column list for the
// table's default character set and collation ([DEFAULT] CHARSET [=] x,
// [DEFAULT] CHARACTER SET [=] x, [DEFAULT] COLLATE [=] x), and applies
// what CHARACTER SET binary means to the columns.
func tableOptions(z *tokenizer, tbl *Table) *Table {
	for t := z.next(); t.kind != tokEOF; t = z.next() {
		switch {
		case t.isPunct('('):
			z.skipBalanced()
		case t.is("CHARSET"), t.is("CHARACTER") && z.peek().is("SET"):
			if t.is("CHARACTER") {
				z.next()
			}
			tbl.Charset = optionValue(z)
		case t.is("COLLATE"):
			tbl.Collation = optionValue(z)
		}
	}
	return tbl
}

// optionValue reads "[=] value" of a table option.
func optionValue(z *tokenizer) string {
	if z.peek().isPunct('=') {
		z.next()
	}
	if v := z.next(); v.kind == tokWord || v.kind == tokIdent || v.kind == tokString {
		return strings.ToLower(v.name())
	}
	return ""
}

// binaryTypes are the types a text type with CHARACTER SET binary is.
var binaryTypes = map[string]string{"char": "binary", "varchar": "varbinary", "tinytext": "tinyblob",
	"text": "blob", "mediumtext": "mediumblob", "longtext": "longblob"}

// skipDefinition consumes tokens up to a ',' or ')' at depth 0 and returns it.
func skipDefinition(z *tokenizer) (token, error) {
	for {
		t := z.next()
		switch {
		case t.kind == tokEOF:
			return t, fmt.Errorf("column list not closed")
		case t.isPunct('('):
			if !z.skipBalanced() {
				return t, fmt.Errorf("parenthesis not closed")
			}
		case t.isPunct(','), t.isPunct(')'):
			return t, nil
		}
	}
}

// parseColumn parses a column definition whose name token is first: its
// type name, the type's parameters and the column's attributes. It returns
// the ',' or ')' that ends it.
func parseColumn(z *tokenizer, first token) (Column, token, error) {
	col := Column{Name: first.name()}
	if first.kind == tokString {
		col.Name = string(AppendUnescaped(nil, first.raw[1:len(first.raw)-1], '"'))
	}
	tt := z.next()
	if tt.kind != tokWord {
		return col, tt, fmt.Errorf("no type")
	}
	parseTypeName(z, tt, &col)
	if z.peek().isPunct('(') {
		z.next()
		if t, err := parseTypeParams(z, &col); err != nil {
			return col, t, err
		}
	}
	if col.Type == "decimal" && col.Precision == 0 {
		col.Precision = 10
	}
	t, err := parseAttributes(z, &col)
	if err == nil {
		col.Definition = strings.TrimSpace(string(z.s[first.start:t.start]))
	}
	if b, ok := binaryTypes[col.Type]; ok && strings.EqualFold(col.Charset, "binary") {
		col.Type = b // as MySQL stores it
	}
	return col, t, err
}

// parseTypeName sets col.Type (and what the type name implies: Length 1
// for BOOL, UNSIGNED NOT NULL for SERIAL) from the type name starting with
// token tt, reading multi-word names such as DOUBLE PRECISION or NATIONAL
// CHAR VARYING, and resolving aliases.
func parseTypeName(z *tokenizer, tt token, col *Column) {
	typ := strings.ToLower(string(tt.raw))
	// Multi-word type names.
	switch typ {
	case "double":
		if z.peek().is("PRECISION") {
			z.next()
		}
	case "character", "char", "nchar":
		if z.peek().is("VARYING") {
			z.next()
			typ = "varchar"
		}
	case "national":
		n := z.next()
		typ = strings.ToLower(string(n.raw))
		if z.peek().is("VARYING") {
			z.next()
			typ = "varchar"
		}
	case "long":
		if p := z.peek(); p.is("VARBINARY") || p.is("VARCHAR") || p.is("VARCHARACTER") {
			n := z.next()
			if n.is("VARBINARY") {
				typ = "mediumblob"
			} else {
				typ = "mediumtext"
			}
		}
	}
	if a, ok := typeAliases[typ]; ok {
		typ = a
	}
	switch typ {
	case "bool", "boolean":
		typ = "tinyint"
		col.Length = 1
	case "serial":
		typ = "bigint"
		col.Unsigned = true
		col.NotNull = true
	}
	col.Type = typ
}

// parseTypeParams parses the type's parameters after the '(': the
// elements of an ENUM or SET, or the numbers that set col's Precision and
// Scale (DECIMAL, FLOAT, DOUBLE) or Length. On an error it returns the
// token at fault.
func parseTypeParams(z *tokenizer, col *Column) (token, error) {
	typ := col.Type
	if typ == "enum" || typ == "set" {
		for {
			e := z.next()
			if e.kind != tokString {
				return e, fmt.Errorf("bad %s element %q", typ, e.raw)
			}
			col.Elements = append(col.Elements, string(AppendUnescaped(nil, e.raw[1:len(e.raw)-1], e.raw[0])))
			sep := z.next()
			if sep.isPunct(')') {
				return sep, nil
			}
			if !sep.isPunct(',') {
				return sep, fmt.Errorf("bad %s element list", typ)
			}
		}
	}
	var nums []int
	for {
		n := z.next()
		if n.kind != tokWord {
			return n, fmt.Errorf("bad type parameter %q", n.raw)
		}
		v, err := strconv.Atoi(string(n.raw))
		if err != nil {
			return n, fmt.Errorf("bad type parameter %q", n.raw)
		}
		nums = append(nums, v)
		sep := z.next()
		if sep.isPunct(')') {
			break
		}
		if !sep.isPunct(',') {
			return sep, fmt.Errorf("bad type parameters")
		}
	}
	switch typ {
	case "decimal", "float", "double":
		col.Precision = nums[0]
		if len(nums) > 1 {
			col.Scale = nums[1]
		}
	default:
		col.Length = nums[0]
	}
	return token{}, nil
}

// parseAttributes reads the column's attributes up to the ',' or ')' that
// ends its definition, which it returns: UNSIGNED, ZEROFILL, NOT NULL,
// CHARACTER SET, COLLATE and generated-column clauses set fields of col;
// defaults, comments and references are skipped.
func parseAttributes(z *tokenizer, col *Column) (token, error) {
	for {
		t := z.next()
		switch {
		case t.kind == tokEOF:
			return t, fmt.Errorf("column list not closed")
		case t.isPunct(','), t.isPunct(')'):
			return t, nil
		case t.isPunct('('):
			if !z.skipBalanced() {
				return t, fmt.Errorf("parenthesis not closed")
			}
		case t.is("UNSIGNED"):
			col.Unsigned = true
		case t.is("ZEROFILL"):
			col.Zerofill = true
			col.Unsigned = true
		case t.is("NOT"):
			if n := z.peek(); n.is("NULL") {
				z.next()
				col.NotNull = true
			}
		case t.is("CHARACTER"), t.is("CHARSET"), t.is("CHAR"):
			if t.is("CHARACTER") || t.is("CHAR") {
				if !z.peek().is("SET") {
					break
				}
				z.next()
			}
			if n := z.next(); n.kind == tokWord || n.kind == tokIdent || n.kind == tokString {
				col.Charset = n.name()
			}
		case t.is("COLLATE"):
			if n := z.next(); n.kind == tokWord || n.kind == tokIdent || n.kind == tokString {
				col.Collation = n.name()
			}
		case t.is("DEFAULT"), t.is("COMMENT"), t.is("SRID"):
			skipExpr(z)
		case t.is("ON"):
			if z.peek().is("UPDATE") {
				z.next()
				skipExpr(z)
			}
		case t.is("GENERATED"):
			if z.peek().is("ALWAYS") {
				z.next()
			}
		case t.is("AS"):
			if z.peek().is("ROW") { // MariaDB system versioning: AS ROW START/END
				z.next()
				z.next()
				col.Generated = true
				break
			}
			open := z.next()
			if !open.isPunct('(') || !z.skipBalanced() {
				return t, fmt.Errorf("bad generated column expression")
			}
			col.Expression = strings.TrimSpace(string(z.s[open.end : z.i-1]))
			col.Generated = true
			col.Virtual = true // the default until STORED/PERSISTENT
		case t.is("VIRTUAL"):
			col.Virtual = col.Generated
		case t.is("STORED"), t.is("PERSISTENT"):
			col.Virtual = false
		case t.is("REFERENCES"):
			if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
				z.qualifiedName(n)
			}
		}
	}
}

// skipExpr consumes one default/comment expression: a literal (with an
// optional sign or charset introducer), a parenthesised expression, or a
// function call like CURRENT_TIMESTAMP(6).
func skipExpr(z *tokenizer) {
	t := z.next()
	switch {
	case t.isPunct('('):
		z.skipBalanced()
		return
	case t.isPunct('-') || t.isPunct('+'):
		t = z.next()
	case t.kind == tokWord && t.raw[0] == '_' && z.peek().kind == tokString:
		z.next()
		return
	}
	if t.kind == tokWord && z.peek().isPunct('(') {
		z.next()
		z.skipBalanced()
	}
	if t.kind == tokWord && (bytes.EqualFold(t.raw, []byte("b")) || bytes.EqualFold(t.raw, []byte("x"))) && z.peek().kind == tokString {
		z.next()
	}
}
