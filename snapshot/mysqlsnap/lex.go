package mysqlsnap

import (
	"bytes"
	"fmt"
)

// tokKind classifies a token of the SQL the allowlist inspects.
type tokKind uint8

const (
	tkEOF       tokKind = iota
	tkWord              // bare word: keyword or identifier (may start with a digit)
	tkQIdent            // `quoted identifier`
	tkString            // 'string' or "string"
	tkNumber            // 12, -less: 1.5, 1e-05, .5
	tkHex               // 0x0A1B
	tkBit               // 0b0101
	tkVar               // @name, @'name', @`name`
	tkSysVar            // @@name, @@session.name
	tkPunct             // ( ) , ; = . + - * / < > : etc. (":=" is one token)
	tkBackslash         // a backslash outside a string: a client command
)

// token is one lexical token; start and end index the statement text.
type token struct {
	kind       tokKind
	start, end int
	// cond is true when the token was inside a /*! … */ conditional comment.
	cond bool
}

// lexer splits one statement into tokens the way the MySQL/MariaDB server
// does for the purposes of the allowlist: comments are skipped, the content
// of conditional comments (/*!NNNNN …*/, /*M!NNNNNN …*/) is lexed as code
// (the server executes it), strings honour backslash escapes and doubled
// quotes. It works on bytes and never allocates per token.
type lexer struct {
	s      []byte
	pos    int
	inCond bool
	err    error
	// identEnd is the end of the last word or quoted identifier: a '.'
	// right there separates a qualified name's parts, as the server lexes
	// it, even before a digit (db.9t, db.1e5 name a table of db).
	identEnd int
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// sandboxMarker is the first line mariadb-dump writes; only its client acts
// on it and no server executes it (version 999999).
var sandboxMarker = []byte("/*M!999999\\-")

// next returns the next token; on a lexical error it returns tkEOF and sets
// l.err.
func (l *lexer) next() token {
	for {
		if l.pos >= len(l.s) {
			if l.inCond {
				l.err = fmt.Errorf("unterminated /*! comment")
			}
			return token{kind: tkEOF, start: l.pos, end: l.pos}
		}
		c := l.s[l.pos]
		switch {
		case isSpace(c):
			l.pos++
			continue
		case c == '#':
			l.skipLine()
			continue
		case c == '-' && l.pos+1 < len(l.s) && l.s[l.pos+1] == '-' &&
			(l.pos+2 >= len(l.s) || l.s[l.pos+2] <= ' '):
			l.skipLine()
			continue
		case c == '*' && l.inCond && l.pos+1 < len(l.s) && l.s[l.pos+1] == '/':
			l.inCond = false
			l.pos += 2
			continue
		case c == '/' && l.pos+1 < len(l.s) && l.s[l.pos+1] == '*':
			if l.inCond {
				l.err = fmt.Errorf("comment nested in a /*! comment")
				return token{kind: tkEOF, start: l.pos, end: l.pos}
			}
			if bytes.HasPrefix(l.s[l.pos:], sandboxMarker) {
				if !l.skipComment() {
					return token{kind: tkEOF, start: l.pos, end: l.pos}
				}
				continue
			}
			p := l.pos + 2
			if p < len(l.s) && l.s[p] == 'M' && p+1 < len(l.s) && l.s[p+1] == '!' {
				p++
			}
			if p < len(l.s) && l.s[p] == '!' {
				p++
				d := p
				for p < len(l.s) && isDigit(l.s[p]) {
					p++
				}
				// Servers differ on versions that are not 5 or 6 digits
				// long; dumps never write them.
				if n := p - d; n != 0 && n != 5 && n != 6 {
					l.err = fmt.Errorf("malformed version comment %q", l.s[l.pos:p])
					return token{kind: tkEOF, start: l.pos, end: l.pos}
				}
				l.inCond = true
				l.pos = p
				continue
			}
			if p < len(l.s) && l.s[p] == '+' {
				l.err = fmt.Errorf("optimizer hint comments /*+ are not allowed")
				return token{kind: tkEOF, start: l.pos, end: l.pos}
			}
			if !l.skipComment() {
				return token{kind: tkEOF, start: l.pos, end: l.pos}
			}
			continue
		}
		return l.lexToken()
	}
}

func (l *lexer) skipLine() {
	for l.pos < len(l.s) && l.s[l.pos] != '\n' {
		l.pos++
	}
}

func (l *lexer) skipComment() bool {
	i := bytes.Index(l.s[l.pos+2:], []byte("*/"))
	if i < 0 {
		l.err = fmt.Errorf("unterminated /* comment")
		l.pos = len(l.s)
		return false
	}
	l.pos += 2 + i + 2
	return true
}

func (l *lexer) lexToken() token {
	start := l.pos
	c := l.s[l.pos]
	t := token{start: start, cond: l.inCond}
	switch {
	case c == '\'' || c == '"':
		t.kind = tkString
		if !l.skipQuoted(c, true) {
			return token{kind: tkEOF, start: start, end: start}
		}
	case c == '`':
		t.kind = tkQIdent
		if !l.skipQuoted('`', false) {
			return token{kind: tkEOF, start: start, end: start}
		}
	case c == '@':
		l.pos++
		if l.pos < len(l.s) && l.s[l.pos] == '@' {
			t.kind = tkSysVar
			l.pos++
			for l.pos < len(l.s) && (isIdentByte(l.s[l.pos]) || l.s[l.pos] == '.') {
				l.pos++
			}
			if l.pos < len(l.s) && l.s[l.pos] == '`' {
				l.err = fmt.Errorf("quoted system variable names are not allowed")
				return token{kind: tkEOF, start: start, end: start}
			}
			break
		}
		t.kind = tkVar
		if l.pos < len(l.s) && (l.s[l.pos] == '\'' || l.s[l.pos] == '"' || l.s[l.pos] == '`') {
			if !l.skipQuoted(l.s[l.pos], l.s[l.pos] != '`') {
				return token{kind: tkEOF, start: start, end: start}
			}
			break
		}
		for l.pos < len(l.s) && (isIdentByte(l.s[l.pos]) || l.s[l.pos] == '.') {
			l.pos++
		}
	case c == '0' && l.pos+2 < len(l.s) && (l.s[l.pos+1] == 'x' || l.s[l.pos+1] == 'b'):
		kind := tkHex
		if l.s[l.pos+1] == 'b' {
			kind = tkBit
		}
		p := l.pos + 2
		for p < len(l.s) && isIdentByte(l.s[p]) {
			p++
		}
		l.pos = p
		t.kind = kind
		if !validRadix(l.s[start+2:p], kind == tkBit) {
			t.kind = tkWord // e.g. 0xg1 is an identifier
		}
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.s) && isDigit(l.s[l.pos+1]) && (l.pos == 0 || l.pos != l.identEnd)):
		l.lexNumber()
		t.kind = tkNumber
		if l.pos < len(l.s) && isIdentByte(l.s[l.pos]) {
			// 1abc is an identifier in MySQL.
			for l.pos < len(l.s) && isIdentByte(l.s[l.pos]) {
				l.pos++
			}
			t.kind = tkWord
		}
	case isIdentByte(c):
		for l.pos < len(l.s) && isIdentByte(l.s[l.pos]) {
			l.pos++
		}
		t.kind = tkWord
	case c == '\\':
		t.kind = tkBackslash
		l.pos++
	case c == ':' && l.pos+1 < len(l.s) && l.s[l.pos+1] == '=':
		t.kind = tkPunct
		l.pos += 2
	default:
		t.kind = tkPunct
		l.pos++
	}
	t.end = l.pos
	if t.kind == tkWord || t.kind == tkQIdent {
		l.identEnd = l.pos
	}
	return t
}

