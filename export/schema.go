package export

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// Conv says how a column's scanned literals are converted to Parquet values.
type Conv uint8

// The conversions. Each names the Parquet physical type it produces.
const (
	// ConvInt32: TINYINT, SMALLINT, MEDIUMINT (signed), INT (signed), YEAR
	// and the unsigned TINYINT/SMALLINT → INT32.
	ConvInt32 Conv = iota + 1
	// ConvInt64: BIGINT, INT UNSIGNED, MEDIUMINT UNSIGNED → INT64.
	ConvInt64
	// ConvUint64: BIGINT UNSIGNED → FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0),
	// 9-byte big-endian two's complement.
	ConvUint64
	// ConvDecimal32/64/Fixed: DECIMAL(p,s), p ≤ 38, as the unscaled integer
	// on INT32 (p ≤ 9), INT64 (p ≤ 18) or FIXED_LEN_BYTE_ARRAY.
	ConvDecimal32
	ConvDecimal64
	ConvDecimalFixed
	// ConvDecimalText: DECIMAL(p,s), p > 38 → STRING with exactly s
	// fractional digits.
	ConvDecimalText
	// ConvDouble: FLOAT, DOUBLE → DOUBLE (the dump's decimal text parsed as
	// float64).
	ConvDouble
	// ConvBytes: BINARY, VARBINARY, *BLOB, GEOMETRY types → BYTE_ARRAY.
	ConvBytes
	// ConvBit: BIT(n) → BYTE_ARRAY of ceil(n/8) big-endian bytes.
	ConvBit
	// ConvString: CHAR, VARCHAR, *TEXT, ENUM, SET, JSON → STRING.
	ConvString
	// ConvDate: DATE → STRING "YYYY-MM-DD"; zero dates are NULL.
	ConvDate
	// ConvTime: TIME → STRING as MySQL prints it.
	ConvTime
	// ConvDatetime: DATETIME → INT64 TIMESTAMP(MICROS, not adjusted to
	// UTC); zero dates are NULL.
	ConvDatetime
	// ConvTimestamp: TIMESTAMP → INT64 TIMESTAMP(MICROS, adjusted to UTC);
	// zero dates are NULL.
	ConvTimestamp
	// ConvUUID: MariaDB's UUID → STRING in canonical form
	// (8-4-4-4-12 lower-case hex digits).
	ConvUUID
	// ConvInet: MariaDB's INET4, INET6 → STRING, the address as the
	// server prints it.
	ConvInet
	// ConvText: a type the mapping does not know → STRING holding the
	// literal's text (a quoted string's characters, a number's digits, a
	// hex or bit literal as 0x…/0b… text), with a warning.
	ConvText
)

var convNames = [...]string{
	ConvInt32: "int32", ConvInt64: "int64", ConvUint64: "uint64",
	ConvDecimal32: "decimal32", ConvDecimal64: "decimal64", ConvDecimalFixed: "decimal-fixed",
	ConvDecimalText: "decimal-text", ConvDouble: "double", ConvBytes: "bytes", ConvBit: "bit",
	ConvString: "string", ConvDate: "date", ConvTime: "time", ConvDatetime: "datetime",
	ConvTimestamp: "timestamp", ConvUUID: "uuid", ConvInet: "inet", ConvText: "text",
}

// String returns the conversion's name.
func (c Conv) String() string {
	if int(c) < len(convNames) && convNames[c] != "" {
		return convNames[c]
	}
	return fmt.Sprintf("conv(%d)", uint8(c))
}

