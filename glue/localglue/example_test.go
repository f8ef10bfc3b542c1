package localglue_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"time"

	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/glue/localglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// The local workflow copies a landed table into the raw zone with an
// import_timestamp column, then runs the registered jobs.
func ExampleNew() {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	defer landing.Close()
	defer raw.Close()

	// A landed partition of liberator.PCN_IC with two rows.
	type pcn struct {
		ID  int64  `parquet:"id"`
		PCN string `parquet:"pcn"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []pcn{{1, "HY10000001"}, {2, "HY10000002"}}); err != nil {
		log.Fatal(err)
	}
	day := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	prefix := partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: "PCN_IC"}, day)
	key := prefix + "part-00000-c000.gz.parquet"
	if err := landing.WriteAll(ctx, key, buf.Bytes(), nil); err != nil {
		log.Fatal(err)
	}

	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC))
	wf, err := localglue.New(landing, raw, localglue.Options{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	wf.RegisterJob("count rows", func(ctx context.Context, jc localglue.JobContext) error {
		for _, t := range jc.Tables {
			fmt.Printf("job: %s.%s has %d rows at %s\n", t.Database, t.Table, t.Rows, t.Prefix)
		}
		return nil
	})
	run, err := wf.Start(ctx, liberator.WorkflowRequest{
		RunKey:     "20261124/export-1",
		ImportDate: day,
		Manifest: liberator.Manifest{ImportDate: day, Tables: []liberator.TableManifest{{
			Database: "liberator", Table: "PCN_IC", Prefix: prefix,
			Objects: []liberator.Object{{Key: key, Size: int64(buf.Len())}},
		}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("run:", run.Status, "import_timestamp:", run.Properties["import_timestamp"])

	it := raw.List(nil)
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
	// job: liberator.PCN_IC has 2 rows at parking/liberator/liberator_pcn_ic/import_year=2026/import_month=11/import_day=24/import_date=20261124/
	// run: COMPLETED import_timestamp: 1795500000
	// _liberator/leases/raw/parking/20261124/last.json
	// _liberator/partitions/parking/liberator/liberator_pcn_ic/import_year=2026/import_month=11/import_day=24/import_date=20261124/_SUCCESS
	// _liberator/workflow_runs/wr_3e7bcf0714cad09ef9c15fdf7e9a0254.json
	// parking/liberator/liberator_pcn_ic/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-00000-c000.gz.parquet
}
