package handlers

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// Environment variable names read by FromEnv. The README's "Running on AWS"
// lists which entry point needs which.
const (
	EnvRegion   = "AWS_REGION"
	EnvLogLevel = "LIBERATOR_LOG_LEVEL"

	EnvDumpBucket    = "LIBERATOR_DUMP_BUCKET"
	EnvDumpPrefix    = "LIBERATOR_DUMP_PREFIX"
	EnvReplicaBucket = "LIBERATOR_REPLICA_BUCKET"

	EnvECSCluster        = "LIBERATOR_ECS_CLUSTER"
	EnvECSTaskDefinition = "LIBERATOR_ECS_TASK_DEFINITION"
	EnvECSContainer      = "LIBERATOR_ECS_CONTAINER"
	EnvECSSubnets        = "LIBERATOR_ECS_SUBNETS"
	EnvECSSecurityGroups = "LIBERATOR_ECS_SECURITY_GROUPS"
	EnvECSAssignPublicIP = "LIBERATOR_ECS_ASSIGN_PUBLIC_IP"
	EnvECSLaunchType     = "LIBERATOR_ECS_LAUNCH_TYPE"

	EnvDBInstance    = "LIBERATOR_DB_INSTANCE"
	EnvExportBucket  = "LIBERATOR_EXPORT_BUCKET"
	EnvExportPrefix  = "LIBERATOR_EXPORT_PREFIX"
	EnvExportRoleARN = "LIBERATOR_EXPORT_ROLE_ARN"
	EnvExportKMSKey  = "LIBERATOR_EXPORT_KMS_KEY_ID"
	EnvLandingBucket = "LIBERATOR_LANDING_BUCKET"
	EnvLandingPrefix = "LIBERATOR_LANDING_PREFIX"
	EnvWorkflowName  = "LIBERATOR_WORKFLOW_NAME"
	// EnvBackdatedWorkflow names the workflow backdated runs start.
	EnvBackdatedWorkflow = "LIBERATOR_BACKDATED_WORKFLOW_NAME"
	EnvQueueURL          = "LIBERATOR_QUEUE_URL"
	EnvRetryInitial      = "LIBERATOR_RETRY_INITIAL"
	EnvRetryMax          = "LIBERATOR_RETRY_MAX"
	EnvRetryDeadline     = "LIBERATOR_RETRY_DEADLINE"
	EnvKeepSnapshots     = "LIBERATOR_KEEP_SNAPSHOTS"
	EnvGate              = "LIBERATOR_GATE"
	EnvS3PathStyle       = "LIBERATOR_S3_PATH_STYLE"
	// EnvMarkersInPartition keeps each partition's manifest and marker in
	// the partition folder (the older layout).
	EnvMarkersInPartition = "LIBERATOR_MARKERS_IN_PARTITION"

	// Every entry point reads these (see Config.DeadlineMargin and
	// Config.AttemptTimeout).
	EnvDeadlineMargin = "LIBERATOR_DEADLINE_MARGIN"
	EnvAttemptTimeout = "LIBERATOR_AWS_ATTEMPT_TIMEOUT"

	// The ECS restore task reads these (the dump-uploaded Lambda sets the
	// first three in the container overrides).
	EnvMessage    = "LIBERATOR_MESSAGE"
	EnvTaskBucket = "DUMP_BUCKET"
	EnvTaskKey    = "DUMP_KEY"
	EnvImportDate = "IMPORT_DATE"

	// The direct chain (LIBERATOR_CHAIN=direct) reads these; see
	// DirectConfig.
	EnvChain             = "LIBERATOR_CHAIN"
	EnvDirectMaxSize     = "LIBERATOR_DIRECT_MAX_SIZE"
	EnvMemoryLimit       = "LIBERATOR_MEMORY_LIMIT"
	EnvUploadPartSize    = "LIBERATOR_UPLOAD_PART_SIZE"
	EnvUploadConcurrency = "LIBERATOR_UPLOAD_CONCURRENCY"
	EnvRowGroupBytes     = "LIBERATOR_ROW_GROUP_BYTES"
	EnvEvent             = "LIBERATOR_EVENT"
	EnvKeepExports       = "LIBERATOR_KEEP_EXPORTS"
	// EnvLambdaMemory is set by Lambda: the function's memory in MB.
	EnvLambdaMemory = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"

	EnvDBHost     = "LIBERATOR_DB_HOST"
	EnvDBPort     = "LIBERATOR_DB_PORT"
	EnvDBUser     = "LIBERATOR_DB_USER"
	EnvDBPassword = "LIBERATOR_DB_PASSWORD"
	EnvDBName     = "LIBERATOR_DB_NAME"
	EnvDBCABundle = "LIBERATOR_DB_CA_BUNDLE"
)

