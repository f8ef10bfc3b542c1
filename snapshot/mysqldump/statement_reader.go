package mysqldump

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// ReaderOptions tunes a StatementReader.
type ReaderOptions struct {
	// BufferSize is the initial read window (default DefaultBufferSize).
	BufferSize int
	// MaxStatement caps one statement's size (default
	// DefaultMaxStatement); a longer statement is an error. Memory use is
	// bounded by it.
	MaxStatement int
}

// StatementReader splits a mysqldump / mariadb-dump stream into
// statements. It understands -- and # comments, /* */ comments,
// executable comments /*!NNNNN … */ and /*M!NNNNNN … */, DELIMITER
// commands, quoted strings with backslash escapes and doubled quotes, and
// backquoted identifiers. Memory is bounded by ReaderOptions.MaxStatement.
type StatementReader struct {
	win     *window
	delim   []byte
	special [256]bool
	header  string
	done    bool // saw "-- Dump completed"
	count   int
	sawSQL  bool // a statement other than the sandbox marker was read
	// headerDB is the database mysqldump's header names ("-- Host: …
	// Database: app"), "" if none.
	headerDB string
	spans    []span // comment spans of the current statement, relative to its start
}

// span is a comment inside a statement: [start, body) is the opening marker
// and [close, end) the closing one; for a plain comment body == close.
type span struct {
	start, body, close, end int
	exec, mariadb           bool
}

// NewStatementReader returns a reader of the statements in r.
func NewStatementReader(r io.Reader, opts ReaderOptions) *StatementReader {
	sr := &StatementReader{win: newWindow(r, opts.BufferSize, opts.MaxStatement)}
	sr.setDelimiter(";")
	return sr
}

func (sr *StatementReader) setDelimiter(d string) {
	sr.delim = []byte(d)
	sr.special = lexSpecial
	sr.special['*'] = true
	sr.special['\n'] = false
	sr.special[sr.delim[0]] = true
}

// Header returns the dump's first "-- MySQL dump …" or "-- MariaDB dump …"
// comment line seen so far, or "".
func (sr *StatementReader) Header() string { return sr.header }

// Completed reports whether the "-- Dump completed" trailer mysqldump
// writes last has been read.
func (sr *StatementReader) Completed() bool { return sr.done }

// Line returns the current line number (where the next statement search
// starts).
func (sr *StatementReader) Line() int { return sr.win.line }

// Offset returns the number of bytes consumed so far.
func (sr *StatementReader) Offset() int64 { return sr.win.off + int64(sr.win.r) }

// Next returns the next statement, or io.EOF after the last one. Errors
// (unterminated string, comment or statement at the end of the stream,
// statement larger than MaxStatement) wrap liberator.ErrInvalid and name the
// line and offset.
func (sr *StatementReader) Next() (Statement, error) {
	if err := sr.skipLeading(); err != nil {
		return Statement{}, err
	}
	return sr.readStatement()
}

func (sr *StatementReader) invalid(line int, off int64, format string, args ...any) error {
	return liberator.Errorf(liberator.ErrInvalid, "read dump", fmt.Sprintf("line %d (offset %d)", line, off), format, args...)
}

// more fills the window keeping buf[keep:]; it returns the shift or an
// error: io.EOF when the stream has ended.
func (sr *StatementReader) more(keep int) (int, error) {
	shift, err := sr.win.fill(keep)
	if err == errNeedRoom {
		return shift, sr.invalid(sr.win.line, sr.Offset(), "statement longer than the %d-byte cap (MaxStatement)", sr.win.max)
	}
	return shift, err
}

// skipLeading skips whitespace and comments before the next statement,
// leaving win.r at its first byte. It returns io.EOF if none is left.
// Comments are skipped as they stream by: whatever their size, the window
// keeps at most a few bytes of them and each byte is looked at once.
func (sr *StatementReader) skipLeading() error {
	w := sr.win
	for {
		if w.r >= w.w {
			if _, err := sr.more(w.r); err != nil {
				return err
			}
			continue
		}
		buf := w.buf[:w.w]
		i := w.r
		switch c := buf[i]; {
		case isSpace(c):
			j := i + 1
			for j < len(buf) && isSpace(buf[j]) {
				j++
			}
			w.advance(j)
			continue
		case c == '#' || c == '-':
			if c == '-' {
				if err := sr.ensure(3); err != nil {
					return err
				}
				if yes, _ := lineCommentAt(w.buf[:w.w], w.r, true); !yes {
					return nil
				}
			}
			if err := sr.skipLineComment(); err != nil {
				return err
			}
			continue
		case c == '/':
			if err := sr.ensure(4); err != nil {
				return err
			}
			buf, i = w.buf[:w.w], w.r // (the window may have moved)
			if i+1 >= len(buf) || buf[i+1] != '*' {
				return nil
			}
			if _, _, _, ok := condAt(buf, i); ok {
				return nil
			}
			if err := sr.skipBlockComment(); err != nil {
				return err
			}
			continue
		}
		return nil
	}
}

