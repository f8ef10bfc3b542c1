package mysqldump

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sakilaAddress is Oracle's Sakila 1.5 data as its authors wrote it (New
// BSD licence): the GEOMETRY column and its values exist only for MySQL ≥
// 5.7.5, inside version comments, the values inside the rows.
const sakilaAddress = "SET NAMES utf8mb4;\nCREATE TABLE address (\n" +
	"  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,\n" +
	"  address VARCHAR(50) NOT NULL,\n" +
	"  address2 VARCHAR(50) DEFAULT NULL,\n" +
	"  district VARCHAR(20) NOT NULL,\n" +
	"  city_id SMALLINT UNSIGNED NOT NULL,\n" +
	"  postal_code VARCHAR(10) DEFAULT NULL,\n" +
	"  phone VARCHAR(20) NOT NULL,\n" +
	"  -- Add GEOMETRY column for MySQL 5.7.5 and higher\n" +
	"  -- Also include SRID attribute for MySQL 8.0.3 and higher\n" +
	"  /*!50705 location GEOMETRY */ /*!80003 SRID 0 */ /*!50705 NOT NULL,*/\n" +
	"  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n" +
	"  PRIMARY KEY  (address_id),\n" +
	"  KEY idx_fk_city_id (city_id),\n" +
	"  /*!50705 SPATIAL KEY `idx_location` (location),*/\n" +
	"  CONSTRAINT `fk_address_city` FOREIGN KEY (city_id) REFERENCES city (city_id) ON DELETE RESTRICT ON UPDATE CASCADE\n" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"INSERT INTO `address` VALUES (1,'47 MySakila Drive',NULL,'Alberta',300,'','',/*!50705 0x0000000001010000003E0A325D63345CC0761FDB8D99D94840,*/'2014-09-25 22:30:27'),\n" +
	"(2,'28 MySQL Boulevard',NULL,'QLD',576,'','',/*!50705 0x0000000001010000008E10D4DF812463404EE08C5022A23BC0,*/'2014-09-25 22:30:09');\n"

// TestScanConditionalComments checks that executable comments are read as
// MySQL 8.4 reads them wherever a statement holds them, rows included, and
// that a dump written by MariaDB keeps what its /*M!…*/ comments hold.
func TestScanConditionalComments(t *testing.T) {
	const mariaHeader = "-- MariaDB dump 10.19-10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n"
	const t1 = "CREATE TABLE `t` (`a` int, /*!90000 `later` int, */ /*M!100100 `m` int, */ `b` varchar(9));\n"
	tests := []struct {
		name    string
		sql     string
		columns []string
		rows    []string
	}{
		{"sakila address", sakilaAddress,
			[]string{"address_id", "address", "address2", "district", "city_id", "postal_code", "phone", "location", "last_update"},
			[]string{
				`address@19: n:1|s:"47 MySakila Drive"|NULL|s:"Alberta"|n:300|s:""|s:""|x:0000000001010000003e0a325d63345cc0761fdb8d99d94840|s:"2014-09-25 22:30:27"`,
				`address@20: n:2|s:"28 MySQL Boulevard"|NULL|s:"QLD"|n:576|s:""|s:""|x:0000000001010000008e10d4df812463404ee08c5022a23bc0|s:"2014-09-25 22:30:09"`,
			}},
		{"later version and MariaDB-only skipped on MySQL 8.4", t1 +
			"INSERT INTO `t` VALUES (1,/*!90000 7,*/ /*M!100100 8,*/ 'x'),(2 /* plain */,/*!80400 'y' */);\n",
			[]string{"a", "b"},
			[]string{`t@2: n:1|s:"x"`, `t@2: n:2|s:"y"`}},
		{"MariaDB dump keeps its own comments", mariaHeader + t1 +
			"INSERT INTO `t` VALUES (1,/*M!100100 8,*/ 'x');\n",
			[]string{"a", "later", "m", "b"},
			nil},
		{"statements of a later version ignored", "/*!90000 CREATE TABLE `x` (`a` int) */;\n/*M!100616 CREATE TABLE `y` (`a` int) */;\n" +
			"CREATE TABLE `z` (`a` int);\nINSERT INTO `z` VALUES (1);\n",
			[]string{"a"},
			[]string{`z@4: n:1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{5, 64, 0} {
				rec, _, err := scanString(t, tc.sql, ScanOptions{BufferSize: bufSize})
				if tc.rows == nil { // the row would not fit the MariaDB table
					if len(rec.tables) == 0 {
						t.Fatalf("buf %d: no table (%v)", bufSize, err)
					}
				} else if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				var cols []string
				for _, c := range rec.tables[len(rec.tables)-1].Columns {
					cols = append(cols, c.Name)
				}
				if diff := cmp.Diff(tc.columns, cols); diff != "" {
					t.Errorf("buf %d columns (-want +got):\n%s", bufSize, diff)
				}
				if tc.rows != nil {
					if diff := cmp.Diff(tc.rows, rec.rows); diff != "" {
						t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
					}
				}
			}
		})
	}
}