// Config is the whole configuration of the Lambdas and of the ECS task, read
// from the environment by FromEnv. Each entry point checks the part it needs
// with one of the Check… methods.
type Config struct {
	// Region is the AWS region (AWS_REGION, set by Lambda and ECS).
	Region string
	// LogLevel is the slog level (LIBERATOR_LOG_LEVEL: debug, info, warn,
	// error; default info).
	LogLevel slog.Level

	// DumpBucket is the name of the bucket the contractor uploads to
	// (LIBERATOR_DUMP_BUCKET); events for other buckets are ignored.
	DumpBucket string
	// DumpPrefix is the key prefix of the dumps (LIBERATOR_DUMP_PREFIX,
	// default "parking/"); keys outside it are ignored.
	DumpPrefix string
	// ReplicaBucket, if set, is the pre-production account's bucket the dump
	// is copied to (LIBERATOR_REPLICA_BUCKET) with ACL
	// bucket-owner-full-control.
	ReplicaBucket string

	// ECS says where the restore task runs.
	ECS ECSConfig

	// DBInstance is the RDS instance the dump is restored into and
	// snapshotted (LIBERATOR_DB_INSTANCE).
	DBInstance string
	// ExportBucket (name), ExportPrefix, ExportRoleARN and ExportKMSKeyID
	// configure StartExportTask (LIBERATOR_EXPORT_*).
	ExportBucket   string
	ExportPrefix   string
	ExportRoleARN  string
	ExportKMSKeyID string
	// LandingBucket is the data lake's landing bucket name
	// (LIBERATOR_LANDING_BUCKET); LandingPrefix its key prefix
	// (LIBERATOR_LANDING_PREFIX, default "parking").
	LandingBucket string
	LandingPrefix string
	// WorkflowName is the Glue workflow (LIBERATOR_WORKFLOW_NAME, default
	// "parking-liberator-data-workflow").
	WorkflowName string
	// BackdatedWorkflowName is the Glue workflow a backdated run starts
	// (LIBERATOR_BACKDATED_WORKFLOW_NAME, or the old chain's
	// BACKDATED_WORKFLOW_NAME; default WorkflowName), with its import_date
	// as a run property (see package glue/awsglue).
	BackdatedWorkflowName string
	// QueueURL is the scheduler's SQS queue (LIBERATOR_QUEUE_URL): delayed
	// re-checks are sent there and the export-check Lambda consumes it.
	QueueURL string
	// RetryInitial, RetryMax and RetryDeadline override the pipeline's
	// retry policy when set (Go durations: "30s", "15m", "6h").
	RetryInitial  time.Duration
	RetryMax      time.Duration
	RetryDeadline time.Duration
	// KeepSnapshots (LIBERATOR_KEEP_SNAPSHOTS, default
	// liberator.DefaultKeepSnapshots) is how many available snapshots of
	// the pipeline a run keeps, its own included, once its own is
	// available; older ones of the pipeline are deleted then (never AWS
	// Backup's or other names'; see liberator.Config.KeepSnapshots). 0
	// keeps all.
	KeepSnapshots int
	// Gate (LIBERATOR_GATE, liberator.ParseGate's text: "strict",
	// "max-row-drop=50%,on-removed-column=fail", …; default off) may stop
	// an import whose export changed too much since the last published one.
	// A stopped run publishes nothing; its error log line carries the
	// resume_message that publishes the kept export when sent to the queue.
	Gate liberator.Gate
	// MarkersInPartition (LIBERATOR_MARKERS_IN_PARTITION=true) writes each
	// landing partition's _manifest.json and _SUCCESS in the partition
	// folder, as before; by default they are under
	// _liberator/partitions/<partition> in the landing bucket, and the
	// partition folders hold only Parquet files (partition.Layout).
	MarkersInPartition bool
	// S3PathStyle makes the S3 clients use path-style addressing
	// (LIBERATOR_S3_PATH_STYLE=true), for S3-compatible stores and local
	// endpoints (AWS_ENDPOINT_URL_S3).
	S3PathStyle bool

	// DeadlineMargin is the time a Lambda invocation keeps free before its
	// deadline (LIBERATOR_DEADLINE_MARGIN, a Go duration; default
	// DefaultMargin, and never more than a fifth of the invocation's time,
	// see Margin). When it is reached the step in progress is stopped, the
	// records not done are returned as batchItemFailures, and a direct
	// invocation returns a Transient error.
	DeadlineMargin time.Duration
	// AttemptTimeout is the longest one attempt of an AWS call waits to
	// connect and for the response's headers (LIBERATOR_AWS_ATTEMPT_TIMEOUT;
	// default DefaultAttemptTimeout, and never more than a third of the
	// time its context has left, see AttemptTransport).
	AttemptTimeout time.Duration

	// Restore is the ECS task's own configuration.
	Restore RestoreConfig

	// Chain is the chain an upload starts (LIBERATOR_CHAIN): ChainRDS
	// (the default: restore into RDS, snapshot, RDS export) or
	// ChainDirect (the embedded engine reads the dump from S3 and writes
	// the export itself).
	Chain string
	// Direct configures the direct chain.
	Direct DirectConfig

	// Deprecated lists the old chain's variables the configuration was
	// read from (see EnvAliases); IgnoredMySQLFlags the MYSQL_OTHER_FLAGS
	// flags it does not use. LogDeprecated logs them.
	Deprecated        []EnvAlias
	IgnoredMySQLFlags []string
}

