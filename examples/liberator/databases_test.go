package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// twoDatabases is the shape `mariadb-dump --databases app other mysql`
// writes: CREATE DATABASE and USE before each database's tables, a system
// database among them.
const twoDatabases = "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n" +
	"USE `app`;\n" +
	"CREATE TABLE `t` (\n  `a` int(11) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"INSERT INTO `t` VALUES (1),(2);\n" +
	"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `other` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n" +
	"USE `other`;\n" +
	"CREATE TABLE `u` (\n  `b` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"INSERT INTO `u` VALUES (3);\n" +
	"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysql` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n" +
	"USE `mysql`;\n" +
	"CREATE TABLE `global_priv` (\n  `Host` char(255) NOT NULL DEFAULT '',\n  `Priv` longtext NOT NULL DEFAULT '{}'\n) ENGINE=Aria DEFAULT CHARSET=utf8mb3;\n" +
	"INSERT INTO `global_priv` VALUES ('localhost','{\\\"authentication_string\\\":\\\"*HASH\\\"}');\n"

// TestRunSourceDatabase runs a dump of two user databases and a system one:
// without --source-database the run is refused naming both user databases;
// with it, only that database's tables land, and the system database never.
func TestRunSourceDatabase(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql")
	if err := os.WriteFile(dump, []byte(twoDatabases), 0o644); err != nil {
		t.Fatal(err)
	}
	lake := t.TempDir()
	code, _, errOut := cli(t, "run", "--dump", dump, "--lake", lake, "--quiet")
	if code == 0 || !strings.Contains(errOut, "app") || !strings.Contains(errOut, "other") {
		t.Fatalf("run of two user databases: exit %d, stderr %q; want a refusal naming app and other", code, errOut)
	}
	tests := []struct {
		source string
		want   []string
	}{
		{"app", []string{"liberator.t"}},
		{"other", []string{"liberator.u"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			code, out, errOut := cli(t, "run", "--dump", dump, "--lake", t.TempDir(), "--source-database", tt.source, "--json", "--quiet")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var s Summary
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ts := range s.Tables {
				got = append(got, ts.Table)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("landed tables (-want +got):\n%s", diff)
			}
		})
	}
}
