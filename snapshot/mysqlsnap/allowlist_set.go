package mysqlsnap

import (
	"fmt"
	"strings"
)

// varClass groups the session variables a dump may set by what their
// values may be.
type varClass uint8

const (
	varCharset   varClass = iota + 1 // a character set name
	varCollation                     // a collation name
	varSQLMode                       // an sql_mode list
	varTimeZone                      // a time zone
	varSwitch                        // 0/1/ON/OFF/DEFAULT or a small number
	varEngine                        // a storage engine of allowedEngines
)

// sessionVars are the session variables mysqldump and mariadb-dump set.
var sessionVars = map[string]varClass{
	"character_set_client":            varCharset,
	"character_set_results":           varCharset,
	"character_set_connection":        varCharset,
	"collation_connection":            varCollation,
	"sql_mode":                        varSQLMode,
	"time_zone":                       varTimeZone,
	"foreign_key_checks":              varSwitch,
	"unique_checks":                   varSwitch,
	"sql_notes":                       varSwitch,
	"autocommit":                      varSwitch,
	"sql_quote_show_create":           varSwitch,
	"check_constraint_checks":         varSwitch,
	"note_verbosity":                  varSwitch,
	"information_schema_stats_expiry": varSwitch,
	"sql_warnings":                    varSwitch,
	"default_storage_engine":          varEngine,
}

// safeCharsets are the client character sets the allowlist accepts: UTF-8,
// whose multi-byte sequences never hold an ASCII byte, and single-byte
// sets extending ASCII (the Windows and DOS code pages mysqldump writes on
// Windows, ISO 8859, KOI8), in which the server reads every quote and
// backslash byte as the allowlist does. Multi-byte sets whose trailing
// bytes can be a backslash or quote (big5, gbk, sjis, cp932, gb18030)
// would make the server split strings differently from the allowlist, so
// they are refused.
var safeCharsets = map[string]bool{
	"utf8": true, "utf8mb3": true, "utf8mb4": true, "ascii": true, "binary": true,
	"latin1": true, "latin2": true, "latin5": true, "latin7": true, "greek": true, "hebrew": true,
	"cp850": true, "cp852": true, "cp866": true, "cp1250": true, "cp1251": true, "cp1256": true, "cp1257": true,
	"koi8r": true, "koi8u": true,
}

// forbiddenModes are sql_mode flags that change how statements are lexed,
// and the combination modes that include ANSI_QUOTES (MariaDB, MySQL 5.7:
// with them "db"."t" names another database where the allowlist sees two
// strings).
var forbiddenModes = []string{"NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI", "DB2", "MAXDB", "MSSQL", "ORACLE", "POSTGRESQL"}

func (c *checker) set() (Decision, error) {
	d := Decision{Action: Execute, Kind: KindSet}
	t := c.peekTok()
	switch c.word(t) {
	case "GLOBAL", "PERSIST", "PERSIST_ONLY":
		return Decision{}, fmt.Errorf("SET %s is not allowed", c.word(t))
	case "PASSWORD":
		return Decision{}, fmt.Errorf("SET PASSWORD is not allowed")
	case "ROLE", "DEFAULT":
		return Decision{}, fmt.Errorf("SET ROLE is not allowed")
	case "TRANSACTION", "STATEMENT":
		return Decision{}, fmt.Errorf("SET %s is not allowed", c.word(t))
	case "NAMES":
		c.next()
		return c.setNames(d)
	case "CHARACTER", "CHARSET":
		c.next()
		if c.word(t) == "CHARACTER" && !c.l.is(c.next(), "SET") {
			return Decision{}, fmt.Errorf("expected CHARACTER SET")
		}
		v := c.next()
		if err := c.checkCharset(v); err != nil {
			return Decision{}, err
		}
		return c.end(d)
	}
	skip := false
	for {
		sk, err := c.assignment()
		if err != nil {
			return Decision{}, err
		}
		skip = skip || sk
		t := c.next()
		if t.kind == tkEOF {
			break
		}
		if !c.l.isPunct(t, ",") {
			return Decision{}, fmt.Errorf("unexpected %q in SET", c.l.text(t))
		}
	}
	if skip {
		d.Action = Skip
	}
	return d, c.l.err
}

func (c *checker) end(d Decision) (Decision, error) {
	if t := c.next(); t.kind != tkEOF {
		return Decision{}, fmt.Errorf("unexpected %q", c.l.text(t))
	}
	return d, c.l.err
}

