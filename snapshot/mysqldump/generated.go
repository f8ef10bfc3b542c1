package mysqldump

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// A generation expression compiled for computing the values of a
// generated column the dump leaves out. The forms real dumps use are
// supported: column references, numbers, strings (with introducers) and
// NULL; unary -, + - * / DIV % MOD; JSON_EXTRACT, JSON_UNQUOTE, -> and
// ->>; CONCAT, CONCAT_WS; YEAR, MONTH, DAY(OFMONTH), HOUR, MINUTE,
// SECOND, DATE, QUARTER, DAYOFWEEK, WEEKDAY, DAYOFYEAR. compileGenerated
// refuses anything else, and the column keeps no value.
type genExpr interface {
	eval(ev *genEval) (genValue, error)
}

// genValue is a value during evaluation.
type genValue struct {
	kind  byte     // 'z' NULL, 'd' exact decimal, 'f' float, 's' string, 'j' JSON
	dec   *big.Int // 'd': the unscaled value
	scale int      // 'd': digits after the point
	f     float64
	s     []byte
	j     *jsonValue
}

var null = genValue{kind: 'z'}

// errNotComputed means the expression cannot give the value MySQL would
// (a value it needs is missing, or is not what MySQL would accept).
var errNotComputed = errors.New("not computed")

// genEval is the row an expression is evaluated on.
type genEval struct {
	t   *Table
	row []Value
}

type (
	genCol struct{ i int }
	genLit struct{ v genValue }
	genNeg struct{ x genExpr }
	genBin struct {
		op   string
		x, y genExpr
	}
	genCall struct {
		fn    string
		args  []genExpr
		paths [][]jsonStep
	}
	genArrow struct {
		x       genExpr
		path    []jsonStep
		unquote bool
	}
)

// compileGenerated compiles column i's generation expression.
func compileGenerated(t *Table, i int) (genExpr, error) {
	p := &genParser{z: &tokenizer{s: []byte(t.Columns[i].Expression), view: &dialect{}}, t: t}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if tok := p.z.next(); tok.kind != tokEOF || p.z.bad {
		return nil, fmt.Errorf("unexpected %q", tok.raw)
	}
	return e, nil
}

type genParser struct {
	z *tokenizer
	t *Table
}

func (p *genParser) expr() (genExpr, error) {
	x, err := p.term()
	for err == nil {
		n := p.z.peek()
		if !n.isPunct('+') && !(n.isPunct('-') && !p.arrowNext()) {
			return x, nil
		}
		p.z.next()
		var y genExpr
		if y, err = p.term(); err == nil {
			x = &genBin{op: string(n.raw), x: x, y: y}
		}
	}
	return nil, err
}

func (p *genParser) term() (genExpr, error) {
	x, err := p.unary()
	for err == nil {
		n := p.z.peek()
		var op string
		switch {
		case n.isPunct('*'), n.isPunct('/'), n.isPunct('%'):
			op = string(n.raw)
		case n.is("DIV"):
			op = "DIV"
		case n.is("MOD"):
			op = "%"
		default:
			return x, nil
		}
		p.z.next()
		var y genExpr
		if y, err = p.unary(); err == nil {
			x = &genBin{op: op, x: x, y: y}
		}
	}
	return nil, err
}

func (p *genParser) unary() (genExpr, error) {
	switch n := p.z.peek(); {
	case n.isPunct('-'):
		p.z.next()
		x, err := p.unary()
		return &genNeg{x: x}, err
	case n.isPunct('+'):
		p.z.next()
		return p.unary()
	}
	x, err := p.primary()
	for err == nil && p.arrowNext() {
		p.z.next() // -
		p.z.next() // >
		a := &genArrow{x: x}
		if p.z.peek().isPunct('>') {
			p.z.next()
			a.unquote = true
		}
		s := p.z.next()
		if s.kind == tokWord && s.raw[0] == '_' {
			s = p.z.next()
		}
		if s.kind != tokString {
			return nil, fmt.Errorf("-> takes a path string")
		}
		if a.path, err = parseJSONPath(s.name()); err == nil {
			x = a
		}
	}
	return x, err
}

// arrowNext reports whether "->" comes next (the two bytes adjacent).
func (p *genParser) arrowNext() bool {
	save, cond := p.z.i, p.z.inCond
	defer func() { p.z.i, p.z.inCond = save, cond }()
	a := p.z.next()
	b := p.z.next()
	return a.isPunct('-') && b.isPunct('>') && b.start == a.end
}

