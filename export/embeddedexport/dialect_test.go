package embeddedexport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TestEndToEndViewStandIn exports a dump laid out as phpMyAdmin writes
// one: a view's stand-in table, created, dropped and recreated as the
// view. The stand-in is not landed and the view is listed once.
func TestEndToEndViewStandIn(t *testing.T) {
	dump := "-- phpMyAdmin SQL Dump\n-- version 5.2.1\n--\n-- Host: 127.0.0.1\n-- Database: `parking`\n\n" +
		"SET SQL_MODE = \"NO_AUTO_VALUE_ON_ZERO\";\nSTART TRANSACTION;\n/*!40101 SET NAMES utf8mb4 */;\n\n" +
		"--\n-- Stand-in structure for view `v_paid`\n-- (See below for the actual view)\n--\n" +
		"CREATE TABLE `v_paid` (\n`id` int(11)\n,`vrm` varchar(12)\n);\n\n" +
		"CREATE TABLE `pcn` (\n  `id` int(11) NOT NULL,\n  `vrm` varchar(12) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n" +
		"INSERT INTO `pcn` (`id`, `vrm`) VALUES\n(1, 'AB12CDE'),\n(2, 'XY99ZZZ');\n\n" +
		"--\n-- Structure for view `v_paid`\n--\nDROP TABLE IF EXISTS `v_paid`;\n\n" +
		"CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v_paid`  AS SELECT `pcn`.`id` AS `id`, `pcn`.`vrm` AS `vrm` FROM `pcn` ;\n" +
		"COMMIT;\n"
	path := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql")
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s",
		Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	rep := readTablesReport(t, bucket, "x")
	got := []any{info.RowCounts, rep.Skipped}
	want := []any{map[string]int64{"liberator.pcn": 2}, []mysqldump.Skipped{{Kind: mysqldump.SkippedView, Name: "v_paid", Line: 34}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEndToEndSourceDatabase exports one database of a dump of two
// (Options.Scan.SourceDatabase), landing it under the layout's database;
// without the option the export fails naming both.
func TestEndToEndSourceDatabase(t *testing.T) {
	dump := "CREATE DATABASE `app`;\nUSE `app`;\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1),(2);\n" +
		"CREATE DATABASE `shop`;\nUSE `shop`;\nCREATE TABLE `t` (`b` varchar(3));\nINSERT INTO `t` VALUES ('x');\n"
	path := filepath.Join(t.TempDir(), "liberator_dump_20261124.sql")
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		source string
		status liberator.ExportStatus
		rows   map[string]int64
	}{{"shop", liberator.ExportComplete, map[string]int64{"liberator.t": 1}}, {"app", liberator.ExportComplete, map[string]int64{"liberator.t": 2}}, {"", liberator.ExportFailed, nil}} {
		bucket := memblob.OpenBucket(nil)
		e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}, Scan: mysqldump.ScanOptions{SourceDatabase: tc.source}})
		info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s",
			Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]any{tc.status, tc.rows}, []any{info.Status, info.RowCounts}); diff != "" {
			t.Errorf("source %q (-want +got):\n%s\n%s", tc.source, diff, info.FailureCause)
		}
		if tc.source == "" && !strings.Contains(info.FailureCause, "several user databases (`app`, `shop`)") {
			t.Errorf("cause %q", info.FailureCause)
		}
		bucket.Close()
	}
}
