package export

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"unsafe"

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

// ---- numbers ----

// beUint returns big-endian bytes as an unsigned integer.
func beUint(b []byte) (uint64, bool) {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 8 {
		return 0, false
	}
	var x uint64
	for _, d := range b {
		x = x<<8 | uint64(d)
	}
	return x, true
}

// integer converts v for an INT32/INT64 column with range checks.
func (c *ColumnPlan) integer(v mysqldump.Value) (int64, error) {
	switch v.Kind {
	case mysqldump.Number:
		if x, ok := fastInt(v.Bytes); ok {
			if x < c.Min || x > c.Max {
				return 0, c.errf("value %s out of range [%d, %d] for %s", v.Bytes, c.Min, c.Max, c.Type)
			}
			return x, nil
		}
	case mysqldump.Hex, mysqldump.Bit:
		x, ok := beUint(v.Bytes)
		if !ok || x > uint64(c.Max) {
			return 0, c.errf("%s 0x%x out of range for %s", kindName(v.Kind), v.Bytes, c.Type)
		}
		return int64(x), nil
	}
	var sc digitScratch
	digits, neg, err := c.scaled(v, 0, &sc)
	if err != nil {
		return 0, err
	}
	if len(digits) > 19 {
		return 0, c.errf("value %s out of range for %s", quote(v.Bytes), c.Type)
	}
	u, _ := strconv.ParseUint(string(digits), 10, 64)
	if neg {
		if u > uint64(-c.Min) { // -MinInt64 wraps to 1<<63 as wanted
			return 0, c.errf("value %s out of range [%d, %d] for %s", quote(v.Bytes), c.Min, c.Max, c.Type)
		}
		return -int64(u), nil
	}
	if u > uint64(c.Max) {
		return 0, c.errf("value %s out of range [%d, %d] for %s", quote(v.Bytes), c.Min, c.Max, c.Type)
	}
	return int64(u), nil
}

// year applies MySQL's YEAR rules to x: 1-69 are 2001-2069, 70-99 are
// 1970-1999, a quoted "0" or "00" is 2000; 0 and 1901-2155 are kept.
func (c *ColumnPlan) year(v mysqldump.Value, x int64) (int64, error) {
	switch {
	case x == 0 && v.Kind == mysqldump.String && len(trimSpace(v.Bytes)) <= 2:
		return 2000, nil
	case x >= 1 && x <= 69:
		return 2000 + x, nil
	case x >= 70 && x <= 99:
		return 1900 + x, nil
	case x == 0 || (x >= 1901 && x <= 2155):
		return x, nil
	}
	return 0, c.errf("value %s out of range for year (0, 1901-2155)", quote(v.Bytes))
}

// fastInt parses a plain optionally signed decimal integer of up to 18
// digits.
func fastInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var x int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		x = x*10 + int64(ch-'0')
	}
	if neg {
		x = -x
	}
	return x, true
}

// unsigned64 converts v for a BIGINT UNSIGNED column.
func (c *ColumnPlan) unsigned64(v mysqldump.Value) (uint64, error) {
	switch v.Kind {
	case mysqldump.Hex, mysqldump.Bit:
		x, ok := beUint(v.Bytes)
		if !ok {
			return 0, c.errf("%s 0x%x out of range for bigint unsigned", kindName(v.Kind), v.Bytes)
		}
		return x, nil
	}
	var sc digitScratch
	digits, neg, err := c.scaled(v, 0, &sc)
	if err != nil {
		return 0, err
	}
	if neg && len(digits) > 0 {
		return 0, c.errf("negative value %s for bigint unsigned", quote(v.Bytes))
	}
	if len(digits) > 20 {
		return 0, c.errf("value %s out of range for bigint unsigned", quote(v.Bytes))
	}
	if len(digits) == 0 {
		return 0, nil
	}
	x, perr := strconv.ParseUint(string(digits), 10, 64)
	if perr != nil {
		return 0, c.errf("value %s out of range for bigint unsigned", quote(v.Bytes))
	}
	return x, nil
}