func (p *genParser) primary() (genExpr, error) {
	t := p.z.next()
	switch {
	case t.isPunct('('):
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.z.next().isPunct(')') {
			return nil, fmt.Errorf("parenthesis not closed")
		}
		return x, nil
	case t.kind == tokString:
		return &genLit{v: genValue{kind: 's', s: []byte(t.name())}}, nil
	case t.kind == tokIdent:
		return p.column(t.name())
	case t.kind != tokWord:
		return nil, fmt.Errorf("unexpected %q", t.raw)
	case t.raw[0] >= '0' && t.raw[0] <= '9' || t.raw[0] == '.':
		text := string(t.raw)
		if (text[len(text)-1] == 'e' || text[len(text)-1] == 'E') && (p.z.peek().isPunct('-') || p.z.peek().isPunct('+')) {
			sign := p.z.next()
			text += string(sign.raw) + string(p.z.next().raw)
		}
		v, ok := parseNumber([]byte(text))
		if !ok {
			return nil, fmt.Errorf("bad number %q", text)
		}
		return &genLit{v: v}, nil
	case t.raw[0] == '_' && p.z.peek().kind == tokString:
		s := p.z.next()
		return &genLit{v: genValue{kind: 's', s: []byte(s.name())}}, nil
	case t.is("NULL"):
		return &genLit{v: null}, nil
	case t.is("TRUE"), t.is("FALSE"):
		n := int64(0)
		if t.is("TRUE") {
			n = 1
		}
		return &genLit{v: genValue{kind: 'd', dec: big.NewInt(n)}}, nil
	case p.z.peek().isPunct('('):
		return p.call(strings.ToLower(string(t.raw)))
	}
	return p.column(t.name())
}

func (p *genParser) column(name string) (genExpr, error) {
	if i := p.t.ColumnIndex(name); i >= 0 {
		return &genCol{i: i}, nil
	}
	return nil, fmt.Errorf("unknown column %q", name)
}

// genFuncs are the functions supported, with their argument counts (-1:
// one or more).
var genFuncs = map[string]int{
	"json_extract": -1, "json_unquote": 1, "concat": -1, "concat_ws": -1,
	"year": 1, "month": 1, "day": 1, "dayofmonth": 1, "hour": 1, "minute": 1, "second": 1,
	"date": 1, "quarter": 1, "dayofweek": 1, "weekday": 1, "dayofyear": 1,
}

func (p *genParser) call(fn string) (genExpr, error) {
	want, ok := genFuncs[fn]
	if !ok {
		return nil, fmt.Errorf("function %s is not supported", fn)
	}
	p.z.next() // (
	c := &genCall{fn: fn}
	if !p.z.peek().isPunct(')') {
		for {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			if !p.z.peek().isPunct(',') {
				break
			}
			p.z.next()
		}
	}
	if !p.z.next().isPunct(')') {
		return nil, fmt.Errorf("%s( not closed", fn)
	}
	if want > 0 && len(c.args) != want || len(c.args) == 0 || fn == "json_extract" && len(c.args) < 2 {
		return nil, fmt.Errorf("%s takes %d arguments", fn, want)
	}
	if fn == "json_extract" {
		for _, a := range c.args[1:] {
			lit, ok := a.(*genLit)
			if !ok || lit.v.kind != 's' {
				return nil, fmt.Errorf("json_extract paths must be strings")
			}
			path, err := parseJSONPath(string(lit.v.s))
			if err != nil {
				return nil, err
			}
			c.paths = append(c.paths, path)
		}
	}
	return c, nil
}

// generatedColumns compiles the expressions of ti's generated columns.
func (s *scanner) generatedColumns(ti *tableInfo) {
	t := ti.t
	for i := range t.Columns {
		c := &t.Columns[i]
		if !c.Generated || c.Expression == "" {
			continue
		}
		e, err := compileGenerated(t, i)
		if err != nil {
			s.log.Info("generated column not computed: its expression is not one Scan evaluates", "table", t.QualifiedName(),
				"column", c.Name, "expression", c.Expression, "reason", err.Error())
			continue
		}
		if ti.gen == nil {
			ti.gen = make([]genExpr, len(t.Columns))
		}
		ti.gen[i] = e
	}
}

// computeGenerated gives the generated columns the dump left out of a row
// their values, in column order (so one may use another before it). A
// value that cannot be computed stays Missing.
func (s *scanner) computeGenerated(ti *tableInfo, vals []Value) {
	ev := genEval{t: ti.t, row: vals}
	for i, e := range ti.gen {
		if e == nil || vals[i].Kind != Missing {
			continue
		}
		r, err := e.eval(&ev)
		if err != nil {
			continue
		}
		v, buf, err := coerce(&ti.t.Columns[i], r, s.scratch)
		s.scratch = buf
		if err == nil {
			vals[i] = v
		}
	}
}
