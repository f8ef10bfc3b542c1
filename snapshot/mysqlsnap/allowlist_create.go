package mysqlsnap

import (
	"fmt"
	"strings"
)

// createTableForbidden are words never allowed in a CREATE TABLE.
var createTableForbidden = map[string]string{
	"SELECT":     "CREATE TABLE … SELECT",
	"DIRECTORY":  "DATA DIRECTORY/INDEX DIRECTORY",
	"CONNECTION": "CONNECTION= (a FEDERATED/CONNECT table)",
	"UNION":      "UNION= (a MERGE table)",
	"LOAD_FILE":  "LOAD_FILE",
	"INTO":       "INTO",
}

// allowedEngines are the storage engines a dump's tables may use.
var allowedEngines = map[string]bool{
	"innodb": true, "myisam": true, "aria": true, "memory": true, "heap": true, "archive": true,
}

// systemEngines are the engines of the system databases' own tables
// (mysql.general_log and slow_log are CSV), accepted in a database whose
// statements are skipped, never sent (mysqldump --all-databases).
var systemEngines = map[string]bool{"csv": true}

// createModifiers may appear between CREATE and the object keyword.
var createModifiers = map[string]bool{
	"OR": true, "REPLACE": true, "ALGORITHM": true, "UNDEFINED": true, "MERGE": true,
	"TEMPTABLE": true, "DEFINER": true, "SQL": true, "SECURITY": true, "INVOKER": true,
	"CURRENT_USER": true, "AGGREGATE": true,
}

func (c *checker) create() (Decision, error) {
	if t := c.peekTok(); c.l.is(t, "DATABASE") || c.l.is(t, "SCHEMA") {
		c.next()
		return c.database("CREATE")
	}
	for {
		t := c.next()
		switch t.kind {
		case tkEOF:
			return Decision{}, fmt.Errorf("incomplete CREATE")
		case tkWord:
		default:
			return Decision{}, fmt.Errorf("unexpected %q in CREATE", c.l.text(t))
		}
		w := c.word(t)
		switch w {
		case "TABLE":
			return c.createTable()
		case "VIEW":
			if c.a.opts.AllowViews {
				return c.createBody(KindView)
			}
			return c.skipCreate(KindView)
		case "TRIGGER":
			if c.a.opts.AllowTriggers {
				return c.createBody(KindTrigger)
			}
			return c.skipCreate(KindTrigger)
		case "PROCEDURE", "FUNCTION":
			return c.skipCreate(KindRoutine)
		case "EVENT":
			return c.skipCreate(KindEvent)
		case "TEMPORARY":
			return Decision{}, fmt.Errorf("CREATE TEMPORARY TABLE is not allowed")
		case "DEFINER":
			// Dropped from views and triggers: they run as the restoring
			// user, never as a user the dump names.
			if err := c.dropDefiner(t); err != nil {
				return Decision{}, err
			}
			continue
		case "ALGORITHM":
			if !c.l.isPunct(c.next(), "=") {
				return Decision{}, fmt.Errorf("expected = after ALGORITHM")
			}
			if v := c.next(); v.kind != tkWord {
				return Decision{}, fmt.Errorf("unexpected %q after ALGORITHM=", c.l.text(v))
			}
			continue
		case "SECURITY":
			if n := c.peekTok(); c.l.is(n, "DEFINER") {
				c.next()
				c.edits = append(c.edits, edit{start: n.start, end: n.end, repl: "INVOKER"})
			}
			continue
		}
		if !createModifiers[w] {
			return Decision{}, fmt.Errorf("CREATE %s is not allowed", w)
		}
	}
}

// dropDefiner records the removal of "DEFINER = user[@host]" starting at t.
func (c *checker) dropDefiner(t token) error {
	if !c.l.isPunct(c.next(), "=") {
		return fmt.Errorf("expected = after DEFINER")
	}
	u := c.next()
	end := u.end
	switch u.kind {
	case tkQIdent, tkString, tkWord:
		n := c.peekTok()
		switch {
		case n.kind == tkVar:
			c.next()
			end = n.end
		case c.l.isPunct(n, "("): // CURRENT_USER()
			c.next()
			r := c.next()
			if !c.l.isPunct(r, ")") {
				return fmt.Errorf("unexpected %q in DEFINER", c.l.text(r))
			}
			end = r.end
		}
	default:
		return fmt.Errorf("unexpected %q in DEFINER", c.l.text(u))
	}
	c.edits = append(c.edits, edit{start: t.start, end: end})
	return nil
}

