package mysqldump

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

var cmpEmpty = cmpopts.EquateEmpty()

// scanDrops scans sql with a dropRecorder and renders what it was given:
// "create `db`.`t`", "drop `db`.`t`" and the rows, in order.
func scanDrops(sql string, opts ScanOptions) ([]string, ScanStats, error) {
	var events []string
	st, err := Scan(context.Background(), strings.NewReader(sql), &eventHandler{events: &events}, opts)
	return events, st, err
}

// eventHandler records CreateTable, DropTable, Row and Skip calls in order.
type eventHandler struct {
	events *[]string
}

func (h *eventHandler) CreateTable(t *Table) error {
	*h.events = append(*h.events, "create "+t.QualifiedName())
	return nil
}
func (h *eventHandler) DropTable(t *Table) error {
	*h.events = append(*h.events, "drop "+t.QualifiedName())
	return nil
}
func (h *eventHandler) Row(t *Table, vals []Value, line int) error {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = renderValue(v)
	}
	*h.events = append(*h.events, fmt.Sprintf("row %s: %s", t.QualifiedName(), strings.Join(parts, "|")))
	return nil
}
func (h *eventHandler) Skip(s Skipped) {
	*h.events = append(*h.events, fmt.Sprintf("skip %s %s", s.Kind, s.Name))
}

