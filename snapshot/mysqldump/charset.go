package mysqldump

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// csKind tells how a character set converts to UTF-8.
type csKind uint8

const (
	csUTF8        csKind = iota // utf8mb4, utf8mb3: validated, not copied
	csBinary                    // binary: the bytes are in the column's charset
	csASCII                     // ascii: bytes ≥ 0x80 are invalid
	csSingle                    // a single-byte charset: a table
	csMulti                     // a multi-byte charset: a golang.org/x/text decoder
	csUnsupported               // a charset x/text lacks: ASCII text only
)

// charset is a MySQL character set as the scanner converts it to UTF-8.
type charset struct {
	name  string
	kind  csKind
	table *[256]rune        // csSingle: the character of each byte, -1 if none
	enc   encoding.Encoding // csMulti
	fffd  []byte            // csMulti: how the charset writes U+FFFD, if it can
	// asciiText is true when ASCII bytes are the ASCII characters (all
	// but the UTF-16 and UTF-32 sets).
	asciiText bool
}

// binaryCharset is MySQL's binary character set.
var binaryCharset = &charset{name: "binary", kind: csBinary}

// utf8mb4 is the character set of a dump that never says.
var utf8mb4 = &charset{name: "utf8mb4", kind: csUTF8}

// charsets are MySQL's character sets by (lower-case) name.
var charsets = func() map[string]*charset {
	m := map[string]*charset{
		"utf8mb4": utf8mb4,
		"utf8mb3": {name: "utf8mb3", kind: csUTF8},
		"utf8":    {name: "utf8", kind: csUTF8},
		"binary":  binaryCharset,
		"ascii":   {name: "ascii", kind: csASCII},
	}
	single := map[string]*charmap.Charmap{
		"latin2": charmap.ISO8859_2, "latin5": charmap.ISO8859_9, "latin7": charmap.ISO8859_13,
		"greek": charmap.ISO8859_7, "hebrew": charmap.ISO8859_8, "cp850": charmap.CodePage850,
		"cp852": charmap.CodePage852, "cp866": charmap.CodePage866, "cp1250": charmap.Windows1250,
		"cp1251": charmap.Windows1251, "cp1256": charmap.Windows1256, "cp1257": charmap.Windows1257,
		"koi8r": charmap.KOI8R, "koi8u": charmap.KOI8U, "macroman": charmap.Macintosh, "tis620": charmap.Windows874,
	}
	for name, cm := range single {
		m[name] = &charset{name: name, kind: csSingle, table: charmapTable(cm)}
	}
	// MySQL's latin1 is Windows-1252 with the five bytes it leaves
	// undefined mapped to the C1 controls of the same number.
	latin1 := charmapTable(charmap.Windows1252)
	for _, b := range []byte{0x81, 0x8d, 0x8f, 0x90, 0x9d} {
		latin1[b] = rune(b)
	}
	m["latin1"] = &charset{name: "latin1", kind: csSingle, table: latin1}
	multi := map[string]encoding.Encoding{
		"sjis": japanese.ShiftJIS, "cp932": japanese.ShiftJIS, "ujis": japanese.EUCJP, "eucjpms": japanese.EUCJP,
		"euckr": korean.EUCKR, "gbk": simplifiedchinese.GBK, "gb2312": simplifiedchinese.GBK,
		"gb18030": simplifiedchinese.GB18030, "big5": traditionalchinese.Big5,
		"ucs2": unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf16": unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
		"utf16le": unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf32": utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM),
	}
	for name, enc := range multi {
		cs := &charset{name: name, kind: csMulti, enc: enc}
		if b, err := enc.NewEncoder().Bytes([]byte("\uFFFD")); err == nil {
			cs.fffd = b
		}
		m[name] = cs
	}
	for name, cs := range m {
		cs.asciiText = !strings.HasPrefix(name, "utf16") && !strings.HasPrefix(name, "utf32") && name != "ucs2"
	}
	return m
}()

// charmapTable returns the character of each byte of cm (-1 if none).
func charmapTable(cm *charmap.Charmap) *[256]rune {
	var t [256]rune
	for b := 0; b < 256; b++ {
		t[b] = cm.DecodeByte(byte(b))
		if t[b] == utf8.RuneError {
			t[b] = -1
		}
	}
	return &t
}

// lookupCharset returns the charset named name (case-insensitive); a name
// MySQL knows and the converter does not, or an unknown one, gives a
// charset that passes ASCII text only.
func lookupCharset(name []byte) *charset {
	if cs := charsets[string(name)]; cs != nil {
		return cs
	}
	return charsetNamed(string(name))
}

// charsetNamed is lookupCharset of a string ("" gives nil).
func charsetNamed(name string) *charset {
	if name == "" {
		return nil
	}
	lower := strings.ToLower(name)
	if cs := charsets[lower]; cs != nil {
		return cs
	}
	return &charset{name: lower, kind: csUnsupported, asciiText: true}
}

// charsetOfCollation returns the charset of a collation
// ("latin1_swedish_ci" → latin1, "binary" → binary).
func charsetOfCollation(collation string) *charset {
	if collation == "" {
		return nil
	}
	name, _, _ := strings.Cut(collation, "_")
	return charsetNamed(name)
}

// passesAsIs reports whether text in cs is its own UTF-8 once validated.
func (cs *charset) passesAsIs() bool { return cs.kind == csUTF8 }

// appendUTF8 appends to dst the UTF-8 form of b, text in cs (not binary).
// bad is the offset in b of the first byte sequence invalid in cs (-1 if
// none; len(b) when a multi-byte charset cannot tell where).
func (cs *charset) appendUTF8(dst, b []byte) (out []byte, bad int) {
	switch cs.kind {
	case csUTF8:
		if utf8.Valid(b) {
			return append(dst, b...), -1
		}
		return dst, invalidUTF8At(b)
	case csASCII, csUnsupported:
		for i, c := range b {
			if c >= 0x80 {
				return dst, i
			}
		}
		return append(dst, b...), -1
	case csSingle:
		for i, c := range b {
			if c < 0x80 {
				dst = append(dst, c)
				continue
			}
			r := cs.table[c]
			if r < 0 {
				return dst, i
			}
			dst = utf8.AppendRune(dst, r)
		}
		return dst, -1
	case csMulti:
		start := len(dst)
		dst, _, err := transform.Append(cs.enc.NewDecoder(), dst, b)
		if err != nil {
			return dst[:start], len(b)
		}
		// x/text replaces what it cannot decode with U+FFFD.
		if n := bytes.Count(dst[start:], []byte("\uFFFD")); n > 0 && (cs.fffd == nil || bytes.Count(b, cs.fffd) != n) {
			return dst[:start], len(b)
		}
		return dst, -1
	}
	return append(dst, b...), -1
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence of b.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// hasNonASCII reports whether b holds a byte ≥ 0x80.
func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