// bodyForbidden are words never allowed in an allowed view's or trigger's
// body.
var bodyForbidden = map[string]string{
	"GRANT": "GRANT", "REVOKE": "REVOKE", "CREATE": "CREATE", "DROP": "DROP", "ALTER": "ALTER",
	"RENAME": "RENAME", "TRUNCATE": "TRUNCATE", "LOAD": "LOAD", "LOAD_FILE": "LOAD_FILE",
	"OUTFILE": "INTO OUTFILE", "DUMPFILE": "INTO DUMPFILE", "CALL": "CALL", "PREPARE": "PREPARE",
	"EXECUTE": "EXECUTE", "DEALLOCATE": "DEALLOCATE", "SHUTDOWN": "SHUTDOWN", "KILL": "KILL",
	"INSTALL": "INSTALL", "UNINSTALL": "UNINSTALL", "FLUSH": "FLUSH", "RESET": "RESET",
	"PURGE": "PURGE", "HANDLER": "HANDLER", "LOCK": "LOCK", "UNLOCK": "UNLOCK", "USE": "USE",
	"GLOBAL": "GLOBAL", "PERSIST": "PERSIST", "PERSIST_ONLY": "PERSIST_ONLY", "SLEEP": "SLEEP",
	"BENCHMARK": "BENCHMARK", "GET_LOCK": "GET_LOCK", "SYSTEM": "system", "SOURCE": "source",
	"PASSWORD": "PASSWORD", "DELIMITER": "DELIMITER", "SYS_EXEC": "SYS_EXEC", "SYS_EVAL": "SYS_EVAL",
}

// systemSchemas may never be named in a body.
var systemSchemas = map[string]bool{"mysql": true, "information_schema": true, "performance_schema": true, "sys": true}

// tablePosition words are followed by a table reference.
var tablePosition = map[string]bool{"FROM": true, "JOIN": true, "STRAIGHT_JOIN": true, "INTO": true, "UPDATE": true, "TABLE": true, "INSERT": true, "REPLACE": true}

// clauseEnd words end a FROM list.
var clauseEnd = map[string]bool{"WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true,
	"UNION": true, "ON": true, "USING": true, "WINDOW": true, "SET": true, "VALUES": true, "SELECT": true,
	"EXCEPT": true, "INTERSECT": true}

