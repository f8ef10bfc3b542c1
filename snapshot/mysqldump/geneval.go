package mysqldump

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

func (e *genLit) eval(*genEval) (genValue, error) { return e.v, nil }

func (e *genCol) eval(ev *genEval) (genValue, error) {
	c := &ev.t.Columns[e.i]
	v := ev.row[e.i]
	switch v.Kind {
	case Missing:
		return null, errNotComputed // a value the dump left out
	case Null:
		return null, nil
	}
	switch c.Type {
	case "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "year":
		if n, ok := parseNumber(v.Bytes); ok && n.kind == 'd' {
			return n, nil
		}
		return null, errNotComputed
	case "float", "double":
		f, err := strconv.ParseFloat(string(v.Bytes), 64)
		if err != nil {
			return null, errNotComputed
		}
		return genValue{kind: 'f', f: f}, nil
	case "json":
		j, err := parseJSON(v.Bytes)
		if err != nil {
			return null, errNotComputed
		}
		return genValue{kind: 'j', j: j}, nil
	case "bit":
		return null, errNotComputed
	}
	return genValue{kind: 's', s: v.Bytes}, nil
}

func (e *genNeg) eval(ev *genEval) (genValue, error) {
	x, err := e.x.eval(ev)
	if err != nil || x.kind == 'z' {
		return x, err
	}
	x = number(x)
	if x.kind == 'd' {
		return genValue{kind: 'd', dec: new(big.Int).Neg(x.dec), scale: x.scale}, nil
	}
	return genValue{kind: 'f', f: -x.f}, nil
}

func (e *genBin) eval(ev *genEval) (genValue, error) {
	x, err := e.x.eval(ev)
	if err != nil {
		return null, err
	}
	y, err := e.y.eval(ev)
	if err != nil {
		return null, err
	}
	if x.kind == 'z' || y.kind == 'z' {
		return null, nil
	}
	x, y = number(x), number(y)
	if x.kind == 'd' && y.kind == 'd' {
		return decimalOp(e.op, x, y), nil
	}
	a, b := toFloat(x), toFloat(y)
	var r float64
	switch e.op {
	case "+":
		r = a + b
	case "-":
		r = a - b
	case "*":
		r = a * b
	case "/", "%", "DIV":
		if b == 0 {
			return null, nil
		}
		switch e.op {
		case "/":
			r = a / b
		case "%":
			r = math.Mod(a, b)
		default:
			return genValue{kind: 'd', dec: big.NewInt(int64(math.Trunc(a / b)))}, nil
		}
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return null, errNotComputed
	}
	return genValue{kind: 'f', f: r}, nil
}

// decimalOp is x op y on exact decimals, as MySQL computes them: a
// quotient has the dividend's scale plus 4 (div_precision_increment),
// rounded half away from zero; division by zero is NULL.
func decimalOp(op string, x, y genValue) genValue {
	switch op {
	case "+", "-":
		s := max(x.scale, y.scale)
		a, b := rescale(x, s), rescale(y, s)
		if op == "+" {
			return genValue{kind: 'd', dec: a.Add(a, b), scale: s}
		}
		return genValue{kind: 'd', dec: a.Sub(a, b), scale: s}
	case "*":
		return genValue{kind: 'd', dec: new(big.Int).Mul(x.dec, y.dec), scale: x.scale + y.scale}
	}
	if y.dec.Sign() == 0 {
		return null
	}
	switch op {
	case "/":
		// x/y = X·10^-sx / (Y·10^-sy); at scale sx+4: X·10^(sy+4) / Y.
		num := new(big.Int).Mul(x.dec, pow10(y.scale+4))
		return genValue{kind: 'd', dec: divRound(num, y.dec), scale: x.scale + 4}
	case "DIV":
		s := max(x.scale, y.scale)
		q := new(big.Int).Quo(rescale(x, s), rescale(y, s))
		return genValue{kind: 'd', dec: q}
	default: // %
		s := max(x.scale, y.scale)
		return genValue{kind: 'd', dec: new(big.Int).Rem(rescale(x, s), rescale(y, s)), scale: s}
	}
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// rescale returns x's unscaled value at scale s ≥ x.scale.
func rescale(x genValue, s int) *big.Int {
	return new(big.Int).Mul(x.dec, pow10(s-x.scale))
}

// divRound returns a/b rounded half away from zero.
func divRound(a, b *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(a, b, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(b)) >= 0 {
		if a.Sign()*b.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// roundTo returns x rounded half away from zero to scale s.
func roundTo(x genValue, s int) genValue {
	if x.scale <= s {
		return genValue{kind: 'd', dec: rescale(x, s), scale: s}
	}
	return genValue{kind: 'd', dec: divRound(x.dec, pow10(x.scale-s)), scale: s}
}

// parseNumber parses a numeric literal: an exact decimal, or a float when
// it has an exponent.
func parseNumber(b []byte) (genValue, bool) {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return null, false
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		return genValue{kind: 'f', f: f}, err == nil
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" {
		return null, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return null, false
		}
	}
	d, _ := new(big.Int).SetString(digits, 10)
	if neg {
		d.Neg(d)
	}
	return genValue{kind: 'd', dec: d, scale: len(frac)}, true
}

// number converts a value for arithmetic as MySQL does: strings and JSON
// by their leading number (0 if none), as floats.
func number(v genValue) genValue {
	switch v.kind {
	case 'd', 'f':
		return v
	case 'j':
		if v.j.kind == 'n' {
			if n, ok := parseNumber([]byte(v.j.str)); ok {
				return n
			}
		}
		return genValue{kind: 'f'}
	}
	s := strings.TrimSpace(string(v.s))
	end := 0
	for end < len(s) && strings.IndexByte("0123456789.eE+-", s[end]) >= 0 {
		end++
	}
	for end > 0 {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return genValue{kind: 'f', f: f}
		}
		end--
	}
	return genValue{kind: 'f'}
}

