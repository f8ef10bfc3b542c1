package mysqldump

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// numByte marks the bytes of an unquoted numeric literal.
var numByte [256]bool

func init() {
	for _, c := range []byte("0123456789.eE+-") {
		numByte[c] = true
	}
}

// tuple parses the row "( v, v, … )" at buf[p] into s.raw. It returns the
// number of values, the index after ')', and lexMore if buf ends first. On
// a syntax error it returns the error and its index in end.
func (s *scanner) tuple(buf []byte, p int, eof bool) (k, end int, st lexStatus, err error) {
	n := len(buf)
	i := p + 1
	raw := s.raw
	for {
		if i >= n {
			s.raw = raw
			return k, i, lexMore, nil
		}
		c := buf[i]
		var v Value
		switch {
		case c == '\'':
			j := indexQuoteOrBackslash(buf, i+1)
			if j+1 >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if buf[j] == '\'' && buf[j+1] != '\'' {
				v = Value{Kind: String, Bytes: buf[i+1 : j]}
				i = j + 1
			} else {
				e := skipQuoted(buf, i, eof)
				if e < 0 {
					s.raw = raw
					return k, i, lexMore, nil
				}
				v, i = s.unescaped(buf[i+1:e-1], '\''), e
			}
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if c == '0' && i+1 < n && (buf[i+1] == 'x' || buf[i+1] == 'b') {
				var j int
				var more bool
				var err error
				v, j, more, err = s.prefixed(buf, i)
				if more {
					s.raw = raw
					return k, i, lexMore, nil
				}
				if err != nil {
					return k, i, lexOK, err
				}
				i = j
				break
			}
			j := i + 1
			for j < n && numByte[buf[j]] {
				j++
			}
			if j >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			v = Value{Kind: Number, Bytes: buf[i:j]}
			i = j
		case c == 'N' || c == 'n':
			if i+4 >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if !equalFold(string(buf[i:i+4]), "null") || isWordByte(buf[i+4]) {
				return k, i, lexOK, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
			}
			v = Value{Kind: Null}
			i += 4
		case c == '"':
			e := skipQuoted(buf, i, eof)
			if e < 0 {
				s.raw = raw
				return k, i, lexMore, nil
			}
			v, i = s.unescaped(buf[i+1:e-1], '"'), e
		case c == '_' || c == 'x' || c == 'X' || c == 'b' || c == 'B':
			var err error
			var more bool
			v, i, more, err = s.special(buf, i, eof)
			if more {
				s.raw = raw
				return k, i, lexMore, nil
			}
			if err != nil {
				return k, i, lexOK, err
			}
		case isSpace(c):
			i++
			continue
		default:
			return k, i, lexOK, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
		}
		if k < len(raw) {
			raw[k] = v
		} else {
			raw = append(raw, v)
		}
		k++
		// After a value.
		for {
			if i >= n {
				s.raw = raw
				return k, i, lexMore, nil
			}
			c = buf[i]
			if c == ',' {
				i++
				break
			}
			if c == ')' {
				s.raw = raw
				return k, i + 1, lexOK, nil
			}
			if !isSpace(c) {
				return k, i, lexOK, fmt.Errorf("expected ',' or ')' after a value, found %q", first(buf[i:]))
			}
			i++
		}
	}
}

func (s *scanner) unescaped(body []byte, q byte) Value {
	start := len(s.scratch)
	s.scratch = AppendUnescaped(s.scratch, body, q)
	return Value{Kind: String, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}
}

// prefixed decodes the 0x… or 0b… literal at buf[i] (buf[i+1] is 'x' or
// 'b') and returns the index after it; more is true when buf ends first.
func (s *scanner) prefixed(buf []byte, i int) (v Value, end int, more bool, err error) {
	n := len(buf)
	e := i + 2
	for e < n && isWordByte(buf[e]) {
		e++
	}
	if e >= n {
		return v, e, true, nil
	}
	digits := buf[i+2 : e]
	if buf[i+1] == 'x' {
		if len(digits) == 0 {
			return v, e, false, fmt.Errorf("empty 0x literal")
		}
		v, err = s.decoded(Hex, digits)
	} else {
		if len(digits) == 0 {
			return v, e, false, fmt.Errorf("empty 0b literal")
		}
		v, err = s.decoded(Bit, digits)
	}
	return v, e, false, err
}

// decoded appends the bytes that the hex (kind Hex) or binary (kind Bit)
// digits stand for to s.scratch and returns them as a Value of that kind.
func (s *scanner) decoded(kind ValueKind, digits []byte) (Value, error) {
	start := len(s.scratch)
	var err error
	if kind == Hex {
		s.scratch, err = appendHex(s.scratch, digits)
	} else {
		s.scratch, err = appendBits(s.scratch, digits)
	}
	return Value{Kind: kind, Bytes: s.scratch[start:len(s.scratch):len(s.scratch)]}, err
}

// special parses _charset'…', X'…' and B'…' literals at buf[i].
func (s *scanner) special(buf []byte, i int, eof bool) (v Value, next int, more bool, err error) {
	n := len(buf)
	if i+1 >= n {
		return v, i, true, nil
	}
	c := buf[i]
	if c == '_' {
		j := i + 1
		for j < n && isWordByte(buf[j]) {
			j++
		}
		for j < n && isSpace(buf[j]) {
			j++
		}
		if j+1 >= n {
			return v, i, true, nil
		}
		switch b := buf[j]; {
		case b == '\'' || b == '"':
			e := skipQuoted(buf, j, eof)
			if e < 0 {
				return v, i, true, nil
			}
			return s.unescaped(buf[j+1:e-1], b), e, false, nil
		case b == '0' || b == 'x' || b == 'X' || b == 'b' || b == 'B':
			if b == '0' && (buf[j+1] == 'x' || buf[j+1] == 'b') {
				v, e, more, err := s.prefixed(buf, j)
				if more {
					return v, i, true, nil
				}
				return v, e, false, err
			}
			if buf[j+1] == '\'' {
				return s.special(buf, j, eof)
			}
		}
		return v, i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	if buf[i+1] != '\'' {
		return v, i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	e := bytes.IndexByte(buf[i+2:], '\'')
	if e < 0 {
		return v, i, true, nil
	}
	digits := buf[i+2 : i+2+e]
	next = i + 3 + e
	if c == 'x' || c == 'X' {
		if len(digits)%2 == 1 {
			return v, i, false, fmt.Errorf("X'…' literal with an odd number of digits")
		}
		v, err = s.decoded(Hex, digits)
		return v, next, false, err
	}
	v, err = s.decoded(Bit, digits)
	return v, next, false, err
}

// first returns the first byte of b as a string, for error messages that
// must not depend on how much of the input is buffered.
func first(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return string(b[:1])
}

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// indexQuoteOrBackslash returns the index of the first ' or \ in buf at or
// after j, or len(buf). It tests 8 bytes at a time (SWAR): the lowest byte
// flagged by the zero-byte test is always a true match.
func indexQuoteOrBackslash(buf []byte, j int) int {
	n := len(buf)
	for j+8 <= n {
		x := binary.LittleEndian.Uint64(buf[j:])
		a := x ^ ('\'' * swarLo)
		b := x ^ ('\\' * swarLo)
		if m := ((a-swarLo)&^a | (b-swarLo)&^b) & swarHi; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < n && buf[j] != '\'' && buf[j] != '\\' {
		j++
	}
	return j
}