func (c *checker) setNames(d Decision) (Decision, error) {
	v := c.next()
	if err := c.checkCharset(v); err != nil {
		return Decision{}, err
	}
	if c.l.is(c.peekTok(), "COLLATE") {
		c.next()
		v := c.next()
		if err := c.checkCollation(v); err != nil {
			return Decision{}, err
		}
	}
	return c.end(d)
}

// valueName returns the name a word, quoted identifier or string token
// holds, lower-cased; ok is false for other tokens.
func (c *checker) valueName(t token) (string, bool) {
	switch t.kind {
	case tkWord, tkQIdent:
		return strings.ToLower(c.l.ident(t)), true
	case tkString:
		return strings.ToLower(stringValue(c.l.text(t))), true
	}
	return "", false
}

func (c *checker) checkCharset(t token) error {
	n, ok := c.valueName(t)
	if !ok || !safeCharsets[n] {
		return fmt.Errorf("character set %q is not allowed", c.l.text(t))
	}
	return nil
}

func (c *checker) checkCollation(t token) error {
	n, ok := c.valueName(t)
	if !ok {
		return fmt.Errorf("collation %q is not allowed", c.l.text(t))
	}
	cs, _, _ := strings.Cut(n, "_")
	if !safeCharsets[cs] {
		return fmt.Errorf("collation %q is not allowed", c.l.text(t))
	}
	c.bridge(t)
	return nil
}

// sysVarName splits @@[session.|local.|global.]name.
func sysVarName(b []byte) (scope, name string) {
	s := strings.ToLower(strings.TrimPrefix(string(b), "@@"))
	if sc, n, ok := strings.Cut(s, "."); ok {
		return sc, n
	}
	return "", s
}

// assignment checks one "name = value" of a SET. skip reports a known
// assignment that is dropped rather than sent (binary log bookkeeping).
//
// The steps: read the variable assigned (assignTarget), the '=', then check
// the value for a user variable (setUserVar) or a session variable
// (checkSessionValue).
func (c *checker) assignment() (skip bool, err error) {
	name, userVar, skip, err := c.assignTarget()
	if skip || err != nil {
		return skip, err
	}
	eq := c.next()
	if !c.l.isPunct(eq, "=") && !c.l.isPunct(eq, ":=") {
		return false, fmt.Errorf("expected = after %s", name)
	}
	v := c.next()
	if userVar {
		return false, c.setUserVar(name, v)
	}
	if name == "sql_log_bin" {
		// mysqldump writes SET @@SESSION.SQL_LOG_BIN=0 (and restores it
		// from @MYSQLDUMP_TEMP_LOG_BIN) with GTIDs; it needs SUPER and only
		// affects replication: never sent.
		if v.kind == tkVar {
			return true, nil
		}
		return true, c.checkSwitch(name, v)
	}
	return false, c.checkSessionValue(name, v)
}

// assignTarget reads the variable a SET assignment sets: a user variable
// (userVar, name without '@'), or a session variable (lower-case name,
// any SESSION/LOCAL scope dropped). Global and persisted settings are
// refused, except mysqldump's SET @@GLOBAL.GTID_PURGED, whose value is
// skipped (skip).
func (c *checker) assignTarget() (name string, userVar, skip bool, err error) {
	t := c.next()
	switch t.kind {
	case tkVar:
		userVar = true
		name = strings.ToLower(strings.Trim(string(c.l.text(t))[1:], "`'\""))
	case tkSysVar:
		scope, n := sysVarName(c.l.text(t))
		switch scope {
		case "", "session", "local":
		case "global":
			if n == "gtid_purged" {
				// mysqldump --set-gtid-purged: replication bookkeeping of
				// the source server; never sent.
				return "", false, true, c.skipValue()
			}
			return "", false, false, fmt.Errorf("SET @@global.%s is not allowed", n)
		default:
			return "", false, false, fmt.Errorf("SET @@%s.%s is not allowed", scope, n)
		}
		name = n
	case tkWord:
		w := c.word(t)
		switch w {
		case "SESSION", "LOCAL":
			t = c.next()
			if t.kind != tkWord {
				return "", false, false, fmt.Errorf("expected a variable name after %s", w)
			}
		case "GLOBAL", "PERSIST", "PERSIST_ONLY":
			return "", false, false, fmt.Errorf("SET %s is not allowed", w)
		case "PASSWORD":
			return "", false, false, fmt.Errorf("SET PASSWORD is not allowed")
		}
		name = strings.ToLower(string(c.l.text(t)))
	default:
		return "", false, false, fmt.Errorf("unexpected %q in SET", c.l.text(t))
	}
	return name, userVar, false, nil
}

