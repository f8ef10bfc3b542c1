package mysqlexport

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// writeBenchDump writes a mysqldump-style dump of about size bytes: one
// PCN-like table with extended INSERTs of about 1 MiB each.
func writeBenchDump(tb testing.TB, path string, size int64) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "/*!40101 SET NAMES utf8mb4 */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n"+
		"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"+
		"DROP TABLE IF EXISTS `PCN_IC`;\nCREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `pcn` varchar(20) NOT NULL,\n"+
		"  `vrm` varchar(10) DEFAULT NULL,\n  `amount` decimal(10,2) DEFAULT NULL,\n  `issued` datetime DEFAULT NULL,\n"+
		"  `due` date DEFAULT NULL,\n  `paid` tinyint(1) DEFAULT NULL,\n  `ref` bigint unsigned DEFAULT NULL,\n"+
		"  `notes` text,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"+
		"LOCK TABLES `PCN_IC` WRITE;\n")
	var written int64
	id := 0
	for written < size {
		n, _ := fmt.Fprint(w, "INSERT INTO `PCN_IC` VALUES ")
		written += int64(n)
		for stmt := 0; stmt < 1<<20; {
			id++
			sep := ","
			if stmt == 0 {
				sep = ""
			}
			n, _ := fmt.Fprintf(w, "%s(%d,'PCN%09d','AB%02dCDE',%d.%02d,'2026-%02d-%02d %02d:%02d:00','2026-%02d-%02d',%d,%d,'note for %d: it''s a \\\\ test with some text to pad the row out a little')",
				sep, id, id, id%100, 20+id%180, id%100, 1+id%12, 1+id%28, id%24, id%60, 1+(id+1)%12, 1+id%28, id%2, uint64(id)*2654435761, id)
			stmt += n
			written += int64(n)
		}
		n, _ = fmt.Fprint(w, ";\n")
		written += int64(n)
	}
	fmt.Fprint(w, "UNLOCK TABLES;\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, _ := os.Stat(path)
	return st.Size()
}

// BenchmarkRestoreExportVsEmbedded compares restore+export through the
// MySQL server with the embedded path on the same ~100 MB dump. It runs
// only with LIBERATOR_BENCH_MYSQL=1 (and a server, see mysqltest):
//
//	LIBERATOR_BENCH_MYSQL=1 LIBERATOR_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/' \
//	  go test ./export/mysqlexport -run '^$' -bench RestoreExportVsEmbedded -benchtime 1x
func BenchmarkRestoreExportVsEmbedded(b *testing.B) {
	if os.Getenv("LIBERATOR_BENCH_MYSQL") != "1" {
		b.Skip("set LIBERATOR_BENCH_MYSQL=1 to run")
	}
	dsn := mysqltest.DSN(b)
	path := filepath.Join(b.TempDir(), "bench.sql")
	size := writeBenchDump(b, path, 100<<20)
	ctx := context.Background()
	b.Run("embedded", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			bucket := memblob.OpenBucket(nil)
			e := embeddedexport.New(bucket, embeddedexport.Options{})
			start := time.Now()
			info, err := e.StartExport(ctx, liberator.ExportRequest{ID: fmt.Sprintf("e%d", i),
				Snapshot: liberator.SnapshotInfo{ID: "s", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Key: path}}})
			if err != nil || info.Status != liberator.ExportComplete {
				b.Fatalf("%+v %v", info, err)
			}
			b.Logf("embedded: %d MB (%d rows) in %v = %.1f MB/s", size>>20, info.RowCounts["liberator.PCN_IC"], time.Since(start), float64(size)/(1<<20)/time.Since(start).Seconds())
			bucket.Close()
		}
	})
	b.Run("mysql", func(b *testing.B) {
		b.SetBytes(size)
		prefix := mysqltest.Prefix(b)
		for i := 0; i < b.N; i++ {
			bucket := memblob.OpenBucket(nil)
			be, err := NewBackend(BackendConfig{MySQL: mysqlsnap.Config{DSN: dsn, DatabasePrefix: prefix}, Bucket: bucket})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			snap, err := be.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{ID: fmt.Sprintf("bench%d", i), Dump: liberator.DumpRef{Key: path}})
			if err != nil {
				b.Fatal(err)
			}
			restored := time.Since(start)
			info, err := be.Exporter.StartExport(ctx, liberator.ExportRequest{ID: fmt.Sprintf("m%d", i), Snapshot: snap})
			if err != nil || info.Status != liberator.ExportComplete {
				b.Fatalf("%+v %v", info, err)
			}
			total := time.Since(start)
			b.Logf("mysql: %d MB (%d rows) restore %v + export %v = %v = %.1f MB/s", size>>20, info.RowCounts["liberator.PCN_IC"], restored, total-restored, total,
				float64(size)/(1<<20)/total.Seconds())
			be.Close()
			bucket.Close()
		}
	})
}
