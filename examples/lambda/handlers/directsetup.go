package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// DirectReadAhead is the dump reader's read-ahead on the direct chain, in
// chunks of 1 MiB (mysqldump.ReadOptions.ReadAhead): the zip is inflated
// on one core while the other scans, and S3's latency is hidden.
const DirectReadAhead = 4

// LambdaLockTimeout is the export lock timeout of the direct Lambda
// (export.Options.LockTimeout): no invocation lives longer than Lambda's
// 15 minutes, so an older lock was left by one that was killed, and a
// retry takes it over.
const LambdaLockTimeout = 16 * time.Minute

// SnapshotRecordsPrefix is where, under the export prefix, the direct
// chain's embedded Snapshotter keeps its records.
const SnapshotRecordsPrefix = "_snapshots/"

// DirectOptions tune a direct pipeline.
type DirectOptions struct {
	// LockTimeout is the export's lock timeout (export.Options); 0 keeps
	// the exporter's default (6 h), as the ECS task does.
	LockTimeout time.Duration
	// RowGroupBytes bounds a Parquet row group (export.WriterOptions; 0:
	// the default). NewDirectPipeline sets it from the configuration.
	RowGroupBytes int64
	// Retry is the pipeline's retry policy (zero: the default).
	// NewDirectPipeline sets it from the configuration.
	Retry liberator.RetryPolicy
	// KeepExports is how many exports the export zone keeps after a run
	// (export.PruneExports; the one the run's date is published from, and
	// those of runs in progress, are kept anyway); 0 keeps all.
	// NewDirectPipeline sets it from the configuration.
	KeepExports int
	// Gate is the pipeline's gate (liberator.Config.Gate; zero: off).
	// NewDirectPipeline sets it from the configuration.
	Gate liberator.Gate
}

// DirectPipeline is the direct chain's pipeline, the dump bucket it reads
// and what must be closed after use.
type DirectPipeline struct {
	*liberator.Pipeline
	// Dumps is the dump bucket (LIBERATOR_DUMP_BUCKET), open.
	Dumps   *blob.Bucket
	closers []func() error

	exports      *blob.Bucket
	exportPrefix string
	lander       *bloblander.Lander
	keep         int
	log          *slog.Logger
}

// PruneExports applies the export zone's retention after a run of date
// (DirectOptions.KeepExports; nothing when it is 0): the exports beyond
// the newest KeepExports are deleted, except the one date is published
// from and those of runs in progress.
func (p *DirectPipeline) PruneExports(ctx context.Context, date liberator.Date) (export.RetentionReport, error) {
	if p.keep <= 0 {
		return export.RetentionReport{}, nil
	}
	inUse, err := p.lander.ExportsInUse(ctx, date)
	if err != nil {
		return export.RetentionReport{}, err
	}
	return export.PruneExports(ctx, p.exports, export.RetentionOptions{Prefix: p.exportPrefix, Keep: p.keep, InUse: inUse, Logger: p.log})
}