// The chains LIBERATOR_CHAIN picks.
const (
	ChainRDS    = "rds"
	ChainDirect = "direct"
)

// DirectConfig configures the direct chain's Lambda and ECS task. Sizes
// are bytes, or a number with a unit: "512MiB", "2GB" (units of 1024).
type DirectConfig struct {
	// MaxSize is the largest dump object (zipped) the Lambda converts
	// itself (LIBERATOR_DIRECT_MAX_SIZE, default DefaultDirectMaxSize); a
	// larger one is handed to the ECS task (LIBERATOR_ECS_*), or, with no
	// task configured, converted by the Lambda all the same (and logged).
	MaxSize int64
	// MemoryLimit is the Go runtime's soft memory limit
	// (LIBERATOR_MEMORY_LIMIT; runtime/debug.SetMemoryLimit). Default on
	// Lambda: MemoryShare of the function's memory
	// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), else none. GOMEMLIMIT, if set,
	// wins.
	MemoryLimit int64
	// FunctionMemory is the Lambda function's memory in bytes
	// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, set by Lambda); 0 elsewhere.
	FunctionMemory int64
	// UploadPartSize and UploadConcurrency bound the multipart uploads of
	// the export's files (LIBERATOR_UPLOAD_PART_SIZE, default 8MiB;
	// LIBERATOR_UPLOAD_CONCURRENCY, default 4): see s3copy.Uploads.
	UploadPartSize    int
	UploadConcurrency int
	// RowGroupBytes bounds a Parquet row group, the memory a table writer
	// buffers (LIBERATOR_ROW_GROUP_BYTES, default
	// export.DefaultRowGroupBytes).
	RowGroupBytes int64
	// Event is an upload event for the ECS task (LIBERATOR_EVENT): any
	// payload the direct Lambda accepts (see DecodeUploads).
	Event string
	// KeepExports is how many exports the export zone keeps after each run
	// (LIBERATOR_KEEP_EXPORTS, default DefaultKeepExports; 0 keeps all), as
	// the CLI's --keep-exports: see DirectPipeline.PruneExports.
	KeepExports int
}

