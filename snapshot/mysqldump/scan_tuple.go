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

// rowParse is the state of the row being parsed. Its indexes are relative
// to the row's '(' at win.r, so they survive the window moving or growing:
// when the window ends inside the row, reading more resumes the parse where
// it stopped, inside a literal if need be, and every byte of a row is
// scanned once however the dump is split into reads.
type rowParse struct {
	k     int         // values completed, in s.raw
	pos   int         // where the parse resumes
	after bool        // a value was read: ',' or ')' comes next
	cond  bool        // inside an executable comment that applies
	intro *charset    // the _charset introducer of the next literal
	added int         // newlines that decoding in place added to the row
	lit   literal     // the literal or comment being scanned
	meta  []valueMeta // per value in s.raw
}

// valueMeta is what the scanner keeps of a value beyond its Value: where
// its bytes are in the window (to re-slice them when the window moves) and
// its introducer.
type valueMeta struct {
	off   int      // offset of Bytes from the row's '(' (-1: in s.scratch, or none)
	intro *charset // _charset introducer (nil: none)
	ascii bool     // a string known to be ASCII text
}

type litKind uint8

const (
	litNone    litKind = iota
	litQuoted          // '…' or "…"
	litNumber          // an unquoted number
	litHex             // 0x…
	litHexQ            // X'…'
	litBits            // 0b…
	litBitsQ           // B'…'
	litComment         // a /* */ comment that does not apply
)

// literal is the literal (or comment) being scanned.
type literal struct {
	kind  litKind
	q     byte // the quote of litQuoted
	start int  // index of its first byte
	scan  int  // index where scanning resumes
	esc   bool // the value is being decoded (in place, or in s.scratch)
	from  int  // start of the value in s.scratch
	done  int  // index up to which the literal's bytes are decoded
	out   int  // index where the next decoded byte goes (in place)
}

// tuple parses the row whose '(' is at buf[0] (buf is the window from
// win.r), resuming from s.row, into s.raw and s.row.meta. It returns lexOK
// once the row's ')' is read (s.row.pos is then the index after it), lexMore
// when buf ends first (call again with buf holding more of the dump), or an
// error and the index where it lies.
func (s *scanner) tuple(buf []byte, eof bool) (lexStatus, int, error) {
	st := &s.row
	n := len(buf)
	i := st.pos
	for {
		if st.lit.kind != litNone {
			end, more, err := s.literal(buf, eof)
			if err != nil {
				return lexOK, st.lit.start, err
			}
			if more {
				st.pos = st.lit.start
				return lexMore, 0, nil
			}
			i = end
			continue
		}
		if i >= n {
			st.pos = i
			return lexMore, 0, nil
		}
		c := buf[i]
		if st.after {
			switch {
			case c == ',':
				st.after = false
				i++
				continue
			case c == ')' && !st.cond:
				st.pos = i + 1
				return lexOK, 0, nil
			case isSpace(c):
				i++
				continue
			case c == '/' || c == '*' && st.cond:
			case c == ')':
				return lexOK, i, fmt.Errorf("row ends inside an executable comment")
			default:
				return lexOK, i, fmt.Errorf("expected ',' or ')' after a value, found %q", first(buf[i:]))
			}
		}
		// A value (or, after one, a comment) starts at buf[i].
		switch {
		case c == '\'':
			// Fast path: a string without escapes that the window holds.
			j, ascii := indexQuoteOrBackslashASCII(buf, i+1)
			if j+1 >= n || buf[j] != '\'' || buf[j+1] == '\'' {
				st.lit = literal{kind: litQuoted, q: c, start: i, scan: i + 1}
				continue
			}
			s.pushText(buf[i+1:j:j], i+1, ascii)
			i = j + 1
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if c == '0' && i+1 >= n && !eof {
				st.pos = i
				return lexMore, 0, nil
			}
			if c == '0' && i+1 < n && (buf[i+1] == 'x' || buf[i+1] == 'b') {
				st.lit = literal{kind: litHex, start: i, scan: i + 2}
				if buf[i+1] == 'b' {
					st.lit.kind = litBits
				}
				continue
			}
			j := i + 1
			for j < n && numByte[buf[j]] {
				j++
			}
			if j >= n {
				st.lit = literal{kind: litNumber, start: i, scan: j}
				continue
			}
			s.push(Value{Kind: Number, Bytes: buf[i:j]}, i)
			i = j
		case c == 'N' || c == 'n':
			if i+4 >= n {
				st.pos = i
				return lexMore, 0, nil
			}
			if !equalFold(string(buf[i:i+4]), "null") || isWordByte(buf[i+4]) {
				return lexOK, i, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
			}
			s.push(Value{Kind: Null}, -1)
			i += 4
		case isSpace(c):
			i++
			continue
		case c == '"':
			st.lit = literal{kind: litQuoted, q: c, start: i, scan: i + 1}
			continue
		case c == '_':
			j, more, err := s.introducer(buf, i, eof)
			if more {
				st.pos = i
				return lexMore, 0, nil
			}
			if err != nil {
				return lexOK, i, err
			}
			i = j
			continue
		case c == 'x' || c == 'X' || c == 'b' || c == 'B':
			if i+1 >= n {
				st.pos = i
				return lexMore, 0, nil
			}
			if buf[i+1] != '\'' {
				return lexOK, i, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
			}
			st.lit = literal{kind: litHexQ, start: i, scan: i + 2}
			if c == 'b' || c == 'B' {
				st.lit.kind = litBitsQ
			}
			continue
		case c == '/' || c == '*' && st.cond:
			j, more, err := s.comment(buf, i, eof)
			if more {
				st.pos = i
				return lexMore, 0, nil
			}
			if err != nil {
				return lexOK, i, err
			}
			i = j
			continue
		default:
			return lexOK, i, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
		}
		// After a value read by a fast path: its ',' or ')' at once.
		if i < n {
			if c := buf[i]; c == ',' {
				st.after = false
				i++
			} else if c == ')' && !st.cond {
				st.pos = i + 1
				return lexOK, 0, nil
			}
		}
	}
}

