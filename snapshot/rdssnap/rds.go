package rdssnap

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

// Restorer loads a dump into the RDS instance's database (drop, create,
// load). It must not touch existing snapshots.
type Restorer interface {
	Restore(ctx context.Context, dump liberator.DumpRef) error
}

// RestorerFunc adapts a function to Restorer.
type RestorerFunc func(ctx context.Context, dump liberator.DumpRef) error

// Restore calls f.
func (f RestorerFunc) Restore(ctx context.Context, dump liberator.DumpRef) error { return f(ctx, dump) }

// Client is the part of *rds.Client the Snapshotter uses.
type Client interface {
	CreateDBSnapshot(ctx context.Context, in *rds.CreateDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error)
	DescribeDBSnapshots(ctx context.Context, in *rds.DescribeDBSnapshotsInput, optFns ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error)
	DeleteDBSnapshot(ctx context.Context, in *rds.DeleteDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error)
}

// Options configure a Snapshotter.
type Options struct {
	// Instance is the DB instance identifier (required).
	Instance string
	// Restorer loads the dump before the snapshot is taken (required).
	Restorer Restorer
	// Protect lists snapshot id prefixes DeleteSnapshot refuses and Prune
	// keeps; "awsbackup" is always protected.
	Protect []string
	// PageSize is DescribeDBSnapshots' MaxRecords (20..100); default 100.
	PageSize int32
	// Logger receives a record per restore, snapshot and deletion. Default:
	// discard.
	Logger *slog.Logger
}

// Snapshotter implements liberator.Snapshotter on Amazon RDS.
type Snapshotter struct {
	c    Client
	opts Options
	log  *slog.Logger
}

var _ liberator.Snapshotter = (*Snapshotter)(nil)

// New returns a Snapshotter using an rds.Client made from cfg; optFns
// adjust the client (endpoint, retries).
func New(cfg aws.Config, opts Options, optFns ...func(*rds.Options)) (*Snapshotter, error) {
	return NewFromClient(rds.NewFromConfig(cfg, optFns...), opts)
}

// NewFromClient returns a Snapshotter on c.
func NewFromClient(c Client, opts Options) (*Snapshotter, error) {
	if c == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new rds snapshotter", "client", "client is nil")
	}
	if opts.Instance == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new rds snapshotter", "Instance", "DB instance identifier is required")
	}
	if opts.Restorer == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new rds snapshotter", "Restorer", "a Restorer is required")
	}
	if opts.PageSize == 0 {
		opts.PageSize = 100
	}
	if opts.PageSize < 20 || opts.PageSize > 100 {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new rds snapshotter", "PageSize", "must be 20..100, got %d", opts.PageSize)
	}
	opts.Protect = append([]string{"awsbackup"}, opts.Protect...)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Snapshotter{c: c, opts: opts, log: log}, nil
}

// Status maps an RDS snapshot status to a liberator.SnapshotStatus and a
// reason: "available" → available; "creating", "copying", "pending" and
// "modifying" → creating; "deleting" → deleting; "failed" and the
// "incompatible-*" states → failed with the RDS status as the reason. Any
// other status is returned unchanged.
func Status(s string) (liberator.SnapshotStatus, string) {
	switch {
	case s == "available":
		return liberator.SnapshotAvailable, ""
	case s == "creating", s == "copying", s == "pending", s == "modifying", s == "upgrading":
		return liberator.SnapshotCreating, ""
	case s == "deleting", s == "deleted":
		return liberator.SnapshotDeleting, ""
	case s == "failed", strings.HasPrefix(s, "incompatible"), s == "storage-full", s == "inaccessible-encryption-credentials":
		return liberator.SnapshotFailed, "RDS snapshot status " + s
	}
	return liberator.SnapshotStatus(s), ""
}

