package mysqldump

// This file holds the types the dump scanner produces. The export package
// converts them to Parquet; the MySQL restore sends Statements to a server.

// Column is one column of a CREATE TABLE, as the dump declares it.
type Column struct {
	// Name as declared (without backquotes).
	Name string `json:"name"`
	// Type is the lower-case base type: "tinyint", "int", "bigint",
	// "decimal", "varchar", "datetime", "enum", "geometry", "bool" is
	// reported as "tinyint" with Length 1, "numeric" as "decimal",
	// "integer" as "int", "double precision"/"real" as "double".
	Type string `json:"type"`
	// Length is the (n) of char/varchar/binary/varbinary/bit and the display
	// width of integers; for time/datetime/timestamp it is the fractional
	// seconds precision (fsp). 0 when absent.
	Length int `json:"length,omitempty"`
	// Precision and Scale of DECIMAL/NUMERIC (defaults 10,0) and of
	// FLOAT(p,s)/DOUBLE(p,s) when given.
	Precision int  `json:"precision,omitempty"`
	Scale     int  `json:"scale,omitempty"`
	Unsigned  bool `json:"unsigned,omitempty"`
	Zerofill  bool `json:"zerofill,omitempty"`
	// NotNull is true when declared NOT NULL.
	NotNull bool `json:"not_null,omitempty"`
	// Generated is true for GENERATED ALWAYS AS (...) columns; Virtual tells
	// VIRTUAL from STORED.
	Generated bool `json:"generated,omitempty"`
	Virtual   bool `json:"virtual,omitempty"`
	// Expression is a generated column's expression as the dump writes
	// it, without its outer parentheses ("json_unquote(json_extract(`doc`,
	// _utf8mb4'$._id'))"). Scan computes the values the dump leaves out
	// when it is of a form it knows (see the package doc).
	Expression string `json:"expression,omitempty"`
	// Elements are the values of an ENUM or SET, unescaped.
	Elements []string `json:"elements,omitempty"`
	// Charset and Collation when declared on the column.
	Charset   string `json:"charset,omitempty"`
	Collation string `json:"collation,omitempty"`
	// Definition is the column's full definition text from the dump.
	Definition string `json:"definition"`
}

// Table is a table created by the dump.
type Table struct {
	// Name as declared (without backquotes and without a database prefix).
	Name string `json:"name"`
	// Database is the database the dump creates the table in: the prefix
	// of its name, else the database of the last USE, else the one the
	// dump's header names ("-- Host: … Database: app"); "" when the dump
	// never says.
	Database string   `json:"database,omitempty"`
	Columns  []Column `json:"columns"`
	// Charset and Collation are the table's defaults (DEFAULT
	// CHARSET=…, COLLATE=…), lower-case; "" when not declared.
	Charset   string `json:"charset,omitempty"`
	Collation string `json:"collation,omitempty"`
	// Line is the 1-based line of the CREATE TABLE statement.
	Line int `json:"line"`
}

// QualifiedName names the table in messages: "`db`.`name`", or "`name`"
// when its database is unknown.
func (t *Table) QualifiedName() string {
	if t.Database == "" {
		return "`" + t.Name + "`"
	}
	return "`" + t.Database + "`.`" + t.Name + "`"
}

// ColumnIndex returns the index of the named column (case-insensitive), or -1.
func (t *Table) ColumnIndex(name string) int {
	for i := range t.Columns {
		if equalFold(t.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// ValueKind tells how a literal was written in an INSERT.
type ValueKind uint8

// Value kinds.
const (
	// Missing: the INSERT's column list did not include the column
	// (mysqldump omits generated columns). Written as NULL.
	Missing ValueKind = iota
	// Null: the literal NULL.
	Null
	// Number: an unquoted numeric literal; Bytes is its text ("-12",
	// "3.50", "1e-05").
	Number
	// String: a quoted string, possibly with a _binary/_utf8mb4 introducer;
	// Bytes holds the unescaped bytes.
	String
	// Hex: a 0x… or X'…' literal; Bytes holds the decoded bytes.
	Hex
	// Bit: a b'0101' or 0b0101 literal; Bytes holds the value as big-endian
	// bytes (minimal length, at least one byte).
	Bit
)

// Value is one literal of an INSERT row. Bytes is only valid during the
// Handler call that receives it; copy it to keep it.
type Value struct {
	// Kind tells how the literal was written.
	Kind ValueKind
	// Bytes is the literal's bytes, as each ValueKind describes.
	Bytes []byte
}

// SkippedKind names an object the scanner recognised and did not convert.
type SkippedKind string

// Skipped kinds.
const (
	SkippedView      SkippedKind = "view"
	SkippedTrigger   SkippedKind = "trigger"
	SkippedProcedure SkippedKind = "procedure"
	SkippedFunction  SkippedKind = "function"
	SkippedEvent     SkippedKind = "event"
)

// Skipped is a view, trigger, routine or event the dump defines.
type Skipped struct {
	// Kind is what the object is, Name its name and Line the 1-based line
	// of its definition.
	Kind SkippedKind `json:"kind"`
	Name string      `json:"name"`
	Line int         `json:"line"`
}

// TableDropper is implemented by a Handler that takes back a table the
// dump drops after creating it (DROP TABLE, or DROP DATABASE of its
// database): Scan calls DropTable, and the table's rows so far must not be
// kept. phpMyAdmin's view stand-ins are such tables. A Handler without it
// is not told.
type TableDropper interface {
	DropTable(t *Table) error
}

// Handler receives what the scanner finds, in dump order.
type Handler interface {
	// CreateTable is called for each CREATE TABLE.
	CreateTable(t *Table) error
	// Row is called for each row of an INSERT into t. vals has one Value per
	// column of t, in t's column order (columns absent from an INSERT's
	// column list are Missing). vals and its Bytes are reused after Row
	// returns. line is the 1-based line where the row starts.
	Row(t *Table, vals []Value, line int) error
	// Skip is called for each view, trigger, routine or event.
	Skip(s Skipped)
}