// createBody checks a view or trigger the options allow: its name must be
// in the target database and its body may only read and write tables of
// the target database (a table reference qualified with another database,
// a system schema, a function of another database, @@global and the words
// of bodyForbidden are refused). It is sent after the promotion, in the
// promoted database, with its DEFINER removed (SQL SECURITY INVOKER).
func (c *checker) createBody(k Kind) (Decision, error) {
	name, err := c.tableName()
	if err != nil {
		return Decision{}, err
	}
	depth, fromDepth := 0, -1
	expectTable := false
	for {
		t := c.next()
		switch t.kind {
		case tkEOF:
			if c.l.err != nil {
				return Decision{}, c.l.err
			}
			return Decision{Action: AfterPromote, Kind: k, Table: name}, nil
		case tkBackslash:
			return Decision{}, fmt.Errorf("client command \\%s", c.afterBackslash(t))
		case tkSysVar:
			if scope, _ := sysVarName(c.l.text(t)); scope != "" && scope != "session" && scope != "local" {
				return Decision{}, fmt.Errorf("%s is not allowed in a %s", c.l.text(t), k)
			}
			expectTable = false
		case tkPunct:
			switch {
			case c.l.isPunct(t, "("):
				depth++
				expectTable = false
			case c.l.isPunct(t, ")"):
				depth--
				if depth < fromDepth {
					fromDepth = -1
				}
			case c.l.isPunct(t, ","):
				expectTable = depth == fromDepth
			case c.l.isPunct(t, ";"):
				if k == KindView {
					return Decision{}, fmt.Errorf("more than one statement")
				}
				expectTable = false
			default:
				expectTable = false
			}
		case tkWord, tkQIdent:
			if t.kind == tkWord {
				w := c.word(t)
				if why, ok := bodyForbidden[w]; ok {
					return Decision{}, fmt.Errorf("%s is not allowed in a %s", why, k)
				}
				if tablePosition[w] {
					expectTable = true
					if w == "FROM" || w == "UPDATE" {
						fromDepth = depth
					}
					continue
				}
				if clauseEnd[w] {
					fromDepth = -1
					expectTable = false
					continue
				}
			}
			// A name, possibly dotted.
			parts := []string{c.l.ident(t)}
			for {
				n := c.peekTok()
				if !c.l.isPunct(n, ".") {
					break
				}
				c.next()
				p := c.next()
				if p.kind != tkWord && p.kind != tkQIdent {
					if c.l.isPunct(p, "*") {
						break // t.* in a select list
					}
					return Decision{}, fmt.Errorf("unexpected %q after a dot", c.l.text(p))
				}
				parts = append(parts, c.l.ident(p))
				t = p
			}
			call := c.l.isPunct(c.peekTok(), "(")
			if len(parts) > 1 {
				first := parts[0]
				if systemSchemas[strings.ToLower(first)] {
					return Decision{}, fmt.Errorf("%s may not refer to the %s schema", k, first)
				}
				if (expectTable || call || len(parts) > 2) && first != c.a.target {
					return Decision{}, fmt.Errorf("name qualified with database %q (only %q may be used)", first, c.a.shown)
				}
			}
			expectTable = false
		default:
			expectTable = false
		}
	}
}

// skipCreate skips a view, trigger, routine or event definition. They are
// never sent: their bodies may read other databases with the definer's
// rights.
func (c *checker) skipCreate(k Kind) (Decision, error) {
	t := c.next()
	name := ""
	if t.kind == tkWord || t.kind == tkQIdent {
		name = c.l.ident(t)
		if n := c.peekTok(); c.l.isPunct(n, ".") {
			c.next()
			if t2 := c.next(); t2.kind == tkWord || t2.kind == tkQIdent {
				name = c.l.ident(t2)
			}
		}
	}
	// Drain the body so lexical errors (unterminated strings) surface.
	for t := c.next(); t.kind != tkEOF; t = c.next() {
		if t.kind == tkBackslash {
			return Decision{}, fmt.Errorf("client command \\%s", c.afterBackslash(t))
		}
	}
	if c.l.err != nil {
		return Decision{}, c.l.err
	}
	return Decision{Action: Skip, Kind: k, Table: name}, nil
}

func (c *checker) createTable() (Decision, error) {
	if c.l.is(c.peekTok(), "IF") {
		c.next()
		if !c.l.is(c.next(), "NOT") || !c.l.is(c.next(), "EXISTS") {
			return Decision{}, fmt.Errorf("expected IF NOT EXISTS")
		}
	}
	name, err := c.tableName()
	if err != nil {
		return Decision{}, err
	}
	if strings.EqualFold(name, MetaTable) {
		return Decision{}, fmt.Errorf("table name %s is reserved", MetaTable)
	}
	if n := c.peekTok(); !c.l.isPunct(n, "(") {
		return Decision{}, fmt.Errorf("CREATE TABLE %s must define columns (got %q)", name, c.l.text(n))
	}
	var prev token
	for {
		t := c.next()
		switch t.kind {
		case tkEOF:
			return Decision{Action: Execute, Kind: KindCreateTable, Table: name}, c.l.err
		case tkBackslash:
			return Decision{}, fmt.Errorf("client command \\%s", c.afterBackslash(t))
		case tkWord:
			w := c.word(t)
			if why, ok := createTableForbidden[w]; ok {
				return Decision{}, fmt.Errorf("%s is not allowed", why)
			}
			if w == "ENGINE" || (w == "TYPE" && c.l.isPunct(c.peekTok(), "=")) {
				if err := c.engine(t); err != nil {
					return Decision{}, err
				}
				prev = t
				continue
			}
			if c.a.opts.Dialect == DialectMySQL && (w == "PAGE_CHECKSUM" || w == "TRANSACTIONAL") {
				// Aria table options MySQL does not know: drop "X=n".
				start := t.start
				if n := c.peekTok(); c.l.isPunct(n, "=") {
					c.next()
				}
				v := c.next()
				c.edits = append(c.edits, edit{start: start, end: v.end})
				continue
			}
		case tkPunct:
			if err := c.checkQualifier(prev, t); err != nil {
				return Decision{}, err
			}
			if c.l.isPunct(t, ";") {
				return Decision{}, fmt.Errorf("more than one statement")
			}
		}
		c.bridge(t)
		prev = t
	}
}

