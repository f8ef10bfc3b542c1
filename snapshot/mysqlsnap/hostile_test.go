package mysqlsnap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var lineRE = regexp.MustCompile(`line (\d+):`)

// canary is a database the hostile dumps try to read, change or drop.
const canary = "lbr_canary"

// serverState is what a hostile dump must not change.
type serverState struct {
	EvilUsers      int
	Privileges     int
	MaxConnections int
	Plugins        int
	EvilDatabases  int
	CanaryTables   []string
	CanaryRows     int
	Files          []string
}

var evilFiles = []string{"/tmp/lbr_evil_outfile", "/tmp/lbr_evil_dumpfile", "/tmp/lbr_evil_system", "/tmp/lbr_evil_dir"}

func stateOf(t *testing.T, db *sql.DB) serverState {
	t.Helper()
	var s serverState
	s.EvilUsers = count(t, db, "SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'lbr_evil%'")
	s.Privileges = count(t, db, "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES")
	s.MaxConnections = count(t, db, "SELECT @@global.max_connections")
	s.Plugins = count(t, db, "SELECT COUNT(*) FROM information_schema.PLUGINS")
	s.EvilDatabases = count(t, db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'lbr_evil%'")
	rows, err := db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", canary)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		s.CanaryTables = append(s.CanaryTables, n)
	}
	rows.Close()
	s.CanaryRows = count(t, db, "SELECT COUNT(*) FROM "+canary+".c")
	for _, f := range evilFiles {
		if _, err := os.Stat(f); err == nil {
			s.Files = append(s.Files, f)
		}
	}
	return s
}

// longPrefix is a valid dump prefix of about n bytes.
func longPrefix(n int) string {
	var b strings.Builder
	b.WriteString("/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `pre` (`a` int, `b` text);\n")
	row := strings.Repeat("x", 200)
	for i := 0; b.Len() < n; i++ {
		b.WriteString("INSERT INTO `pre` VALUES ")
		for j := 0; j < 50; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,'%s')", i*50+j, row)
		}
		b.WriteString(";\n")
	}
	return b.String()
}

// TestHostileCorpus restores every dump of testdata/hostile, as it is and
// after a long valid prefix: each must be refused by the allowlist (not by
// the server) and leave the server as it was.
func TestHostileCorpus(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	mustExec := func(q string) {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec("DROP DATABASE IF EXISTS " + canary)
	mustExec("CREATE DATABASE " + canary)
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + canary) })
	mustExec("CREATE TABLE " + canary + ".c (v int)")
	mustExec("INSERT INTO " + canary + ".c VALUES (1)")
	for _, f := range evilFiles {
		os.RemoveAll(f)
	}
	before := stateOf(t, db)
	if before.EvilUsers != 0 || before.EvilDatabases != 0 || len(before.Files) != 0 {
		t.Fatalf("server not clean before the test: %+v", before)
	}
	files, err := filepath.Glob("testdata/hostile/*.sql")
	if err != nil || len(files) < 40 {
		t.Fatalf("hostile corpus: %d files, %v", len(files), err)
	}
	prefix := longPrefix(256 << 10)
	prefixLines := strings.Count(prefix, "\n")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		type variant struct {
			name  string
			dump  string
			lines int // lines before the hostile statement's line
			extra int // lines the variant added inside it
		}
		variants := []variant{
			{"plain", string(body), 0, 0},
			{"after-long-prefix", prefix + string(body), prefixLines, 0},
		}
		// The hostile statement (line 4 on, up to its ';') hidden in a
		// version comment, and split with a newline between every word.
		lines := strings.SplitAfter(string(body), "\n")
		head, rest := strings.Join(lines[:3], ""), strings.Join(lines[3:], "")
		if end := strings.Index(rest, ";\n"); end > 0 && !strings.HasPrefix(rest, "\\") && !strings.Contains(rest[:end], "/*") {
			stmt, tail := rest[:end], rest[end:]
			variants = append(variants,
				variant{"in-version-comment", head + "/*!40101 " + stmt + " */" + tail, 0, 0},
				variant{"split-across-lines", head + strings.ReplaceAll(stmt, " ", "\n") + tail, 0, strings.Count(stmt, " ")})
		}
		for _, v := range variants {
			t.Run(name+"/"+v.name, func(t *testing.T) {
				p := mysqltest.Prefix(t)
				_, err := Restore(ctx, db, strings.NewReader(v.dump), p+"liberator", RestoreOptions{})
				if err == nil {
					t.Fatalf("hostile dump %s was restored", file)
				}
				if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "statement refused") {
					t.Errorf("error %v: want a refusal by the allowlist (liberator.ErrInvalid)", err)
				}
				// The refused statement is on line 4 of the corpus file (a
				// second statement on that line may start lower when split).
				m := lineRE.FindStringSubmatch(err.Error())
				if m == nil {
					t.Errorf("error %v does not name a line", err)
				} else if n, _ := strconv.Atoi(m[1]); n < 4+v.lines || n > 4+v.lines+v.extra {
					t.Errorf("error %v names line %d, want %d-%d", err, n, 4+v.lines, 4+v.lines+v.extra)
				}
				if got := mysqltest.Databases(t, db, p); len(got) != 0 {
					t.Errorf("databases left behind: %v", got)
				}
				if diff := cmp.Diff(before, stateOf(t, db)); diff != "" {
					t.Errorf("server state changed (-before +after):\n%s", diff)
				}
			})
		}
	}
}
