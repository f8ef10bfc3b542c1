package partition_test

import (
	"fmt"
	"log"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

func ExampleLandingKey() {
	d, _ := liberator.ParseDate("2026-11-24")
	key, table, err := partition.LandingKey("parking", "sql-to-parquet-26-11-24-031500/",
		"sql-to-parquet-26-11-24-031500/liberator/liberator.PCN_IC/1/part-00000-1a2b-c000.gz.parquet", d)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(table)
	fmt.Println(key)

	_, _, err = partition.LandingKey("parking", "exp/", "exp/liberator/liberator.PCN_IC/../../x.parquet", d)
	fmt.Println(err)
	fmt.Println(partition.RawPrefix("parking", "liberator", "PCN_IC", d))
	// Output:
	// liberator.PCN_IC
	// parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-00000-1a2b-c000.gz.parquet
	// map export key "exp/liberator/liberator.PCN_IC/../../x.parquet": ".." path segment
	// parking/liberator/liberator_pcn_ic/import_year=2026/import_month=11/import_day=24/import_date=20261124/
}
