package mysqlexport

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// ColumnInfo is one row of information_schema.COLUMNS, the part the type
// mapping needs.
type ColumnInfo struct {
	Name       string
	DataType   string // DATA_TYPE, e.g. "int"
	ColumnType string // COLUMN_TYPE, e.g. "int(10) unsigned zerofill"
	Nullable   bool   // IS_NULLABLE = 'YES'
	Charset    string // CHARACTER_SET_NAME
	Collation  string // COLLATION_NAME
	Extra      string // EXTRA, e.g. "VIRTUAL GENERATED"
}

// Column converts information_schema's description of a column into the
// mysqldump.Column the dump scanner would produce from the column's CREATE
// TABLE definition, so SchemaFor maps both paths the same way.
func Column(ci ColumnInfo) (mysqldump.Column, error) {
	ct := strings.TrimSpace(ci.ColumnType)
	lower := strings.ToLower(ct)
	c := mysqldump.Column{Name: ci.Name, NotNull: !ci.Nullable, Charset: ci.Charset, Collation: ci.Collation}
	base, args, rest := lower, "", ""
	if i := strings.IndexByte(lower, '('); i >= 0 {
		j := closingParen(ct, i)
		if j < 0 {
			return c, liberator.Errorf(liberator.ErrInvalid, "column type", ci.Name, "unbalanced parentheses in %q", ct)
		}
		base, args, rest = strings.TrimSpace(lower[:i]), ct[i+1:j], lower[j+1:]
	} else if i := strings.IndexByte(lower, ' '); i >= 0 {
		base, rest = lower[:i], lower[i:]
	}
	for _, f := range strings.Fields(rest) {
		switch f {
		case "unsigned":
			c.Unsigned = true
		case "zerofill":
			c.Zerofill, c.Unsigned = true, true
		}
	}
	switch base {
	case "bool", "boolean":
		base, c.Length = "tinyint", 1
	case "integer":
		base = "int"
	case "numeric":
		base = "decimal"
	case "double precision", "real":
		base = "double"
	}
	c.Type = base
	switch base {
	case "enum", "set":
		c.Elements = parseElements(args)
	case "decimal", "float", "double":
		if args != "" {
			p, s, _ := strings.Cut(args, ",")
			c.Precision, _ = strconv.Atoi(strings.TrimSpace(p))
			c.Scale, _ = strconv.Atoi(strings.TrimSpace(s))
		} else if base == "decimal" {
			c.Precision = 10
		}
	default:
		if args != "" {
			n, err := strconv.Atoi(strings.TrimSpace(args))
			if err != nil {
				return c, liberator.Errorf(liberator.ErrInvalid, "column type", ci.Name, "bad length in %q", ct)
			}
			c.Length = n
		}
	}
	extra := strings.ToUpper(ci.Extra)
	if strings.Contains(extra, "GENERATED") && !strings.Contains(extra, "DEFAULT_GENERATED") {
		c.Generated = true
		c.Virtual = strings.Contains(extra, "VIRTUAL")
	}
	def := "`" + strings.ReplaceAll(ci.Name, "`", "``") + "` " + ct
	if c.NotNull {
		def += " NOT NULL"
	}
	c.Definition = def
	return c, nil
}

// closingParen returns the index of the ')' matching the '(' at i,
// skipping quoted ENUM/SET elements.
func closingParen(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\'':
			for j++; j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// parseElements splits an ENUM/SET list ('a','b c') into its values,
// unescaped with mysqldump.AppendUnescaped as the dump scanner unescapes
// them (COLUMN_TYPE writes them with backslash escapes: 'e\nf').
func parseElements(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '\'' {
			continue
		}
		j := i + 1
		for j < len(s) {
			if s[j] == '\\' {
				j += 2
				continue
			}
			if s[j] == '\'' {
				if j+1 < len(s) && s[j+1] == '\'' {
					j += 2
					continue
				}
				break
			}
			j++
		}
		j = min(j, len(s))
		out = append(out, string(mysqldump.AppendUnescaped(nil, []byte(s[i+1:j]), '\'')))
		i = j
	}
	return out
}

// valueKind says how a column's text-protocol values are handed to the
// decoders: numbers as Number, BIT and spatial values (raw bytes from the
// server) as Hex, everything else as String.
func valueKind(c *mysqldump.Column) mysqldump.ValueKind {
	switch c.Type {
	case "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year":
		return mysqldump.Number
	case "bit", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		return mysqldump.Hex
	}
	return mysqldump.String
}

// TableColumns reads table's columns from information_schema.
func TableColumns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, database, table string) ([]mysqldump.Column, error) {
	rows, err := q.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
		COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''), EXTRA
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, database, table)
	if err != nil {
		return nil, liberator.NewError(liberator.ErrTransient, "export columns", database+"."+table, err)
	}
	defer rows.Close()
	var cols []mysqldump.Column
	for rows.Next() {
		var ci ColumnInfo
		var nullable string
		if err := rows.Scan(&ci.Name, &ci.DataType, &ci.ColumnType, &nullable, &ci.Charset, &ci.Collation, &ci.Extra); err != nil {
			return nil, liberator.NewError(liberator.ErrTransient, "export columns", database+"."+table, err)
		}
		ci.Nullable = nullable == "YES"
		c, err := Column(ci)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, liberator.NewError(liberator.ErrTransient, "export columns", database+"."+table, err)
	}
	return cols, nil
}
