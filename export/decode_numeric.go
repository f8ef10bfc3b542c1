package export

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

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