// Close releases the buckets.
func (p *DirectPipeline) Close() error {
	var first error
	for i := len(p.closers) - 1; i >= 0; i-- {
		if err := p.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Stat is a DumpStat over Dumps.
func (p *DirectPipeline) Stat(ctx context.Context, key string) (int64, time.Time, error) {
	a, err := p.Dumps.Attributes(ctx, key)
	if err != nil {
		return 0, time.Time{}, blobio.Error("stat dump", key, err)
	}
	return a.Size, a.ModTime.UTC(), nil
}

// NewDirectPipeline builds the direct chain's pipeline from the
// configuration, with no RDS at all:
//
//   - the embedded Snapshotter and Exporter read the dump from the dump
//     bucket in place (a zip by range reads, never downloaded) through the
//     bucket opened here (mysqldump.ReadOptions.Buckets under
//     cfg.BucketURL's URL);
//   - the export is written in the RDS export layout to
//     LIBERATOR_EXPORT_BUCKET under LIBERATOR_EXPORT_PREFIX, or, without an
//     export bucket, to the landing bucket under DefaultInLandingExportPrefix
//     (Config.DirectExport), with multipart uploads bounded by
//     LIBERATOR_UPLOAD_PART_SIZE and LIBERATOR_UPLOAD_CONCURRENCY
//     (s3copy.OpenBucketWith) and row groups by LIBERATOR_ROW_GROUP_BYTES;
//   - the blob Lander lands it under LIBERATOR_LANDING_PREFIX with the
//     _manifest.json and _SUCCESS protocol, copying on the server (CopyObject,
//     UploadPartCopy over 5 GiB, ACL bucket-owner-full-control) when the
//     export and landing buckets differ, and blob's Copy within one;
//   - the Glue workflow (LIBERATOR_WORKFLOW_NAME) is started with
//     StartWorkflowRun and import_date, once per run key.
//
// Steps run in this process (RunDirect); the pipeline's scheduler is not
// used.
func NewDirectPipeline(ctx context.Context, cfg Config, awsCfg aws.Config, opts DirectOptions, clk liberator.Clock, log *slog.Logger) (*DirectPipeline, error) {
	if err := cfg.CheckDirect(); err != nil {
		return nil, err
	}
	p := &DirectPipeline{}
	fail := func(err error) (*DirectPipeline, error) {
		_ = p.Close()
		return nil, err
	}
	keep := func(b *blob.Bucket) *blob.Bucket {
		p.closers = append(p.closers, b.Close)
		return b
	}
	dumps, err := s3copy.OpenBucket(ctx, awsCfg, cfg.DumpBucket, cfg.S3Options)
	if err != nil {
		return fail(err)
	}
	p.Dumps = keep(dumps)
	up := s3copy.Uploads{PartSize: cfg.Direct.UploadPartSize, Concurrency: cfg.Direct.UploadConcurrency}
	exportName, exportPrefix := cfg.DirectExport()
	exports, err := s3copy.OpenBucketWith(ctx, awsCfg, exportName, up, cfg.S3Options)
	if err != nil {
		return fail(err)
	}
	keep(exports)
	landing := exports
	var copier bloblander.ServerCopier
	if cfg.LandingBucket != exportName {
		if landing, err = s3copy.OpenBucketWith(ctx, awsCfg, cfg.LandingBucket, up, cfg.S3Options); err != nil {
			return fail(err)
		}
		keep(landing)
		c, err := s3copy.New(awsCfg, s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, Logger: log}, cfg.S3Options)
		if err != nil {
			return fail(err)
		}
		copier = c.Pair(exportName, cfg.LandingBucket)
	}
	wf, err := awsglue.New(awsCfg, awsglue.Options{Workflow: cfg.WorkflowName, BackdatedWorkflow: cfg.BackdatedWorkflowName, Logger: log})
	if err != nil {
		return fail(err)
	}
	opts.RowGroupBytes, opts.Retry, opts.KeepExports = cfg.Direct.RowGroupBytes, cfg.retryPolicy(), cfg.Direct.KeepExports
	opts.Gate = cfg.Gate
	on, err := NewDirectPipelineOn(DirectBuckets{
		Dumps: dumps, DumpsURL: cfg.BucketURL(cfg.DumpBucket),
		Exports: exports, ExportPrefix: exportPrefix,
		Landing: landing, LandingPrefix: cfg.LandingPrefix, Copy: copier, Layout: cfg.Layout(),
	}, wf, opts, clk, log)
	if err != nil {
		return fail(err)
	}
	on.closers = p.closers
	return on, nil
}

// DirectBuckets are the open buckets of a direct pipeline.
type DirectBuckets struct {
	// Dumps holds the dumps; DumpsURL is the bucket URL DumpRefs name it
	// by (Config.BucketURL on AWS).
	Dumps    *blob.Bucket
	DumpsURL string
	// Exports is written the export under ExportPrefix ("" or ending in
	// "/"), and the snapshot records under ExportPrefix +
	// SnapshotRecordsPrefix.
	Exports      *blob.Bucket
	ExportPrefix string
	// Landing is the landing zone, LandingPrefix its prefix; it may be
	// Exports. Copy, if set, copies between Exports and Landing on the
	// storage server (bloblander.Options.Copy).
	Landing       *blob.Bucket
	LandingPrefix string
	Copy          bloblander.ServerCopier
	// Layout says where the partitions' manifests and markers go
	// (Config.Layout; the zero value is partition.ControlLayout).
	Layout partition.Layout
}

// NewDirectPipelineOn is the direct chain's pipeline on open buckets and
// a workflow (NewDirectPipeline opens them on S3): the embedded
// Snapshotter and Exporter reading the dump in Dumps in place (with
// DirectReadAhead), the blob Lander, the workflow. Steps run in the
// process (RunDirect).
func NewDirectPipelineOn(b DirectBuckets, wf liberator.Workflow, opts DirectOptions, clk liberator.Clock, log *slog.Logger) (*DirectPipeline, error) {
	// The snapshot only checks the dump's start: no read-ahead there.
	check := mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{b.DumpsURL: b.Dumps}, Logger: log}
	read := check
	read.ReadAhead = DirectReadAhead
	snap, err := embeddedsnap.New(embeddedsnap.Options{Store: b.Exports, Prefix: b.ExportPrefix + SnapshotRecordsPrefix, Read: check, Clock: clk, Logger: log})
	if err != nil {
		return nil, err
	}
	exp := embeddedexport.New(b.Exports, embeddedexport.Options{
		Export: export.Options{
			Prefix: b.ExportPrefix, Writer: export.WriterOptions{RowGroupBytes: opts.RowGroupBytes},
			Clock: clk, Logger: log, LockTimeout: opts.LockTimeout,
		},
		Read: read,
	})
	lander, err := bloblander.New(b.Exports, b.Landing, bloblander.Options{Prefix: b.LandingPrefix, Clock: clk, Logger: log, Copy: b.Copy, Layout: b.Layout})
	if err != nil {
		return nil, err
	}
	p, err := liberator.New(liberator.Config{
		Snapshotter: snap, Exporter: notingExporter{exp}, Lander: lander, Workflow: wf,
		Clock: clk, Logger: log, Retry: opts.Retry, Gate: opts.Gate,
	})
	if err != nil {
		return nil, err
	}
	return &DirectPipeline{Pipeline: p, Dumps: b.Dumps, exports: b.Exports, exportPrefix: b.ExportPrefix,
		lander: lander, keep: opts.KeepExports, log: log}, nil
}