func toFloat(v genValue) float64 {
	if v.kind == 'd' {
		f, _ := new(big.Rat).SetFrac(v.dec, pow10(v.scale)).Float64()
		return f
	}
	return v.f
}

// appendText appends v as a string, as CONCAT and a text column see it.
func appendText(dst []byte, v genValue) []byte {
	switch v.kind {
	case 'd':
		return appendDecimal(dst, v)
	case 'f':
		return appendFloat(dst, v.f, 64)
	case 'j':
		return appendJSON(dst, v.j)
	}
	return append(dst, v.s...)
}

func appendDecimal(dst []byte, v genValue) []byte {
	s := new(big.Int).Abs(v.dec).String()
	if v.dec.Sign() < 0 {
		dst = append(dst, '-')
	}
	if v.scale == 0 {
		return append(dst, s...)
	}
	if len(s) <= v.scale {
		s = strings.Repeat("0", v.scale-len(s)+1) + s
	}
	dst = append(dst, s[:len(s)-v.scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-v.scale:]...)
}

// appendFloat appends f as MySQL prints a double (or, bits 32, a float):
// the shortest form that reads back the same.
func appendFloat(dst []byte, f float64, bits int) []byte {
	b := strconv.AppendFloat(nil, f, 'g', -1, bits)
	return append(dst, bytes.Replace(b, []byte("e+"), []byte("e"), 1)...)
}

func (e *genArrow) eval(ev *genEval) (genValue, error) {
	x, err := e.x.eval(ev)
	if err != nil || x.kind == 'z' {
		return x, err
	}
	j, err := asJSON(x)
	if err != nil {
		return null, err
	}
	v := j.lookup(e.path)
	if v == nil {
		return null, nil
	}
	if e.unquote {
		return unquote(genValue{kind: 'j', j: v}), nil
	}
	return genValue{kind: 'j', j: v}, nil
}

// asJSON returns v as a JSON value: a string is parsed as JSON text.
func asJSON(v genValue) (*jsonValue, error) {
	switch v.kind {
	case 'j':
		return v.j, nil
	case 's':
		j, err := parseJSON(v.s)
		if err != nil {
			return nil, errNotComputed // MySQL refuses invalid JSON text
		}
		return j, nil
	case 'd':
		return &jsonValue{kind: 'n', str: string(appendDecimal(nil, v))}, nil
	}
	return &jsonValue{kind: 'n', str: string(appendFloat(nil, v.f, 64))}, nil
}

// unquote is JSON_UNQUOTE.
func unquote(v genValue) genValue {
	switch v.kind {
	case 'j':
		if v.j.kind == 's' {
			return genValue{kind: 's', s: []byte(v.j.str)}
		}
		return genValue{kind: 's', s: appendJSON(nil, v.j)}
	case 's':
		if len(v.s) >= 2 && v.s[0] == '"' && v.s[len(v.s)-1] == '"' {
			if j, err := parseJSON(v.s); err == nil && j.kind == 's' {
				return genValue{kind: 's', s: []byte(j.str)}
			}
		}
	}
	return v
}

