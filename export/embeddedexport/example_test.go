package embeddedexport_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// New exports a dump to Parquet in the RDS export layout with no
// database server.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "embeddedexport-example")
	defer os.RemoveAll(dir)
	dump := filepath.Join(dir, "liberator_dump_20261124.sql")
	_ = os.WriteFile(dump, []byte("CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `vrm` varchar(12)\n);\n"+
		"INSERT INTO `PCN_IC` VALUES (1,'AB12CDE'),(2,NULL);\n"), 0o644)

	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	exp := embeddedexport.New(bucket, embeddedexport.Options{Export: export.Options{
		Clock:   liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)),
		NewUUID: func() string { return "5f0c" },
		Progress: func(p export.TableProgress) {
			if p.Done {
				fmt.Printf("%s: %d rows\n", p.Table, p.Rows)
			}
		},
	}})
	info, err := exp.StartExport(context.Background(), liberator.ExportRequest{
		ID: "sql-to-parquet-26-11-24-031500",
		Snapshot: liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Status: liberator.SnapshotAvailable,
			Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: dump}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Status, info.RowCounts)
	iter := bucket.List(nil)
	for {
		obj, err := iter.Next(context.Background())
		if err == io.EOF {
			break
		}
		fmt.Println(obj.Key)
	}
	// Output:
	// liberator.PCN_IC: 2 rows
	// COMPLETE map[liberator.PCN_IC:2]
	// sql-to-parquet-26-11-24-031500/export_info_sql-to-parquet-26-11-24-031500.json
	// sql-to-parquet-26-11-24-031500/export_tables_info_sql-to-parquet-26-11-24-031500_from_1_to_1.json
	// sql-to-parquet-26-11-24-031500/liberator/liberator.PCN_IC/1/part-00000-5f0c-c000.gz.parquet
}
