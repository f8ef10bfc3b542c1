package mysqldump

import "strings"

// session is what the scanner keeps of the dump's client session: the
// character set the client sends text in, and the user variables a dump
// saves it in (SET @saved_cs_client = @@character_set_client … SET
// character_set_client = @saved_cs_client).
type session struct {
	client *charset
	vars   map[string]string // user variables, by lower-case name
}

func newSession() session {
	return session{client: utf8mb4, vars: map[string]string{}}
}

// set applies a SET statement: SET NAMES, SET CHARACTER SET and
// assignments of character_set_client and of user variables (whose values
// are kept when they are names or other variables). Other assignments
// are ignored.
func (s *scanner) set(st *Statement) {
	z := &tokenizer{s: st.Text, view: &s.view}
	if !z.next().is("SET") {
		return
	}
	for {
		t := z.next()
		switch {
		case t.kind == tokEOF:
			return
		case t.is("NAMES"):
			if name := s.session.value(z); name != "" {
				s.setClient(name, st)
			}
		case t.is("CHARACTER") && z.peek().is("SET"), t.is("CHARSET"):
			if t.is("CHARACTER") {
				z.next()
			}
			if name := s.session.value(z); name != "" {
				s.setClient(name, st)
			}
		default:
			user, name := assignTarget(z, t)
			if name == "" {
				break
			}
			if op := z.next(); op.isPunct(':') {
				z.next() // :=
			} else if !op.isPunct('=') {
				break
			}
			v := s.session.value(z)
			switch {
			case user:
				s.session.vars[name] = v
			case name == "character_set_client" && v != "":
				s.setClient(v, st)
			}
		}
		// on to the next assignment
		for t := z.peek(); t.kind != tokEOF && !t.isPunct(','); t = z.peek() {
			if z.next().isPunct('(') {
				z.skipBalanced()
			}
		}
		if z.next().kind == tokEOF {
			return
		}
	}
}

func (s *scanner) setClient(name string, st *Statement) {
	if strings.EqualFold(name, "default") {
		s.session.client = utf8mb4
		return
	}
	s.session.client = charsetNamed(name)
	s.log.Debug("client character set", "charset", s.session.client.name, "line", st.Line)
}

// assignTarget reads the variable an assignment starting with t sets:
// @user (user true), @@[session.]name, [SESSION|LOCAL] name. Names are
// lower-case; "" if t starts no assignment (or a GLOBAL one).
func assignTarget(z *tokenizer, t token) (user bool, name string) {
	if t.isPunct('@') {
		if !z.peek().isPunct('@') {
			n := z.next()
			return true, strings.ToLower(n.name())
		}
		z.next()
		n := z.next()
		if z.peek().isPunct('.') {
			if !n.is("SESSION") && !n.is("LOCAL") {
				return false, ""
			}
			z.next()
			n = z.next()
		}
		return false, strings.ToLower(n.name())
	}
	if t.is("GLOBAL") || t.is("PERSIST") || t.is("PERSIST_ONLY") {
		return false, ""
	}
	if t.is("SESSION") || t.is("LOCAL") {
		t = z.next()
	}
	if t.kind != tokWord && t.kind != tokIdent {
		return false, ""
	}
	return false, strings.ToLower(t.name())
}

// value reads the value of an assignment: a name, string or number, a user
// variable or @@character_set_client. It returns "" for anything else.
func (ss *session) value(z *tokenizer) string {
	t := z.next()
	var v string
	switch {
	case t.isPunct('@'):
		if !z.peek().isPunct('@') {
			v = ss.vars[strings.ToLower(z.next().name())]
			break
		}
		z.next()
		n := z.next()
		if (n.is("SESSION") || n.is("LOCAL")) && z.peek().isPunct('.') {
			z.next()
			n = z.next()
		}
		if strings.EqualFold(n.name(), "character_set_client") {
			v = ss.client.name
		}
	case t.kind == tokWord || t.kind == tokIdent || t.kind == tokString:
		v = t.name()
	}
	if n := z.peek(); !n.isPunct(',') && n.kind != tokEOF && !n.is("COLLATE") {
		return "" // an expression
	}
	return v
}
