package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/go-sql-driver/mysql"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// localTask is the task's configuration against local RDS and SQS
// endpoints (with the client LoadAWSConfig builds), as TestRestoreTask
// sets it up but without a MySQL server.
type localTask struct {
	cfg    handlers.Config
	awsCfg aws.Config
	rds    *awstest.RDS
	sqs    *awstest.SQS
	queue  string
}

func newLocalTask(t *testing.T) *localTask {
	t.Helper()
	real := liberator.RealClock{}
	l := &localTask{rds: awstest.NewRDS(real), sqs: awstest.NewSQS(real)}
	t.Cleanup(l.rds.Close)
	t.Cleanup(l.sqs.Close)
	l.rds.AddInstance("liberator-db")
	l.queue = l.sqs.CreateQueue("dev-liberator-scheduler")
	env := map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true", "AWS_CA_BUNDLE": "",
		"AWS_MAX_ATTEMPTS": "1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"AWS_ENDPOINT_URL_RDS": l.rds.URL(), "AWS_ENDPOINT_URL_SQS": l.sqs.URL(),
		"LIBERATOR_DB_INSTANCE": "liberator-db", "LIBERATOR_EXPORT_BUCKET": "dev-dp-rds-export-storage",
		"LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/rds-export", "LIBERATOR_EXPORT_KMS_KEY_ID": "arn:aws:kms:eu-west-2:123456789012:key/abc",
		"LIBERATOR_LANDING_BUCKET": "dev-landing-zone", "LIBERATOR_QUEUE_URL": l.queue, "LIBERATOR_S3_PATH_STYLE": "true",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := handlers.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	l.cfg = cfg
	if l.awsCfg, err = handlers.LoadAWSConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRunConfigKeyWithoutBucket (issue 15, defect 3): DUMP_KEY without
// DUMP_BUCKET stops the task at start with one line naming DUMP_BUCKET.
// It used to pass the check and be opened as a local file.
func TestRunConfigKeyWithoutBucket(t *testing.T) {
	env := map[string]string{
		"AWS_REGION": "eu-west-2", "LIBERATOR_DB_INSTANCE": "liberator-db", "LIBERATOR_EXPORT_BUCKET": "x",
		"LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/export", "LIBERATOR_EXPORT_KMS_KEY_ID": "k",
		"LIBERATOR_LANDING_BUCKET": "l", "LIBERATOR_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/q",
		"LIBERATOR_DB_HOST": "127.0.0.1", "LIBERATOR_DB_USER": "admin", "LIBERATOR_DB_PASSWORD": "p",
		"LIBERATOR_DB_CA_BUNDLE": "/nonexistent/global-bundle.pem",
		"DUMP_KEY":               "parking/liberator_dump_20261124.zip",
	}
	err := run(context.Background(), func(k string) string { return env[k] })
	if !errors.Is(err, liberator.ErrInvalid) || !strings.HasPrefix(oneLine(err), "config DUMP_BUCKET: not set") {
		t.Fatalf("run with DUMP_KEY alone = %v, want a configuration error naming DUMP_BUCKET", err)
	}
}

// TestRestoreMissingDumpIsTerminal (issue 15, defect 3): a configured dump
// that does not exist ends the run at once (ErrTerminal) instead of being
// retried every minute until the step's deadline: nothing is scheduled and
// no snapshot is made. The restorer is the task's own (mysqlRestorer); it
// opens the dump before it touches the server, which is never reached.
func TestRestoreMissingDumpIsTerminal(t *testing.T) {
	l := newLocalTask(t)
	db := lazyDB(t)
	dir := t.TempDir()
	l.cfg.Restore.Bucket = "file://" + filepath.ToSlash(dir)
	l.cfg.Restore.Key = "parking/liberator_dump_20261124.zip"
	m, err := handlers.RestoreMessage(l.cfg.Restore, l.cfg.BucketURL, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = restore(context.Background(), l.cfg, l.awsCfg, rdssnap.RestorerFunc(mysqlRestorer(db, "liberator", quiet())), m, liberator.RealClock{}, quiet())
	if !errors.Is(err, liberator.ErrTerminal) || !strings.Contains(oneLine(err), "liberator_dump_20261124.zip") || !strings.Contains(oneLine(err), "does not exist") {
		t.Fatalf("restore of a missing dump = %v, want an ErrTerminal naming the dump", err)
	}
	if q := l.sqs.Messages(l.queue); len(q) != 0 {
		t.Errorf("queued after a missing dump: %+v, want nothing (no retry)", q)
	}
	if s := l.rds.Snapshots(); len(s) != 0 {
		t.Errorf("snapshots %+v after a missing dump, want none", s)
	}
}

// lazyDB returns a *sql.DB of a server that is never contacted.
func lazyDB(t *testing.T) *sql.DB {
	t.Helper()
	c := mysql.NewConfig()
	c.Net, c.Addr, c.User = "tcp", "127.0.0.1:1", "nobody"
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// lockedBuffer collects log lines written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b...)
}

// TestTaskLogsNoDuplicateKeys (issue 15, defect 4): a restore that fails
// for now ("step will be retried") is logged with run_id once, with the
// logger and context the task builds (handlers.NewLogger, runContext). The
// task used to add run_id to the logger it gave the pipeline, which adds
// it again.
func TestTaskLogsNoDuplicateKeys(t *testing.T) {
	l := newLocalTask(t)
	logs := &lockedBuffer{}
	log := handlers.NewLogger(logs, nil)
	l.cfg.Restore.Bucket, l.cfg.Restore.Key = "dev-liberator-data-storage", "parking/liberator_dump_20261124.zip"
	m, err := handlers.RestoreMessage(l.cfg.Restore, l.cfg.BucketURL, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	failing := rdssnap.RestorerFunc(func(ctx context.Context, dump liberator.DumpRef) error {
		return fmt.Errorf("connect to the instance: connection refused: %w", liberator.ErrTransient)
	})
	err = restore(runContext(context.Background(), m), l.cfg, l.awsCfg, failing, m, liberator.RealClock{}, log)
	if !errors.Is(err, liberator.ErrTransient) {
		t.Fatalf("restore = %v, want a transient failure", err)
	}
	retried := 0
	for _, line := range awstest.ParseLogLines(logs.Bytes()) {
		if len(line.Duplicates) > 0 {
			t.Errorf("line %q repeats %v: %s", line.Msg(), line.Duplicates, line.Raw)
		}
		if line.Str("run_id") != m.RunID {
			t.Errorf("line %q has run_id %q, want %q", line.Msg(), line.Str("run_id"), m.RunID)
		}
		if line.Msg() == "step will be retried" {
			retried++
			if line.Str("kind") != "Transient" || line.Str("step") != "dump_uploaded" {
				t.Errorf("retry line %s lacks the step or the kind", line.Raw)
			}
		}
	}
	if retried != 1 {
		t.Errorf("%d \"step will be retried\" lines, want 1:\n%s", retried, logs.Bytes())
	}
}