// DefaultKeepExports is LIBERATOR_KEEP_EXPORTS when not set.
const DefaultKeepExports = 3

// DefaultDirectMaxSize is the largest dump object the direct Lambda
// converts itself when LIBERATOR_DIRECT_MAX_SIZE is not set: what a 2 GB
// function converts well within Lambda's 15 minutes (README, "Direct mode
// on AWS").
const DefaultDirectMaxSize int64 = 1 << 30

// MemoryShare is the share of the Lambda function's memory given to the Go
// heap's soft limit by default: 3/4, leaving room for the runtime, the
// upload buffers outside the heap's accounting and the binary.
const MemoryShare = 0.75

// ECSConfig says how the dump-uploaded Lambda runs the restore task.
type ECSConfig struct {
	Cluster        string   // LIBERATOR_ECS_CLUSTER
	TaskDefinition string   // LIBERATOR_ECS_TASK_DEFINITION (family[:revision] or ARN)
	Container      string   // LIBERATOR_ECS_CONTAINER: the container whose env is overridden
	Subnets        []string // LIBERATOR_ECS_SUBNETS, comma separated
	SecurityGroups []string // LIBERATOR_ECS_SECURITY_GROUPS, comma separated
	AssignPublicIP bool     // LIBERATOR_ECS_ASSIGN_PUBLIC_IP (true/false, default false)
	LaunchType     string   // LIBERATOR_ECS_LAUNCH_TYPE (default FARGATE)
}

// RestoreConfig is the ECS restore task's configuration.
type RestoreConfig struct {
	// Message is the run's StepDumpUploaded message as JSON
	// (LIBERATOR_MESSAGE); if empty, the run is built from Bucket and Key.
	Message string
	// Bucket (DUMP_BUCKET: a bucket name or a gocloud URL) and Key
	// (DUMP_KEY) name the dump when Message is empty.
	Bucket string
	Key    string
	// ImportDate (IMPORT_DATE, YYYY-MM-DD) makes a backdated run.
	ImportDate string

	// The MySQL server the dump is restored into: the RDS instance's
	// endpoint, its master user and password (inject the password from
	// Secrets Manager with the task definition's "secrets"), the database
	// name (default "liberator") and the RDS CA bundle for TLS.
	DBHost     string // LIBERATOR_DB_HOST
	DBPort     int    // LIBERATOR_DB_PORT (default 3306)
	DBUser     string // LIBERATOR_DB_USER
	DBPassword string // LIBERATOR_DB_PASSWORD
	DBName     string // LIBERATOR_DB_NAME
	CABundle   string // LIBERATOR_DB_CA_BUNDLE: path to the PEM bundle
}

