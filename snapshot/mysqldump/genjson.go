package mysqldump

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// jsonValue is a JSON value as MySQL holds it, for generated columns.
// Numbers keep their text.
type jsonValue struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 't' true, 'f' false, 'z' null
	str  string
	keys []string
	vals []*jsonValue
}

// parseJSON parses JSON text. An object's duplicate keys keep the last
// value, as MySQL 8 does.
func parseJSON(b []byte) (*jsonValue, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeJSON(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
}

func decodeJSON(d *json.Decoder) (*jsonValue, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jsonValue{kind: 'o'}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				e, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				if i := slices.Index(v.keys, k); i >= 0 {
					v.vals[i] = e
					continue
				}
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, e)
			}
			_, err := d.Token()
			return v, err
		case '[':
			v := &jsonValue{kind: 'a'}
			for d.More() {
				e, err := decodeJSON(d)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, e)
			}
			_, err := d.Token()
			return v, err
		}
	case string:
		return &jsonValue{kind: 's', str: t}, nil
	case json.Number:
		return &jsonValue{kind: 'n', str: t.String()}, nil
	case bool:
		if t {
			return &jsonValue{kind: 't'}, nil
		}
		return &jsonValue{kind: 'f'}, nil
	case nil:
		return &jsonValue{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// appendJSON appends v as MySQL prints a JSON value: object keys sorted by
// length, then bytes; ", " and ": " between items.
func appendJSON(dst []byte, v *jsonValue) []byte {
	switch v.kind {
	case 'o':
		order := make([]int, len(v.keys))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			ka, kb := v.keys[a], v.keys[b]
			if len(ka) != len(kb) {
				return len(ka) - len(kb)
			}
			return strings.Compare(ka, kb)
		})
		dst = append(dst, '{')
		for n, i := range order {
			if n > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, v.keys[i])
			dst = append(dst, ": "...)
			dst = appendJSON(dst, v.vals[i])
		}
		return append(dst, '}')
	case 'a':
		dst = append(dst, '[')
		for n, e := range v.vals {
			if n > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case 's':
		return appendJSONString(dst, v.str)
	case 'n':
		return append(dst, v.str...)
	case 't':
		return append(dst, "true"...)
	case 'f':
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// appendJSONString appends s quoted as MySQL quotes JSON strings.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, fmt.Sprintf(`\u%04x`, c)...)
				continue
			}
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// jsonStep is one step of a JSON path: a member name, or an array index
// (from the end when last is set: [last-N]).
type jsonStep struct {
	key    string
	member bool
	index  int
	last   bool
}

// parseJSONPath parses the paths MySQL's JSON functions take: $ followed
// by .key, ."key", [N], [last] and [last-N]. Wildcards and ranges, which
// make a result of many values, are not supported.
func parseJSONPath(p string) ([]jsonStep, error) {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("JSON path %q does not start with $", p)
	}
	var steps []jsonStep
	i := 1
	for i < len(p) {
		switch p[i] {
		case ' ', '\t':
			i++
		case '.':
			i++
			for i < len(p) && p[i] == ' ' {
				i++
			}
			if i < len(p) && p[i] == '"' {
				j := i + 1
				for j < len(p) && p[j] != '"' {
					if p[j] == '\\' {
						j++
					}
					j++
				}
				if j >= len(p) {
					return nil, fmt.Errorf("JSON path %q: unclosed key", p)
				}
				k, err := strconv.Unquote(p[i : j+1])
				if err != nil {
					return nil, fmt.Errorf("JSON path %q: %v", p, err)
				}
				steps = append(steps, jsonStep{key: k, member: true})
				i = j + 1
				continue
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' && p[j] != ' ' {
				j++
			}
			if j == i || p[i:j] == "*" {
				return nil, fmt.Errorf("JSON path %q: wildcards are not supported", p)
			}
			steps = append(steps, jsonStep{key: p[i:j], member: true})
			i = j
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("JSON path %q: unclosed [", p)
			}
			in := strings.TrimSpace(p[i+1 : i+j])
			st := jsonStep{}
			if rest, ok := strings.CutPrefix(in, "last"); ok {
				st.last = true
				in = strings.TrimSpace(rest)
				if in != "" {
					n, ok := strings.CutPrefix(in, "-")
					if !ok {
						return nil, fmt.Errorf("JSON path %q: bad index", p)
					}
					in = strings.TrimSpace(n)
				} else {
					in = "0"
				}
			}
			n, err := strconv.Atoi(in)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("JSON path %q: index %q is not supported", p, p[i+1:i+j])
			}
			st.index = n
			steps = append(steps, st)
			i += j + 1
		default:
			return nil, fmt.Errorf("JSON path %q is not supported", p)
		}
	}
	return steps, nil
}

// lookup follows path from v; nil if it leads nowhere. As MySQL does, [0]
// of a value that is not an array is the value itself.
func (v *jsonValue) lookup(path []jsonStep) *jsonValue {
	for _, st := range path {
		if st.member {
			if v.kind != 'o' {
				return nil
			}
			i := slices.Index(v.keys, st.key)
			if i < 0 {
				return nil
			}
			v = v.vals[i]
			continue
		}
		if v.kind != 'a' {
			if st.index == 0 {
				continue
			}
			return nil
		}
		i := st.index
		if st.last {
			i = len(v.vals) - 1 - st.index
		}
		if i < 0 || i >= len(v.vals) {
			return nil
		}
		v = v.vals[i]
	}
	return v
}