// ColumnPlan is how one table column is written: its Parquet leaf and how
// its literals are converted. SchemaFor returns one per column, in table
// order; Index is also the Parquet leaf column index.
type ColumnPlan struct {
	// Table and Name identify the column in error messages.
	Table string
	Name  string
	// Index is the column's position in the table and its Parquet column
	// index.
	Index int
	// Type is the MySQL base type as the scanner reports it ("bigint").
	Type string
	// Conv is the conversion applied to literals.
	Conv Conv
	// Optional is true when the Parquet column is OPTIONAL. It is true for
	// every column not declared NOT NULL, and also for NOT NULL date
	// columns (zero dates become NULL), generated columns (the dump may
	// hold no values) and unknown types written as bytes.
	Optional bool
	// ForcedOptional explains why a NOT NULL column is OPTIONAL anyway
	// ("zero dates become NULL", "generated virtual column"); empty
	// otherwise.
	ForcedOptional string
	// Min and Max bound integer values (ConvInt32, ConvInt64).
	Min, Max int64
	// Unsigned rejects negative DECIMAL/FLOAT/DOUBLE values.
	Unsigned bool
	// Precision and Scale of DECIMAL columns.
	Precision, Scale int
	// Size is the FIXED_LEN_BYTE_ARRAY length (ConvUint64,
	// ConvDecimalFixed), the byte count of BIT(n), or the padded length of
	// BINARY(n).
	Size int
	// Bits is n of BIT(n).
	Bits int
	// Elements are the values of an ENUM or SET (for numeric literals).
	Elements []string
	// Enum and Set tell ENUM and SET columns apart from other strings.
	Enum, Set bool
	// Virtual is true for generated VIRTUAL columns.
	Virtual bool
	// Generated is true for generated (VIRTUAL or STORED) columns.
	Generated bool
	// Warning says what the mapping could not do as asked (a type it does
	// not know, written as STRING); the tables report lists it.
	Warning string
	// Node is the Parquet node of the column (with its repetition).
	Node parquet.Node
}

// what names the column for error messages.
func (c *ColumnPlan) what() string { return c.Table + "." + c.Name }

// SchemaOptions tune SchemaFor.
type SchemaOptions struct {
	// UnknownAsBytes writes columns of types the mapping does not know as
	// OPTIONAL BYTE_ARRAY holding the literal's bytes, instead of STRING
	// holding its text.
	UnknownAsBytes bool
}

// SchemaFor returns the Parquet schema of t and the plan of each column, in
// t's column order. The mapping is RDS export's:
//
//	BIGINT                              INT64
//	BIGINT UNSIGNED                     FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)
//	INT UNSIGNED, MEDIUMINT UNSIGNED    INT64
//	INT, MEDIUMINT, SMALLINT[ UNSIGNED],
//	TINYINT[ UNSIGNED], YEAR            INT32 (tinyint(1)/BOOLEAN too)
//	DECIMAL/NUMERIC(p,s), p ≤ 38        DECIMAL(p,s) on INT32 (p ≤ 9), INT64
//	                                    (p ≤ 18) or FIXED_LEN_BYTE_ARRAY
//	                                    (fewest bytes for p)
//	DECIMAL/NUMERIC(p,s), p > 38        STRING (exact text, s decimals)
//	FLOAT, DOUBLE                       DOUBLE
//	BIT, BINARY, VARBINARY, *BLOB,
//	GEOMETRY types                      BYTE_ARRAY
//	CHAR, VARCHAR, *TEXT, ENUM, SET,
//	JSON                                STRING
//	DATE, TIME                          STRING (MySQL's text form)
//	DATETIME                            INT64 TIMESTAMP(MICROS, local)
//	TIMESTAMP                           INT64 TIMESTAMP(MICROS, UTC)
//	UUID (MariaDB)                      STRING (canonical form)
//	INET4, INET6 (MariaDB)              STRING
//	any other type                      STRING (the literal's text), with
//	                                    a warning (ColumnPlan.Warning)
//
// Every column is OPTIONAL unless declared NOT NULL; DATE, DATETIME and
// TIMESTAMP columns and generated columns are OPTIONAL even when NOT NULL
// (ColumnPlan.ForcedOptional says why). With opts.UnknownAsBytes an
// unknown type is OPTIONAL BYTE_ARRAY instead.
func SchemaFor(t *mysqldump.Table, opts SchemaOptions) (*parquet.Schema, []ColumnPlan, error) {
	if t == nil || len(t.Columns) == 0 {
		name := ""
		if t != nil {
			name = t.Name
		}
		return nil, nil, liberator.Errorf(liberator.ErrInvalid, "export schema", "table "+name, "table has no columns")
	}
	plans := make([]ColumnPlan, len(t.Columns))
	group := parquet.Group{}
	order := make([]string, len(t.Columns))
	for i := range t.Columns {
		c := &t.Columns[i]
		p, err := planColumn(t.Name, i, c, opts)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := group[c.Name]; dup {
			return nil, nil, liberator.Errorf(liberator.ErrInvalid, "export schema", "table "+t.Name+" column "+c.Name, "duplicate column name")
		}
		group[c.Name] = p.Node
		order[i] = c.Name
		plans[i] = p
	}
	root := newOrderedGroup(group, order)
	return parquet.NewSchema(t.Name, root), plans, nil
}