// FromEnv reads the configuration from getenv (os.Getenv in a main, a map in
// tests), and the old chain's names of the variables not set (EnvAliases;
// LogDeprecated logs those it read). It fails, with an error wrapping ErrInvalid that names the
// variable, only on values that do not parse; missing values are reported by
// the Check… methods of the entry point that needs them.
func FromEnv(getenv func(string) string) (Config, error) {
	getenv, legacy := legacyEnv(getenv)
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		Region:        get(EnvRegion),
		DumpBucket:    get(EnvDumpBucket),
		DumpPrefix:    get(EnvDumpPrefix),
		ReplicaBucket: get(EnvReplicaBucket),
		ECS: ECSConfig{
			Cluster:        get(EnvECSCluster),
			TaskDefinition: get(EnvECSTaskDefinition),
			Container:      get(EnvECSContainer),
			Subnets:        splitList(get(EnvECSSubnets)),
			SecurityGroups: splitList(get(EnvECSSecurityGroups)),
			LaunchType:     get(EnvECSLaunchType),
		},
		DBInstance:            get(EnvDBInstance),
		ExportBucket:          get(EnvExportBucket),
		ExportPrefix:          get(EnvExportPrefix),
		ExportRoleARN:         get(EnvExportRoleARN),
		ExportKMSKeyID:        get(EnvExportKMSKey),
		LandingBucket:         get(EnvLandingBucket),
		LandingPrefix:         get(EnvLandingPrefix),
		WorkflowName:          get(EnvWorkflowName),
		BackdatedWorkflowName: get(EnvBackdatedWorkflow),
		QueueURL:              get(EnvQueueURL),
		Restore: RestoreConfig{
			Message:    get(EnvMessage),
			Bucket:     get(EnvTaskBucket),
			Key:        get(EnvTaskKey),
			ImportDate: get(EnvImportDate),
			DBHost:     get(EnvDBHost),
			DBUser:     get(EnvDBUser),
			DBPassword: getenv(EnvDBPassword), // not trimmed: a password may have spaces
			DBName:     get(EnvDBName),
			CABundle:   get(EnvDBCABundle),
		},
	}
	if c.DumpPrefix == "" {
		c.DumpPrefix = "parking/"
	}
	if c.LandingPrefix == "" {
		c.LandingPrefix = "parking"
	}
	if c.WorkflowName == "" {
		c.WorkflowName = "parking-liberator-data-workflow"
	}
	if c.BackdatedWorkflowName == "" {
		c.BackdatedWorkflowName = c.WorkflowName
	}
	if c.ECS.LaunchType == "" {
		c.ECS.LaunchType = "FARGATE"
	}
	if c.Restore.DBName == "" {
		c.Restore.DBName = "liberator"
	}
	if err := c.readDirect(get); err != nil {
		return Config{}, err
	}
	c.Restore.DBPort = 3306
	if v := get(EnvDBPort); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p <= 0 || p > 65535 {
			return Config{}, invalidf(EnvDBPort, "want a port number, got %q", v)
		}
		c.Restore.DBPort = p
	}
	if v := get(EnvGate); v != "" {
		g, err := liberator.ParseGate(v)
		if err != nil {
			return Config{}, invalidf(EnvGate, "%v", err)
		}
		c.Gate = g
	}
	c.KeepSnapshots = liberator.DefaultKeepSnapshots
	if v := get(EnvKeepSnapshots); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Config{}, invalidf(EnvKeepSnapshots, "want a count >= 0, got %q", v)
		}
		c.KeepSnapshots = n
	}
	if v := get(EnvMarkersInPartition); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, invalidf(EnvMarkersInPartition, "want true or false, got %q", v)
		}
		c.MarkersInPartition = b
	}
	if v := get(EnvS3PathStyle); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, invalidf(EnvS3PathStyle, "want true or false, got %q", v)
		}
		c.S3PathStyle = b
	}
	if v := get(EnvECSAssignPublicIP); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, invalidf(EnvECSAssignPublicIP, "want true or false, got %q", v)
		}
		c.ECS.AssignPublicIP = b
	}
	if v := get(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return Config{}, invalidf(EnvLogLevel, "want debug, info, warn or error, got %q", v)
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{EnvRetryInitial, &c.RetryInitial}, {EnvRetryMax, &c.RetryMax}, {EnvRetryDeadline, &c.RetryDeadline},
		{EnvDeadlineMargin, &c.DeadlineMargin}, {EnvAttemptTimeout, &c.AttemptTimeout},
	} {
		v := get(d.name)
		if v == "" {
			continue
		}
		x, err := time.ParseDuration(v)
		if err != nil || x <= 0 {
			return Config{}, invalidf(d.name, "want a positive Go duration such as 30s or 15m, got %q", v)
		}
		*d.dst = x
	}
	c.Deprecated, c.IgnoredMySQLFlags = legacy.used, legacy.ignored
	return c, nil
}