func validRadix(b []byte, bits bool) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case bits && (c == '0' || c == '1'):
		case !bits && (isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')):
		default:
			return false
		}
	}
	return true
}

func (l *lexer) lexNumber() {
	for l.pos < len(l.s) && isDigit(l.s[l.pos]) {
		l.pos++
	}
	if l.pos < len(l.s) && l.s[l.pos] == '.' {
		l.pos++
		for l.pos < len(l.s) && isDigit(l.s[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.s) && (l.s[l.pos] == 'e' || l.s[l.pos] == 'E') {
		p := l.pos + 1
		if p < len(l.s) && (l.s[p] == '+' || l.s[p] == '-') {
			p++
		}
		if p < len(l.s) && isDigit(l.s[p]) {
			for p < len(l.s) && isDigit(l.s[p]) {
				p++
			}
			l.pos = p
		}
	}
}

// skipQuoted moves past a quoted token starting at l.pos. Doubled quotes
// stand for one; backslash escapes when escapes is true.
func (l *lexer) skipQuoted(q byte, escapes bool) bool {
	p := l.pos + 1
	for p < len(l.s) {
		c := l.s[p]
		if escapes && c == '\\' {
			p += 2
			continue
		}
		if c == q {
			if p+1 < len(l.s) && l.s[p+1] == q {
				p += 2
				continue
			}
			l.pos = p + 1
			return true
		}
		p++
	}
	l.err = fmt.Errorf("unterminated %c quote", q)
	l.pos = len(l.s)
	return false
}

// text returns the token's text.
func (l *lexer) text(t token) []byte { return l.s[t.start:t.end] }

// ident returns the identifier a word or quoted identifier names (quotes
// removed, doubled backquotes undone).
func (l *lexer) ident(t token) string {
	b := l.s[t.start:t.end]
	if t.kind == tkQIdent {
		return string(bytes.ReplaceAll(b[1:len(b)-1], []byte("``"), []byte("`")))
	}
	return string(b)
}

// stringValue returns the content of a string token, unescaped.
func stringValue(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	q := b[0]
	b = b[1 : len(b)-1]
	var out []byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			i++
			switch b[i] {
			case 'n':
				out = append(out, '\n')
			case 't':
				out = append(out, '\t')
			case 'r':
				out = append(out, '\r')
			case '0':
				out = append(out, 0)
			case 'Z':
				out = append(out, 26)
			case 'b':
				out = append(out, 8)
			default:
				out = append(out, b[i])
			}
			continue
		}
		if c == q && i+1 < len(b) && b[i+1] == q {
			i++
		}
		out = append(out, c)
	}
	return string(out)
}

// is reports whether t is the bare word w (case-insensitive).
func (l *lexer) is(t token, w string) bool {
	return t.kind == tkWord && equalFoldBytes(l.s[t.start:t.end], w)
}

func (l *lexer) isPunct(t token, p string) bool {
	return t.kind == tkPunct && string(l.s[t.start:t.end]) == p
}

func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
