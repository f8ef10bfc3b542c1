package export

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// Note tells what Decode did besides converting a value.
type Note uint8

// Notes.
const (
	// NoteNone: an ordinary value (or a NULL literal).
	NoteNone Note = iota
	// NoteZeroDate: a zero or partial-zero date written as NULL.
	NoteZeroDate
	// NoteMissing: the INSERT had no value for the column (a generated
	// VIRTUAL column); written as NULL.
	NoteMissing
)

// Decode converts one scanned literal to the Parquet value of column c, with
// the value's definition level and column index (c.Index) set so it can be
// placed in a parquet.Row as is. Byte-array results own fresh memory.
//
// Errors wrap liberator.ErrInvalid and name the table and column; the caller
// adds the row's line.
func Decode(c ColumnPlan, v mysqldump.Value) (parquet.Value, error) {
	val, _, _, err := c.DecodeAppend(v, nil)
	return val, err
}

// DecodeAppend is Decode for hot loops: bytes of BYTE_ARRAY and
// FIXED_LEN_BYTE_ARRAY results are appended to buf (which is returned,
// possibly grown) and the value points into it, so a caller reusing one
// buffer per batch makes no allocation per value. It also returns a Note
// for zero dates and missing values.
func (c *ColumnPlan) DecodeAppend(v mysqldump.Value, buf []byte) (parquet.Value, []byte, Note, error) {
	var val parquet.Value
	buf, note, err := c.decodeInto(&val, v, buf)
	return val, buf, note, err
}

// decodeInto is DecodeAppend writing the value into *dst (which the
// caller's batch owns), for the converter's hot loop.
func (c *ColumnPlan) decodeInto(dst *parquet.Value, v mysqldump.Value, buf []byte) ([]byte, Note, error) {
	switch v.Kind {
	case mysqldump.Null:
		if !c.Optional {
			return buf, NoteNone, c.errf("NULL in NOT NULL column")
		}
		*dst = c.null()
		return buf, NoteNone, nil
	case mysqldump.Missing:
		if !c.Optional {
			return buf, NoteNone, c.errf("no value in the INSERT for NOT NULL column")
		}
		*dst = c.null()
		return buf, NoteMissing, nil
	}
	var (
		val parquet.Value
		err error
	)
	switch c.Conv {
	case ConvInt32:
		var x int64
		if x, err = c.integer(v); err == nil && c.Type == "year" {
			x, err = c.year(v, x)
		}
		if err == nil {
			val = parquet.Int32Value(int32(x))
		}
	case ConvInt64:
		var x int64
		if x, err = c.integer(v); err == nil {
			val = parquet.Int64Value(x)
		}
	case ConvUint64:
		var x uint64
		if x, err = c.unsigned64(v); err == nil {
			start := len(buf)
			buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0, 0)
			binary.BigEndian.PutUint64(buf[start+1:], x)
			val = parquet.FixedLenByteArrayValue(buf[start : start+9 : start+9])
		}
	case ConvDecimal32, ConvDecimal64, ConvDecimalFixed, ConvDecimalText:
		val, buf, err = c.decimal(v, buf)
	case ConvDouble:
		var f float64
		if f, err = c.double(v); err == nil {
			val = parquet.DoubleValue(f)
		}
	case ConvBytes:
		start := len(buf)
		buf = append(buf, v.Bytes...)
		for len(buf)-start < c.Size { // BINARY(n) pads with 0x00
			buf = append(buf, 0)
		}
		val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
	case ConvBit:
		var x uint64
		if x, err = c.bitValue(v); err == nil {
			start := len(buf)
			for i := c.Size - 1; i >= 0; i-- {
				buf = append(buf, byte(x>>(8*uint(i))))
			}
			val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
		}
	case ConvString:
		start := len(buf)
		buf, err = c.appendString(buf, v)
		if err == nil && !utf8.Valid(buf[start:]) {
			// Sources convert text to UTF-8 (the dump scanner from the
			// dump's charsets); a STRING column never holds anything else.
			err = c.errf("invalid UTF-8 in a STRING column (%s)", quote(buf[start:]))
			buf = buf[:start]
		}
		if err == nil {
			val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
		}
	case ConvUUID, ConvInet, ConvText:
		start := len(buf)
		buf, err = c.appendText(buf, v)
		if err == nil && !utf8.Valid(buf[start:]) {
			err = c.errf("invalid UTF-8 in a STRING column (%s)", quote(buf[start:]))
			buf = buf[:start]
		}
		if err == nil {
			val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
		}
	case ConvDate:
		start := len(buf)
		var zero bool
		buf, zero, err = c.appendDate(buf, v)
		if err == nil {
			if zero {
				*dst = c.null()
				return buf[:start], NoteZeroDate, nil
			}
			val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
		}
	case ConvTime:
		start := len(buf)
		buf, err = c.appendTime(buf, v)
		if err == nil {
			val = parquet.ByteArrayValue(buf[start:len(buf):len(buf)])
		}
	case ConvDatetime, ConvTimestamp:
		var us int64
		var zero bool
		us, zero, err = c.datetime(v)
		if err == nil {
			if zero {
				*dst = c.null()
				return buf, NoteZeroDate, nil
			}
			val = parquet.Int64Value(us)
		}
	default:
		err = c.errf("column has no conversion (%v)", c.Conv)
	}
	if err != nil {
		return buf, NoteNone, err
	}
	if c.Optional {
		val.SetDefinitionLevel(1)
	}
	val.SetColumnIndex(c.Index)
	*dst = val
	return buf, NoteNone, nil
}