// readDirect reads LIBERATOR_CHAIN and the direct chain's settings.
func (c *Config) readDirect(get func(string) string) error {
	switch c.Chain = strings.ToLower(get(EnvChain)); c.Chain {
	case "":
		c.Chain = ChainRDS
	case ChainRDS, ChainDirect:
	default:
		return invalidf(EnvChain, "want %s or %s, got %q", ChainRDS, ChainDirect, get(EnvChain))
	}
	d := &c.Direct
	d.Event = get(EnvEvent)
	d.MaxSize = DefaultDirectMaxSize
	for _, s := range []struct {
		name string
		dst  *int64
	}{{EnvDirectMaxSize, &d.MaxSize}, {EnvMemoryLimit, &d.MemoryLimit}, {EnvRowGroupBytes, &d.RowGroupBytes}} {
		if v := get(s.name); v != "" {
			n, err := ParseSize(v)
			if err != nil {
				return invalidf(s.name, "%v", err)
			}
			*s.dst = n
		}
	}
	if v := get(EnvLambdaMemory); v != "" {
		mb, err := strconv.Atoi(v)
		if err != nil || mb <= 0 {
			return invalidf(EnvLambdaMemory, "want the function's memory in MB, got %q", v)
		}
		d.FunctionMemory = int64(mb) << 20
		if d.MemoryLimit == 0 {
			d.MemoryLimit = int64(float64(d.FunctionMemory) * MemoryShare)
		}
	}
	if v := get(EnvUploadPartSize); v != "" {
		n, err := ParseSize(v)
		if err != nil || n < 5<<20 || n > 5<<30 {
			return invalidf(EnvUploadPartSize, "want a size from 5MiB to 5GiB, got %q", v)
		}
		d.UploadPartSize = int(n)
	}
	d.KeepExports = DefaultKeepExports
	if v := get(EnvKeepExports); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalidf(EnvKeepExports, "want a count >= 0, got %q", v)
		}
		d.KeepExports = n
	}
	if v := get(EnvUploadConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return invalidf(EnvUploadConcurrency, "want a count > 0, got %q", v)
		}
		d.UploadConcurrency = n
	}
	return nil
}

// ParseSize reads a size: a number of bytes, or a number with a unit B,
// KB, MB, GB, TB or KiB, MiB, GiB, TiB (all of 1024), such as "1.5GiB".
// Errors wrap liberator.ErrInvalid.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("bad size %q (want bytes, or e.g. 512MiB or 2GB): %w", s, liberator.ErrInvalid)
	}
	return int64(f * float64(mult)), nil
}

// CheckDirect reports the settings the direct chain's Lambda and ECS task
// need and lack. The export bucket is optional: without one (or when it is
// the landing bucket) the export is written into the landing bucket under
// DirectExportPrefix, outside the landing prefix.
func (c Config) CheckDirect() error {
	return missing(
		EnvRegion, c.Region,
		EnvDumpBucket, c.DumpBucket,
		EnvLandingBucket, c.LandingBucket,
	)
}

// DefaultInLandingExportPrefix is where the direct chain writes its export
// when it has no export bucket of its own: in the landing bucket, beside
// the landing lease records and outside the landing prefix.
const DefaultInLandingExportPrefix = "_liberator/export/"

// DirectExport returns the bucket name and key prefix ("" or ending in
// "/") the direct chain writes its export under: LIBERATOR_EXPORT_BUCKET
// and LIBERATOR_EXPORT_PREFIX; without an export bucket, the landing
// bucket under LIBERATOR_EXPORT_PREFIX or DefaultInLandingExportPrefix.
func (c Config) DirectExport() (bucket, prefix string) {
	bucket, prefix = c.ExportBucket, strings.Trim(c.ExportPrefix, "/")
	if bucket == "" || bucket == c.LandingBucket {
		bucket = c.LandingBucket
		if prefix == "" {
			return bucket, DefaultInLandingExportPrefix
		}
	}
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix
}

// CheckDumpUploaded reports the settings the dump-uploaded Lambda needs and
// lacks.
func (c Config) CheckDumpUploaded() error {
	return missing(
		EnvRegion, c.Region,
		EnvDumpBucket, c.DumpBucket,
		EnvECSCluster, c.ECS.Cluster,
		EnvECSTaskDefinition, c.ECS.TaskDefinition,
		EnvECSContainer, c.ECS.Container,
	)
}