// intRange holds the bounds of MySQL's integer types.
var intRanges = map[string][4]int64{
	//           signed min, signed max, unsigned max, (unused)
	"tinyint":   {-128, 127, 255},
	"smallint":  {-32768, 32767, 65535},
	"mediumint": {-8388608, 8388607, 16777215},
	"int":       {-2147483648, 2147483647, 4294967295},
	"bigint":    {-1 << 63, 1<<63 - 1, -1},
}

func planColumn(table string, idx int, c *mysqldump.Column, opts SchemaOptions) (ColumnPlan, error) {
	typ := strings.ToLower(strings.TrimSpace(c.Type))
	p := ColumnPlan{
		Table: table, Name: c.Name, Index: idx, Type: typ,
		Optional: !c.NotNull, Unsigned: c.Unsigned,
		Generated: c.Generated, Virtual: c.Generated && c.Virtual,
	}
	what := "table " + table + " column " + c.Name
	var leaf parquet.Node
	switch typ {
	case "integer":
		typ = "int"
	case "bool", "boolean":
		typ = "tinyint"
	case "serial":
		typ, p.Unsigned = "bigint", true
	case "numeric", "dec", "fixed":
		typ = "decimal"
	case "real", "double precision", "float4", "float8":
		typ = "double"
	case "int1":
		typ = "tinyint"
	case "int2":
		typ = "smallint"
	case "int3", "middleint":
		typ = "mediumint"
	case "int4":
		typ = "int"
	case "int8":
		typ = "bigint"
	}
	switch typ {
	case "tinyint", "smallint", "mediumint", "int", "bigint":
		r := intRanges[typ]
		switch {
		case typ == "bigint" && p.Unsigned:
			p.Conv, p.Size, p.Precision = ConvUint64, 9, 20
			leaf = parquet.Decimal(0, 20, parquet.FixedLenByteArrayType(9))
		case p.Unsigned:
			p.Min, p.Max = 0, r[2]
			if typ == "int" || typ == "mediumint" {
				p.Conv, leaf = ConvInt64, parquet.Leaf(plainInt64)
			} else {
				p.Conv, leaf = ConvInt32, parquet.Leaf(plainInt32)
			}
		default:
			p.Min, p.Max = r[0], r[1]
			if typ == "bigint" {
				p.Conv, leaf = ConvInt64, parquet.Leaf(plainInt64)
			} else {
				p.Conv, leaf = ConvInt32, parquet.Leaf(plainInt32)
			}
		}
	case "year":
		p.Conv, p.Min, p.Max, leaf = ConvInt32, 0, 2155, parquet.Leaf(plainInt32)
	case "decimal":
		prec, scale := c.Precision, c.Scale
		if prec == 0 {
			prec = 10
		}
		if prec < 1 || prec > 65 || scale < 0 || scale > 30 || scale > prec {
			return p, liberator.Errorf(liberator.ErrInvalid, "export schema", what, "invalid DECIMAL(%d,%d)", prec, scale)
		}
		p.Precision, p.Scale = prec, scale
		switch {
		case prec <= 9:
			p.Conv, leaf = ConvDecimal32, parquet.Decimal(scale, prec, parquet.Int32Type)
		case prec <= 18:
			p.Conv, leaf = ConvDecimal64, parquet.Decimal(scale, prec, parquet.Int64Type)
		case prec <= 38:
			p.Size = decimalBytes(prec)
			p.Conv, leaf = ConvDecimalFixed, parquet.Decimal(scale, prec, parquet.FixedLenByteArrayType(p.Size))
		default:
			p.Conv, leaf = ConvDecimalText, parquet.String()
		}
	case "float", "double":
		p.Conv, leaf = ConvDouble, parquet.Leaf(parquet.DoubleType)
	case "bit":
		n := c.Length
		if n == 0 {
			n = 1
		}
		if n < 1 || n > 64 {
			return p, liberator.Errorf(liberator.ErrInvalid, "export schema", what, "invalid BIT(%d)", n)
		}
		p.Conv, p.Bits, p.Size, leaf = ConvBit, n, (n+7)/8, parquet.Leaf(parquet.ByteArrayType)
	case "binary":
		p.Size = c.Length
		if p.Size == 0 {
			p.Size = 1
		}
		p.Conv, leaf = ConvBytes, parquet.Leaf(parquet.ByteArrayType)
	case "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "long varbinary",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		p.Conv, leaf = ConvBytes, parquet.Leaf(parquet.ByteArrayType)
	case "char", "varchar", "nchar", "nvarchar", "national char", "national varchar",
		"character", "character varying", "tinytext", "text", "mediumtext", "longtext",
		"long", "long varchar", "json":
		p.Conv, leaf = ConvString, parquet.String()
	case "enum", "set":
		p.Conv, leaf = ConvString, parquet.String()
		p.Elements = slices.Clone(c.Elements)
		p.Enum, p.Set = typ == "enum", typ == "set"
	case "date":
		p.Conv, leaf = ConvDate, parquet.String()
	case "time":
		p.Conv, leaf = ConvTime, parquet.String()
	case "datetime":
		p.Conv, leaf = ConvDatetime, parquet.TimestampAdjusted(parquet.Microsecond, false)
	case "timestamp":
		p.Conv, leaf = ConvTimestamp, parquet.TimestampAdjusted(parquet.Microsecond, true)
	case "uuid":
		p.Conv, leaf = ConvUUID, parquet.String()
	case "inet4", "inet6":
		p.Conv, leaf = ConvInet, parquet.String()
	default:
		if !opts.UnknownAsBytes {
			p.Conv, leaf = ConvText, parquet.String()
			p.Warning = fmt.Sprintf("type %q is not known: written as STRING (the literal's text)", c.Type)
			break
		}
		p.Conv, leaf = ConvBytes, parquet.Leaf(parquet.ByteArrayType)
		if !p.Optional {
			p.Optional, p.ForcedOptional = true, "unknown type written as bytes"
		}
	}
	if !p.Optional {
		switch {
		case p.Conv == ConvDate || p.Conv == ConvDatetime || p.Conv == ConvTimestamp:
			p.Optional, p.ForcedOptional = true, "zero dates become NULL"
		case p.Virtual:
			p.Optional, p.ForcedOptional = true, "generated virtual column: a dump may hold no values (they are computed where the expression allows)"
		case p.Generated:
			// mysqldump leaves STORED generated columns out of its INSERTs
			// too (they refuse explicit values); MariaDB's dump keeps them.
			p.Optional, p.ForcedOptional = true, "generated stored column: a dump may hold no values (they are computed where the expression allows)"
		}
	}
	if p.Optional {
		p.Node = parquet.Optional(leaf)
	} else {
		p.Node = parquet.Required(leaf)
	}
	return p, nil
}

