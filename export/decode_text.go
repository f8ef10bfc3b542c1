package export

import (
	"encoding/hex"
	"net/netip"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// appendText appends the STRING of a UUID, INET4/INET6 or unknown-type
// literal.
func (c *ColumnPlan) appendText(buf []byte, v mysqldump.Value) ([]byte, error) {
	switch c.Conv {
	case ConvUUID:
		return c.appendUUID(buf, v)
	case ConvInet:
		if v.Kind == mysqldump.Hex || v.Kind == mysqldump.Bit {
			// the address's bytes (4 for INET4, 16 for INET6)
			if a, ok := netip.AddrFromSlice(v.Bytes); ok {
				return a.AppendTo(buf), nil
			}
			return buf, c.errf("%d bytes are not an address", len(v.Bytes))
		}
		return append(buf, v.Bytes...), nil
	}
	// A type the mapping does not know: the literal's text.
	switch v.Kind {
	case mysqldump.Hex:
		buf = append(buf, "0x"...)
		return hex.AppendEncode(buf, v.Bytes), nil
	case mysqldump.Bit:
		buf = append(buf, "0b"...)
		start := len(buf)
		for _, b := range v.Bytes {
			buf = append(buf, '0'+b>>7, '0'+b>>6&1, '0'+b>>5&1, '0'+b>>4&1, '0'+b>>3&1, '0'+b>>2&1, '0'+b>>1&1, '0'+b&1)
		}
		i := start
		for i < len(buf)-1 && buf[i] == '0' {
			i++
		}
		return append(buf[:start], buf[i:]...), nil
	}
	return append(buf, v.Bytes...), nil
}

// appendUUID appends a UUID in canonical form: from its text (with or
// without hyphens and braces, either case) or its 16 bytes.
func (c *ColumnPlan) appendUUID(buf []byte, v mysqldump.Value) ([]byte, error) {
	var raw [16]byte
	switch {
	case v.Kind == mysqldump.Hex || v.Kind == mysqldump.Bit:
		if len(v.Bytes) != 16 {
			return buf, c.errf("%d bytes are not a UUID", len(v.Bytes))
		}
		copy(raw[:], v.Bytes)
	default:
		var digits [32]byte
		n := 0
		b := v.Bytes
		if len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' {
			b = b[1 : len(b)-1]
		}
		for _, d := range b {
			if d == '-' {
				continue
			}
			if n == 32 {
				n++
				break
			}
			digits[n] = d
			n++
		}
		if n != 32 {
			return buf, c.errf("%s is not a UUID", quote(v.Bytes))
		}
		if _, err := hex.Decode(raw[:], digits[:]); err != nil {
			return buf, c.errf("%s is not a UUID", quote(v.Bytes))
		}
	}
	buf = hex.AppendEncode(buf, raw[:4])
	for _, part := range [][]byte{raw[4:6], raw[6:8], raw[8:10], raw[10:]} {
		buf = append(buf, '-')
		buf = hex.AppendEncode(buf, part)
	}
	return buf, nil
}