func (c *checker) engine(t token) error {
	if n := c.peekTok(); c.l.isPunct(n, "=") {
		c.next()
	}
	return c.engineValue(c.next(), "ENGINE")
}

// engineValue checks that v names an allowed storage engine and records,
// for MySQL, the rewrite of Aria (which MySQL does not have) to InnoDB.
func (c *checker) engineValue(v token, what string) error {
	e, ok := c.valueName(v)
	if !ok || !(allowedEngines[e] || (c.a.db.skipping && systemEngines[e])) {
		return fmt.Errorf("%s %s is not allowed", what, c.l.text(v))
	}
	if c.a.opts.Dialect == DialectMySQL && e == "aria" {
		r := "InnoDB"
		switch v.kind {
		case tkQIdent:
			r = "`InnoDB`"
		case tkString:
			r = "'InnoDB'"
		}
		c.edits = append(c.edits, edit{start: v.start, end: v.end, repl: r})
	}
	return nil
}

// bridge records a rewrite of t when it names a collation the server's
// dialect does not know.
func (c *checker) bridge(t token) {
	if c.a.opts.Dialect == DialectUnknown {
		return
	}
	if t.kind != tkWord && t.kind != tkQIdent && t.kind != tkString {
		return
	}
	n, _ := c.valueName(t)
	if !strings.Contains(n, "_") {
		return
	}
	r := BridgeCollation(n, c.a.opts.Dialect)
	if r == n {
		return
	}
	switch t.kind {
	case tkQIdent:
		r = "`" + r + "`"
	case tkString:
		r = "'" + r + "'"
	}
	c.edits = append(c.edits, edit{start: t.start, end: t.end, repl: r})
}

// BridgeCollation maps a collation name to one the dialect knows: MySQL 8's
// *_0900_* collations to MariaDB's utf8mb4_unicode_520_ci (or utf8mb4_bin
// for accent- and case-sensitive ones), and MariaDB's *_uca1400_* and
// *_nopad_* collations to MySQL 8 ones. Names that need no change, and
// names that are not collations, are returned as they are.
func BridgeCollation(name string, d Dialect) string {
	n := strings.ToLower(name)
	cs, _, _ := strings.Cut(n, "_")
	switch d {
	case DialectMariaDB:
		if !strings.Contains(n, "_0900_") {
			return name
		}
		if strings.HasSuffix(n, "_as_cs") || strings.HasSuffix(n, "_0900_bin") {
			return cs + "_bin"
		}
		return cs + "_unicode_520_ci"
	case DialectMySQL:
		if strings.Contains(n, "_uca1400_") {
			if cs != "utf8mb4" {
				return cs + "_unicode_520_ci"
			}
			switch {
			case strings.HasSuffix(n, "_as_cs"):
				return "utf8mb4_0900_as_cs"
			case strings.HasSuffix(n, "_as_ci"):
				return "utf8mb4_0900_as_ci"
			case strings.HasSuffix(n, "_bin"):
				return "utf8mb4_0900_bin"
			}
			return "utf8mb4_0900_ai_ci"
		}
		if strings.Contains(n, "_nopad_") {
			return strings.Replace(n, "_nopad_", "_", 1)
		}
	}
	return name
}

func (c *checker) applyEdits() string {
	var b strings.Builder
	b.Grow(len(c.text))
	last := 0
	for _, e := range c.edits {
		if e.start < last {
			continue
		}
		b.WriteString(c.text[last:e.start])
		b.WriteString(e.repl)
		last = e.end
	}
	b.WriteString(c.text[last:])
	return b.String()
}

