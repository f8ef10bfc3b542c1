package awstest_test

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

const (
	dataBucket    = "dev-liberator-data-storage"
	exportBucket  = "dev-liberator-export"
	landingBucket = "dev-liberator-landing-zone"
	instance      = "liberator-db"
	workflowName  = "parking-liberator-data-workflow"
	exportRole    = "arn:aws:iam::123456789012:role/liberator-rds-s3-export"
	exportKMS     = "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
	dumpKey       = "parking/liberator_dump_20261124.zip"
)

// restorer is the test's Restorer: it reads the uploaded dump through
// s3blob (as the real restore downloads it) and records what it restored.
type restorer struct {
	bucket *blob.Bucket
	mu     sync.Mutex
	dumps  []liberator.DumpRef
	bytes  []string
}

func (r *restorer) Restore(ctx context.Context, d liberator.DumpRef) error {
	b, err := r.bucket.ReadAll(ctx, d.Key)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dumps = append(r.dumps, d)
	r.bytes = append(r.bytes, string(b))
	return nil
}

// TestPipelineOnAWS drives a whole run of liberator.Pipeline on the AWS
// backends, each through the real aws-sdk-go-v2 client against the local
// servers: from an uploaded dump object to a landed, published partition
// and a started Glue workflow run with the right import_date.
func TestPipelineOnAWS(t *testing.T) {
	for _, sched := range []string{"sqs", "memory"} {
		t.Run(sched, func(t *testing.T) { runPipeline(t, sched) })
	}
}

