package liberator_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

// A pipeline composed from in-memory parts: fake RDS snapshots and exports
// that take a while, memory buckets, the real blob Lander and a fake Glue
// workflow, all on a virtual clock so the hour-long waits take no time.
func Example() {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	quiet := slog.New(slog.DiscardHandler)

	exports := memblob.OpenBucket(nil) // where the exporter writes
	lake := memblob.OpenBucket(nil)    // the data lake's landing zone
	defer exports.Close()
	defer lake.Close()

	lander, err := bloblander.New(exports, lake, bloblander.Options{Prefix: "parking", Clock: clk, Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	workflow := fakeglue.New(fakeglue.Options{Clock: clk})
	p, err := liberator.New(liberator.Config{
		Snapshotter: fakesnap.New(fakesnap.Options{Clock: clk, CreatingPolls: 3}),
		Exporter: fakeexport.New(fakeexport.Options{
			Bucket:          exports,
			Tables:          map[string][][]byte{"PCN_IC": {[]byte("parquet bytes")}},
			InProgressPolls: 2,
		}),
		Lander:   lander,
		Workflow: workflow,
		Clock:    clk,
		Logger:   quiet,
	})
	if err != nil {
		log.Fatal(err)
	}

	first, err := liberator.NewRunMessage(
		liberator.DumpRef{Bucket: "mem://", Key: "parking/liberator_dump_20261124.zip"},
		liberator.Date{}, false, clk.Now()) // import date from the dump's name
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.Run(ctx, first)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot:", res.SnapshotID, "steps:", res.Steps, "virtual time:", clk.Now().Sub(first.Received))
	fmt.Println("workflow run:", res.WorkflowRunID, workflow.Runs()[0].Properties)
	it := lake.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(obj.Key)
	}
	// Output:
	// snapshot: sql-to-parquet-26-11-24-031500 steps: 10 virtual time: 11m0s
	// workflow run: wr_0001 map[import_date:20261124]
	// _liberator/leases/landing/parking/20261124/last.json
	// _liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/_SUCCESS
	// _liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/_manifest.json
	// parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-00000-8367345a-b43d-53c1-a5eb-e711c5160384-c000.gz.parquet
}
