package awstest_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// TestPipelineDrivenByRDSEvents runs the pipeline as the Lambdas do: a
// queue consumer that receives SQS records with the raw SQS client, passes
// each body to sqsscheduler.Inbound and runs due messages with Pipeline.Process.
// The RDS server's notifications reach the same queue, RDS-EVENT-0042 via
// SNS (envelope) and RDS-EVENT-0161 via EventBridge, alongside the
// pipeline's own delayed re-checks. Every step runs more than once, on
// both paths; the result must still be one snapshot, one export, one
// published partition per table, under the dump's date, and one Glue run
// with that import_date: also when the dump of 2026-11-24 is uploaded at
// 00:30 UTC on 2026-11-25 (the snapshot id holds the upload time), or an
// old dump is uploaded again days later. The events name only the
// snapshot; the run's date comes from the snapshot's tags.
func TestPipelineDrivenByRDSEvents(t *testing.T) {
	tests := []struct {
		name     string
		uploaded time.Time
		dumpKey  string
		date     liberator.Date
	}{
		{"uploaded on the dump's day", time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC), dumpKey, liberator.Date{Year: 2026, Month: 11, Day: 24}},
		{"uploaded after midnight UTC", time.Date(2026, 11, 25, 0, 30, 0, 0, time.UTC), dumpKey, liberator.Date{Year: 2026, Month: 11, Day: 24}},
		{"old dump uploaded again", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), "parking/liberator_dump_20261120.zip", liberator.Date{Year: 2026, Month: 11, Day: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { driveByRDSEvents(t, tt.uploaded, tt.dumpKey, tt.date) })
	}
}

func driveByRDSEvents(t *testing.T, t0 time.Time, dumpKey string, date liberator.Date) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // safety net only
	defer cancel()
	clk := liberator.NewVirtualClock(t0)

	s3f := awstest.NewS3(clk)
	defer s3f.Close()
	buckets := map[string]*blob.Bucket{}
	for _, name := range []string{dataBucket, exportBucket, landingBucket} {
		b, err := s3f.Bucket(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		buckets[name] = b
	}
	if err := buckets[dataBucket].WriteAll(ctx, dumpKey, []byte("PK zipped dump"), nil); err != nil {
		t.Fatal(err)
	}
	sqsf := awstest.NewSQS(clk)
	defer sqsf.Close()
	sqsf.AdvanceWhenIdle = true
	q := sqsf.CreateQueue("liberator-pipeline")

	rdsf := awstest.NewRDS(clk)
	defer rdsf.Close()
	rdsf.AddInstance(instance)
	rdsf.SnapshotDescribes = 4
	rdsf.ExportDescribes = 4
	rdsf.OnExportComplete = awstest.WriteExport(buckets, map[string][]byte{
		"liberator/liberator.PCN_IC/1/part-00000-1f0c-c000.gz.parquet": []byte("PAR1 pcn PAR1"),
	})
	var notified []string
	rdsf.OnEvent = func(n awstest.RDSNotification) {
		notified = append(notified, n.EventID)
		body := n.EventBridge()
		if n.EventID == "RDS-EVENT-0042" {
			body = n.SNSEnvelope("arn:aws:sns:eu-west-2:123456789012:liberator-rds-events")
		}
		if !sqsf.Inject(q, body) {
			t.Error("queue missing")
		}
	}
	gluef := awstest.NewGlue(clk)
	defer gluef.Close()
	gluef.AddWorkflow(workflowName, 1)

	snap, _ := rdssnap.New(rdsf.Config(), rdssnap.Options{Instance: instance, Restorer: &restorer{bucket: buckets[dataBucket]}})
	exp, _ := rdsexport.New(rdsf.Config(), rdsexport.Options{Bucket: exportBucket, IAMRoleARN: exportRole, KMSKeyID: exportKMS})
	lander, _ := bloblander.New(buckets[exportBucket], buckets[landingBucket], bloblander.Options{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	wf, _ := awsglue.New(gluef.Config(), awsglue.Options{Workflow: workflowName})
	sched, err := sqsscheduler.New(ctx, sqsf.Config(), sqsscheduler.Options{QueueURL: q, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer sched.Close(context.Background())
	p, err := liberator.New(liberator.Config{Snapshotter: snap, Exporter: exp, Lander: lander, Workflow: wf, Scheduler: sched, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	start, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://" + dataBucket, Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx, start); err != nil {
		t.Fatal(err)
	}

	// The Lambda-style consumer.
	c := sqs.NewFromConfig(sqsf.Config())
	steps := map[liberator.Step]int{}
	for i := 0; ; i++ {
		if i == 500 {
			t.Fatalf("queue not drained after %d receives; steps %v", i, steps)
		}
		if len(sqsf.Messages(q)) == 0 {
			break
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range out.Messages {
			m, handle, err := sqsscheduler.Inbound(ctx, []byte(aws.ToString(rec.Body)), clk.Now(), sched, liberator.DumpRef{})
			if err != nil {
				t.Fatalf("Inbound(%s): %v", aws.ToString(rec.Body), err)
			}
			if handle {
				steps[m.Step]++
				if _, err := p.Process(ctx, m); err != nil {
					t.Fatalf("Process(%s %s): %v", m.RunID, m.Step, err)
				}
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: rec.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}

	if diff := cmp.Diff([]string{"RDS-EVENT-0042", "RDS-EVENT-0161"}, notified); diff != "" {
		t.Errorf("RDS notifications (-want +got):\n%s", diff)
	}
	// The events started extra checks: each check step ran more than once.
	if steps[liberator.StepSnapshotCheck] < 2 || steps[liberator.StepExportCheck] < 2 || steps[liberator.StepWorkflowStarted] < 1 {
		t.Errorf("steps handled %v; want event-driven duplicates of the check steps", steps)
	}
	if n := len(rdsf.Requests("CreateDBSnapshot")); n != 1 {
		t.Errorf("%d CreateDBSnapshot requests, want 1", n)
	}
	snapID := liberator.SnapshotID(t0)
	if _, ok := rdsf.Export(snapID); !ok {
		t.Errorf("no export task %s", snapID)
	}
	runs := gluef.Runs()
	if len(runs) != 1 || runs[0].Properties["import_date"] != date.Compact() {
		t.Errorf("Glue runs %+v, want one with import_date %s", runs, date.Compact())
	}
	ok, err := partition.Published(ctx, buckets[landingBucket], "parking", "liberator", "PCN_IC", date)
	if err != nil || !ok {
		t.Errorf("PCN_IC partition of %s not published: %v", date, err)
	}
	// One partition: no file of the export under another date.
	dates := map[string]bool{}
	iter := buckets[landingBucket].List(&blob.ListOptions{Prefix: "parking/"})
	for {
		o, err := iter.Next(ctx)
		if err != nil {
			break
		}
		if _, after, ok := strings.Cut(o.Key, "import_date="); ok {
			dates[after[:8]] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{date.Compact(): true}, dates); diff != "" {
		t.Errorf("landed import dates (-want +got):\n%s", diff)
	}
}
