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
	// Scan: on one row of an INSERT): 1 GiB, MySQL's ceiling on
	// max_allowed_packet, so no statement a server could have run is
	// refused.
	DefaultMaxStatement = 1 << 30
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
	init int // the initial size, which the window shrinks back to
	// added counts newlines that decoding values in place wrote into
	// buf[r:] (an escaped newline becomes a newline byte): the next
	// advance, which passes them, does not count them.
	added int
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
	return &window{src: src, buf: make([]byte, size), line: 1, max: max, init: size}
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
	if keep > 0 && len(b.buf) >= 4*b.init && b.w-keep <= b.init/2 {
		// A large statement or row has passed: give its memory back.
		nb := make([]byte, b.init)
		copy(nb, b.buf[keep:b.w])
		b.buf = nb
		b.w -= keep
		b.r -= keep
		b.off += int64(keep)
		shift = keep
		keep = 0
	}
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
	b.line += bytes.Count(b.buf[b.r:p], nl) - b.added
	b.added = 0
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
	end, _ := quoteEnd(buf, buf[i], i+1, eof)
	return end
}

// quoteEnd scans a string or identifier quoted by q from index from (just
// after the opening quote, or a resume index an earlier call returned). It
// returns the index after the closing quote, or -1 when buf ends first,
// with the index to resume from once buf holds more: never inside an
// escape or before a quote that may be doubled, so each byte is scanned
// once however the input is split.
func quoteEnd(buf []byte, q byte, from int, eof bool) (end, resume int) {
	i := from
	n := len(buf)
	for i < n {
		switch q {
		case '\'':
			i = indexQuoteOrBackslash(buf, i)
		case '`':
			j := bytes.IndexByte(buf[i:], '`')
			if j < 0 {
				return -1, n
			}
			i += j
		default:
			j := bytes.IndexAny(buf[i:], `"\`)
			if j < 0 {
				return -1, n
			}
			i += j
		}
		if i >= n {
			break
		}
		if buf[i] == '\\' && q != '`' {
			if i+1 >= n {
				return -1, i
			}
			i += 2
			continue
		}
		// a quote
		if i+1 >= n {
			if !eof {
				return -1, i // cannot tell a doubled quote yet
			}
			return i + 1, i + 1
		}
		if buf[i+1] == q {
			i += 2
			continue
		}
		return i + 1, i + 1
	}
	return -1, min(i, n)
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