// CheckECS reports the ECS settings the restore launcher needs and lacks.
func (c Config) CheckECS() error {
	return missing(
		EnvECSCluster, c.ECS.Cluster,
		EnvECSTaskDefinition, c.ECS.TaskDefinition,
		EnvECSContainer, c.ECS.Container,
	)
}

// CheckPipeline reports the settings the snapshot-ready and export-check
// Lambdas (and the ECS task) need to build the AWS pipeline and lack.
func (c Config) CheckPipeline() error {
	return missing(
		EnvRegion, c.Region,
		EnvDBInstance, c.DBInstance,
		EnvExportBucket, c.ExportBucket,
		EnvExportRoleARN, c.ExportRoleARN,
		EnvExportKMSKey, c.ExportKMSKeyID,
		EnvLandingBucket, c.LandingBucket,
		EnvQueueURL, c.QueueURL,
	)
}

// CheckRestore reports the settings the ECS restore task needs and lacks.
// Without LIBERATOR_MESSAGE the dump is named by DUMP_BUCKET and DUMP_KEY,
// and both are needed: a key alone is refused here rather than read as a
// local file.
func (c Config) CheckRestore() error {
	if err := c.CheckPipeline(); err != nil {
		return err
	}
	if c.Restore.Message == "" {
		switch {
		case c.Restore.Key == "" && c.Restore.Bucket == "":
			return invalidf(EnvMessage, "set %s, or %s and %s", EnvMessage, EnvTaskBucket, EnvTaskKey)
		case c.Restore.Bucket == "":
			return invalidf(EnvTaskBucket, "not set: %s names a key in %s (or set %s)", EnvTaskKey, EnvTaskBucket, EnvMessage)
		case c.Restore.Key == "":
			return invalidf(EnvTaskKey, "not set: %s needs the dump's key in %s (or set %s)", EnvTaskBucket, EnvTaskKey, EnvMessage)
		}
	}
	return missing(
		EnvDBHost, c.Restore.DBHost,
		EnvDBUser, c.Restore.DBUser,
		EnvDBPassword, c.Restore.DBPassword,
		EnvDBCABundle, c.Restore.CABundle,
	)
}

// Layout returns where the landing partitions' manifests and markers are
// written (MarkersInPartition).
func (c Config) Layout() partition.Layout {
	if c.MarkersInPartition {
		return partition.InPartitionLayout
	}
	return partition.ControlLayout
}

// BucketURL returns the gocloud.dev/blob URL of an S3 bucket in the
// configured region: "s3://name?region=eu-west-2" (with
// "&use_path_style=true" when S3PathStyle is set). A value that already is
// a URL is returned as it is.
func (c Config) BucketURL(name string) string {
	if name == "" || strings.Contains(name, "://") {
		return name
	}
	var q []string
	if c.Region != "" {
		q = append(q, "region="+c.Region)
	}
	if c.S3PathStyle {
		q = append(q, "use_path_style=true")
	}
	if len(q) == 0 {
		return "s3://" + name
	}
	return "s3://" + name + "?" + strings.Join(q, "&")
}

// S3Options returns the S3 client options the configuration asks for.
func (c Config) S3Options(o *s3.Options) {
	if c.S3PathStyle {
		o.UsePathStyle = true
	}
}

// missing takes name, value pairs and names every empty value.
func missing(pairs ...string) error {
	var names []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			names = append(names, pairs[i])
		}
	}
	if len(names) == 0 {
		return nil
	}
	return invalidf(strings.Join(names, ", "), "not set")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// invalidf returns a configuration error naming the variable(s) what and
// wrapping liberator.ErrInvalid. Examples use only the module's public API,
// so users can copy them.
func invalidf(what, format string, args ...any) error {
	return fmt.Errorf("config %s: %s: %w", what, fmt.Sprintf(format, args...), liberator.ErrInvalid)
}
