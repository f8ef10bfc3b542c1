package bloblander_test

import (
	"context"
	"fmt"
	"log"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
)

func ExampleLander_Land() {
	ctx := context.Background()
	// In production: blob.OpenBucket(ctx, "s3://dev-liberator-data-storage?region=eu-west-2").
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	_ = bucket.WriteAll(ctx, "exp-1/liberator/liberator.PCN_IC/1/part-00000-a-c000.gz.parquet", []byte("PAR1…"), nil)
	_ = bucket.WriteAll(ctx, "exp-1/export_info_exp-1.json", []byte("{}"), nil)

	lander, err := bloblander.New(bucket, bucket, bloblander.Options{
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
