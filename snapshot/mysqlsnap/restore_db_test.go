package mysqlsnap

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestRestoreDatabases restores dumps that name databases (finding 6 of
// issue 10: the MySQL backend refused them): each lands the tables of the
// dump's own (or chosen) database in the target, skips the others, and a
// dump with two user databases and none chosen is refused listing every
// one, leaving nothing behind.
func TestRestoreDatabases(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	systemBefore := count(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql'")
	usersBefore := count(t, db, "SELECT COUNT(*) FROM mysql.global_priv")
	tests := []struct {
		name    string
		dump    string
		source  string
		want    map[string][]string // table -> rows
		skipped []string
		own     string
		err     string
	}{
		{
			name: "mysqldump --databases with the system database",
			dump: "/*!40101 SET NAMES utf8mb4 */;\n" +
				"CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysql` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\nUSE `mysql`;\n" +
				"DROP TABLE IF EXISTS `global_priv`;\nCREATE TABLE `global_priv` (`Host` char(60) NOT NULL, `User` char(80) NOT NULL, `Priv` longtext) ENGINE=Aria;\n" +
				"LOCK TABLES `global_priv` WRITE;\nINSERT INTO `global_priv` VALUES ('%','lbr_evil','{}');\nUNLOCK TABLES;\n" +
				"/*!40000 DROP DATABASE IF EXISTS `app`*/;\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ `app` /*!40100 DEFAULT CHARACTER SET latin1 */;\nUSE `app`;\n" +
				"DROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (`a` int, `b` varchar(10)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nINSERT INTO `t` VALUES (1,'x'),(2,'y');\n",
			want:    map[string][]string{"t": {"1|x", "2|y"}},
			skipped: []string{"mysql"},
			own:     "app",
		},
		{
			name: "Sakila's DROP/CREATE SCHEMA, default_storage_engine and engine-only ALTER",
			dump: "SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='TRADITIONAL';\nDROP SCHEMA IF EXISTS sakila;\nCREATE SCHEMA sakila;\nUSE sakila;\n" +
				"SET @old_default_storage_engine = @@default_storage_engine;\nSET @@default_storage_engine = 'MyISAM';\n/*!50610 SET @@default_storage_engine = 'InnoDB'*/;\n" +
				"CREATE TABLE film_text (film_id SMALLINT UNSIGNED NOT NULL, title VARCHAR(255) NOT NULL, PRIMARY KEY (film_id)) DEFAULT CHARSET=utf8mb4;\n" +
				"SET @@default_storage_engine = @old_default_storage_engine;\n/*!50610 ALTER TABLE film_text engine=InnoDB */;\n" +
				"SET SQL_MODE=@OLD_SQL_MODE;\nUSE sakila;\nINSERT INTO film_text VALUES (1,'ACADEMY DINOSAUR');\n",
			want: map[string][]string{"film_text": {"1|ACADEMY DINOSAUR"}},
			own:  "sakila",
		},
		{
			name:   "SourceDatabase chooses one database of several",
			source: "b",
			dump: "CREATE DATABASE `a`;\nUSE `a`;\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n" +
				"CREATE DATABASE `b`;\nUSE `b`;\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (2);\n" +
				"CREATE DATABASE `c`;\nUSE `c`;\nCREATE TABLE `u` (`a` int);\n",
			want:    map[string][]string{"t": {"2"}},
			skipped: []string{"a", "c"},
			own:     "b",
		},
		{
			name: "two user databases and none chosen: refused, listing all",
			dump: "CREATE DATABASE `a`;\nUSE `a`;\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n" +
				"CREATE DATABASE `b`;\nUSE `b`;\nCREATE TABLE `t` (`a` int);\nUSE `mysql`;\nCREATE DATABASE `c`;\n",
			err: "line 7: statement refused: the dump holds several databases (a, b, c)",
		},
		{
			name: "single-byte client character sets",
			dump: "/*!40101 SET NAMES cp850 */;\nCREATE TABLE `t` (`a` int, `b` varchar(20)) DEFAULT CHARSET=utf8mb4;\nINSERT INTO `t` VALUES (1,'caf\x82 M\x81ller');\n" +
				"SET NAMES cp1251;\nINSERT INTO `t` VALUES (2,'\xcf\xf0\xe8\xe2\xe5\xf2');\n" +
				"SET character_set_client = koi8r;\nINSERT INTO `t` VALUES (3,'\xf0\xd2\xc9\xd7\xc5\xd4');\n" +
				"SET NAMES cp1250;\nINSERT INTO `t` VALUES (4,'\x9ailenost');\n",
			want: map[string][]string{"t": {"1|café Müller", "2|Привет", "3|Привет", "4|šilenost"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := mysqltest.Prefix(t)
			target := prefix + "liberator"
			res, err := Restore(context.Background(), db, strings.NewReader(tc.dump), target,
				RestoreOptions{Allow: AllowOptions{SourceDatabase: tc.source}})
			if tc.err != "" {
				if !errors.Is(err, liberator.ErrInvalid) || !errors.Is(err, ErrSeveralDatabases) || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("Restore: %v, want ErrSeveralDatabases naming %q", err, tc.err)
				}
				if got := mysqltest.Databases(t, db, prefix); len(got) != 0 {
					t.Errorf("databases left behind: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Restore: %v", err)
			}
			got := map[string][]string{}
			for table := range tc.want {
				got[table] = selectAll(t, db, "SELECT * FROM "+quoteIdent(target)+"."+quoteIdent(table)+" ORDER BY 1")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.skipped, res.SkippedDatabases); diff != "" {
				t.Errorf("SkippedDatabases (-want +got):\n%s", diff)
			}
			if res.SourceDatabase != tc.own {
				t.Errorf("SourceDatabase = %q, want %q", res.SourceDatabase, tc.own)
			}
			if diff := cmp.Diff([]string{target}, mysqltest.Databases(t, db, prefix)); diff != "" {
				t.Errorf("databases (-want +got):\n%s", diff)
			}
		})
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql'"); n != systemBefore {
		t.Errorf("mysql has %d tables, had %d", n, systemBefore)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM mysql.global_priv"); n != usersBefore {
		t.Errorf("mysql.global_priv has %d rows, had %d", n, usersBefore)
	}
}

// selectAll returns the rows of query, columns joined with '|'.
func selectAll(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
			if !v.Valid {
				parts[i] = "NULL"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestoreErrorsNameTheTarget: a restore that fails on the server (a
// dump made with --no-create-info, whose INSERTs name tables the restore
// never created) names the target in its error, never the staging
// database, and leaves nothing behind (finding 6 of issue 10).
func TestRestoreErrorsNameTheTarget(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	target := prefix + "liberator"
	dump := "/*!40101 SET NAMES utf8mb4 */;\nLOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1,'x');\nUNLOCK TABLES;\n"
	_, err := Restore(context.Background(), db, strings.NewReader(dump), target, RestoreOptions{})
	if err == nil {
		t.Fatal("restore of INSERTs into a table never created succeeded")
	}
	if strings.Contains(err.Error(), StagingInfix) || !strings.Contains(err.Error(), target) {
		t.Errorf("error %q names the staging database or not the target %s", err, target)
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) || strings.Contains(me.Message, StagingInfix) {
		t.Errorf("server error in the chain: %v (%v)", me, err)
	}
	if got := mysqltest.Databases(t, db, prefix); len(got) != 0 {
		t.Errorf("databases left behind: %v", got)
	}
}
