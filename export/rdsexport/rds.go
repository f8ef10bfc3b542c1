package rdsexport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Client is the part of *rds.Client the Exporter uses.
type Client interface {
	StartExportTask(ctx context.Context, in *rds.StartExportTaskInput, optFns ...func(*rds.Options)) (*rds.StartExportTaskOutput, error)
	DescribeExportTasks(ctx context.Context, in *rds.DescribeExportTasksInput, optFns ...func(*rds.Options)) (*rds.DescribeExportTasksOutput, error)
}

// Options configure an Exporter. Bucket, IAMRoleARN and KMSKeyID are
// required, as StartExportTask requires them.
type Options struct {
	// Bucket is the S3 bucket the export is written to (S3BucketName).
	Bucket string
	// Prefix is the optional S3Prefix ("exports" or "exports/"); the export's
	// files are under Prefix + "/" + id + "/".
	Prefix string
	// IAMRoleARN is the role RDS assumes to write to the bucket.
	IAMRoleARN string
	// KMSKeyID is the KMS key (ARN, id or alias ARN) the export is encrypted with.
	KMSKeyID string
	// Database qualifies table names given without one in
	// ExportRequest.Tables ("PCN_IC" → "liberator.PCN_IC"). Default
	// "liberator".
	Database string
	// Logger receives a record per started export. Default: discard.
	Logger *slog.Logger
}

// Exporter implements liberator.Exporter with RDS snapshot exports.
type Exporter struct {
	c    Client
	opts Options
	log  *slog.Logger
}

var _ liberator.Exporter = (*Exporter)(nil)

// New returns an Exporter using an rds.Client made from cfg.
func New(cfg aws.Config, opts Options, optFns ...func(*rds.Options)) (*Exporter, error) {
	return NewFromClient(rds.NewFromConfig(cfg, optFns...), opts)
}

// NewFromClient returns an Exporter on c.
func NewFromClient(c Client, opts Options) (*Exporter, error) {
	const op = "new rds exporter"
	switch {
	case c == nil:
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "client", "client is nil")
	case opts.Bucket == "":
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "Bucket", "export bucket is required")
	case opts.IAMRoleARN == "":
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "IAMRoleARN", "IAM role ARN is required")
	case opts.KMSKeyID == "":
		return nil, liberator.Errorf(liberator.ErrInvalid, op, "KMSKeyID", "KMS key id is required")
	}
	if opts.Database == "" {
		opts.Database = "liberator"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Exporter{c: c, opts: opts, log: log}, nil
}

// checkID applies RDS's identifier rules to an export task id (which
// StartExportTask would refuse with InvalidParameterValue): it begins with a
// letter, holds only ASCII letters, digits and hyphens, does not end with a
// hyphen or hold two consecutive hyphens, and has at most 60 characters.
func checkID(id string) error {
	bad := func(why string) error { return fmt.Errorf("export task id %q %s", id, why) }
	switch {
	case len(id) > liberator.MaxExportIDLen:
		return bad(fmt.Sprintf("is longer than %d characters", liberator.MaxExportIDLen))
	case !(id[0] >= 'a' && id[0] <= 'z' || id[0] >= 'A' && id[0] <= 'Z'):
		return bad("must begin with a letter")
	case strings.HasSuffix(id, "-"):
		return bad("must not end with a hyphen")
	case strings.Contains(id, "--"):
		return bad("must not contain two consecutive hyphens")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return bad(fmt.Sprintf("must hold only ASCII letters, digits and hyphens (has %q)", c))
		}
	}
	return nil
}

// Prefix returns the key prefix of export id's files: "<prefix>/<id>/".
func Prefix(s3Prefix, id string) string {
	p := strings.Trim(s3Prefix, "/")
	if p != "" {
		p += "/"
	}
	return p + id + "/"
}

// ExportOnly returns the ExportOnly list for tables: names without a dot are
// qualified with db.
func ExportOnly(db string, tables []string) []string {
	var out []string
	for _, t := range tables {
		if !strings.Contains(t, ".") {
			t = db + "." + t
		}
		out = append(out, t)
	}
	return out
}