// ensure reads until the window holds k bytes from win.r or the stream
// has ended.
func (sr *StatementReader) ensure(k int) error {
	w := sr.win
	for w.w-w.r < k && !w.eof {
		if _, err := sr.more(w.r); err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// headerScan is how much of a line comment is kept to recognise the dump's
// header and trailer lines.
const headerScan = 1024

// skipLineComment skips the -- or # comment at win.r up to and including
// its newline, noting the header and trailer lines.
func (sr *StatementReader) skipLineComment() error {
	w := sr.win
	if err := sr.ensure(headerScan); err != nil {
		return err
	}
	head := w.buf[w.r:min(w.w, w.r+headerScan)]
	if j := bytes.IndexByte(head, '\n'); j >= 0 {
		head = head[:j+1]
	}
	sr.noteComment(head)
	for {
		if j := bytes.IndexByte(w.buf[w.r:w.w], '\n'); j >= 0 {
			w.advance(w.r + j + 1)
			return nil
		}
		w.advance(w.w)
		if _, err := sr.more(w.r); err != nil {
			if err == io.EOF {
				return nil // a comment ends the dump
			}
			return err
		}
	}
}

// skipBlockComment skips the /* */ comment at win.r.
func (sr *StatementReader) skipBlockComment() error {
	w := sr.win
	line, off := w.line, sr.Offset()
	from := w.r + 2
	for {
		if j := bytes.Index(w.buf[from:w.w], []byte("*/")); j >= 0 {
			w.advance(from + j + 2)
			return nil
		}
		// Keep the last byte (it may be the '*' of "*/"), never the
		// opening "/*".
		keep := max(from, w.w-1)
		w.advance(keep)
		shift, err := sr.more(w.r)
		if err == io.EOF {
			return sr.invalid(line, off, "comment not closed at end of dump (dump cut off?)")
		}
		if err != nil {
			return err
		}
		from = keep - shift
	}
}

// need reads more bytes keeping everything from win.r; at the end of the
// stream it returns nil if bytes remain (the caller decides), io.EOF if
// none do.
func (sr *StatementReader) need() error {
	_, err := sr.more(sr.win.r)
	if err == io.EOF {
		if sr.win.r < sr.win.w {
			return nil
		}
		return io.EOF
	}
	return err
}

func (sr *StatementReader) noteComment(c []byte) {
	if sr.header == "" && !sr.sawSQL && (bytes.HasPrefix(c, []byte("-- MySQL dump")) || bytes.HasPrefix(c, []byte("-- MariaDB dump"))) {
		sr.header = strings.TrimRight(string(c), "\r\n")
	}
	if bytes.HasPrefix(c, []byte("-- Dump completed")) {
		sr.done = true
	}
	// "-- Host: localhost    Database: app": the database of the tables
	// before any USE.
	// phpMyAdmin writes "-- Database: `app`" on a line of its own.
	if !sr.sawSQL && (bytes.HasPrefix(c, []byte("-- Host: ")) || bytes.HasPrefix(c, []byte("-- Database: "))) {
		if _, db, ok := bytes.Cut(c, []byte("Database: ")); ok {
			name := strings.TrimSpace(string(db))
			if len(name) >= 2 && name[0] == '`' && name[len(name)-1] == '`' {
				name = strings.ReplaceAll(name[1:len(name)-1], "``", "`")
			}
			sr.headerDB = name
		}
	}
}

// readStatement reads the statement starting at win.r.
func (sr *StatementReader) readStatement() (Statement, error) {
	w := sr.win
	line, off := w.line, w.off+int64(w.r)
	sr.spans = sr.spans[:0]
	sr.count++

	// Client commands first: DELIMITER and the MariaDB sandbox marker.
	if st, ok, err := sr.clientCommand(line, off); ok || err != nil {
		sr.sawSQL = sr.sawSQL || st.Kind != KindSandbox
		return st, err
	}
	sr.sawSQL = true

	pos := 0 // scan position relative to w.r
	inCond := false
	condIdx := 0 // index in sr.spans of the open executable comment
	// A string, identifier or comment the window ended in: the scan
	// resumes inside it, so each byte is scanned once.
	var open struct {
		kind          byte // 0 none, a quote byte, '*' block comment, '-' line comment
		start, resume int
	}
	for {
		buf := w.buf[w.r:w.w]
		i := pos
		n := len(buf)
		status := lexOK
		switch open.kind {
		case 0:
		case '*':
			j := bytes.Index(buf[open.resume:], []byte("*/"))
			if j < 0 {
				open.resume = max(open.resume, n-1)
				i, status = n, lexMore
				break
			}
			j += open.resume
			sr.spans = append(sr.spans, span{start: open.start, body: j, close: j, end: j + 2})
			i, open.kind = j+2, 0
		case '-':
			j := bytes.IndexByte(buf[open.resume:], '\n')
			if j < 0 {
				open.resume = n
				i, status = n, lexMore
				if w.eof {
					i, status, open.kind = n, lexOK, 0
				}
				break
			}
			i, open.kind = open.resume+j+1, 0
		default:
			end, res := quoteEnd(buf, open.kind, open.resume, w.eof)
			if end < 0 {
				open.resume = res
				i, status = open.start, lexMore
				break
			}
			i, open.kind = end, 0
		}
	scan:
		for status == lexOK && i < n {
			c := buf[i]
			if !sr.special[c] {
				i++
				continue
			}
			switch c {
			case '\'', '"', '`':
				end, res := quoteEnd(buf, c, i+1, w.eof)
				if end < 0 {
					open.kind, open.start, open.resume = c, i, res
					status = lexMore
					break scan
				}
				i = end
				continue
			case '-', '#':
				if c == '-' {
					yes, more := lineCommentAt(buf, i, w.eof)
					if more {
						status = lexMore
						break scan
					}
					if !yes {
						break
					}
				}
				open.kind, open.start, open.resume = '-', i, i+1
				j := bytes.IndexByte(buf[i:], '\n')
				if j < 0 {
					open.resume = n
					if !w.eof {
						i = n
						status = lexMore
						break scan
					}
					open.kind = 0
					i = n
					continue
				}
				open.kind = 0
				i += j + 1
				continue
			case '/':
				if i+1 >= n {
					if !w.eof {
						status = lexMore
						break scan
					}
					break
				}
				if buf[i+1] != '*' {
					break
				}
				if i+4 > n && !w.eof { // "/*M!": plain or executable?
					status = lexMore
					break scan
				}
				if body, _, mdb, ok := condAt(buf, i); ok && !inCond {
					if i+11 > n && !w.eof { // "/*M!" + 6 digits + 1: the version may go on
						status = lexMore
						break scan
					}
					if body+1 >= n && !w.eof {
						status = lexMore
						break scan
					}
					inCond = true
					condIdx = len(sr.spans)
					sr.spans = append(sr.spans, span{start: i, body: body, close: -1, mariadb: mdb, exec: true})
					i = body
					continue
				}
				j := bytes.Index(buf[i+2:], []byte("*/"))
				if j < 0 {
					if !w.eof {
						open.kind, open.start, open.resume = '*', i, max(i+2, n-1)
						i = n
						status = lexMore
						break scan
					}
					return Statement{}, sr.invalid(line+bytes.Count(buf[:i], nl), off+int64(i), "comment not closed at end of dump (dump cut off?)")
				}
				sr.spans = append(sr.spans, span{start: i, body: i + 2 + j, close: i + 2 + j, end: i + j + 4})
				i += j + 4
				continue
			case '*':
				if !inCond {
					break
				}
				if i+1 >= n {
					if !w.eof {
						status = lexMore
						break scan
					}
					break
				}
				if buf[i+1] == '/' {
					inCond = false
					sp := &sr.spans[condIdx]
					sp.close, sp.end = i, i+2
					i += 2
					continue
				}
			}
			if c == sr.delim[0] && !inCond {
				if i+len(sr.delim) > n && !w.eof {
					status = lexMore
					break scan
				}
				if bytes.HasPrefix(buf[i:], sr.delim) {
					return sr.finish(buf, i, line, off)
				}
			}
			i++
		}
		if status == lexOK && !w.eof {
			status = lexMore
		}
		if w.eof {
			// End of stream inside the statement.
			switch {
			case open.kind == '*':
				return Statement{}, sr.invalid(line+bytes.Count(buf[:open.start], nl), off+int64(open.start), "comment not closed at end of dump (dump cut off?)")
			case open.kind != 0 && open.kind != '-':
				what := "string"
				if open.kind == '`' {
					what = "identifier"
				}
				return Statement{}, sr.invalid(line+bytes.Count(buf[:open.start], nl), off+int64(open.start), "%s not closed at end of dump (dump cut off?)", what)
			case inCond:
				return Statement{}, sr.invalid(line, off, "executable comment not closed at end of dump (dump cut off?)")
			default:
				return Statement{}, sr.invalid(line, off, "statement not terminated by %q at end of dump (dump cut off?)", sr.delim)
			}
		}
		// Resume where the scan stopped (inside an open construct: at its
		// resume index).
		pos = i
		if _, err := sr.more(w.r); err != nil && err != io.EOF {
			return Statement{}, err
		}
	}
}

// finish builds the statement ending at buf[end] (the delimiter).
func (sr *StatementReader) finish(buf []byte, end, line int, off int64) (Statement, error) {
	w := sr.win
	text := buf[:end]
	st := Statement{Text: trimRightSpace(text), Line: line, Offset: off, Delimiter: string(sr.delim)}
	if len(sr.spans) > 0 {
		st.Inner = sr.inner(text, &st)
	}
	classifyInto(&st)
	w.advance(w.r + end + len(sr.delim))
	return st, nil
}

// inner removes comment markers from text using sr.spans.
func (sr *StatementReader) inner(text []byte, st *Statement) []byte {
	out := make([]byte, 0, len(text))
	last := 0
	for k, sp := range sr.spans {
		if sp.start < last {
			continue // a comment inside an executable comment stays
		}
		if sp.exec {
			if st.Version == 0 {
				_, v, _, _ := condAt(text, sp.start)
				st.Version = v
			}
			if k == 0 && sp.start == 0 {
				st.Conditional = true
			}
			st.MariaDB = st.MariaDB || sp.mariadb
		}
		out = append(out, text[last:sp.start]...)
		if sp.close < 0 { // cannot happen for a finished statement
			out = append(out, text[sp.body:]...)
			last = len(text)
			break
		}
		out = append(out, text[sp.body:sp.close]...)
		out = append(out, ' ')
		last = sp.end
	}
	if last < len(text) {
		out = append(out, text[last:]...)
	}
	return bytes.TrimSpace(out)
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// clientCommand handles DELIMITER and the sandbox marker at win.r.
func (sr *StatementReader) clientCommand(line int, off int64) (Statement, bool, error) {
	w := sr.win
	for {
		buf := w.buf[w.r:w.w]
		if len(buf) < 10 && !w.eof {
			if err := sr.need(); err != nil && err != io.EOF {
				return Statement{}, false, err
			}
			if !w.eof || len(w.buf[w.r:w.w]) != len(buf) {
				continue
			}
		}
		isDelim := len(buf) >= 10 && equalFold(string(buf[:9]), "delimiter") && (buf[9] == ' ' || buf[9] == '\t')
		isSandbox := bytes.HasPrefix(buf, []byte(`/*M!999999\-`))
		if !isDelim && !isSandbox {
			return Statement{}, false, nil
		}
		var j int
		if isDelim {
			j = bytes.IndexByte(buf, '\n')
		} else {
			j = bytes.Index(buf, []byte("*/"))
			if j >= 0 {
				j += 2
			}
		}
		if j < 0 {
			if !w.eof {
				if _, err := sr.more(w.r); err != nil && err != io.EOF {
					return Statement{}, false, err
				}
				continue
			}
			if isSandbox {
				return Statement{}, true, sr.invalid(line, off, "comment not closed at end of dump (dump cut off?)")
			}
			j = len(buf)
		}
		text := trimRightSpace(buf[:j])
		st := Statement{Text: text, Line: line, Offset: off}
		if isSandbox {
			st.Kind = KindSandbox
			st.MariaDB = true
			st.Version = 999999
			st.Conditional = true
		} else {
			fields := strings.Fields(string(text[9:]))
			if len(fields) == 0 {
				return Statement{}, true, sr.invalid(line, off, "DELIMITER without a delimiter")
			}
			d := fields[0]
			if strings.ContainsAny(d, "'\"`\\") {
				return Statement{}, true, sr.invalid(line, off, "unsupported delimiter %q", d)
			}
			st.Kind = KindDelimiter
			st.Delimiter = d
			sr.setDelimiter(d)
		}
		w.advance(w.r + j)
		return st, true, nil
	}
}
