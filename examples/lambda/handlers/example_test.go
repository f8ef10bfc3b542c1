package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

// The Lambda handlers on an in-memory pipeline: the upload event launches
// the restore (here in process; ECSLauncher in production), the RDS
// "snapshot created" event starts the export, and the scheduler's queue
// messages, delivered as an SQS batch, finish the run.
func Example() {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	quiet := slog.New(slog.DiscardHandler)
	exports, lake := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	defer exports.Close()
	defer lake.Close()
	lander, err := bloblander.New(exports, lake, bloblander.Options{Clock: clk, Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	queue := liberator.NewMemScheduler(clk, liberator.MemSchedulerOptions{})
	workflow := fakeglue.New(fakeglue.Options{Clock: clk})
	exporter := fakeexport.New(fakeexport.Options{Bucket: exports, Tables: map[string][][]byte{"PCN_IC": {[]byte("parquet")}}})
	p, err := liberator.New(liberator.Config{
		Snapshotter: fakesnap.New(fakesnap.Options{Clock: clk}),
		Exporter:    exporter,
		Lander:      lander, Workflow: workflow, Scheduler: queue, Clock: clk, Logger: quiet,
	})
	if err != nil {
		log.Fatal(err)
	}

	// 1. dump-uploaded, from S3's EventBridge event.
	upload := &handlers.DumpUploaded{Bucket: "dev-liberator-data-storage", Prefix: "parking/",
		Launcher: handlers.PipelineLauncher{Pipeline: p}, Logger: quiet}
	res, err := upload.Handle(ctx, events.CloudWatchEvent{
		Source: "aws.s3", DetailType: "Object Created", Time: clk.Now(),
		Detail: json.RawMessage(`{"bucket":{"name":"dev-liberator-data-storage"},"object":{"key":"parking/liberator_dump_20261124.zip","size":5576}}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("restore:", res.Task)

	// 2. snapshot-ready, from the RDS event.
	snapshotReady := &handlers.Steps{Pipeline: p, Events: handlers.SnapshotReadyEvents(), Clock: clk, Logger: quiet}
	step, err := snapshotReady.HandleEventBridge(ctx, events.CloudWatchEvent{
		Source: "aws.rds", DetailType: "RDS DB Snapshot Event", Time: clk.Now(),
		Detail: json.RawMessage(`{"EventID":"RDS-EVENT-0042","SourceIdentifier":"sql-to-parquet-26-11-24-031500","Message":"Manual snapshot created"}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("next:", step.Outcome.Next.Step, step.Outcome.Next.ExportID)

	// 3. export-check, from the queue, until the workflow runs. The queue
	// also holds the snapshot check the restore scheduled: handling it again
	// starts nothing twice.
	exportCheck := &handlers.Steps{Pipeline: p, Events: handlers.ExportCheckEvents(), Clock: clk, Logger: quiet}
	for len(workflow.Runs()) == 0 {
		d, err := queue.Receive(ctx) // waits on the virtual clock
		if err != nil {
			log.Fatal(err)
		}
		body, _ := d.Message.Encode()
		resp, err := exportCheck.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: string(body)}}})
		if err != nil || len(resp.BatchItemFailures) > 0 {
			log.Fatal(resp, err)
		}
		d.Ack(ctx)
	}
	run := workflow.Runs()[0]
	fmt.Println("workflow:", run.RunKey, "import_date="+run.Properties["import_date"])
	fmt.Println("export tasks:", exporter.Tasks(), "workflow runs:", len(workflow.Runs()))
	// Output:
	// restore: in-process:sql-to-parquet-26-11-24-031500
	// next: export_check sql-to-parquet-26-11-24-031500
	// workflow: 20261124/sql-to-parquet-26-11-24-031500 import_date=20261124
	// export tasks: [sql-to-parquet-26-11-24-031500] workflow runs: 1
}