func (e *Exporter) info(t types.ExportTask) liberator.ExportInfo {
	id := aws.ToString(t.ExportTaskIdentifier)
	prefix := aws.ToString(t.S3Prefix)
	if prefix == "" && t.S3Prefix == nil {
		prefix = e.opts.Prefix
	}
	src := aws.ToString(t.SourceArn)
	snap := src
	if i := strings.LastIndex(src, ":snapshot:"); i >= 0 {
		snap = src[i+len(":snapshot:"):]
	}
	return liberator.ExportInfo{
		ID:              id,
		SnapshotID:      snap,
		Status:          liberator.ExportStatus(aws.ToString(t.Status)),
		Prefix:          Prefix(prefix, id),
		PercentProgress: int(aws.ToInt32(t.PercentProgress)),
		ExtractedGB:     float64(aws.ToInt32(t.TotalExtractedDataInGB)),
		FailureCause:    aws.ToString(t.FailureCause),
	}
}

// StartExport starts StartExportTask for req.Snapshot (an RDS snapshot:
// its ARN must be set). The id is req.ID or, if empty, ExportID(snapshot id); it
// is normalized with liberator.ExportID. An export that exists already is
// described and returned.
func (e *Exporter) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	const op = "rds start export"
	id := req.ID
	if id == "" {
		id = req.Snapshot.ID
	}
	id = liberator.ExportID(id)
	if id == "" {
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, op, "", "export id and snapshot id are empty")
	}
	if err := checkID(id); err != nil {
		return liberator.ExportInfo{}, liberator.NewError(liberator.ErrInvalid, op, id, err)
	}
	if err := liberator.CheckSnapshot(e, req.Snapshot); err != nil {
		return liberator.ExportInfo{}, err
	}
	if !strings.HasPrefix(req.Snapshot.ARN, "arn:") {
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, op, id, "snapshot %q has no ARN (got %q)", req.Snapshot.ID, req.Snapshot.ARN)
	}
	in := &rds.StartExportTaskInput{
		ExportTaskIdentifier: aws.String(id),
		SourceArn:            aws.String(req.Snapshot.ARN),
		S3BucketName:         aws.String(e.opts.Bucket),
		IamRoleArn:           aws.String(e.opts.IAMRoleARN),
		KmsKeyId:             aws.String(e.opts.KMSKeyID),
		ExportOnly:           ExportOnly(e.opts.Database, req.Tables),
	}
	if p := strings.Trim(e.opts.Prefix, "/"); p != "" {
		in.S3Prefix = aws.String(p)
	}
	out, err := e.c.StartExportTask(ctx, in)
	if err != nil {
		werr := awserr.Wrap(op, id, err)
		if errors.Is(werr, liberator.ErrAlreadyExists) {
			e.log.InfoContext(ctx, "export exists; not starting again", "export", id)
			return e.DescribeExport(ctx, id)
		}
		return liberator.ExportInfo{}, werr
	}
	e.log.InfoContext(ctx, "export started", "export", id, "snapshot", req.Snapshot.ID, "bucket", e.opts.Bucket)
	return e.info(types.ExportTask{
		ExportTaskIdentifier:   out.ExportTaskIdentifier,
		SourceArn:              out.SourceArn,
		S3Prefix:               out.S3Prefix,
		Status:                 out.Status,
		PercentProgress:        out.PercentProgress,
		TotalExtractedDataInGB: out.TotalExtractedDataInGB,
		FailureCause:           out.FailureCause,
	}), nil
}

// DescribeExport returns export id's state; ErrNotFound if there is none.
func (e *Exporter) DescribeExport(ctx context.Context, id string) (liberator.ExportInfo, error) {
	const op = "rds describe export"
	out, err := e.c.DescribeExportTasks(ctx, &rds.DescribeExportTasksInput{ExportTaskIdentifier: aws.String(id)})
	if err != nil {
		return liberator.ExportInfo{}, awserr.Wrap(op, id, err)
	}
	for _, t := range out.ExportTasks {
		if aws.ToString(t.ExportTaskIdentifier) == id {
			return e.info(t), nil
		}
	}
	return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrNotFound, op, id, "no export task %s", id)
}

// ReadsSnapshots returns liberator.SnapshotRDS: RDS exports only RDS
// snapshots.
func (*Exporter) ReadsSnapshots() []liberator.SnapshotKind {
	return []liberator.SnapshotKind{liberator.SnapshotRDS}
}
