package mysqldump

import "strings"

// Classify returns the kind of the SQL statement text (which may hold
// executable comments) and the table and object names it concerns, as
// Statement reports them.
func Classify(text []byte) (kind StatementKind, table, name string) {
	st := Statement{Text: text}
	classifyInto(&st)
	return st.Kind, st.Table, st.Name
}

// classifyInto sets st's Kind, Table and Name from st.Text.
func classifyInto(st *Statement) {
	z := &tokenizer{s: st.Text}
	t := z.next()
	if t.kind != tokWord {
		st.Kind = KindOther
		return
	}
	switch {
	case t.is("SET"):
		st.Kind = KindSet
	case t.is("INSERT"), t.is("REPLACE"):
		st.Kind = KindInsert
		if t.is("REPLACE") {
			st.Kind = KindReplace
		}
		for {
			t = z.next()
			if t.is("INTO") {
				t = z.next()
				break
			}
			if !t.isInsertModifier() {
				break
			}
		}
		if t.kind == tokIdent || t.kind == tokWord {
			st.Table = z.qualifiedName(t)
			st.Name = st.Table
		} else {
			st.Kind = KindOther
		}
	case t.is("DROP"):
		obj := z.next()
		if obj.is("TEMPORARY") {
			obj = z.next()
		}
		k, ok := dropKinds[strings.ToUpper(string(obj.raw))]
		if obj.kind != tokWord || !ok {
			st.Kind = KindOther
			return
		}
		st.Kind = k
		n := z.next()
		if n.is("IF") && z.peek().is("EXISTS") {
			z.next()
			n = z.next()
		}
		if n.kind == tokIdent || n.kind == tokWord {
			st.Name = z.qualifiedName(n)
			if k == KindDropTable {
				st.Table = st.Name
			}
		}
	case t.is("CREATE"):
		classifyCreate(z, st)
	case t.is("USE"):
		st.Kind = KindUse
		if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
			st.Name = n.name()
		}
	case t.is("LOCK"):
		n := z.next()
		if !(n.is("TABLES") || n.is("TABLE")) {
			st.Kind = KindOther
			return
		}
		st.Kind = KindLockTables
		if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
			st.Table = z.qualifiedName(n)
			st.Name = st.Table
		}
	case t.is("UNLOCK"):
		if n := z.next(); n.is("TABLES") || n.is("TABLE") {
			st.Kind = KindUnlockTables
		}
	case t.is("ALTER"):
		n := z.next()
		switch {
		case n.is("TABLE"):
			st.Kind = KindAlterTable
			if n := z.next(); n.kind == tokIdent || n.kind == tokWord {
				st.Table = z.qualifiedName(n)
				st.Name = st.Table
				a, b, c := z.next(), z.next(), z.next()
				if (a.is("DISABLE") || a.is("ENABLE")) && b.is("KEYS") && c.kind == tokEOF && !z.bad {
					st.Kind = KindAlterTableKeys
				}
			}
		case n.is("DATABASE"), n.is("SCHEMA"):
			st.Kind = KindAlterDatabase
			if n := z.next(); n.kind == tokIdent {
				st.Name = n.name()
			}
		}
	case t.is("START"):
		if z.next().is("TRANSACTION") {
			st.Kind = KindStartTransaction
		}
	case t.is("BEGIN"):
		if n := z.next(); n.kind == tokEOF || n.is("WORK") {
			st.Kind = KindStartTransaction
		}
	case t.is("COMMIT"):
		st.Kind = KindCommit
	case t.is("ROLLBACK"):
		if n := z.next(); n.kind == tokEOF || n.is("WORK") {
			st.Kind = KindRollback
		}
	}
}

// classifyCreate classifies CREATE … after the CREATE keyword.
func classifyCreate(z *tokenizer, st *Statement) {
	for {
		t := z.next()
		switch {
		case t.kind != tokWord:
			return
		case t.is("OR"):
			if !z.next().is("REPLACE") {
				return
			}
		case t.is("TEMPORARY"), t.is("AGGREGATE"), t.is("ONLINE"), t.is("OFFLINE"):
		case t.is("ALGORITHM"):
			if !z.next().isPunct('=') {
				return
			}
			z.next()
		case t.is("DEFINER"):
			if !z.next().isPunct('=') {
				return
			}
			u := z.next()
			if u.kind == tokEOF {
				return
			}
			if u.is("CURRENT_USER") && z.peek().isPunct('(') {
				z.next()
				z.next()
			}
			if z.peek().isPunct('@') {
				z.next()
				z.next()
			}
		case t.is("SQL"):
			if !z.next().is("SECURITY") {
				return
			}
			z.next()
		case t.is("TABLE"):
			st.Kind = KindCreateTable
			st.Table = objectName(z)
			st.Name = st.Table
			return
		case t.is("TRIGGER"):
			st.Kind = KindCreateTrigger
			st.Name = objectName(z)
			for {
				n := z.next()
				if n.kind == tokEOF {
					return
				}
				if n.is("ON") {
					if tt := z.next(); tt.kind == tokIdent || tt.kind == tokWord {
						st.Table = z.qualifiedName(tt)
					}
					return
				}
			}
		default:
			for _, ck := range createKinds {
				if t.is(ck.word) {
					st.Kind = ck.kind
					st.Name = objectName(z)
					break
				}
			}
			return
		}
	}
}

// createKinds maps the object word after CREATE […] to its kind, for the
// objects whose statement only names the object (TABLE and TRIGGER also
// name a table).
var createKinds = []struct {
	word string
	kind StatementKind
}{{"VIEW", KindCreateView}, {"PROCEDURE", KindCreateProcedure}, {"FUNCTION", KindCreateFunction},
	{"EVENT", KindCreateEvent}, {"DATABASE", KindCreateDatabase}, {"SCHEMA", KindCreateDatabase}}

// objectName reads [IF NOT EXISTS] name.
func objectName(z *tokenizer) string {
	_, name, _ := qualifiedObject(z)
	return name
}

// qualifiedObject reads [IF NOT EXISTS] [db.]name.
func qualifiedObject(z *tokenizer) (db, name string, ifNotExists bool) {
	t := z.next()
	if t.is("IF") && z.peek().is("NOT") {
		z.next()
		if z.peek().is("EXISTS") {
			z.next()
		}
		t = z.next()
		ifNotExists = true
	}
	if t.kind != tokIdent && t.kind != tokWord {
		return "", "", ifNotExists
	}
	db, name = z.qualified(t)
	return db, name, ifNotExists
}

// dropKinds maps the object word after DROP [TEMPORARY] to its kind.
var dropKinds = map[string]StatementKind{"TABLE": KindDropTable, "VIEW": KindDropView, "TRIGGER": KindDropTrigger,
	"PROCEDURE": KindDropProcedure, "FUNCTION": KindDropFunction, "EVENT": KindDropEvent,
	"DATABASE": KindDropDatabase, "SCHEMA": KindDropDatabase}

// isInsertModifier reports whether t is a modifier that may stand between
// INSERT/REPLACE and INTO.
func (t token) isInsertModifier() bool {
	return t.is("IGNORE") || t.is("LOW_PRIORITY") || t.is("DELAYED") || t.is("HIGH_PRIORITY")
}