// setUserVar checks the value v assigned to user variable name: a session
// variable of the allowlist (the user variable then saves it, for
// checkSessionValue) or a literal.
func (c *checker) setUserVar(name string, v token) error {
	switch v.kind {
	case tkSysVar:
		scope, n := sysVarName(c.l.text(v))
		if scope != "" && scope != "session" && scope != "local" {
			return fmt.Errorf("reading @@%s.%s is not allowed", scope, n)
		}
		if _, ok := sessionVars[n]; !ok && n != "sql_log_bin" {
			return fmt.Errorf("reading @@%s is not allowed", n)
		}
		c.a.saved[name] = n
	case tkString, tkNumber:
		delete(c.a.saved, name)
	default:
		return fmt.Errorf("user variable @%s may only be set to a session variable or a literal", name)
	}
	return nil
}

// checkSessionValue checks the value v assigned to session variable name:
// the variable must be in the allowlist, and the value fit its class (a
// saved value of the same class, a known character set or collation, an
// sql_mode without forbidden modes, a switch value).
func (c *checker) checkSessionValue(name string, v token) error {
	class, ok := sessionVars[name]
	if !ok {
		return fmt.Errorf("setting %s is not allowed", name)
	}
	// Restoring a saved value: the user variable must hold a value saved
	// from a variable of the same class.
	if v.kind == tkVar {
		vn := strings.ToLower(strings.Trim(string(c.l.text(v))[1:], "`'\""))
		src, ok := c.a.saved[vn]
		if !ok || sessionVars[src] != class {
			return fmt.Errorf("%s may only be restored from a variable that saved it (@%s did not)", name, vn)
		}
		return nil
	}
	if v.kind == tkSysVar {
		scope, n := sysVarName(c.l.text(v))
		if (scope != "" && scope != "session" && scope != "local") || sessionVars[n] != class {
			return fmt.Errorf("%s may not be set from %s", name, c.l.text(v))
		}
		return nil
	}
	if c.l.is(v, "DEFAULT") {
		// The global default of sql_mode or a character set could change
		// how the server lexes (NO_BACKSLASH_ESCAPES, gbk): only switches
		// may be reset.
		if class != varSwitch {
			return fmt.Errorf("SET %s = DEFAULT is not allowed", name)
		}
		return nil
	}
	switch class {
	case varCharset:
		if c.l.is(v, "NULL") && name == "character_set_results" {
			return nil
		}
		return c.checkCharset(v)
	case varCollation:
		return c.checkCollation(v)
	case varSQLMode:
		if v.kind != tkString && v.kind != tkWord {
			return fmt.Errorf("sql_mode must be a string")
		}
		for _, m := range strings.Split(strings.ToUpper(stringOrWord(c, v)), ",") {
			for _, f := range forbiddenModes {
				if strings.TrimSpace(m) == f {
					return fmt.Errorf("sql_mode %s is not allowed", f)
				}
			}
		}
		return nil
	case varEngine:
		return c.engineValue(v, name)
	case varTimeZone:
		if v.kind != tkString && v.kind != tkWord {
			return fmt.Errorf("time_zone must be a string")
		}
		return nil
	default:
		return c.checkSwitch(name, v)
	}
}

func stringOrWord(c *checker, t token) string {
	if t.kind == tkString {
		return stringValue(c.l.text(t))
	}
	return string(c.l.text(t))
}

func (c *checker) checkSwitch(name string, v token) error {
	switch {
	case v.kind == tkNumber, c.l.is(v, "ON"), c.l.is(v, "OFF"), c.l.is(v, "TRUE"), c.l.is(v, "FALSE"):
		return nil
	case v.kind == tkString:
		return nil
	}
	return fmt.Errorf("unexpected value %q for %s", c.l.text(v), name)
}

// skipValue consumes string literals (the GTID set) up to the next comma or
// the end.
func (c *checker) skipValue() error {
	for {
		t := c.peekTok()
		if t.kind == tkEOF || c.l.isPunct(t, ",") {
			return c.l.err
		}
		if t.kind != tkString && !c.l.isPunct(t, "=") {
			return fmt.Errorf("unexpected %q in gtid_purged", c.l.text(t))
		}
		c.next()
	}
}
