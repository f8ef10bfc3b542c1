package mysqldump

import (
	"errors"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseCreateTable(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want []Column // Definition is checked only where set
	}{
		{"mysql 8 types", "CREATE TABLE `PCN_IC` (\n" +
			"  `id` int unsigned NOT NULL AUTO_INCREMENT,\n" +
			"  `big` bigint(20) unsigned zerofill DEFAULT NULL,\n" +
			"  `pcn` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'a,b(c)',\n" +
			"  `amount` decimal(10,2) NOT NULL DEFAULT '0.00',\n" +
			"  `ratio` numeric,\n" +
			"  `f` float(7,4) DEFAULT '-1.5',\n" +
			"  `d` double precision,\n" +
			"  `r` real,\n" +
			"  `ok` bool DEFAULT true,\n" +
			"  `yes` boolean,\n" +
			"  `i` integer(11),\n" +
			"  `created` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),\n" +
			"  `t` time(3),\n" +
			"  `ts` timestamp NULL DEFAULT NULL,\n" +
			"  `y` year,\n" +
			"  `b` bit(3) DEFAULT b'101',\n" +
			"  `bin` binary(16) DEFAULT 0x00,\n" +
			"  `j` json DEFAULT (json_object()),\n" +
			"  `g` geometry NOT NULL /*!80003 SRID 4326 */,\n" +
			"  `inv` int DEFAULT NULL /*!80023 INVISIBLE */,\n" +
			"  `note` text COMMENT 'a comment, with (parens) and ''quotes''',\n" +
			"  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`pcn`,`amount`),\n  KEY `k` (`created`) USING BTREE,\n" +
			"  FULLTEXT KEY `ft` (`note`),\n  SPATIAL KEY `sp` (`g`),\n" +
			"  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `other` (`id`) ON DELETE CASCADE,\n" +
			"  CONSTRAINT `c1` CHECK ((`amount` >= 0))\n" +
			") ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='x)'\n/*!50100 PARTITION BY HASH (`id`) PARTITIONS 4 */",
			[]Column{
				{Name: "id", Type: "int", Unsigned: true, NotNull: true, Definition: "`id` int unsigned NOT NULL AUTO_INCREMENT"},
				{Name: "big", Type: "bigint", Length: 20, Unsigned: true, Zerofill: true},
				{Name: "pcn", Type: "varchar", Length: 20, NotNull: true, Charset: "utf8mb4", Collation: "utf8mb4_unicode_ci",
					Definition: "`pcn` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'a,b(c)'"},
				{Name: "amount", Type: "decimal", Precision: 10, Scale: 2, NotNull: true},
				{Name: "ratio", Type: "decimal", Precision: 10},
				{Name: "f", Type: "float", Precision: 7, Scale: 4},
				{Name: "d", Type: "double"},
				{Name: "r", Type: "double"},
				{Name: "ok", Type: "tinyint", Length: 1},
				{Name: "yes", Type: "tinyint", Length: 1},
				{Name: "i", Type: "int", Length: 11},
				{Name: "created", Type: "datetime", Length: 6, NotNull: true},
				{Name: "t", Type: "time", Length: 3},
				{Name: "ts", Type: "timestamp"},
				{Name: "y", Type: "year"},
				{Name: "b", Type: "bit", Length: 3},
				{Name: "bin", Type: "binary", Length: 16},
				{Name: "j", Type: "json"},
				{Name: "g", Type: "geometry", NotNull: true, Definition: "`g` geometry NOT NULL /*!80003 SRID 4326 */"},
				{Name: "inv", Type: "int"},
				{Name: "note", Type: "text"},
			}},
		{"enum and set", "CREATE TABLE t (\n `s` enum('open','can''t','it\\'s','a,b','(x)') NOT NULL DEFAULT 'open',\n `z` SET('A','B') DEFAULT NULL\n)",
			[]Column{
				{Name: "s", Type: "enum", NotNull: true, Elements: []string{"open", "can't", "it's", "a,b", "(x)"}},
				{Name: "z", Type: "set", Elements: []string{"A", "B"}},
			}},
		{"generated columns", "CREATE TABLE `g` (\n" +
			"  `a` int,\n" +
			"  `v` int GENERATED ALWAYS AS ((`a` + 1)) VIRTUAL,\n" +
			"  `s` varchar(10) GENERATED ALWAYS AS (concat(`a`,_utf8mb4',')) STORED NOT NULL,\n" +
			"  `d` int AS (a*2),\n" +
			"  `mp` int(11) AS (`a` * 3) PERSISTENT,\n" +
			"  `mv` varchar(8) AS (lcase(`x`)) VIRTUAL\n)",
			[]Column{
				{Name: "a", Type: "int"},
				{Name: "v", Type: "int", Generated: true, Virtual: true, Expression: "(`a` + 1)"},
				{Name: "s", Type: "varchar", Length: 10, Generated: true, NotNull: true, Expression: "concat(`a`,_utf8mb4',')"},
				{Name: "d", Type: "int", Generated: true, Virtual: true, Expression: "a*2"},
				{Name: "mp", Type: "int", Length: 11, Generated: true, Expression: "`a` * 3"},
				{Name: "mv", Type: "varchar", Length: 8, Generated: true, Virtual: true, Expression: "lcase(`x`)"},
			}},
		{"mariadb json check and uuid", "CREATE TABLE `m` (\n `meta` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`meta`)),\n `u` uuid DEFAULT NULL,\n `ts` timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp()\n) ENGINE=InnoDB",
			[]Column{
				{Name: "meta", Type: "longtext", Charset: "utf8mb4", Collation: "utf8mb4_bin"},
				{Name: "u", Type: "uuid"},
				{Name: "ts", Type: "timestamp"},
			}},
		{"mariadb system versioning", "CREATE TABLE `sv` (\n `x` int,\n `rs` timestamp(6) GENERATED ALWAYS AS ROW START INVISIBLE,\n `re` timestamp(6) GENERATED ALWAYS AS ROW END INVISIBLE,\n PERIOD FOR SYSTEM_TIME (`rs`, `re`)\n) WITH SYSTEM VERSIONING",
			[]Column{
				{Name: "x", Type: "int"},
				{Name: "rs", Type: "timestamp", Length: 6, Generated: true},
				{Name: "re", Type: "timestamp", Length: 6, Generated: true},
			}},
		{"odd names", "CREATE TABLE IF NOT EXISTS `db`.`we``ird` (`key` int, `index` char(1), `a b` national varchar(3), plain int)",
			[]Column{
				{Name: "key", Type: "int"},
				{Name: "index", Type: "char", Length: 1},
				{Name: "a b", Type: "varchar", Length: 3},
				{Name: "plain", Type: "int"},
			}},
	}
	ignoreDef := cmpopts.IgnoreFields(Column{}, "Definition")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := ParseCreateTable([]byte(tc.sql))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tbl.Columns, ignoreDef); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			for i, c := range tc.want {
				if c.Definition != "" && i < len(tbl.Columns) && tbl.Columns[i].Definition != c.Definition {
					t.Errorf("column %s definition %q, want %q", c.Name, tbl.Columns[i].Definition, c.Definition)
				}
			}
		})
	}
	tbl, _ := ParseCreateTable([]byte("CREATE TABLE IF NOT EXISTS `db`.`we``ird` (a int)"))
	if tbl.Name != "we`ird" {
		t.Errorf("name %q", tbl.Name)
	}
}

func TestParseCreateTableErrors(t *testing.T) {
	tests := []struct{ name, sql, want string }{
		{"not create", "DROP TABLE t", "not a CREATE TABLE"},
		{"like", "CREATE TABLE t LIKE u", "no column list"},
		{"unclosed", "CREATE TABLE t (a int, b varchar(10)", "not closed"},
		{"bad param", "CREATE TABLE t (a int(x))", "bad type parameter"},
		{"bad enum", "CREATE TABLE t (a enum(1,2))", "bad enum element"},
		{"no type", "CREATE TABLE t (a)", "no type"},
		{"no columns", "CREATE TABLE t (PRIMARY KEY (a))", "no columns"},
		{"unclosed string", "CREATE TABLE t (a int DEFAULT 'x)", "not closed"},
	}
	for _, tc := range tests {
		_, err := ParseCreateTable([]byte(tc.sql))
		if err == nil || !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want Invalid containing %q", tc.name, err, tc.want)
		}
	}
}
