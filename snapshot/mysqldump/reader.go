package mysqldump

import (
	"bytes"
	"fmt"
	"io"
)

// Default sizes of the scanner's read window.
const (
	// DefaultBufferSize is the initial size of the read window.
	DefaultBufferSize = 4 << 20
	// DefaultMaxStatement is the default cap on one statement's size (for
	// Scan: on one row of an INSERT).
	DefaultMaxStatement = 256 << 20
)

// window is a growable read window over a stream. buf[r:w] holds unread
// bytes; off is the stream offset of buf[0] and line the 1-based line number
// at buf[r].
type window struct {
	src  io.Reader
	buf  []byte
	r, w int
	off  int64
	line int
	eof  bool
	err  error // a read error other than io.EOF
	max  int
}

func newWindow(src io.Reader, size, max int) *window {
	if size <= 0 {
		size = DefaultBufferSize
	}
	if max <= 0 {
		max = DefaultMaxStatement
	}
	if size > max {
		size = max
	}
	return &window{src: src, buf: make([]byte, size), line: 1, max: max}
}

// fill reads more bytes, keeping buf[keep:w]. It returns the shift applied
// to every index (new index = old index - shift). It returns errNeedRoom
// when buf[keep:w] already fills max bytes, io.EOF at the end of the stream
// and a read error as is.
func (b *window) fill(keep int) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	shift := 0
	if keep > 0 {
		copy(b.buf, b.buf[keep:b.w])
		b.w -= keep
		b.r -= keep
		b.off += int64(keep)
		shift = keep
	}
	if b.w == len(b.buf) {
		if len(b.buf) >= b.max {
			return shift, errNeedRoom
		}
		n := 2 * len(b.buf)
		if n > b.max {
			n = b.max
		}
		nb := make([]byte, n)
		copy(nb, b.buf[:b.w])
		b.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := b.src.Read(b.buf[b.w:])
		b.w += n
		if err == io.EOF {
			b.eof = true
			if n > 0 {
				return shift, nil
			}
			return shift, io.EOF
		}
		if err != nil {
			b.err = err
			if n > 0 {
				return shift, nil
			}
			return shift, err
		}
		if n > 0 {
			return shift, nil
		}
	}
	b.err = io.ErrNoProgress
	return shift, b.err
}

// advance moves r to p, counting the newlines passed.
func (b *window) advance(p int) {
	b.line += bytes.Count(b.buf[b.r:p], nl)
	b.r = p
}

var nl = []byte{'\n'}

var errNeedRoom = fmt.Errorf("statement larger than the read window cap")

// byte classes for the statement lexer.
var lexSpecial [256]bool

func init() {
	for _, c := range []byte("'\"`-#/") {
		lexSpecial[c] = true
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lexStatus tells the result of a lexer step.
type lexStatus int

const (
	lexOK   lexStatus = iota
	lexMore           // need more bytes
	lexEOF            // stream ended inside the construct
)

// skipQuoted returns the index after the closing quote of the quoted string
// or identifier starting at buf[i] (buf[i] is the quote). Backslash escapes
// apply to ' and " strings, not to backquoted identifiers. Doubled quotes
// stay inside. It returns -1 if buf ends first (eof: buf is all there is).
func skipQuoted(buf []byte, i int, eof bool) int {
	q := buf[i]
	i++
	n := len(buf)
	if q == '`' {
		for {
			j := bytes.IndexByte(buf[i:], '`')
			if j < 0 {
				return -1
			}
			i += j + 1
			if i < n && buf[i] == '`' {
				i++
				continue
			}
			if i >= n && !eof {
				return -1 // cannot tell a doubled quote yet
			}
			return i
		}
	}
	for i < n {
		if q == '\'' {
			if i = indexQuoteOrBackslash(buf, i); i >= n {
				break
			}
		}
		c := buf[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == q {
			if i+1 < n && buf[i+1] == q {
				i += 2
				continue
			}
			if i+1 >= n && !eof {
				return -1
			}
			return i + 1
		}
		i++
	}
	return -1
}

// lineCommentAt reports whether buf[i:] starts a "-- " comment ('-' '-'
// followed by a space, control character or end of input). more is true
// when buf ends before that can be told.
func lineCommentAt(buf []byte, i int, eof bool) (yes, more bool) {
	if i+1 >= len(buf) {
		return false, !eof
	}
	if buf[i+1] != '-' {
		return false, false
	}
	if i+2 >= len(buf) {
		if eof {
			return true, false
		}
		return false, true
	}
	c := buf[i+2]
	return c <= ' ', false
}

// condAt reports whether buf[i:] ("/*...") opens an executable comment
// ("/*!" or "/*M!") and returns the index of its body (after the version
// digits) and the version. For "/*M!999999\-" (mariadb-dump's sandbox
// marker) sandbox is true.
func condAt(buf []byte, i int) (body int, version int, mariadb, ok bool) {
	j := i + 2
	if j < len(buf) && buf[j] == 'M' {
		mariadb = true
		j++
	}
	if j >= len(buf) || buf[j] != '!' {
		return 0, 0, false, false
	}
	j++
	k := j
	for k < len(buf) && k-j < 6 && buf[k] >= '0' && buf[k] <= '9' {
		version = version*10 + int(buf[k]-'0')
		k++
	}
	if k-j != 5 && k-j != 6 {
		// "/*!" without a (5 or 6 digit) version runs on every server.
		version = 0
		k = j
	}
	return k, version, mariadb, true
}
