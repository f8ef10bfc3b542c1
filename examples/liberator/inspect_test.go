package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectDatabases checks inspect on a dump of two user databases and
// the mysql system database: refused naming both user databases, then
// listing the one --source-database chooses, without a view's stand-in.
func TestInspectDatabases(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql")
	sql := "CREATE DATABASE `app`;\nUSE `app`;\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1),(2);\n" +
		"CREATE TABLE `v` (`a` int);\nDROP TABLE IF EXISTS `v`;\nCREATE VIEW `v` AS SELECT `a` FROM `t`;\n" +
		"CREATE DATABASE `mysql`;\nUSE `mysql`;\nCREATE TABLE `user` (`u` char(10));\nINSERT INTO `user` VALUES ('root');\n" +
		"CREATE DATABASE `shop`;\nUSE `shop`;\nCREATE TABLE `t` (`b` varchar(3));\nINSERT INTO `t` VALUES ('x');\n"
	if err := os.WriteFile(dump, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "inspect", "--dump", dump)
	if code == 0 || !strings.Contains(errOut, "several user databases (`app`, `shop`)") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, "inspect", "--dump", dump, "--source-database", "app")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"1 tables", "database app (user databases: app, shop)", "t: 2 rows", "view v"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "user:") || strings.Contains(out, "v: 0 rows") {
		t.Errorf("output lists a system table or a stand-in:\n%s", out)
	}
}
