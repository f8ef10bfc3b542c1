package mysqldump

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestScanCharsetRealDumps scans dumps mariadb-dump 10.11 made with
// --default-character-set latin1, cp850 and sjis (testdata; their text is
// in those charsets, the CREATE TABLEs in utf8mb4 between SET
// character_set_client = utf8mb4 and its restore from @saved_cs_client):
// every string arrives in UTF-8, binary columns as they were.
func TestScanCharsetRealDumps(t *testing.T) {
	tests := []struct {
		file string
		rows []string
		enum []string
	}{
		{"testdata/mariadb1011_latin1.sql", []string{
			`people@42: n:1|s:"café Müller"|s:"Zürich"|s:"café"`,
			`people@43: n:2|s:"Ærø €5"|s:"São Paulo"|s:"thé"`,
		}, []string{"café", "thé"}},
		{"testdata/mariadb1011_cp850.sql", []string{
			`notes@41: n:1|s:"????? ??"|s:"\x82\xa0\xff"`,
			`notes@42: n:2|s:"Crème brûlée"|NULL`,
		}, nil},
		{"testdata/mariadb1011_sjis.sql", []string{
			`notes@41: n:1|s:"こんにちは 世界"|s:"\x82\xa0\xff"`,
			`notes@42: n:2|s:"Cr?me br?l?e"|NULL`,
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			for _, bufSize := range []int{9, 0} {
				rec, _, err := scanString(t, string(data), ScanOptions{BufferSize: bufSize})
				if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				if diff := cmp.Diff(tc.rows, rec.rows); diff != "" {
					t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
				}
				if tc.enum != nil {
					if diff := cmp.Diff(tc.enum, rec.tables[0].Columns[3].Elements); diff != "" {
						t.Errorf("buf %d ENUM elements (-want +got):\n%s", bufSize, diff)
					}
				}
			}
		})
	}
}

// TestScanCharsets checks each way a dump says what charset its text is
// in, and that text invalid in it is an error naming the table, line and
// column, never invalid UTF-8 handed on.
func TestScanCharsets(t *testing.T) {
	const latin1Table = "CREATE TABLE `t` (`a` varchar(20), `b` varbinary(4)) DEFAULT CHARSET=latin1;\n"
	const utf8Table = "CREATE TABLE `u` (`a` text, `j` json, `x` uuid) DEFAULT CHARSET=utf8mb4;\n"
	tests := []struct {
		name string
		sql  string
		rows []string
		err  []string
	}{
		{"SET NAMES latin1 (MySQL's cp1252)", "/*!40101 SET NAMES latin1 */;\n" + latin1Table + utf8Table +
			"INSERT INTO `t` VALUES ('caf\xe9 \x80\x81','\xe9'),(_utf8mb4'caf\xc3\xa9',_binary'\xff');\nINSERT INTO `u` VALUES ('M\xfcller','{\"k\": \"\xe9\"}','x');\n",
			[]string{`t@4: s:"café €\u0081"|s:"\xe9"`, `t@4: s:"café"|s:"\xff"`, `u@5: s:"Müller"|s:"{\"k\": \"é\"}"|s:"x"`}, nil},
		{"character_set_client = cp850 (Windows mysqldump)", "SET character_set_client = cp850;\n" + latin1Table +
			"INSERT INTO `t` VALUES ('Cr\x8ame br\x96l\x82e',NULL);\n",
			[]string{`t@3: s:"Crème brûlée"|NULL`}, nil},
		{"saved and restored", "/*!40101 SET NAMES koi8r */;\n/*!40101 SET @saved_cs_client     = @@character_set_client */;\n" +
			"/*!50503 SET character_set_client = utf8mb4 */;\n" + strings.Replace(latin1Table, "`a`", "`\xd0\xb8\xd0\xbc\xd1\x8f`", 1) +
			"/*!40101 SET character_set_client = @saved_cs_client */;\nINSERT INTO `t` (`\xc9\xcd\xd1`, `b`) VALUES ('\xf0\xd2\xc9\xd7\xc5\xd4',NULL);\n",
			[]string{`t@6: s:"Привет"|NULL`}, nil},
		{"hex and _binary into text are in the column's charset", "SET NAMES utf8mb4;\n" + latin1Table + utf8Table +
			"INSERT INTO `t` VALUES (0x636166E9,0xE9),(_binary'caf\xe9',X'FF');\nINSERT INTO `u` VALUES (0x636166C3A9,NULL,0x3132);\n",
			[]string{`t@4: s:"café"|x:e9`, `t@4: s:"café"|x:ff`, `u@5: s:"café"|NULL|x:3132`}, nil},
		{"SET NAMES binary", "SET NAMES binary;\n" + latin1Table + utf8Table +
			"INSERT INTO `t` VALUES ('caf\xe9',NULL);\nINSERT INTO `u` VALUES ('caf\xc3\xa9',NULL,NULL);\n",
			[]string{`t@4: s:"café"|NULL`, `u@5: s:"café"|NULL|NULL`}, nil},
		{"invalid utf8mb4", "SET NAMES utf8mb4;\n" + utf8Table + "INSERT INTO `u` VALUES ('ok',NULL,NULL),\n('caf\xe9 au lait',NULL,NULL);\n",
			[]string{`u@3: s:"ok"|NULL|NULL`}, []string{"table `u` at line 4", "column `a`", "invalid utf8mb4 text at byte 3"}},
		{"invalid sjis", "SET NAMES sjis;\n" + utf8Table + "INSERT INTO `u` VALUES ('\x82\xa0\x82',NULL,NULL);\n",
			nil, []string{"table `u` at line 3", "column `a`", "invalid sjis text"}},
		{"unsupported charset, non-ASCII text", "SET NAMES swe7;\n" + utf8Table + "INSERT INTO `u` VALUES ('abc',NULL,NULL),('\xe9',NULL,NULL);\n",
			[]string{`u@3: s:"abc"|NULL|NULL`}, []string{"column `a`", "character set swe7 is not supported"}},
		{"database default charset", "CREATE DATABASE `d` /*!40100 DEFAULT CHARACTER SET latin1 */;\nUSE `d`;\nSET NAMES binary;\n" +
			"CREATE TABLE `t` (`a` varchar(5), `c` char(3) CHARACTER SET binary);\nINSERT INTO `t` VALUES ('\xe9t\xe9','\xe9');\n",
			[]string{`t@5: s:"été"|s:"\xe9"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{6, 0} {
				rec, _, err := scanString(t, tc.sql, ScanOptions{BufferSize: bufSize})
				if len(tc.err) == 0 && err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				for _, w := range tc.err {
					if err == nil || !strings.Contains(err.Error(), w) || !errors.Is(err, liberator.ErrInvalid) {
						t.Errorf("buf %d: error %v lacks %q", bufSize, err, w)
					}
				}
				if diff := cmp.Diff(tc.rows, rec.rows, cmpEmpty); diff != "" {
					t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}