// ---- INSERT ----

// insert accepts INSERT [IGNORE] [INTO] t [(cols)] VALUES (literals), …
// Only literals may appear in the rows: no functions (LOAD_FILE), no
// subqueries, no INSERT … SELECT.
func (c *checker) insert() (Decision, error) {
	d := Decision{Action: Execute, Kind: KindInsert}
	t := c.next()
	for c.l.is(t, "LOW_PRIORITY") || c.l.is(t, "DELAYED") || c.l.is(t, "HIGH_PRIORITY") || c.l.is(t, "IGNORE") {
		t = c.next()
	}
	if c.l.is(t, "INTO") {
		t = c.next()
	}
	c.hasPeek, c.peek = true, t
	name, err := c.tableName()
	if err != nil {
		return Decision{}, err
	}
	d.Table = name
	t = c.next()
	if c.l.isPunct(t, "(") {
		for {
			col := c.next()
			if col.kind != tkWord && col.kind != tkQIdent {
				return Decision{}, fmt.Errorf("expected a column name in INSERT INTO %s", name)
			}
			d.Columns = append(d.Columns, c.l.ident(col))
			sep := c.next()
			if c.l.isPunct(sep, ")") {
				break
			}
			if !c.l.isPunct(sep, ",") {
				return Decision{}, fmt.Errorf("unexpected %q in the column list of INSERT INTO %s", c.l.text(sep), name)
			}
		}
		t = c.next()
	}
	if !c.l.is(t, "VALUES") && !c.l.is(t, "VALUE") {
		return Decision{}, fmt.Errorf("only INSERT … VALUES with literals is allowed (got %q)", c.l.text(t))
	}
	d.valuesAt = t.end
	for {
		if err := c.row(name); err != nil {
			return Decision{}, err
		}
		t := c.next()
		if t.kind == tkEOF {
			return d, c.l.err
		}
		if !c.l.isPunct(t, ",") {
			return Decision{}, fmt.Errorf("unexpected %q after a row of INSERT INTO %s", c.l.text(t), name)
		}
	}
}

func (c *checker) row(table string) error {
	if t := c.next(); !c.l.isPunct(t, "(") {
		if c.l.err != nil {
			return c.l.err
		}
		return fmt.Errorf("expected ( to start a row of INSERT INTO %s, got %q", table, c.l.text(t))
	}
	if c.l.isPunct(c.peekTok(), ")") {
		c.next()
		return nil
	}
	for {
		if err := c.literal(table); err != nil {
			return err
		}
		t := c.next()
		if c.l.isPunct(t, ")") {
			return nil
		}
		if !c.l.isPunct(t, ",") {
			if c.l.err != nil {
				return c.l.err
			}
			return fmt.Errorf("only literal values are allowed in INSERT INTO %s (got %q)", table, c.l.text(t))
		}
	}
}

func (c *checker) literal(table string) error {
	t := c.next()
	for c.l.isPunct(t, "-") || c.l.isPunct(t, "+") {
		t = c.next()
		if t.kind != tkNumber && !c.l.isPunct(t, "-") && !c.l.isPunct(t, "+") {
			return fmt.Errorf("only literal values are allowed in INSERT INTO %s (got %q)", table, c.l.text(t))
		}
	}
	switch t.kind {
	case tkNumber, tkString, tkHex, tkBit:
		return nil
	case tkWord:
		b := c.l.text(t)
		if c.l.is(t, "NULL") || c.l.is(t, "TRUE") || c.l.is(t, "FALSE") {
			return nil
		}
		// Introducers: _binary'…', _utf8mb4 0x…, X'…', B'…', N'…'.
		if b[0] == '_' || ((len(b) == 1) && strings.ContainsRune("xXbBnN", rune(b[0]))) {
			n := c.next()
			if n.kind == tkString || (b[0] == '_' && (n.kind == tkHex || n.kind == tkBit)) {
				if len(b) == 1 && n.start != t.end {
					break
				}
				return nil
			}
		}
	}
	if c.l.err != nil {
		return c.l.err
	}
	return fmt.Errorf("only literal values are allowed in INSERT INTO %s (got %q)", table, c.l.text(t))
}
