package partition_test

import (
	"context"
	"fmt"
	"log"

	"gocloud.dev/blob/memblob"

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

func ExampleLander() {
	ctx := context.Background()
	// In production: blob.OpenBucket(ctx, "s3://dev-liberator-data-storage?region=eu-west-2").
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	_ = bucket.WriteAll(ctx, "exp-1/liberator/liberator.PCN_IC/1/part-00000-a-c000.gz.parquet", []byte("PAR1…"), nil)
	_ = bucket.WriteAll(ctx, "exp-1/export_info_exp-1.json", []byte("{}"), nil)

	lander, err := partition.NewLander(bucket, bucket, partition.LanderOptions{
		Prefix:  "parking",
		Workers: 8,
	})
	if err != nil {
		log.Fatal(err)
	}
	d, _ := liberator.DateFromSnapshotID("sql-to-parquet-26-11-24-031500")
	m, err := lander.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: d})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range m.Tables {
		for _, o := range t.Objects {
			fmt.Println(o.Key, o.Size)
		}
	}
	ok, _ := partition.Published(ctx, bucket, "parking", "liberator", "PCN_IC", d)
	fmt.Println("published:", ok)
	// Output:
	// parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-00000-a-c000.gz.parquet 7
	// published: true
}
