package handlers

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// AWSPipeline is the production pipeline and what must be closed after use.
type AWSPipeline struct {
	*liberator.Pipeline
	closers []func() error
}

// Close releases the buckets and the queue topic.
func (p *AWSPipeline) Close() error {
	var first error
	for i := len(p.closers) - 1; i >= 0; i-- {
		if err := p.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// NoRestore is the rdssnap.Restorer of the Lambdas: they never restore (the
// ECS task does), so a restore request is refused.
var NoRestore = rdssnap.RestorerFunc(func(ctx context.Context, dump liberator.DumpRef) error {
	return fmt.Errorf("restore %s: restores run in the ECS task, not in a Lambda: %w", dump.Key, liberator.ErrInvalid)
})

// NewAWSPipeline builds the production pipeline from the configuration:
// the RDS snapshotter (restoring with restorer) and exporter, the blob
// Lander from the export bucket to the landing bucket (copying on the
// server, with ACL bucket-owner-full-control, when they differ), the Glue
// workflow and
// the SQS scheduler. awsCfg comes from config.LoadDefaultConfig in a main.
func NewAWSPipeline(ctx context.Context, cfg Config, awsCfg aws.Config, restorer rdssnap.Restorer, clk liberator.Clock, log *slog.Logger) (*AWSPipeline, error) {
	if err := cfg.CheckPipeline(); err != nil {
		return nil, err
	}
	p := &AWSPipeline{}
	fail := func(err error) (*AWSPipeline, error) {
		_ = p.Close()
		return nil, err
	}
	snap, err := rdssnap.New(awsCfg, rdssnap.Options{Instance: cfg.DBInstance, Restorer: restorer, Logger: log})
	if err != nil {
		return fail(err)
	}
	exp, err := rdsexport.New(awsCfg, rdsexport.Options{
		Bucket: cfg.ExportBucket, Prefix: cfg.ExportPrefix, IAMRoleARN: cfg.ExportRoleARN, KMSKeyID: cfg.ExportKMSKeyID, Logger: log,
	})
	if err != nil {
		return fail(err)
	}
	open := func(name string) (*blob.Bucket, error) {
		b, err := s3copy.OpenBucket(ctx, awsCfg, name, cfg.S3Options)
		if err != nil {
			return nil, err
		}
		p.closers = append(p.closers, b.Close)
		return b, nil
	}
	src, err := open(cfg.ExportBucket)
	if err != nil {
		return fail(err)
	}
	dst := src
	if cfg.LandingBucket != cfg.ExportBucket {
		if dst, err = open(cfg.LandingBucket); err != nil {
			return fail(err)
		}
	}
	lo := bloblander.Options{Prefix: cfg.LandingPrefix, Clock: clk, Logger: log, Layout: cfg.Layout()}
	if dst != src {
		// Landing copies stay on S3 (CopyObject, UploadPartCopy).
		c, err := s3copy.New(awsCfg, s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, Logger: log}, cfg.S3Options)
		if err != nil {
			return fail(err)
		}
		lo.Copy = c.Pair(cfg.ExportBucket, cfg.LandingBucket)
	}
	lander, err := bloblander.New(src, dst, lo)
	if err != nil {
		return fail(err)
	}
	wf, err := awsglue.New(awsCfg, awsglue.Options{Workflow: cfg.WorkflowName, BackdatedWorkflow: cfg.BackdatedWorkflowName, Logger: log})
	if err != nil {
		return fail(err)
	}
	// In a Lambda the scheduler only sends: SQS's event source mapping
	// receives, and Steps re-sends messages that arrive early.
	sched, err := sqsscheduler.NewFromClient(ctx, sqs.NewFromConfig(awsCfg), sqsscheduler.Options{QueueURL: cfg.QueueURL, Clock: clk, Logger: log})
	if err != nil {
		return fail(err)
	}
	p.closers = append(p.closers, func() error { return sched.Close(context.Background()) })
	p.Pipeline, err = liberator.New(liberator.Config{
		Snapshotter: snap, Exporter: exp, Lander: lander, Workflow: wf, Scheduler: sched,
		Clock: clk, Logger: log, Retry: cfg.retryPolicy(),
		KeepSnapshots: cfg.keepSnapshots(), Gate: cfg.Gate,
	})
	if err != nil {
		return fail(err)
	}
	return p, nil
}

// keepSnapshots is the pipeline's KeepSnapshots:
// LIBERATOR_KEEP_SNAPSHOTS=0 keeps all.
func (c Config) keepSnapshots() int {
	if c.KeepSnapshots == 0 {
		return liberator.KeepAllSnapshots
	}
	return c.KeepSnapshots
}

// retryPolicy is the pipeline's retry policy: the default, with the
// LIBERATOR_RETRY_* overrides.
func (c Config) retryPolicy() liberator.RetryPolicy {
	retry := liberator.DefaultRetryPolicy()
	if c.RetryInitial > 0 {
		retry.Initial = c.RetryInitial
	}
	if c.RetryMax > 0 {
		retry.Max = c.RetryMax
	}
	if c.RetryDeadline > 0 {
		retry.Deadline = c.RetryDeadline
	}
	return retry
}