// decodeRef is decodeInto without the copy, for the values of a row too
// large to copy (the caller keeps v.Bytes unchanged until the value is
// written): a STRING or BYTE_ARRAY value made of v's own bytes. It
// reports false for a value that needs converting, or is small:
// decodeInto does those.
func (c *ColumnPlan) decodeRef(dst *parquet.Value, v mysqldump.Value) bool {
	if len(v.Bytes) < 64<<10 || v.Kind != mysqldump.String && v.Kind != mysqldump.Hex {
		return false
	}
	switch c.Conv {
	case ConvBytes:
		if len(v.Bytes) < c.Size {
			return false // BINARY(n) pads
		}
	case ConvString, ConvText:
		if v.Kind != mysqldump.String || !utf8.Valid(v.Bytes) {
			return false
		}
	default:
		return false
	}
	val := parquet.ByteArrayValue(v.Bytes)
	if c.Optional {
		val.SetDefinitionLevel(1)
	}
	val.SetColumnIndex(c.Index)
	*dst = val
	return true
}

func (c *ColumnPlan) null() parquet.Value {
	v := parquet.NullValue()
	v.SetColumnIndex(c.Index)
	return v
}

func (c *ColumnPlan) errf(format string, args ...any) error {
	return liberator.Errorf(liberator.ErrInvalid, "decode", c.what(), format, args...)
}

func kindName(k mysqldump.ValueKind) string {
	switch k {
	case mysqldump.Number:
		return "number"
	case mysqldump.String:
		return "string"
	case mysqldump.Hex:
		return "hex literal"
	case mysqldump.Bit:
		return "bit literal"
	case mysqldump.Null:
		return "NULL"
	}
	return "missing value"
}

// quote shortens a literal for error messages.
func quote(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "…"
	}
	return strconv.Quote(string(b))
}

// ---- strings ----

func (c *ColumnPlan) appendString(buf []byte, v mysqldump.Value) ([]byte, error) {
	if v.Kind == mysqldump.Number && (c.Enum || c.Set) && len(c.Elements) > 0 {
		// A number stored into an ENUM is its 1-based index; into a SET a
		// bit mask of its members.
		var sc digitScratch
		digits, neg, err := c.scaled(v, 0, &sc)
		if err != nil {
			return buf, err
		}
		x, perr := strconv.ParseUint(string(digits), 10, 64)
		if len(digits) == 0 {
			x, perr = 0, nil
		}
		if neg || perr != nil {
			return buf, c.errf("value %s out of range for %s", quote(v.Bytes), c.Type)
		}
		if c.Enum {
			if x > uint64(len(c.Elements)) {
				return buf, c.errf("value %d out of range for ENUM of %d elements", x, len(c.Elements))
			}
			if x == 0 {
				return buf, nil
			}
			return append(buf, c.Elements[x-1]...), nil
		}
		if len(c.Elements) < 64 && x>>uint(len(c.Elements)) != 0 {
			return buf, c.errf("value %d out of range for SET of %d elements", x, len(c.Elements))
		}
		first := true
		for i, e := range c.Elements {
			if i < 64 && x&(1<<uint(i)) != 0 {
				if !first {
					buf = append(buf, ',')
				}
				buf, first = append(buf, e...), false
			}
		}
		return buf, nil
	}
	return append(buf, v.Bytes...), nil
}

// String describes the plan briefly ("PCN.amount decimal64 OPTIONAL").
func (c ColumnPlan) String() string {
	rep := "REQUIRED"
	if c.Optional {
		rep = "OPTIONAL"
	}
	return fmt.Sprintf("%s %s %s", c.what(), c.Conv, rep)
}