// comment handles the comment at buf[i] ("/*…", or "*/" closing an
// executable comment that applies): an executable comment that applies is
// entered (its text is part of the row), another comment is scanned as a
// literal to skip. It returns the index to go on from.
func (s *scanner) comment(buf []byte, i int, eof bool) (next int, more bool, err error) {
	st := &s.row
	n := len(buf)
	if i+1 >= n {
		if !eof {
			return i, true, nil
		}
		return i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	if buf[i] == '*' {
		if buf[i+1] != '/' {
			return i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
		}
		st.cond = false
		return i + 2, false, nil
	}
	if buf[i+1] != '*' {
		return i, false, fmt.Errorf("unexpected %q in a row", first(buf[i:]))
	}
	if i+11 > n && !eof { // "/*M!" + 6 digits + 1
		return i, true, nil
	}
	if body, v, mdb, ok := condAt(buf, i); ok && !st.cond && s.view.applies(v, mdb) {
		st.cond = true
		return body, false, nil
	}
	st.lit = literal{kind: litComment, start: i, scan: i + 2}
	return i, false, nil
}

// introducer reads the _charset introducer at buf[i] into s.row.intro and
// returns the index of the literal it introduces (a quoted string, 0x…,
// 0b…, X'…' or B'…').
func (s *scanner) introducer(buf []byte, i int, eof bool) (next int, more bool, err error) {
	n := len(buf)
	j := i + 1
	for j < n && isWordByte(buf[j]) {
		j++
	}
	name := buf[i+1 : j]
	for j < n && isSpace(buf[j]) {
		j++
	}
	if j+1 >= n {
		return i, true, nil
	}
	switch b := buf[j]; {
	case b == '\'' || b == '"':
	case b == '0' && (buf[j+1] == 'x' || buf[j+1] == 'b'):
	case (b == 'x' || b == 'X' || b == 'b' || b == 'B') && buf[j+1] == '\'':
	default:
		return i, false, fmt.Errorf("unexpected %q in a row", "_")
	}
	s.row.intro = lookupCharset(name)
	return j, false, nil
}

// pushText pushes a String value that is ASCII text if ascii.
func (s *scanner) pushText(b []byte, off int, ascii bool) {
	s.pushMeta(Value{Kind: String, Bytes: b}, valueMeta{off: off, intro: s.row.intro, ascii: ascii})
}

// push appends v, whose bytes are at offset off from the row's '(' (-1:
// not in the window), as the row's next value.
func (s *scanner) push(v Value, off int) {
	s.pushMeta(v, valueMeta{off: off, intro: s.row.intro})
}

func (s *scanner) pushMeta(v Value, m valueMeta) {
	st := &s.row
	if st.k < len(s.raw) {
		s.raw[st.k] = v
		st.meta[st.k] = m
	} else {
		s.raw = append(s.raw, v)
		st.meta = append(st.meta, m)
	}
	st.k++
	st.after = true
	st.intro = nil
}

// rebase re-slices the window bytes of the values read so far after the
// window moved or grew (buf is the window from the row's '(').
func (s *scanner) rebase(buf []byte) {
	for i := 0; i < s.row.k; i++ {
		if off := s.row.meta[i].off; off >= 0 {
			s.raw[i].Bytes = buf[off : off+len(s.raw[i].Bytes)]
		}
	}
}

// literal scans the literal or comment s.row.lit from where it stopped. It
// returns the index after it (having pushed its value), or more when buf
// ends first.
func (s *scanner) literal(buf []byte, eof bool) (end int, more bool, err error) {
	l := &s.row.lit
	n := len(buf)
	switch l.kind {
	case litComment:
		j := bytes.Index(buf[l.scan:], []byte("*/"))
		if j < 0 {
			if eof {
				return 0, false, fmt.Errorf("comment not closed at end of dump (dump cut off?)")
			}
			l.scan = max(l.scan, n-1)
			return 0, true, nil
		}
		end = l.scan + j + 2
		l.kind = litNone
		return end, false, nil
	case litNumber:
		j := l.scan
		for j < n && numByte[buf[j]] {
			j++
		}
		if j >= n {
			l.scan = j
			return 0, true, nil
		}
		l.kind = litNone
		s.push(Value{Kind: Number, Bytes: buf[l.start:j]}, l.start)
		return j, false, nil
	case litQuoted:
		end, more, err = s.quotedLiteral(buf, eof)
	case litHex, litHexQ:
		end, more, err = s.hexLiteral(buf)
	default:
		end, more, err = s.bitLiteral(buf)
	}
	if !more && err == nil {
		l.kind = litNone
	}
	return end, more, err
}

// quotedLiteral scans the quoted string s.row.lit. Its value is decoded
// in place, in the window (the decoded text is never longer than the
// literal): escapes and doubled quotes are undone as they are scanned, the
// text between them moved down. The bytes left over at the end are
// blanked and the newlines that decoding adds are counted (s.row.added),
// so the window's line count stays that of the dump.
func (s *scanner) quotedLiteral(buf []byte, eof bool) (int, bool, error) {
	l := &s.row.lit
	q := l.q
	n := len(buf)
	j := l.scan
	for {
		if q == '\'' {
			j = indexQuoteOrBackslash(buf, j)
		} else if k := bytes.IndexAny(buf[j:], "\"\\"); k >= 0 {
			j += k
		} else {
			j = n
		}
		if j >= n {
			l.scan = n
			return 0, true, nil
		}
		c := buf[j]
		if c == '\\' {
			if j+1 >= n {
				l.scan = j
				return 0, true, nil
			}
			s.moveDown(buf, j)
			if e := buf[j+1]; e == '%' || e == '_' {
				buf[l.out], buf[l.out+1] = '\\', e
				l.out += 2
			} else {
				b := unescapeByte(e)
				buf[l.out] = b
				l.out++
				if b == '\n' {
					s.row.added++
				}
			}
			l.done = j + 2
			j += 2
			continue
		}
		if j+1 >= n && !eof {
			l.scan = j // cannot tell a doubled quote yet
			return 0, true, nil
		}
		if j+1 < n && buf[j+1] == q {
			s.moveDown(buf, j)
			buf[l.out] = q
			l.out++
			l.done = j + 2
			j += 2
			continue
		}
		// The closing quote.
		end := j
		if l.esc {
			s.moveDown(buf, j)
			end = l.out
			for k := l.out; k < j; k++ {
				buf[k] = ' '
			}
		}
		s.push(Value{Kind: String, Bytes: buf[l.start+1 : end : end]}, l.start+1)
		return j + 1, false, nil
	}
}

// moveDown moves the text of the string s.row.lit scanned since its last
// escape, up to buf[j], down to where its decoded value has got to.
func (s *scanner) moveDown(buf []byte, j int) {
	l := &s.row.lit
	if !l.esc {
		l.esc = true
		l.out = l.start + 1
		l.done = l.start + 1
	}
	l.out += copy(buf[l.out:], buf[l.done:j])
}

// scratchFor makes room for n more bytes in s.scratch, doubling its
// capacity (append grows a large slice by a quarter at a time, which
// would copy a huge value many times over).
func (s *scanner) scratchFor(n int) {
	if cap(s.scratch)-len(s.scratch) >= n {
		return
	}
	nb := make([]byte, len(s.scratch), max(2*cap(s.scratch), len(s.scratch)+n, 4096))
	copy(nb, s.scratch)
	s.scratch = nb
}

// hexLiteral scans the 0x… or X'…' literal s.row.lit, decoding its digits
// into s.scratch as they are scanned.
func (s *scanner) hexLiteral(buf []byte) (int, bool, error) {
	l := &s.row.lit
	n := len(buf)
	quoted := l.kind == litHexQ
	if !l.esc {
		l.esc = true
		l.from = len(s.scratch)
		l.done = l.start + 2
	}
	j := l.scan
	if quoted {
		if k := bytes.IndexByte(buf[j:], '\''); k >= 0 {
			j += k
		} else {
			j = n
		}
	} else {
		for j < n && isWordByte(buf[j]) {
			j++
		}
	}
	k := l.done
	s.scratchFor((j - k) / 2)
	for ; k+1 < j; k += 2 {
		hi, ok1 := unhex(buf[k])
		lo, ok2 := unhex(buf[k+1])
		if !ok1 || !ok2 {
			return 0, false, fmt.Errorf("bad hex digits %q", buf[k:k+2])
		}
		s.scratch = append(s.scratch, hi<<4|lo)
	}
	l.done = k
	if j >= n {
		l.scan = j
		return 0, true, nil
	}
	digits := j - (l.start + 2)
	if digits == 0 && !quoted {
		return 0, false, fmt.Errorf("empty 0x literal")
	}
	if k < j { // one digit left: an odd count
		if quoted {
			return 0, false, fmt.Errorf("X'…' literal with an odd number of digits")
		}
		last, ok := unhex(buf[k])
		if !ok {
			return 0, false, fmt.Errorf("bad hex digit %q", buf[k])
		}
		s.scratch = padNibble(s.scratch, l.from, last)
	}
	if quoted {
		j++
	}
	s.push(Value{Kind: Hex, Bytes: s.scratch[l.from:len(s.scratch):len(s.scratch)]}, -1)
	return j, false, nil
}

// padNibble turns the bytes b[from:] decoded from an even run of hex digits
// d0 d1 … into the value of the odd run 0 d0 d1 … last, as MySQL reads a
// 0x literal with an odd number of digits.
func padNibble(b []byte, from int, last byte) []byte {
	b = append(b, 0)
	o := b[from:]
	m := len(o) - 1
	if m == 0 {
		o[0] = last
		return b
	}
	o[m] = o[m-1]<<4 | last
	for t := m - 1; t >= 1; t-- {
		o[t] = o[t-1]<<4 | o[t]>>4
	}
	o[0] >>= 4
	return b
}

// bitLiteral scans the 0b… or B'…' literal s.row.lit and decodes it.
func (s *scanner) bitLiteral(buf []byte) (int, bool, error) {
	l := &s.row.lit
	n := len(buf)
	quoted := l.kind == litBitsQ
	j := l.scan
	if quoted {
		if k := bytes.IndexByte(buf[j:], '\''); k >= 0 {
			j += k
		} else {
			j = n
		}
	} else {
		for j < n && isWordByte(buf[j]) {
			j++
		}
	}
	if j >= n {
		l.scan = j
		return 0, true, nil
	}
	digits := buf[l.start+2 : j]
	if len(digits) == 0 && !quoted {
		return 0, false, fmt.Errorf("empty 0b literal")
	}
	from := len(s.scratch)
	var err error
	if s.scratch, err = appendBits(s.scratch, digits); err != nil {
		return 0, false, err
	}
	if quoted {
		j++
	}
	s.push(Value{Kind: Bit, Bytes: s.scratch[from:len(s.scratch):len(s.scratch)]}, -1)
	return j, false, nil
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

// indexQuoteOrBackslashASCII is indexQuoteOrBackslash that also reports
// whether the bytes from j up to the match are all ASCII (it may say no
// for ASCII text: it looks at whole 8-byte words).
func indexQuoteOrBackslashASCII(buf []byte, j int) (int, bool) {
	n := len(buf)
	var high uint64
	for j+8 <= n {
		x := binary.LittleEndian.Uint64(buf[j:])
		high |= x
		a := x ^ ('\'' * swarLo)
		b := x ^ ('\\' * swarLo)
		if m := ((a-swarLo)&^a | (b-swarLo)&^b) & swarHi; m != 0 {
			return j + bits.TrailingZeros64(m)>>3, high&swarHi == 0
		}
		j += 8
	}
	for j < n && buf[j] != '\'' && buf[j] != '\\' {
		high |= uint64(buf[j])
		j++
	}
	return j, high&swarHi == 0
}

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