// TestScanDatabases checks the database boundaries of a dump: the tables
// of the one user database are converted, system databases never are, a
// dump with tables in several user databases is refused unless one is
// chosen, and tables of the same name in two databases stay apart.
func TestScanDatabases(t *testing.T) {
	const app = "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\nUSE `app`;\n" +
		"CREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n"
	const mysql = "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysql`;\nUSE `mysql`;\n" +
		"CREATE TABLE `global_priv` (`Host` char(60), `User` char(80), `Priv` longtext);\n" +
		"INSERT INTO `global_priv` VALUES ('localhost','root','{\"access\":18446744073709551615,\"authentication_string\":\"*81F5E21E35407D884A6CD4A731AEBFB6AF209E1B\"}');\n"
	const shop = "CREATE DATABASE `shop`;\nUSE `shop`;\nCREATE TABLE `t` (`b` varchar(3));\nINSERT INTO `t` VALUES ('x');\n" +
		"INSERT INTO `app`.`t` VALUES (2);\n"
	tests := []struct {
		name   string
		sql    string
		source string
		want   []string
		dbs    []string
		err    []string
	}{
		{"one user database", app, "", []string{"create `app`.`t`", "row `app`.`t`: n:1"}, []string{"app"}, nil},
		{"system database never converted", app + mysql, "", []string{"create `app`.`t`", "row `app`.`t`: n:1"}, []string{"app"}, nil},
		{"system database first", mysql + app, "", []string{"create `app`.`t`", "row `app`.`t`: n:1"}, []string{"app"}, nil},
		{"several user databases refused", app + shop, "", []string{"create `app`.`t`", "row `app`.`t`: n:1"}, []string{"app", "shop"},
			[]string{"table `shop`.`t` at line 7", "several user databases (`app`, `shop`)", "SourceDatabase"}},
		{"one chosen", app + mysql + shop, "shop", []string{"create `shop`.`t`", "row `shop`.`t`: s:\"x\""}, []string{"app", "shop"}, nil},
		{"the other chosen, rows by qualified name", app + shop, "app", []string{"create `app`.`t`", "row `app`.`t`: n:1", "row `app`.`t`: n:2"}, []string{"app", "shop"}, nil},
		{"chosen database absent", app + mysql, "shop", []string{}, []string{"app"},
			[]string{"database `shop`", "not in the dump", "tables of `app`"}},
		{"only system databases", mysql, "", []string{}, nil, nil},
		{"database from mysqldump's header", "-- MySQL dump 10.13  Distrib 8.0.19, for osx10.14 (x86_64)\n--\n-- Host: 127.0.0.1    Database: world\n" +
			"CREATE TABLE `city` (`id` int);\nINSERT INTO `city` VALUES (7);\n", "world",
			[]string{"create `world`.`city`", "row `world`.`city`: n:7"}, []string{"world"}, nil},
		{"no database named", "CREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1);\n", "",
			[]string{"create `t`", "row `t`: n:1"}, []string{""}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{7, 0} {
				events, st, err := scanDrops(tc.sql, ScanOptions{BufferSize: bufSize, SourceDatabase: tc.source})
				if len(tc.err) == 0 && err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				for _, w := range tc.err {
					if err == nil || !strings.Contains(err.Error(), w) || !errors.Is(err, liberator.ErrInvalid) {
						t.Errorf("buf %d: error %v lacks %q", bufSize, err, w)
					}
				}
				if diff := cmp.Diff(tc.want, events, cmpEmpty); diff != "" {
					t.Errorf("buf %d events (-want +got):\n%s", bufSize, diff)
				}
				if diff := cmp.Diff(tc.dbs, st.Databases, cmpEmpty); diff != "" {
					t.Errorf("buf %d databases (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}

// TestScanDropTable checks that a table the dump drops is taken back from
// the Handler (phpMyAdmin's view stand-ins: created as tables, dropped and
// recreated as views, are skipped once, as views), that CREATE TABLE IF NOT
// EXISTS of an existing table is a no-op and that creating a table twice
// is an error naming it.
func TestScanDropTable(t *testing.T) {
	const phpMyAdmin = "-- phpMyAdmin SQL Dump\n-- Host: 127.0.0.1\n-- Database: `parking`\n" +
		"SET SQL_MODE = \"NO_AUTO_VALUE_ON_ZERO\";\n/*!40101 SET NAMES utf8mb4 */;\n" +
		"--\n-- Stand-in structure for view `v_paid`\n-- (See below for the actual view)\n--\n" +
		"CREATE TABLE `v_paid` (\n`id` int(11)\n,`vrm` varchar(12)\n);\n" +
		"CREATE TABLE `pcn` (\n  `id` int(11) NOT NULL,\n  `vrm` varchar(12) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=latin1;\n" +
		"INSERT INTO `pcn` (`id`, `vrm`) VALUES\n(1, 'AB12CDE'),\n(2, 'XY99ZZZ');\n" +
		"--\n-- Structure for view `v_paid`\n--\nDROP TABLE IF EXISTS `v_paid`;\n\n" +
		"CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v_paid`  AS SELECT `pcn`.`id` AS `id`, `pcn`.`vrm` AS `vrm` FROM `pcn` ;\n"
	tests := []struct {
		name string
		sql  string
		want []string
		err  []string
	}{
		{"phpMyAdmin view stand-in", phpMyAdmin, []string{"create `parking`.`v_paid`", "create `parking`.`pcn`",
			"row `parking`.`pcn`: n:1|s:\"AB12CDE\"", "row `parking`.`pcn`: n:2|s:\"XY99ZZZ\"", "drop `parking`.`v_paid`", "skip view v_paid"}, nil},
		{"drop of several, rows dropped too", "CREATE TABLE a (x int);\nCREATE TABLE b (y int);\nINSERT INTO a VALUES (1);\n" +
			"DROP TABLE IF EXISTS `a`, b, `c`;\nCREATE TABLE a (z varchar(2));\nINSERT INTO a VALUES ('z');\n",
			[]string{"create `a`", "create `b`", "row `a`: n:1", "drop `a`", "drop `b`", "create `a`", "row `a`: s:\"z\""}, nil},
		{"drop database", "CREATE DATABASE d;\nUSE d;\nCREATE TABLE a (x int);\nDROP DATABASE d;\nCREATE DATABASE d;\nUSE d;\nCREATE TABLE a (y int);\n",
			[]string{"create `d`.`a`", "drop `d`.`a`", "create `d`.`a`"}, nil},
		{"if not exists", "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nCREATE TABLE IF NOT EXISTS a (x int, y int);\nINSERT INTO a VALUES (2);\n",
			[]string{"create `a`", "row `a`: n:1", "row `a`: n:2"}, nil},
		{"created twice", "USE d;\nCREATE TABLE a (x int);\nCREATE TABLE a (x int);\n", []string{"create `d`.`a`"},
			[]string{"table `d`.`a` at line 3", "created twice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{5, 0} {
				events, _, err := scanDrops(tc.sql, ScanOptions{BufferSize: bufSize})
				if len(tc.err) == 0 && err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				for _, w := range tc.err {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("buf %d: error %v lacks %q", bufSize, err, w)
					}
				}
				if diff := cmp.Diff(tc.want, events); diff != "" {
					t.Errorf("buf %d events (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}
