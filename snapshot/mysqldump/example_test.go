package mysqldump_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

const dump = "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `pcn` varchar(20) NOT NULL,\n  `amount` decimal(10,2) DEFAULT NULL\n);\n" +
	"INSERT INTO `PCN_IC` VALUES (1,'AB12345',65.00),(2,'it\\'s',NULL);\n" +
	"/*!50001 CREATE VIEW `v` AS SELECT 1 AS `id`*/;\n"

// printer is a mysqldump.Handler that prints what it is given.
type printer struct{}

func (printer) CreateTable(t *mysqldump.Table) error {
	fmt.Printf("table %s:", t.Name)
	for _, c := range t.Columns {
		fmt.Printf(" %s %s", c.Name, c.Type)
	}
	fmt.Println()
	return nil
}

func (printer) Row(t *mysqldump.Table, vals []mysqldump.Value, line int) error {
	fmt.Printf("row of %s at line %d:", t.Name, line)
	for _, v := range vals {
		if v.Kind == mysqldump.Null {
			fmt.Print(" NULL")
		} else {
			fmt.Printf(" %q", v.Bytes)
		}
	}
	fmt.Println()
	return nil
}

func (printer) Skip(s mysqldump.Skipped) { fmt.Printf("skipped %s %s\n", s.Kind, s.Name) }

func ExampleScan() {
	st, err := mysqldump.Scan(context.Background(), strings.NewReader(dump), printer{}, mysqldump.ScanOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Rows, "rows")
	// Output:
	// table PCN_IC: id int pcn varchar amount decimal
	// row of PCN_IC at line 8: "1" "AB12345" "65.00"
	// row of PCN_IC at line 8: "2" "it's" NULL
	// skipped view v
	// 2 rows
}

func ExampleStatementReader() {
	sr := mysqldump.NewStatementReader(strings.NewReader(dump), mysqldump.ReaderOptions{})
	for {
		st, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("line %d: %s %s (version %d)\n", st.Line, st.Kind, st.Name, st.Version)
	}
	// Output:
	// line 2: SET  (version 40101)
	// line 3: CREATE TABLE PCN_IC (version 0)
	// line 8: INSERT PCN_IC (version 0)
	// line 9: CREATE VIEW v (version 50001)
}