// double converts v for a FLOAT/DOUBLE column.
func (c *ColumnPlan) double(v mysqldump.Value) (float64, error) {
	var f float64
	switch v.Kind {
	case mysqldump.Number, mysqldump.String:
		b := trimSpace(v.Bytes)
		if _, ok := parseNum(b); !ok {
			return 0, c.errf("invalid %s %s for %s", kindName(v.Kind), quote(v.Bytes), c.Type)
		}
		var err error
		f, err = strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
		if err != nil {
			return 0, c.errf("value %s out of range for %s", quote(v.Bytes), c.Type)
		}
	case mysqldump.Hex, mysqldump.Bit:
		x, ok := beUint(v.Bytes)
		if !ok {
			return 0, c.errf("%s 0x%x out of range for %s", kindName(v.Kind), v.Bytes, c.Type)
		}
		f = float64(x)
	default:
		return 0, c.errf("unexpected %s for %s", kindName(v.Kind), c.Type)
	}
	if c.Unsigned && f < 0 {
		return 0, c.errf("negative value %s for %s unsigned", quote(v.Bytes), c.Type)
	}
	return f, nil
}

// bitValue converts v for a BIT(n) column.
func (c *ColumnPlan) bitValue(v mysqldump.Value) (uint64, error) {
	var x uint64
	switch v.Kind {
	case mysqldump.Bit, mysqldump.Hex, mysqldump.String:
		var ok bool
		if x, ok = beUint(v.Bytes); !ok {
			return 0, c.errf("value 0x%x too long for BIT(%d)", v.Bytes, c.Bits)
		}
	case mysqldump.Number:
		var err error
		if x, err = c.unsigned64(v); err != nil {
			return 0, err
		}
	default:
		return 0, c.errf("unexpected %s for BIT(%d)", kindName(v.Kind), c.Bits)
	}
	if c.Bits < 64 && x>>uint(c.Bits) != 0 {
		return 0, c.errf("value %#x out of range for BIT(%d)", x, c.Bits)
	}
	return x, nil
}

// ---- decimals ----

// num is a parsed decimal literal: value = 0.digits × 10^point, where
// digits has no leading zeros ("" is zero).
type decNum struct {
	neg    bool
	intDig []byte // digits before the point, leading zeros stripped
	frac   []byte // digits after the point
	exp    int    // decimal exponent
}

// parseNum parses [+-]digits[.digits][e[+-]digits] (with at least one
// digit) without allocating.
func parseNum(b []byte) (decNum, bool) {
	var n decNum
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		n.neg = b[i] == '-'
		i++
	}
	s := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n.intDig = b[s:i]
	nd := i - s
	if i < len(b) && b[i] == '.' {
		i++
		s = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		n.frac = b[s:i]
		nd += i - s
	}
	if nd == 0 {
		return n, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		s = i
		e := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if i == s {
			return n, false
		}
		if eneg {
			e = -e
		}
		n.exp = e
	}
	if i != len(b) {
		return n, false
	}
	for len(n.intDig) > 0 && n.intDig[0] == '0' {
		n.intDig = n.intDig[1:]
	}
	return n, true
}

// digitScratch holds the digits of a scaled value (65 digits plus carry
// plus slack).
type digitScratch [80]byte

// maxScaledDigits bounds the unscaled integers we build: anything longer is
// out of range for every column type (DECIMAL has at most 65 digits).
const maxScaledDigits = 70

