package liberator_test

import (
	"fmt"
	"slices"
	"strings"
)

// The dumps of the comparison and gate tests: pairs of days of a small
// parking database written as mariadb-dump 10.11 writes them (header,
// per-table structure and data blocks with LOCK TABLES and one extended
// INSERT, trailer), so that every backend reads them as real dumps.

// dumpCol is a column of a dump table: its definition as SHOW CREATE
// TABLE prints it, and its value in row i as SQL text.
type dumpCol struct {
	name, def string
	val       func(i int) string
}

// dumpTable is a table of a dump with n rows.
type dumpTable struct {
	name string
	cols []dumpCol
	n    int
}

func sqlStr(s string) string { return "'" + s + "'" }

func idCol() dumpCol {
	return dumpCol{"id", "int(11) NOT NULL AUTO_INCREMENT", func(i int) string { return fmt.Sprint(i + 1) }}
}

func vrmCol() dumpCol {
	return dumpCol{"vrm", "varchar(10) NOT NULL", func(i int) string { return sqlStr(fmt.Sprintf("AB%05d", i)) }}
}

func amountCol() dumpCol {
	return dumpCol{"amount", "decimal(8,2) DEFAULT NULL", func(i int) string { return fmt.Sprintf("%d.50", 30+i%90) }}
}

func issuedCol(name string) dumpCol {
	return dumpCol{name, "datetime DEFAULT NULL", func(i int) string {
		return sqlStr(fmt.Sprintf("2026-11-%02d %02d:%02d:00", 1+i%22, i%24, i%60))
	}}
}

func notesCol() dumpCol {
	return dumpCol{"notes", "text DEFAULT NULL", func(i int) string {
		if i%3 == 0 {
			return "NULL"
		}
		return sqlStr(fmt.Sprintf("note %d", i))
	}}
}

func makeCol() dumpCol {
	return dumpCol{"make", "varchar(20) DEFAULT NULL", func(i int) string { return sqlStr([]string{"Ford", "VW", "Kia"}[i%3]) }}
}

func holderCol() dumpCol {
	return dumpCol{"holder", "varchar(40) NOT NULL", func(i int) string { return sqlStr(fmt.Sprintf("holder %d", i)) }}
}

// day1 is the first day's database: four tables.
func day1() []dumpTable {
	return []dumpTable{
		{"PCN_IC", []dumpCol{idCol(), vrmCol(), amountCol(), issuedCol("issued"), notesCol()}, 600},
		{"audit", []dumpCol{idCol(), holderCol()}, 5},
		{"permits", []dumpCol{idCol(), holderCol(), vrmCol()}, 50},
		{"vehicles", []dumpCol{idCol(), vrmCol(), makeCol()}, 100},
	}
}

// edit returns a copy of tables with fn applied to the table called name.
func edit(tables []dumpTable, name string, fn func(t *dumpTable)) []dumpTable {
	out := make([]dumpTable, len(tables))
	for i, t := range tables {
		t.cols = slices.Clone(t.cols)
		if t.name == name {
			fn(&t)
		}
		out[i] = t
	}
	return out
}

// withoutCol removes a column; withCol replaces or appends one.
func withoutCol(t *dumpTable, name string) {
	t.cols = slices.DeleteFunc(t.cols, func(c dumpCol) bool { return c.name == name })
}

func replaceCol(t *dumpTable, name string, c dumpCol) {
	for i := range t.cols {
		if t.cols[i].name == name {
			t.cols[i] = c
			return
		}
	}
	panic("no column " + name)
}

// mariadbDump writes tables as mariadb-dump 10.11 dumps database db.
func mariadbDump(db string, tables []dumpTable) string {
	var b strings.Builder
	b.WriteString("/*M!999999\\- enable the sandbox mode */ \n")
	b.WriteString("-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n")
	fmt.Fprintf(&b, "-- Host: 127.0.0.1    Database: %s\n", db)
	b.WriteString("-- ------------------------------------------------------\n-- Server version\t10.11.19-MariaDB-0+deb12u1\n\n")
	b.WriteString("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n" +
		"/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n/*!40101 SET NAMES utf8mb4 */;\n/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n" +
		"/*!40103 SET TIME_ZONE='+00:00' */;\n/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n" +
		"/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n" +
		"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "\n--\n-- Table structure for table `%s`\n--\n\nDROP TABLE IF EXISTS `%s`;\n", t.name, t.name)
		b.WriteString("/*!40101 SET @saved_cs_client     = @@character_set_client */;\n/*!40101 SET character_set_client = utf8mb4 */;\n")
		fmt.Fprintf(&b, "CREATE TABLE `%s` (\n", t.name)
		for _, c := range t.cols {
			fmt.Fprintf(&b, "  `%s` %s,\n", c.name, c.def)
		}
		fmt.Fprintf(&b, "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=%d DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n", t.n+1)
		b.WriteString("/*!40101 SET character_set_client = @saved_cs_client */;\n")
		fmt.Fprintf(&b, "\n--\n-- Dumping data for table `%s`\n--\n\nLOCK TABLES `%s` WRITE;\n/*!40000 ALTER TABLE `%s` DISABLE KEYS */;\n", t.name, t.name, t.name)
		if t.n > 0 {
			fmt.Fprintf(&b, "INSERT INTO `%s` VALUES\n", t.name)
			for i := 0; i < t.n; i++ {
				vals := make([]string, len(t.cols))
				for j, c := range t.cols {
					vals[j] = c.val(i)
				}
				sep := ",\n"
				if i == t.n-1 {
					sep = ";\n"
				}
				fmt.Fprintf(&b, "(%s)%s", strings.Join(vals, ","), sep)
			}
		}
		fmt.Fprintf(&b, "/*!40000 ALTER TABLE `%s` ENABLE KEYS */;\nUNLOCK TABLES;\n", t.name)
	}
	b.WriteString("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n" +
		"/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n" +
		"/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n" +
		"/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-11-24  3:15:00\n")
	return b.String()
}