func info(s types.DBSnapshot) liberator.SnapshotInfo {
	st, reason := Status(aws.ToString(s.Status))
	return liberator.SnapshotInfo{
		ID:      aws.ToString(s.DBSnapshotIdentifier),
		Status:  st,
		Created: aws.ToTime(s.SnapshotCreateTime).UTC(),
		Kind:    liberator.SnapshotRDS,
		ARN:     aws.ToString(s.DBSnapshotArn),
		Reason:  reason,
		Run:     LabelFromTags(s.TagList),
	}
}

// CreateSnapshot restores req.Dump with the Restorer and then starts
// CreateDBSnapshot with id req.ID, tagged with the run's label (RunTags:
// import date, run id, dump key, backdated), which DescribeSnapshot reads
// back as SnapshotInfo.Run. If a snapshot with that id exists
// already (found before the restore, or reported as DBSnapshotAlreadyExists)
// its current state is returned and nothing is restored. The returned
// snapshot is normally "creating"; the pipeline checks it later.
func (s *Snapshotter) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	const op = "rds create snapshot"
	if req.ID == "" {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrInvalid, op, "", "snapshot id is empty")
	}
	if existing, err := s.DescribeSnapshot(ctx, req.ID); err == nil {
		s.log.InfoContext(ctx, "snapshot exists; not restoring again", "snapshot", req.ID, "status", existing.Status)
		return existing, nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		return liberator.SnapshotInfo{}, err
	}
	s.log.InfoContext(ctx, "restoring dump", "instance", s.opts.Instance, "dump", req.Dump.Key)
	if err := s.opts.Restorer.Restore(ctx, req.Dump); err != nil {
		if _, ok := errors.AsType[*liberator.Error](err); ok {
			return liberator.SnapshotInfo{}, err
		}
		return liberator.SnapshotInfo{}, liberator.NewError(liberator.ErrTransient, "restore", req.Dump.Key, err)
	}
	tags, skipped := RunTags(req.Label())
	if len(skipped) > 0 {
		s.log.WarnContext(ctx, "run label values RDS does not accept as tags are left out", "snapshot", req.ID, "tags", skipped)
	}
	out, err := s.c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
		DBInstanceIdentifier: aws.String(s.opts.Instance),
		DBSnapshotIdentifier: aws.String(req.ID),
		Tags:                 tags,
	})
	if err != nil {
		werr := awserr.Wrap(op, req.ID, err)
		if errors.Is(werr, liberator.ErrAlreadyExists) {
			return s.DescribeSnapshot(ctx, req.ID)
		}
		if awserr.Code(err) == CodeSnapshotQuotaExceeded {
			return liberator.SnapshotInfo{}, s.quotaError(ctx, req.ID, err)
		}
		return liberator.SnapshotInfo{}, werr
	}
	s.log.InfoContext(ctx, "snapshot started", "snapshot", req.ID, "instance", s.opts.Instance)
	return info(*out.DBSnapshot), nil
}

// CodeSnapshotQuotaExceeded is RDS's error code when the region's manual
// DB snapshot quota (100 by default) is reached.
const CodeSnapshotQuotaExceeded = "SnapshotQuotaExceeded"

// quotaError is the terminal error of a CreateDBSnapshot refused by the
// snapshot quota: no retry helps until snapshots are deleted or the quota
// raised, so it says which, and how many manual snapshots the instance
// holds.
func (s *Snapshotter) quotaError(ctx context.Context, id string, cause error) error {
	held := ""
	if list, err := s.ListSnapshots(ctx); err == nil {
		own := 0
		for _, sn := range list {
			if strings.HasPrefix(sn.ID, liberator.SnapshotIDPrefix) {
				own++
			}
		}
		held = fmt.Sprintf(" (instance %s holds %d manual snapshots, %d of them the pipeline's)", s.opts.Instance, len(list), own)
	}
	return liberator.NewError(liberator.ErrTerminal, "rds create snapshot", id, fmt.Errorf(
		"the region's manual DB snapshot quota is reached%s: delete manual snapshots no longer needed "+
			"(aws rds describe-db-snapshots --snapshot-type manual; the pipeline's own are named %s…, AWS Backup's awsbackup…), "+
			"keep fewer (liberator.Config.KeepSnapshots, LIBERATOR_KEEP_SNAPSHOTS on AWS; default %d), "+
			"or raise the \"Manual DB instance snapshots\" quota in Service Quotas; then run the dump again: %w",
		held, liberator.SnapshotIDPrefix, liberator.DefaultKeepSnapshots, cause))
}