// scaled returns the unscaled integer of v at the given scale as decimal
// digits without leading zeros ("" for zero), rounding half away from zero
// as MySQL does when storing extra fractional digits.
func (c *ColumnPlan) scaled(v mysqldump.Value, scale int, sc *digitScratch) ([]byte, bool, error) {
	var b []byte
	switch v.Kind {
	case mysqldump.Number:
		b = v.Bytes
	case mysqldump.String:
		b = trimSpace(v.Bytes)
	case mysqldump.Hex, mysqldump.Bit:
		x, ok := beUint(v.Bytes)
		if !ok {
			return nil, false, c.errf("%s 0x%x out of range for %s", kindName(v.Kind), v.Bytes, c.Type)
		}
		d := strconv.AppendUint(sc[:0], x, 10)
		if x == 0 {
			d = d[:0]
		}
		for i := 0; i < scale && len(d) > 0; i++ {
			if len(d) >= maxScaledDigits {
				return nil, false, c.errf("value %d out of range for %s", x, c.Type)
			}
			d = append(d, '0')
		}
		return d, false, nil
	default:
		return nil, false, c.errf("unexpected %s for %s", kindName(v.Kind), c.Type)
	}
	n, ok := parseNum(b)
	if !ok {
		return nil, false, c.errf("invalid %s %s for %s", kindName(v.Kind), quote(v.Bytes), c.Type)
	}
	// All digits D = intDig ++ frac; the point sits after len(intDig)+exp
	// digits; we keep the first point+scale digits and round on the next.
	nInt, nFrac := len(n.intDig), len(n.frac)
	total := nInt + nFrac
	digit := func(k int) byte {
		if k < nInt {
			return n.intDig[k]
		}
		return n.frac[k-nInt]
	}
	keep := nInt + n.exp + scale
	out := sc[:0]
	if keep > 0 {
		// Leading zeros of frac when intDig is empty are skipped below.
		if keep-firstNonZero(n) > maxScaledDigits {
			if firstNonZero(n) < total {
				return nil, false, c.errf("value %s out of range for %s", quote(v.Bytes), c.Type)
			}
			return nil, false, nil // zero with a large exponent
		}
		for k := 0; k < keep; k++ {
			d := byte('0')
			if k < total {
				d = digit(k)
			}
			if len(out) == 0 && d == '0' {
				continue
			}
			out = append(out, d)
		}
	}
	if keep >= 0 && keep < total && digit(keep) >= '5' {
		// round half away from zero: add one to the magnitude
		i := len(out) - 1
		for ; i >= 0; i-- {
			if out[i] == '9' {
				out[i] = '0'
				continue
			}
			out[i]++
			break
		}
		if i < 0 {
			out = append(out, 0)
			copy(out[1:], out)
			out[0] = '1'
		}
	}
	neg := n.neg && len(out) > 0
	return out, neg, nil
}

