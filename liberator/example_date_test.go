package liberator_test

import (
	"fmt"
	"log"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

func ExampleDateFromDumpName() {
	for _, name := range []string{
		"parking/liberator_dump_20261124.zip",
		"parking/liberator_dump_261124.zip",
		"parking/liberator_dump_20260230.zip",
	} {
		d, err := liberator.DateFromDumpName(name)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(d, partition.Path(d))
	}
	// Output:
	// 2026-11-24 import_year=2026/import_month=11/import_day=24/import_date=20261124
	// 2026-11-24 import_year=2026/import_month=11/import_day=24/import_date=20261124
	// error: date from dump name "parking/liberator_dump_20260230.zip": impossible date 2026-02-30
}

func ExampleDateFromSnapshotID() {
	for _, id := range []string{"sql-to-parquet-26-11-24-031500", "sql-to-parquet-2026-01-05-backdated"} {
		d, err := liberator.DateFromSnapshotID(id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d.Compact())
	}
	// Output:
	// 20261124
	// 20260105
}