func (e *genCall) eval(ev *genEval) (genValue, error) {
	args := make([]genValue, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ev)
		if err != nil {
			return null, err
		}
		args[i] = v
	}
	switch e.fn {
	case "json_extract":
		if args[0].kind == 'z' {
			return null, nil
		}
		j, err := asJSON(args[0])
		if err != nil {
			return null, err
		}
		var found []*jsonValue
		for _, p := range e.paths {
			if v := j.lookup(p); v != nil {
				found = append(found, v)
			}
		}
		switch {
		case len(found) == 0:
			return null, nil
		case len(e.paths) == 1:
			return genValue{kind: 'j', j: found[0]}, nil
		}
		return genValue{kind: 'j', j: &jsonValue{kind: 'a', vals: found}}, nil
	case "json_unquote":
		if args[0].kind == 'z' {
			return null, nil
		}
		return unquote(args[0]), nil
	case "concat", "concat_ws":
		var out []byte
		sep := genValue{}
		if e.fn == "concat_ws" {
			if sep = args[0]; sep.kind == 'z' {
				return null, nil
			}
			args = args[1:]
		}
		first := true
		for _, a := range args {
			if a.kind == 'z' {
				if e.fn == "concat" {
					return null, nil
				}
				continue
			}
			if !first && e.fn == "concat_ws" {
				out = appendText(out, sep)
			}
			out, first = appendText(out, a), false
		}
		if out == nil {
			out = []byte{}
		}
		return genValue{kind: 's', s: out}, nil
	}
	return dateFunc(e.fn, args[0])
}

// dateFunc evaluates the date functions on a DATE, DATETIME or TIMESTAMP
// (or TIME, for HOUR, MINUTE and SECOND) as text; NULL for what is not one.
func dateFunc(fn string, v genValue) (genValue, error) {
	if v.kind == 'z' {
		return null, nil
	}
	s := strings.TrimSpace(string(appendText(nil, v)))
	integer := func(n int) (genValue, error) { return genValue{kind: 'd', dec: big.NewInt(int64(n))}, nil }
	if fn == "hour" || fn == "minute" || fn == "second" {
		tm := s
		if len(s) >= 10 && s[4] == '-' {
			tm = strings.TrimSpace(s[10:])
		}
		parts := strings.Split(strings.SplitN(tm, ".", 2)[0], ":")
		if len(parts) != 3 {
			return null, nil
		}
		idx := map[string]int{"hour": 0, "minute": 1, "second": 2}[fn]
		n, err := strconv.Atoi(strings.TrimPrefix(parts[idx], "-"))
		if err != nil {
			return null, nil
		}
		return integer(n)
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return null, nil
	}
	y, e1 := strconv.Atoi(s[:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil || m > 12 || d > 31 {
		return null, nil
	}
	switch fn {
	case "year":
		return integer(y)
	case "month":
		return integer(m)
	case "day", "dayofmonth":
		return integer(d)
	case "quarter":
		return integer((m + 2) / 3)
	case "date":
		return genValue{kind: 's', s: []byte(s[:10])}, nil
	}
	if m == 0 || d == 0 {
		return null, nil // zero dates have no day of the week or year
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return null, nil
	}
	switch fn {
	case "dayofweek":
		return integer(int(t.Weekday()) + 1)
	case "weekday":
		return integer((int(t.Weekday()) + 6) % 7)
	default: // dayofyear
		return integer(t.YearDay())
	}
}

// coerce converts the result of column c's expression to the value MySQL
// stores in c, appending its bytes to buf.
func coerce(c *Column, v genValue, buf []byte) (Value, []byte, error) {
	if v.kind == 'z' {
		return Value{Kind: Null}, buf, nil
	}
	start := len(buf)
	out := func(k ValueKind) (Value, []byte, error) {
		return Value{Kind: k, Bytes: buf[start:len(buf):len(buf)]}, buf, nil
	}
	switch c.Type {
	case "tinyint", "smallint", "mediumint", "int", "bigint", "year", "decimal":
		n := number(v)
		if v.kind == 's' {
			var ok bool
			if n, ok = parseNumber(v.s); !ok {
				return Value{}, buf, errNotComputed
			}
		}
		scale := 0
		if c.Type == "decimal" {
			scale = c.Scale
		}
		if n.kind == 'f' {
			if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
				return Value{}, buf, errNotComputed
			}
			if scale == 0 {
				n.f = math.RoundToEven(n.f) // a double stored into an integer: rint
			}
			var ok bool
			if n, ok = parseNumber(strconv.AppendFloat(nil, n.f, 'f', -1, 64)); !ok {
				return Value{}, buf, errNotComputed
			}
		}
		buf = appendDecimal(buf, roundTo(n, scale))
		return out(Number)
	case "float", "double":
		bits := 64
		if c.Type == "float" {
			bits = 32
		}
		buf = appendFloat(buf, toFloat(number(v)), bits)
		return out(Number)
	case "json":
		j, err := asJSON(v)
		if err != nil {
			return Value{}, buf, err
		}
		buf = appendJSON(buf, j)
		return out(String)
	case "bit", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		return Value{}, buf, errNotComputed
	}
	buf = appendText(buf, v)
	return out(String)
}