func runPipeline(t *testing.T, schedKind string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // safety net only
	defer cancel()
	t0 := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	clk := liberator.NewVirtualClock(t0)
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }

	// S3: the upload bucket with the dump, the export and landing buckets.
	s3f := awstest.NewS3(clk)
	defer s3f.Close()
	buckets := map[string]*blob.Bucket{}
	for _, name := range []string{dataBucket, exportBucket, landingBucket} {
		if err := s3f.CreateBucket(name); err != nil {
			t.Fatal(err)
		}
		b, err := s3copy.OpenBucket(ctx, s3f.Config(), name, pathStyle)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		buckets[name] = b
	}
	if err := buckets[dataBucket].WriteAll(ctx, dumpKey, []byte("PK zipped dump"), nil); err != nil {
		t.Fatal(err)
	}

	// RDS: the instance with an earlier run's snapshot and an AWS Backup one;
	// an export writes two tables in the RDS layout when it completes.
	rdsf := awstest.NewRDS(clk)
	defer rdsf.Close()
	rdsf.AddInstance(instance)
	rdsf.SnapshotDescribes = 3
	rdsf.ExportDescribes = 3
	rdsf.PutSnapshot(awstest.Snapshot{ID: "awsbackup-job-0001", Instance: instance, Created: t0.Add(-72 * time.Hour)})
	rdsf.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-22-031500", Instance: instance, Created: t0.Add(-48 * time.Hour)})
	rdsf.PutSnapshot(awstest.Snapshot{ID: "sql-to-parquet-26-11-23-031500", Instance: instance, Created: t0.Add(-24 * time.Hour)})
	rdsf.OnExportComplete = awstest.WriteExport(buckets, map[string][]byte{
		"liberator/liberator.PCN_IC/1/part-00000-1f0c-c000.gz.parquet":   []byte("PAR1 pcn part 0 PAR1"),
		"liberator/liberator.PCN_IC/1/part-00001-1f0c-c000.gz.parquet":   []byte("PAR1 pcn part 1 PAR1"),
		"liberator/liberator.vrm_hist/1/part-00000-2e7a-c000.gz.parquet": []byte("PAR1 vrm PAR1"),
	})

	gluef := awstest.NewGlue(clk)
	defer gluef.Close()
	gluef.AddWorkflow(workflowName, 1)

	rest := &restorer{bucket: buckets[dataBucket]}
	snap, err := rdssnap.New(rdsf.Config(), rdssnap.Options{Instance: instance, Restorer: rest})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := rdsexport.New(rdsf.Config(), rdsexport.Options{Bucket: exportBucket, Prefix: "exports", IAMRoleARN: exportRole, KMSKeyID: exportKMS})
	if err != nil {
		t.Fatal(err)
	}
	lander, err := bloblander.New(buckets[exportBucket], buckets[landingBucket], bloblander.Options{Prefix: "parking", Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := awsglue.New(gluef.Config(), awsglue.Options{Workflow: workflowName})
	if err != nil {
		t.Fatal(err)
	}
	cfg := liberator.Config{
		Snapshotter: snap, Exporter: exp, Lander: lander, Workflow: wf,
		Clock: clk, KeepSnapshots: 2,
	}
	var sqsf *awstest.SQS
	if schedKind == "sqs" {
		sqsf = awstest.NewSQS(clk)
		defer sqsf.Close()
		sqsf.AdvanceWhenIdle = true
		sqsf.VisibilityTimeout = 12 * time.Hour
		q := sqsf.CreateQueue("liberator-pipeline")
		// RDS notifications reach the same queue through EventBridge; the
		// long-running consumer (Run) handles them as further triggers.
		rdsf.OnEvent = func(n awstest.RDSNotification) { sqsf.Inject(q, n.EventBridge()) }
		s, err := sqsscheduler.New(ctx, sqsf.Config(), sqsscheduler.Options{QueueURL: q, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(context.Background())
		cfg.Scheduler = s
	}
	p, err := liberator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	dump := liberator.DumpRef{Bucket: "s3://" + dataBucket + "?region=eu-west-2", Key: dumpKey}
	start, err := liberator.NewRunMessage(dump, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(ctx, start)
	if err != nil {
		t.Fatalf("Run: %v (result so far %+v)", err, res)
	}

	const snapID = "sql-to-parquet-26-11-24-031500"
	date := liberator.Date{Year: 2026, Month: 11, Day: 24}
	if res.SnapshotID != snapID || res.ExportID != snapID || res.ImportDate != date {
		t.Errorf("result %+v, want snapshot and export %s on %s", res, snapID, date)
	}

	// The restore read the uploaded dump, once.
	if diff := cmp.Diff([]string{"PK zipped dump"}, rest.bytes); diff != "" {
		t.Errorf("restored dumps (-want +got):\n%s", diff)
	}

	// RDS requests the chain depends on.
	// Old snapshots go only once the new one is available, before the export.
	pin := []awstest.Request{
		{Op: "CreateDBSnapshot", Params: map[string]string{"DBInstanceIdentifier": instance, "DBSnapshotIdentifier": snapID,
			// The run's label, which RDS event handlers resume the run from.
			"Tags.Tag.1.Key": "liberator:import_date", "Tags.Tag.1.Value": "2026-11-24",
			"Tags.Tag.2.Key": "liberator:run_id", "Tags.Tag.2.Value": "20261124/" + dumpKey,
			"Tags.Tag.3.Key": "liberator:dump_key", "Tags.Tag.3.Value": dumpKey}},
		{Op: "DeleteDBSnapshot", Params: map[string]string{"DBSnapshotIdentifier": "sql-to-parquet-26-11-22-031500"}},
		{Op: "StartExportTask", Params: map[string]string{
			"ExportTaskIdentifier": snapID, "SourceArn": "arn:aws:rds:eu-west-2:123456789012:snapshot:" + snapID,
			"S3BucketName": exportBucket, "S3Prefix": "exports", "IamRoleArn": exportRole, "KmsKeyId": exportKMS,
		}},
	}
	// With RDS events as extra triggers a step may run twice; the repeat
	// sends the same request (answered ExportTaskAlreadyExists), so compare
	// the distinct requests.
	var distinct []awstest.Request
	for _, r := range rdsf.Requests("CreateDBSnapshot", "StartExportTask", "DeleteDBSnapshot") {
		dup := false
		for _, d := range distinct {
			dup = dup || cmp.Equal(d, r)
		}
		if !dup {
			distinct = append(distinct, r)
		}
	}
	if diff := cmp.Diff(pin, distinct); diff != "" {
		t.Errorf("RDS requests (-want +got):\n%s", diff)
	}
	var left []string
	for _, s := range rdsf.Snapshots() {
		left = append(left, s.ID)
	}
	if diff := cmp.Diff([]string{"awsbackup-job-0001", "sql-to-parquet-26-11-23-031500", snapID}, left); diff != "" {
		t.Errorf("snapshots after pruning (-want +got):\n%s", diff)
	}

	// The landing zone holds both tables' partitions, published (the
	// date's lease record lives beside it, under _liberator/).
	var keys []string
	it := buckets[landingBucket].List(&blob.ListOptions{Prefix: "parking/"})
	for {
		o, err := it.Next(ctx)
		if err != nil {
			break
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	pcn := "parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/"
	vrm := "parking/liberator/liberator.vrm_hist/import_year=2026/import_month=11/import_day=24/import_date=20261124/"
	// The partition folders hold only the Parquet files; each one's
	// manifest and marker are under _liberator/partitions/ (listed below).
	want := []string{
		pcn + "part-00000-1f0c-c000.gz.parquet", pcn + "part-00001-1f0c-c000.gz.parquet",
		vrm + "part-00000-2e7a-c000.gz.parquet",
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("landing keys (-want +got):\n%s", diff)
	}
	keys = nil
	it = buckets[landingBucket].List(&blob.ListOptions{Prefix: partition.ControlRoot})
	for {
		o, err := it.Next(ctx)
		if err != nil {
			break
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	want = []string{
		partition.ControlRoot + pcn + "_SUCCESS", partition.ControlRoot + pcn + "_manifest.json",
		partition.ControlRoot + vrm + "_SUCCESS", partition.ControlRoot + vrm + "_manifest.json",
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("landing control keys (-want +got):\n%s", diff)
	}
	for _, tbl := range []string{"PCN_IC", "vrm_hist"} {
		ok, err := partition.Published(ctx, buckets[landingBucket], "parking", "liberator", tbl, date)
		if err != nil || !ok {
			t.Errorf("partition of %s not published: %v", tbl, err)
		}
	}
	if n := len(res.Manifest.Tables); n != 2 || res.Manifest.ExportID != snapID {
		t.Errorf("manifest %+v, want 2 tables of export %s", res.Manifest, snapID)
	}

	// One Glue run with the import date and the run key.
	runs := gluef.Runs()
	if len(runs) != 1 {
		t.Fatalf("%d workflow runs, want 1", len(runs))
	}
	wantProps := map[string]string{"import_date": "20261124", "liberator_run_key": "20261124/" + snapID}
	if diff := cmp.Diff(wantProps, runs[0].Properties); diff != "" {
		t.Errorf("run properties (-want +got):\n%s", diff)
	}
	if res.WorkflowRunID != runs[0].ID {
		t.Errorf("result run %q, Glue run %q", res.WorkflowRunID, runs[0].ID)
	}
	if sqsf != nil {
		var delays []string
		for _, r := range sqsf.Requests("SendMessageBatch") {
			for k, v := range r.Params {
				if strings.HasSuffix(k, ".DelaySeconds") {
					delays = append(delays, v)
				}
			}
		}
		if len(delays) == 0 {
			t.Error("no delayed re-check went through SQS DelaySeconds")
		}
	}
	if elapsed := clk.Now().Sub(t0); elapsed <= 0 || elapsed > 6*time.Hour {
		t.Errorf("virtual time used %s", elapsed)
	}
}
