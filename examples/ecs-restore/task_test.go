package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// TestRestoreTask runs the task's work as main does, against local S3, RDS
// and SQS endpoints (AWS_ENDPOINT_URL_*) and a real MySQL-compatible server:
// the zipped dump is read from S3, loaded, the snapshot is created and the
// snapshot check is queued. A bad dump fails with one line naming it and
// creates no snapshot.
func TestRestoreTask(t *testing.T) {
	dsn := mysqltest.DSN(t)
	target := mysqltest.Prefix(t) + "liberator"
	ctx := context.Background()
	real := liberator.RealClock{}
	s3srv, rdsSrv, sqsSrv, glueSrv := awstest.NewS3(real), awstest.NewRDS(real), awstest.NewSQS(real), awstest.NewGlue(real)
	for _, c := range []func(){s3srv.Close, rdsSrv.Close, sqsSrv.Close, glueSrv.Close} {
		t.Cleanup(c)
	}
	dumps, err := s3srv.Bucket(ctx, "dev-liberator-data-storage")
	if err != nil {
		t.Fatal(err)
	}
	defer dumps.Close()
	if err := dumps.WriteAll(ctx, "parking/liberator_dump_20261124.zip", zipOf(t, map[string]string{"liberator_dump_20261124.sql": dumpSQL}), nil); err != nil {
		t.Fatal(err)
	}
	bad := dumpSQL + "DROP USER 'admin';\n"
	if err := dumps.WriteAll(ctx, "parking/liberator_dump_20261125.zip", zipOf(t, map[string]string{"liberator_dump_20261125.sql": bad}), nil); err != nil {
		t.Fatal(err)
	}
	rdsSrv.AddInstance("liberator-db")
	queue := sqsSrv.CreateQueue("dev-liberator-scheduler")
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_MAX_ATTEMPTS": "1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"AWS_ENDPOINT_URL_RDS": rdsSrv.URL(), "AWS_ENDPOINT_URL_S3": s3srv.URL(), "AWS_ENDPOINT_URL_SQS": sqsSrv.URL(), "AWS_ENDPOINT_URL_GLUE": glueSrv.URL(),
		"LIBERATOR_S3_PATH_STYLE": "true", "LIBERATOR_DB_INSTANCE": "liberator-db",
		"LIBERATOR_EXPORT_BUCKET": "dev-dp-rds-export-storage", "LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/rds-export",
		"LIBERATOR_EXPORT_KMS_KEY_ID": "arn:aws:kms:eu-west-2:123456789012:key/abc", "LIBERATOR_LANDING_BUCKET": "dev-landing-zone",
		"LIBERATOR_QUEUE_URL": queue, "LIBERATOR_DB_NAME": target, "DUMP_BUCKET": "dev-liberator-data-storage",
	} {
		t.Setenv(k, v)
	}
	cfg, err := handlers.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		t.Fatal(err)
	}
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	received := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

	cfg.Restore.Key = "parking/liberator_dump_20261124.zip"
	m, err := handlers.RestoreMessage(cfg.Restore, cfg.BucketURL, received)
	if err != nil {
		t.Fatal(err)
	}
	if err := restore(ctx, cfg, awsCfg, rdssnap.RestorerFunc(mysqlRestorer(db, target, quiet())), m, real, quiet()); err != nil {
		t.Fatalf("restore: %v", err)
	}
	var rows int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+target+"`.`PCN_IC`").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("restored rows = %d, %v; want 2", rows, err)
	}
	snaps := rdsSrv.Snapshots()
	if len(snaps) != 1 || snaps[0].ID != "sql-to-parquet-26-11-24-031500" || snaps[0].Instance != "liberator-db" {
		t.Fatalf("snapshots %+v, want sql-to-parquet-26-11-24-031500 of liberator-db", snaps)
	}
	queued := sqsSrv.Messages(queue)
	if len(queued) != 1 {
		t.Fatalf("queue %+v, want the snapshot check", queued)
	}
	next, err := liberator.DecodeMessage([]byte(queued[0].Body))
	if err != nil || next.Step != liberator.StepSnapshotCheck || next.SnapshotID != snaps[0].ID || queued[0].DelaySeconds != 30 {
		t.Fatalf("queued %+v (%v), want a snapshot check of %s delayed 30 s", next, err, snaps[0].ID)
	}

	cfg.Restore.Key = "parking/liberator_dump_20261125.zip"
	m, err = handlers.RestoreMessage(cfg.Restore, cfg.BucketURL, received.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	err = restore(ctx, cfg, awsCfg, rdssnap.RestorerFunc(mysqlRestorer(db, target, quiet())), m, real, quiet())
	if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(oneLine(err), "liberator_dump_20261125.zip") || strings.Contains(oneLine(err), "\n") {
		t.Fatalf("restore of a bad dump = %v, want an ErrInvalid naming the dump", err)
	}
	t.Logf("bad dump: ecs-restore: %s", oneLine(err))
	if n := len(rdsSrv.Snapshots()); n != 1 {
		t.Errorf("%d snapshots after a bad dump, want still 1", n)
	}
	if n := len(sqsSrv.Messages(queue)); n != 1 {
		t.Errorf("%d queued messages after a bad dump, want still 1", n)
	}
}
