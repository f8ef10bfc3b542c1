package mysqldump

import "bytes"

// tokKind is the kind of a token of the small SQL tokenizer used to
// classify statements and to parse CREATE TABLE and INSERT headers (never
// on the per-row hot path).
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokWord           // keyword, bare identifier or number
	tokIdent          // `backquoted` identifier
	tokString         // '…' or "…" string, raw with quotes
	tokPunct          // one other byte
)

type token struct {
	kind       tokKind
	raw        []byte // the token's bytes as written
	start, end int    // offsets in the tokenizer's input
}

// is reports whether t is the word w (case-insensitive).
func (t token) is(w string) bool {
	return t.kind == tokWord && len(t.raw) == len(w) && equalFold(string(t.raw), w)
}

// isPunct reports whether t is the punctuation byte c.
func (t token) isPunct(c byte) bool {
	return t.kind == tokPunct && t.raw[0] == c
}

// name returns an identifier's name: backquotes removed and doubled
// backquotes undone; words as written; strings unescaped.
func (t token) name() string {
	switch t.kind {
	case tokIdent:
		inner := t.raw[1 : len(t.raw)-1]
		if bytes.IndexByte(inner, '`') < 0 {
			return string(inner)
		}
		return string(bytes.ReplaceAll(inner, []byte("``"), []byte("`")))
	case tokString:
		return string(AppendUnescaped(nil, t.raw[1:len(t.raw)-1], t.raw[0]))
	}
	return string(t.raw)
}

// tokenizer splits SQL text into tokens, skipping whitespace, comments and
// the markers of executable comments (/*!NNNNN and the matching */), so the
// text inside an executable comment reads as ordinary SQL.
type tokenizer struct {
	s      []byte
	i      int
	inCond bool
	// view, if set, says which executable comments apply: the others are
	// skipped like plain comments. Nil reads every one as SQL (how
	// statements are classified).
	view *dialect
	// bad is set when the text ends inside a string or comment.
	bad bool
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func (z *tokenizer) next() token {
	s := z.s
	for z.i < len(s) {
		c := s[z.i]
		switch {
		case isSpace(c):
			z.i++
			continue
		case c == '#':
			z.skipLine()
			continue
		case c == '-':
			if yes, _ := lineCommentAt(s, z.i, true); yes {
				z.skipLine()
				continue
			}
		case c == '/' && z.i+1 < len(s) && s[z.i+1] == '*':
			if body, v, mdb, ok := condAt(s, z.i); ok && !z.inCond && (z.view == nil || z.view.applies(v, mdb)) {
				z.inCond = true
				z.i = body
				continue
			}
			j := bytes.Index(s[z.i+2:], []byte("*/"))
			if j < 0 {
				z.bad = true
				z.i = len(s)
				return token{kind: tokEOF, start: len(s), end: len(s)}
			}
			z.i += j + 4
			continue
		case c == '*' && z.inCond && z.i+1 < len(s) && s[z.i+1] == '/':
			z.inCond = false
			z.i += 2
			continue
		}
		start := z.i
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(s, z.i, true)
			if j < 0 {
				z.bad = true
				z.i = len(s)
				return token{kind: tokEOF, start: len(s), end: len(s)}
			}
			z.i = j
			k := tokString
			if c == '`' {
				k = tokIdent
			}
			return token{kind: k, raw: s[start:j], start: start, end: j}
		case isWordByte(c):
			digit := c >= '0' && c <= '9'
			j := z.i + 1
			for j < len(s) && (isWordByte(s[j]) || digit && s[j] == '.') {
				j++
			}
			z.i = j
			return token{kind: tokWord, raw: s[start:j], start: start, end: j}
		default:
			z.i++
			return token{kind: tokPunct, raw: s[start : start+1], start: start, end: start + 1}
		}
	}
	return token{kind: tokEOF, start: len(s), end: len(s)}
}

func (z *tokenizer) skipLine() {
	j := bytes.IndexByte(z.s[z.i:], '\n')
	if j < 0 {
		z.i = len(z.s)
		return
	}
	z.i += j + 1
}

// peek returns the next token without consuming it.
func (z *tokenizer) peek() token {
	save, cond := z.i, z.inCond
	t := z.next()
	z.i, z.inCond = save, cond
	return t
}

// skipBalanced consumes tokens up to and including the ')' matching an
// already consumed '('. It returns false if the text ends first.
func (z *tokenizer) skipBalanced() bool {
	depth := 1
	for {
		t := z.next()
		switch {
		case t.kind == tokEOF:
			return false
		case t.isPunct('('):
			depth++
		case t.isPunct(')'):
			depth--
			if depth == 0 {
				return true
			}
		}
	}
}

// qualifiedName reads name or db.name starting with t and returns the last
// part.
func (z *tokenizer) qualifiedName(t token) string {
	_, name := z.qualified(t)
	return name
}

// qualified reads name or db.name starting with t and returns both parts
// (db "" when the name is not qualified).
func (z *tokenizer) qualified(t token) (db, name string) {
	name = t.name()
	for z.peek().isPunct('.') {
		z.next()
		t = z.next()
		if t.kind != tokIdent && t.kind != tokWord {
			break
		}
		db, name = name, t.name()
	}
	return db, name
}