// notingExporter is the embedded Exporter that notes, in the run's context
// (noteConversion), an export it converted in this process.
type notingExporter struct{ *embeddedexport.Exporter }

func (e notingExporter) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	_, before := e.DescribeExport(ctx, req.ID)
	info, err := e.Exporter.StartExport(ctx, req)
	if err == nil && errors.Is(before, liberator.ErrNotFound) && info.Status == liberator.ExportComplete {
		noteConversion(ctx, info.SQLBytes)
	}
	return info, err
}

// NewDirect builds the direct chain's handler on NewDirectPipeline for
// where (WhereLambda or WhereECS): the Lambda hands dumps larger than
// LIBERATOR_DIRECT_MAX_SIZE to the ECS task when LIBERATOR_ECS_CLUSTER is
// set, and copies dumps to LIBERATOR_REPLICA_BUCKET when set. It returns
// the handler and what closes its buckets.
func NewDirect(ctx context.Context, cfg Config, awsCfg aws.Config, where string, clk liberator.Clock, log *slog.Logger) (*Direct, func() error, error) {
	opts := DirectOptions{}
	if where == WhereLambda {
		opts.LockTimeout = LambdaLockTimeout
	}
	p, err := NewDirectPipeline(ctx, cfg, awsCfg, opts, clk, log)
	if err != nil {
		return nil, nil, err
	}
	h := &Direct{
		Bucket: cfg.DumpBucket, Prefix: cfg.DumpPrefix, BucketURL: cfg.BucketURL,
		Stat: p.Stat, Pipeline: p, Where: where, Prune: p.PruneExports,
		Clock: clk, Logger: log, Margin: cfg.DeadlineMargin,
	}
	if where == WhereLambda && cfg.ECS.Cluster != "" {
		if err := cfg.CheckECS(); err != nil {
			p.Close()
			return nil, nil, fmt.Errorf("%s is set, so the ECS conversion of large dumps needs: %w", EnvECSCluster, err)
		}
		h.MaxSize = cfg.Direct.MaxSize
		h.Launcher = ECSLauncher{Client: ecs.NewFromConfig(awsCfg), Config: cfg.ECS, Chain: ChainDirect}
	}
	if cfg.ReplicaBucket != "" {
		copier, err := s3copy.New(awsCfg, s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, Logger: log}, cfg.S3Options)
		if err != nil {
			p.Close()
			return nil, nil, err
		}
		h.Replicator = &s3copy.Replicator{Copier: copier, DestBucket: cfg.ReplicaBucket}
	}
	return h, p.Close, nil
}

// SetupDirect builds the direct Lambda's handler from the environment:
// the configuration (FromEnv, CheckDirect), the Go memory limit
// (ApplyMemoryLimit), AWS clients with per-attempt timeouts
// (LoadAWSConfig) and NewDirect. Logs are JSON on stdout (NewLogger).
func SetupDirect(ctx context.Context, getenv func(string) string) (*Direct, error) {
	cfg, err := FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckDirect(); err != nil {
		return nil, err
	}
	log := NewLogger(os.Stdout, cfg.LogLevel)
	cfg.LogDeprecated(log)
	ApplyMemoryLimit(cfg.Direct, getenv, log)
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h, _, err := NewDirect(ctx, cfg, awsCfg, WhereLambda, liberator.RealClock{}, log)
	return h, err
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit to
// d.MemoryLimit (runtime/debug.SetMemoryLimit), unless it is 0 or the
// GOMEMLIMIT environment variable is set (which the runtime applied
// already), and logs the limit in force: near it the garbage collector
// works harder instead of letting the heap grow to twice the live data.
func ApplyMemoryLimit(d DirectConfig, getenv func(string) string, log *slog.Logger) {
	if d.MemoryLimit > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(d.MemoryLimit)
	}
	log.Info("memory limit", "memory_limit_bytes", debug.SetMemoryLimit(-1), "function_memory_bytes", d.FunctionMemory)
}