// firstNonZero returns the index in intDig++frac of the first non-zero
// digit, or the total count.
func firstNonZero(n decNum) int {
	for i, d := range n.intDig {
		if d != '0' {
			return i
		}
	}
	for i, d := range n.frac {
		if d != '0' {
			return len(n.intDig) + i
		}
	}
	return len(n.intDig) + len(n.frac)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// decimal converts v for a DECIMAL column: the exact unscaled integer at the
// column's scale (never through a float), range-checked against its
// precision.
func (c *ColumnPlan) decimal(v mysqldump.Value, buf []byte) (parquet.Value, []byte, error) {
	var sc digitScratch
	digits, neg, err := c.scaled(v, c.Scale, &sc)
	if err != nil {
		return parquet.Value{}, buf, err
	}
	if len(digits) > c.Precision {
		return parquet.Value{}, buf, c.errf("value %s out of range for DECIMAL(%d,%d)", quote(v.Bytes), c.Precision, c.Scale)
	}
	if neg && c.Unsigned {
		return parquet.Value{}, buf, c.errf("negative value %s for DECIMAL(%d,%d) UNSIGNED", quote(v.Bytes), c.Precision, c.Scale)
	}
	switch c.Conv {
	case ConvDecimal32, ConvDecimal64:
		var x int64
		for _, d := range digits {
			x = x*10 + int64(d-'0')
		}
		if neg {
			x = -x
		}
		if c.Conv == ConvDecimal32 {
			return parquet.Int32Value(int32(x)), buf, nil
		}
		return parquet.Int64Value(x), buf, nil
	case ConvDecimalFixed:
		// 128-bit accumulate: precision ≤ 38 < log10(2^127).
		var hi, lo uint64
		for _, d := range digits {
			h1, l1 := bits.Mul64(lo, 10)
			hi = hi*10 + h1
			var carry uint64
			lo, carry = bits.Add64(l1, uint64(d-'0'), 0)
			hi += carry
		}
		if neg { // two's complement
			lo, hi = ^lo, ^hi
			var carry uint64
			lo, carry = bits.Add64(lo, 1, 0)
			hi += carry
		}
		var be [16]byte
		binary.BigEndian.PutUint64(be[:8], hi)
		binary.BigEndian.PutUint64(be[8:], lo)
		start := len(buf)
		buf = append(buf, be[16-c.Size:]...)
		return parquet.FixedLenByteArrayValue(buf[start:len(buf):len(buf)]), buf, nil
	default: // ConvDecimalText
		start := len(buf)
		if neg {
			buf = append(buf, '-')
		}
		nInt := len(digits) - c.Scale
		if nInt <= 0 {
			buf = append(buf, '0')
		} else {
			buf = append(buf, digits[:nInt]...)
		}
		if c.Scale > 0 {
			buf = append(buf, '.')
			for i := nInt; i < 0; i++ {
				buf = append(buf, '0')
			}
			if nInt < 0 {
				nInt = 0
			}
			buf = append(buf, digits[nInt:]...)
		}
		return parquet.ByteArrayValue(buf[start:len(buf):len(buf)]), buf, nil
	}
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

// ---- dates and times ----

// num2 parses exactly two digits.
func num2(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func num4(b []byte) (int, bool) {
	a, ok1 := num2(b[:2])
	z, ok2 := num2(b[2:4])
	return a*100 + z, ok1 && ok2
}

// civil is a parsed DATE or DATETIME.
type civil struct {
	y, mo, d, h, mi, s int
	us                 int64 // microseconds, may be 1e6 after rounding
}

// parseCivil parses "YYYY-MM-DD[( |T)HH:MM:SS[.f…]]" or, for numbers,
// YYYYMMDD[HHMMSS[.f…]].
func parseCivil(b []byte, number bool) (civil, bool) {
	var t civil
	var ok bool
	var rest []byte
	if number {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		digits := b[:i]
		rest = b[i:]
		if len(digits) != 8 && len(digits) != 14 {
			return t, false
		}
		if t.y, ok = num4(digits[:4]); !ok {
			return t, false
		}
		t.mo, _ = num2(digits[4:6])
		t.d, _ = num2(digits[6:8])
		if len(digits) == 14 {
			t.h, _ = num2(digits[8:10])
			t.mi, _ = num2(digits[10:12])
			t.s, _ = num2(digits[12:14])
		} else if len(rest) > 0 {
			return t, false
		}
	} else {
		if len(b) < 10 || b[4] != '-' || b[7] != '-' {
			return t, false
		}
		if t.y, ok = num4(b[:4]); !ok {
			return t, false
		}
		if t.mo, ok = num2(b[5:7]); !ok {
			return t, false
		}
		if t.d, ok = num2(b[8:10]); !ok {
			return t, false
		}
		rest = b[10:]
		if len(rest) > 0 {
			if len(rest) < 9 || (rest[0] != ' ' && rest[0] != 'T') || rest[3] != ':' || rest[6] != ':' {
				return t, false
			}
			if t.h, ok = num2(rest[1:3]); !ok {
				return t, false
			}
			if t.mi, ok = num2(rest[4:6]); !ok {
				return t, false
			}
			if t.s, ok = num2(rest[7:9]); !ok {
				return t, false
			}
			rest = rest[9:]
		}
	}
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) == 1 {
			return t, false
		}
		var us int64
		for i, ch := range rest[1:] {
			if ch < '0' || ch > '9' {
				return t, false
			}
			switch {
			case i < 6:
				us = us*10 + int64(ch-'0')
			case i == 6 && ch >= '5':
				us++ // MySQL rounds extra fractional digits
			}
		}
		for i := len(rest) - 1; i < 6; i++ {
			us *= 10
		}
		t.us = us
	}
	if t.h > 23 || t.mi > 59 || t.s > 59 {
		return t, false
	}
	return t, true
}

func (t civil) zero() bool { return t.mo == 0 || t.d == 0 }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func (t civil) validDate() bool {
	return t.mo >= 1 && t.mo <= 12 && t.d >= 1 && t.d <= daysIn(t.y, t.mo)
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func (c *ColumnPlan) civilOf(v mysqldump.Value) (civil, error) {
	switch v.Kind {
	case mysqldump.String, mysqldump.Number:
	default:
		return civil{}, c.errf("unexpected %s for %s", kindName(v.Kind), c.Type)
	}
	t, ok := parseCivil(v.Bytes, v.Kind == mysqldump.Number)
	if !ok {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	if c.Conv == ConvDate && (t.h != 0 || t.mi != 0 || t.s != 0 || t.us != 0) {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	if !t.zero() && !t.validDate() {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	return t, nil
}

func (c *ColumnPlan) appendDate(buf []byte, v mysqldump.Value) ([]byte, bool, error) {
	t, err := c.civilOf(v)
	if err != nil {
		return buf, false, err
	}
	if t.zero() {
		return buf, true, nil
	}
	buf = append(buf, byte('0'+t.y/1000), byte('0'+t.y/100%10), byte('0'+t.y/10%10), byte('0'+t.y%10), '-',
		byte('0'+t.mo/10), byte('0'+t.mo%10), '-', byte('0'+t.d/10), byte('0'+t.d%10))
	return buf, false, nil
}

// datetime returns microseconds since the epoch of a DATETIME (as written,
// no zone) or TIMESTAMP (UTC) value.
func (c *ColumnPlan) datetime(v mysqldump.Value) (int64, bool, error) {
	if b := v.Bytes; v.Kind == mysqldump.String && len(b) == 19 && b[4] == '-' && b[7] == '-' && b[10] == ' ' && b[13] == ':' && b[16] == ':' {
		// fast path for "YYYY-MM-DD HH:MM:SS", by far the commonest form
		y, ok1 := num4(b[0:4])
		mo, ok2 := num2(b[5:7])
		d, ok3 := num2(b[8:10])
		h, ok4 := num2(b[11:13])
		mi, ok5 := num2(b[14:16])
		sec, ok6 := num2(b[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && sec <= 59 {
			secs := daysFromCivil(int64(y), int64(mo), int64(d))*86400 + int64(h*3600+mi*60+sec)
			return secs * 1_000_000, false, nil
		}
	}
	t, err := c.civilOf(v)
	if err != nil {
		return 0, false, err
	}
	if t.zero() {
		return 0, true, nil
	}
	days := daysFromCivil(int64(t.y), int64(t.mo), int64(t.d))
	secs := days*86400 + int64(t.h)*3600 + int64(t.mi)*60 + int64(t.s)
	return secs*1_000_000 + t.us, false, nil
}

// appendTime validates a TIME literal ("[-]H…H:MM:SS[.f…]" or the number
// [-]HHMMSS[.f…]) and appends it as MySQL prints it: at least two hour
// digits, the fraction as written.
func (c *ColumnPlan) appendTime(buf []byte, v mysqldump.Value) ([]byte, error) {
	b := v.Bytes
	if v.Kind != mysqldump.String && v.Kind != mysqldump.Number {
		return buf, c.errf("unexpected %s for time", kindName(v.Kind))
	}
	bad := func() ([]byte, error) { return buf, c.errf("invalid time value %s", quote(v.Bytes)) }
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	var h, m, s int
	var frac []byte
	if v.Kind == mysqldump.Number {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == 0 || i > 7 {
			return bad()
		}
		x, _ := strconv.Atoi(string(b[:i]))
		h, m, s = x/10000, x/100%100, x%100
		frac = b[i:]
	} else {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			h = h*10 + int(b[i]-'0')
			i++
			if i > 3 {
				return bad()
			}
		}
		if i == 0 || len(b) < i+6 || b[i] != ':' || b[i+3] != ':' {
			return bad()
		}
		var ok1, ok2 bool
		m, ok1 = num2(b[i+1 : i+3])
		s, ok2 = num2(b[i+4 : i+6])
		if !ok1 || !ok2 {
			return bad()
		}
		frac = b[i+6:]
	}
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) > 7 {
			return bad()
		}
		for _, ch := range frac[1:] {
			if ch < '0' || ch > '9' {
				return bad()
			}
		}
	}
	if h > 838 || m > 59 || s > 59 || (h == 838 && (m == 59 && s == 59) && len(trimZeros(frac)) > 1) {
		return bad()
	}
	if neg {
		buf = append(buf, '-')
	}
	if h < 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, int64(h), 10)
	buf = append(buf, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return append(buf, frac...), nil
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// String describes the plan briefly ("PCN.amount decimal64 OPTIONAL").
func (c ColumnPlan) String() string {
	rep := "REQUIRED"
	if c.Optional {
		rep = "OPTIONAL"
	}
	return fmt.Sprintf("%s %s %s", c.what(), c.Conv, rep)
}