// decimalBytes returns the fewest bytes whose two's complement holds every
// unscaled value of a DECIMAL of precision prec: 2^(8n-1) > 10^prec - 1.
func decimalBytes(prec int) int {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	max.Sub(max, big.NewInt(1))
	for n := 1; ; n++ {
		lim := new(big.Int).Lsh(big.NewInt(1), uint(8*n-1))
		if lim.Cmp(max) > 0 {
			return n
		}
	}
}

// plainType is a physical type without parquet-go's default INT(bits,
// signed) annotation: RDS exports write plain INT32/INT64.
type plainType struct{ parquet.Type }

// LogicalType returns nil: no logical type.
func (plainType) LogicalType() *format.LogicalType { return nil }

var (
	plainInt32 parquet.Type = plainType{parquet.Int32Type}
	plainInt64 parquet.Type = plainType{parquet.Int64Type}
)

// orderedGroup is a parquet group whose fields keep the table's column
// order (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func newOrderedGroup(g parquet.Group, order []string) *orderedGroup {
	fields := g.Fields()
	rank := make(map[string]int, len(order))
	for i, n := range order {
		rank[n] = i
	}
	sorted := slices.Clone(fields)
	slices.SortStableFunc(sorted, func(a, b parquet.Field) int { return rank[a.Name()] - rank[b.Name()] })
	return &orderedGroup{Group: g, fields: sorted}
}

// Fields returns the fields in table order.
func (g *orderedGroup) Fields() []parquet.Field { return g.fields }
