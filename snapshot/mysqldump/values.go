package mysqldump

import (
	"bytes"
	"fmt"
)

// unescapeTable maps the byte after a backslash in a quoted string to the
// byte it stands for; 0 means the byte stands for itself. \% and \_ keep
// their backslash (MySQL keeps it so LIKE patterns work), handled apart.
var unescapeTable = [256]byte{
	'0': 0, 'b': '\b', 'n': '\n', 'r': '\r', 't': '\t', 'Z': 0x1a,
}

func unescapeByte(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'b', 'n', 'r', 't', 'Z':
		return unescapeTable[c]
	}
	return c
}

// AppendUnescaped appends to dst the bytes that the body of a quoted SQL
// string literal stands for, as MySQL reads it: s is the text between the
// quotes, quote is the quote byte (' or ", or ` for an identifier). In ' and
// " strings the escapes \0 \' \" \b \n \r \t \Z \\ are decoded, \% and \_
// keep their backslash, a backslash before any other byte drops the
// backslash, and a doubled quote stands for one quote. In a `identifier`
// only doubled backquotes are decoded.
func AppendUnescaped(dst, s []byte, quote byte) []byte {
	if quote == '`' {
		for {
			j := bytes.IndexByte(s, '`')
			if j < 0 || j+1 >= len(s) {
				return append(dst, s...)
			}
			dst = append(dst, s[:j+1]...)
			if s[j+1] == '`' {
				j++
			}
			s = s[j+1:]
		}
	}
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\\' && s[i] != quote {
			i++
		}
		dst = append(dst, s[:i]...)
		if i >= len(s) {
			break
		}
		if s[i] == quote {
			dst = append(dst, quote)
			i++
			if i < len(s) && s[i] == quote {
				i++
			}
			s = s[i:]
			continue
		}
		// backslash
		if i+1 >= len(s) {
			dst = append(dst, '\\')
			break
		}
		c := s[i+1]
		if c == '%' || c == '_' {
			dst = append(dst, '\\', c)
		} else {
			dst = append(dst, unescapeByte(c))
		}
		s = s[i+2:]
	}
	return dst
}

// AppendQuoted appends b as a single-quoted MySQL string literal, escaped
// the way mysqldump escapes it (\0 \' \" \b \n \r \t \Z \\), so that
// AppendUnescaped of its body gives b back.
func AppendQuoted(dst, b []byte) []byte {
	dst = append(dst, '\'')
	for _, c := range b {
		switch c {
		case 0:
			dst = append(dst, '\\', '0')
		case '\'':
			dst = append(dst, '\\', '\'')
		case '"':
			dst = append(dst, '\\', '"')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case 0x1a:
			dst = append(dst, '\\', 'Z')
		case '\\':
			dst = append(dst, '\\', '\\')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '\'')
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendHex decodes hex digits; an odd count is padded with a leading 0
// (as MySQL does for 0x… literals).
func appendHex(dst, digits []byte) ([]byte, error) {
	if len(digits)%2 == 1 {
		lo, ok := unhex(digits[0])
		if !ok {
			return dst, fmt.Errorf("bad hex digit %q", digits[0])
		}
		dst = append(dst, lo)
		digits = digits[1:]
	}
	for i := 0; i+1 < len(digits); i += 2 {
		hi, ok1 := unhex(digits[i])
		lo, ok2 := unhex(digits[i+1])
		if !ok1 || !ok2 {
			return dst, fmt.Errorf("bad hex digits %q", digits[i:i+2])
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, nil
}

// appendBits decodes binary digits into minimal big-endian bytes (at least
// one).
func appendBits(dst, digits []byte) ([]byte, error) {
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	n := (len(digits) + 7) / 8
	if n == 0 {
		n = 1
	}
	start := len(dst)
	for i := 0; i < n; i++ {
		dst = append(dst, 0)
	}
	out := dst[start:]
	for i, c := range digits {
		if c != '0' && c != '1' {
			return dst[:start], fmt.Errorf("bad binary digit %q", c)
		}
		if c == '1' {
			bit := len(digits) - 1 - i
			out[n-1-bit/8] |= 1 << (bit % 8)
		}
	}
	return dst, nil
}