// DescribeSnapshot returns snapshot id's state; ErrNotFound if there is none
// of this instance.
func (s *Snapshotter) DescribeSnapshot(ctx context.Context, id string) (liberator.SnapshotInfo, error) {
	const op = "rds describe snapshot"
	// DBSnapshotIdentifier can't be combined with DBInstanceIdentifier;
	// the instance is checked in the answer instead.
	out, err := s.c.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{
		DBSnapshotIdentifier: aws.String(id),
	})
	if err != nil {
		return liberator.SnapshotInfo{}, awserr.Wrap(op, id, err)
	}
	for _, sn := range out.DBSnapshots {
		if aws.ToString(sn.DBSnapshotIdentifier) == id && aws.ToString(sn.DBInstanceIdentifier) == s.opts.Instance {
			return info(sn), nil
		}
	}
	return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrNotFound, op, id, "no snapshot %s of instance %s", id, s.opts.Instance)
}

// ListSnapshots returns every manual snapshot of the instance, newest first,
// reading all pages of DescribeDBSnapshots.
func (s *Snapshotter) ListSnapshots(ctx context.Context) ([]liberator.SnapshotInfo, error) {
	p := rds.NewDescribeDBSnapshotsPaginator(s.c, &rds.DescribeDBSnapshotsInput{
		DBInstanceIdentifier: aws.String(s.opts.Instance),
		SnapshotType:         aws.String("manual"),
		MaxRecords:           aws.Int32(s.opts.PageSize),
	})
	var list []liberator.SnapshotInfo
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, awserr.Wrap("rds list snapshots", s.opts.Instance, err)
		}
		for _, sn := range out.DBSnapshots {
			list = append(list, info(sn))
		}
	}
	liberator.SortSnapshots(list)
	return list, nil
}

func (s *Snapshotter) protected(id string) bool {
	for _, p := range s.opts.Protect {
		if p != "" && strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// DeleteSnapshot deletes snapshot id; ErrNotFound if none. Ids with a
// protected prefix ("awsbackup…") are refused with ErrInvalid.
func (s *Snapshotter) DeleteSnapshot(ctx context.Context, id string) error {
	const op = "rds delete snapshot"
	if s.protected(id) {
		return liberator.Errorf(liberator.ErrInvalid, op, id, "snapshot id has a protected prefix %v", s.opts.Protect)
	}
	if _, err := s.c.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(id)}); err != nil {
		return awserr.Wrap(op, id, err)
	}
	s.log.InfoContext(ctx, "snapshot deleted", "snapshot", id)
	return nil
}

// Prune deletes the instance's older manual snapshots once current is
// available: it keeps current, every snapshot newer than it, the keep
// newest available older ones (at least 1), those still creating and those
// with a protected prefix. It returns the deleted ids. If current is not
// available yet nothing is deleted and the error wraps ErrNotReady.
func (s *Snapshotter) Prune(ctx context.Context, current string, keep int) ([]string, error) {
	cur, err := s.DescribeSnapshot(ctx, current)
	if err != nil {
		return nil, err
	}
	if cur.Status != liberator.SnapshotAvailable {
		return nil, liberator.Errorf(liberator.ErrNotReady, "rds prune snapshots", current, "snapshot is %s, not available; nothing deleted", cur.Status)
	}
	return liberator.PruneSnapshots(ctx, s, liberator.KeepPolicy{Current: current, Keep: keep, Protect: s.opts.Protect})
}

// SnapshotKind returns liberator.SnapshotRDS.
func (*Snapshotter) SnapshotKind() liberator.SnapshotKind { return liberator.SnapshotRDS }
