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
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

const e2eDump = "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
	"/*!40103 SET TIME_ZONE='+00:00' */;\n" +
	"DROP TABLE IF EXISTS `PCN_IC`;\n" +
	"CREATE TABLE `PCN_IC` (\n" +
	"  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n" +
	"  `vrm` varchar(12) CHARACTER SET utf8mb4 NOT NULL,\n" +
	"  `paid` tinyint(1) NOT NULL DEFAULT '0',\n" +
	"  `amount` decimal(8,2) DEFAULT NULL,\n" +
	"  `big` decimal(65,30) DEFAULT NULL,\n" +
	"  `rate` float DEFAULT NULL,\n" +
	"  `issued` datetime(6) DEFAULT NULL,\n" +
	"  `seen` timestamp NULL DEFAULT NULL,\n" +
	"  `day` date NOT NULL DEFAULT '0000-00-00',\n" +
	"  `dur` time DEFAULT NULL,\n" +
	"  `flags` bit(12) DEFAULT NULL,\n" +
	"  `photo` blob,\n" +
	"  `loc` point DEFAULT NULL,\n" +
	"  `status` enum('open','paid','void') DEFAULT 'open',\n" +
	"  `notes` text,\n" +
	"  `vrm_len` int GENERATED ALWAYS AS (char_length(`vrm`)) VIRTUAL,\n" +
	"  PRIMARY KEY (`id`)\n" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"LOCK TABLES `PCN_IC` WRITE;\n" +
	"INSERT INTO `PCN_IC` (`id`, `vrm`, `paid`, `amount`, `big`, `rate`, `issued`, `seen`, `day`, `dur`, `flags`, `photo`, `loc`, `status`, `notes`) VALUES " +
	"(18446744073709551615,'AB12 CDE',2,-12.50,-1.000000000000000000000000000001,3.14159,'2026-11-24 03:15:00.123456','2026-11-24 03:15:00','2026-11-24','-838:59:59',b'101010101010',_binary 'a\\0b','\\0',NULL,'line1\\nline2 🚗')," +
	"(1,'ZZ99 ZZZ',0,NULL,NULL,-0,'0000-00-00 00:00:00',NULL,'0000-00-00','12:00:00',NULL,0xDEAD00,0x000000000101000000000000000000F03F0000000000000040,'void',NULL);\n" +
	"UNLOCK TABLES;\n" +
	"CREATE TABLE `empty_t` (`a` int NOT NULL) ENGINE=InnoDB;\n" +
	"-- Dump completed on 2026-11-24  3:20:00\n"

func TestEndToEndScan(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "liberator_dump_20261124.sql")
	if err := os.WriteFile(path, []byte(e2eDump), 0o644); err != nil {
		t.Fatal(err)
	}
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart), NewUUID: func() string { return "u1" }}})
	req := liberator.ExportRequest{ID: "sql-to-parquet-26-11-24-031500", Snapshot: liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Dump: liberator.DumpRef{Key: path}}}
	info, err := e.StartExport(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != liberator.ExportComplete {
		t.Fatalf("status %s: %s", info.Status, info.FailureCause)
	}
	if diff := cmp.Diff(map[string]int64{"liberator.PCN_IC": 2, "liberator.empty_t": 0}, info.RowCounts); diff != "" {
		t.Errorf("row counts (-want +got):\n%s", diff)
	}
	geom := "\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40"
	want := [][]any{
		{exporttest.Twos("18446744073709551615", 9), "AB12 CDE", int32(2), int32(-1250), "-1.000000000000000000000000000001", exporttest.Dbl(3.14159),
			exporttest.Micros(2026, 11, 24, 3, 15, 0, 123456), exporttest.Micros(2026, 11, 24, 3, 15, 0, 0), "2026-11-24", "-838:59:59", "\x0a\xaa",
			"a\x00b", "\x00", nil, "line1\nline2 🚗", nil},
		{exporttest.Twos("1", 9), "ZZ99 ZZZ", int32(0), nil, nil, exporttest.Dbl(exporttest.NegZero()), nil, nil, nil, "12:00:00", nil,
			"\xde\xad\x00", geom, "void", nil, nil},
	}
	got := exporttest.ReadRows(t, bucket, req.ID+"/liberator/liberator.PCN_IC/1/")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	keys := exporttest.ListKeys(t, bucket)
	wantKeys := []string{
		req.ID + "/export_info_" + req.ID + ".json",
		req.ID + "/export_tables_info_" + req.ID + "_from_1_to_2.json",
		req.ID + "/liberator/liberator.PCN_IC/1/part-00000-u1-c000.gz.parquet",
		req.ID + "/liberator/liberator.empty_t/1/part-00000-u1-c000.gz.parquet",
	}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	rep := readTablesReport(t, bucket, req.ID)
	pt := rep.PerTableStatus[0]
	if diff := cmp.Diff([]any{map[string]int64{"issued": 1, "day": 1}, map[string]int64{"vrm_len": 2}},
		[]any{pt.ZeroDatesNulled, pt.MissingNulled}); diff != "" {
		t.Errorf("report counts (-want +got):\n%s", diff)
	}
	raw, err := bucket.ReadAll(context.Background(), wantKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"dumpCompleted": true`) || !strings.Contains(string(raw), "MySQL dump 10.13") {
		t.Errorf("export info lacks the dump header/trailer:\n%s", raw)
	}
}

func TestEndToEndScanErrorNamesLine(t *testing.T) {
	dump := strings.Replace(e2eDump, "-12.50", "1000000.00", 1) // amount is DECIMAL(8,2)
	path := filepath.Join(t.TempDir(), "d.sql")
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
	info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: path}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"FAILED", "liberator.PCN_IC", "line 24", "PCN_IC.amount", "out of range"} {
		if !strings.Contains(string(info.Status)+" "+info.FailureCause, w) {
			t.Errorf("status %s cause %q lacks %q", info.Status, info.FailureCause, w)
		}
	}
	if diff := cmp.Diff([]string{"x/export_info_x.json"}, exporttest.ListKeys(t, bucket)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestRealDumps exports the dumps real mysqldump / mariadb-dump runs made
// (the snapshot package's test data), end to end.
func TestRealDumps(t *testing.T) {
	tests := []struct {
		file    string
		counts  map[string]int64
		skipped int
	}{
		{"../../snapshot/mysqldump/testdata/mysql84.sql", map[string]int64{"liberator.PCN_IC": 3}, 3},
		{"../../snapshot/mysqldump/testdata/mariadb114.sql", map[string]int64{"liberator.permits": 2}, 4},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			if _, err := os.Stat(tc.file); err != nil {
				t.Skipf("no %s: %v", tc.file, err)
			}
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
			info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s", Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: tc.file}}})
			if err != nil {
				t.Fatal(err)
			}
			rep := readTablesReport(t, bucket, "x")
			var rows int
			for t2 := range tc.counts {
				rows += len(exporttest.ReadRows(t, bucket, "x/liberator/"+t2+"/"))
			}
			var want int
			for _, n := range tc.counts {
				want += int(n)
			}
			got := []any{info.Status, info.FailureCause, info.RowCounts, len(rep.Skipped), rows}
			if diff := cmp.Diff([]any{liberator.ExportComplete, "", tc.counts, tc.skipped, want}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
