package liberator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DumpRef names an uploaded dump object.
type DumpRef struct {
	// Bucket is the bucket URL as gocloud.dev/blob opens it
	// ("s3://dev-liberator-data-storage?region=eu-west-2", "file:///data",
	// "mem://"). Empty means Key is a local file path.
	Bucket string `json:"bucket,omitempty"`
	// Key is the object key ("parking/liberator_dump_20261124.zip") or path.
	Key string `json:"key"`
	// Size in bytes if known, else 0.
	Size int64 `json:"size,omitempty"`
}

// ---- Snapshotter ----

// SnapshotStatus is the state of a snapshot, in RDS's words.
type SnapshotStatus string

// Snapshot states.
const (
	SnapshotCreating  SnapshotStatus = "creating"
	SnapshotAvailable SnapshotStatus = "available"
	SnapshotFailed    SnapshotStatus = "failed"
	SnapshotDeleting  SnapshotStatus = "deleting"
)

// SnapshotRequest asks for the dump to be restored and snapshotted.
type SnapshotRequest struct {
	// ID is the snapshot id, e.g. "sql-to-parquet-26-11-24-031500" or
	// "sql-to-parquet-2026-11-24-backdated" (see SnapshotID).
	ID string `json:"id"`
	// Dump is the dump to restore.
	Dump DumpRef `json:"dump"`
	// ImportDate is the run's import date.
	ImportDate Date `json:"import_date"`
	// RunID names the run (Message.RunID); Backdated says its date was
	// given explicitly. A Snapshotter that can label what it makes records
	// them with ImportDate and the dump's key (SnapshotInfo.Run).
	RunID     string `json:"run_id,omitempty"`
	Backdated bool   `json:"backdated,omitempty"`
}

// RunLabel is the run a snapshot was made for, as its Snapshotter recorded
// it (rdssnap: tags on the RDS snapshot). It is how a run's import date,
// decided once when the run started (the dump's name, or an explicit
// backdated date), reaches whoever finds the snapshot later: a handler of
// an RDS event about the snapshot or its export resumes the same run, in
// the same partition, never a date re-derived from the snapshot's id.
type RunLabel struct {
	RunID      string `json:"run_id,omitempty"`
	ImportDate Date   `json:"import_date"`
	DumpKey    string `json:"dump_key,omitempty"`
	Backdated  bool   `json:"backdated,omitempty"`
}

// Label returns the run label req asks a Snapshotter to record.
func (req SnapshotRequest) Label() RunLabel {
	return RunLabel{RunID: req.RunID, ImportDate: req.ImportDate, DumpKey: req.Dump.Key, Backdated: req.Backdated}
}

// SnapshotKind says what a snapshot is: which field of SnapshotInfo locates
// it, and so which Exporters can read it.
type SnapshotKind string

// Snapshot kinds.
const (
	// SnapshotDump is the dump itself, restored nowhere (package
	// snapshot/embeddedsnap); SnapshotInfo.Dump names it.
	SnapshotDump SnapshotKind = "dump"
	// SnapshotDatabase is a database on a MySQL or MariaDB server (package
	// snapshot/mysqlsnap); SnapshotInfo.Database names it.
	SnapshotDatabase SnapshotKind = "database"
	// SnapshotRDS is an RDS manual DB snapshot (package snapshot/rdssnap);
	// SnapshotInfo.ARN names it.
	SnapshotRDS SnapshotKind = "rds"
)

// SnapshotInfo describes a snapshot.
type SnapshotInfo struct {
	ID      string         `json:"id"`
	Status  SnapshotStatus `json:"status"`
	Created time.Time      `json:"created"`
	// Kind says which of ARN, Database and Dump locates the snapshot.
	Kind SnapshotKind `json:"kind,omitempty"`
	// ARN is an RDS snapshot's ARN (SnapshotRDS).
	ARN string `json:"arn,omitempty"`
	// Database is the database holding a MySQL snapshot (SnapshotDatabase).
	Database string `json:"database,omitempty"`
	// Dump is the dump a SnapshotDump snapshot reads.
	Dump DumpRef `json:"dump,omitzero"`
	// Reason says why a snapshot failed.
	Reason string `json:"reason,omitempty"`
	// Run is the run the snapshot was made for, when its Snapshotter
	// records it (rdssnap and fakesnap do); nil for a snapshot made by
	// something else, or before labels (see RunLabel).
	Run *RunLabel `json:"run,omitempty"`
}

// SortSnapshots sorts s as ListSnapshots returns snapshots: newest first,
// ties by id, descending.
func SortSnapshots(s []SnapshotInfo) {
	slices.SortStableFunc(s, func(a, b SnapshotInfo) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// Snapshotter restores a dump into a database and snapshots it.
//
// CreateSnapshot is idempotent on the request's ID: if a snapshot with that
// id exists it returns its current SnapshotInfo and starts nothing. It may
// block for the whole restore (MySQL, embedded) or return a snapshot in
// state "creating" (RDS). A dump that fails to restore returns an error and
// leaves every earlier snapshot untouched.
type Snapshotter interface {
	CreateSnapshot(ctx context.Context, req SnapshotRequest) (SnapshotInfo, error)
	// DescribeSnapshot returns the snapshot's state; ErrNotFound if none.
	DescribeSnapshot(ctx context.Context, id string) (SnapshotInfo, error)
	// ListSnapshots returns all snapshots, newest first (all pages).
	ListSnapshots(ctx context.Context) ([]SnapshotInfo, error)
	// DeleteSnapshot deletes one snapshot; ErrNotFound if none.
	DeleteSnapshot(ctx context.Context, id string) error
}

// ---- Exporter ----

// ExportStatus is the state of an export task, in RDS's words.
type ExportStatus string

// Export states.
const (
	ExportStarting   ExportStatus = "STARTING"
	ExportInProgress ExportStatus = "IN_PROGRESS"
	ExportComplete   ExportStatus = "COMPLETE"
	ExportFailed     ExportStatus = "FAILED"
	ExportCanceling  ExportStatus = "CANCELING"
	ExportCanceled   ExportStatus = "CANCELED"
)

// Terminal reports whether s is a final state.
func (s ExportStatus) Terminal() bool {
	return s == ExportComplete || s == ExportFailed || s == ExportCanceled
}

// ExportRequest asks for a snapshot to be exported to Parquet.
type ExportRequest struct {
	// ID is the export id (see ExportID); at most 60 characters.
	ID string `json:"id"`
	// Snapshot is the snapshot to export, as DescribeSnapshot returned it.
	Snapshot SnapshotInfo `json:"snapshot"`
	// Tables, if not empty, restricts the export ("PCN_IC").
	Tables []string `json:"tables,omitempty"`
}

// ExportInfo describes an export task.
type ExportInfo struct {
	ID         string       `json:"id"`
	SnapshotID string       `json:"snapshot_id"`
	Status     ExportStatus `json:"status"`
	// Prefix is the key prefix in the export bucket holding the export's
	// files, ending in "/" (normally "<id>/").
	Prefix string `json:"prefix"`
	// PercentProgress and ExtractedGB as RDS reports them.
	PercentProgress int     `json:"percent_progress"`
	ExtractedGB     float64 `json:"extracted_gb"`
	// FailureCause says why an export FAILED or was CANCELED.
	FailureCause string `json:"failure_cause,omitempty"`
	// RowCounts per "database.table" when known.
	RowCounts map[string]int64 `json:"row_counts,omitempty"`
	// Tables reports each exported table, in export order, when the
	// exporter knows more than row counts (the embedded and MySQL
	// exporters do, from their tables report; RDS does not, and the
	// Pipeline asks a Lander that is a TableReader instead).
	Tables []TableExport `json:"tables,omitempty"`
	// Skipped lists what the source held that is not a table (views,
	// triggers, routines), as "kind name (line n)".
	Skipped []string `json:"skipped,omitempty"`
	// SQLBytes is how much SQL text the export read (0 when it read a
	// database rather than a dump).
	SQLBytes int64 `json:"sql_bytes,omitempty"`
}

// TableExport is one exported table as its exporter reports it.
type TableExport struct {
	// Table is "database.table".
	Table string `json:"table"`
	// Rows and Bytes (of Parquet) written. Rows is -1 when not known (a
	// table a TableReader could not read).
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
	// Columns is the type mapping applied, in column order.
	Columns []ColumnExport `json:"columns,omitempty"`
	// ZeroDatesNulled counts, per column, zero dates written as NULL.
	ZeroDatesNulled map[string]int64 `json:"zero_dates_nulled,omitempty"`
	// Warnings about the table's data (values made NULL, columns made
	// optional).
	Warnings []string `json:"warnings,omitempty"`
}

// ColumnExport is one column's type mapping.
type ColumnExport struct {
	Name string `json:"name"`
	// MySQLType is the column's type as declared ("int unsigned").
	MySQLType string `json:"mysql_type"`
	// ParquetType is the physical and logical Parquet type
	// ("INT64", "BYTE_ARRAY STRING").
	ParquetType string `json:"parquet_type"`
	// Nullable is false for a column written REQUIRED.
	Nullable bool `json:"nullable"`
}

// Exporter exports a snapshot to Parquet in the RDS export layout
// (<prefix><db>/<db>.<table>/<batch>/part-….parquet) in its bucket.
//
// StartExport is idempotent on the request's ID: an export that already
// exists is not started again; its ExportInfo is returned. A quota limit
// returns an error wrapping ErrThrottled.
type Exporter interface {
	StartExport(ctx context.Context, req ExportRequest) (ExportInfo, error)
	// DescribeExport returns the export's state; ErrNotFound if none.
	DescribeExport(ctx context.Context, id string) (ExportInfo, error)
}

// SnapshotMaker is implemented by a Snapshotter that makes one kind of
// snapshot. Every Snapshotter of this module implements it.
type SnapshotMaker interface {
	SnapshotKind() SnapshotKind
}

// SnapshotReader is implemented by an Exporter that reads only some kinds
// of snapshot. Every Exporter of this module but the fake implements it.
type SnapshotReader interface {
	ReadsSnapshots() []SnapshotKind
}

// CheckPairing returns an error wrapping ErrInvalid, naming both, if exp
// cannot read the snapshots snap makes. A Snapshotter or Exporter that does
// not say (implements neither SnapshotMaker nor SnapshotReader) pairs with
// anything. New calls it, so a pipeline that cannot work is refused when it
// is built rather than deep inside a run.
func CheckPairing(snap Snapshotter, exp Exporter) error {
	m, ok1 := snap.(SnapshotMaker)
	r, ok2 := exp.(SnapshotReader)
	if !ok1 || !ok2 {
		return nil
	}
	return checkKind(m.SnapshotKind(), r.ReadsSnapshots(), fmt.Sprintf("%T makes %s snapshots", snap, m.SnapshotKind()), fmt.Sprintf("%T", exp))
}

// CheckSnapshot returns an error wrapping ErrInvalid if exp cannot read
// info (an Exporter calls it at the start of StartExport). A snapshot of no
// stated Kind is let through.
func CheckSnapshot(exp SnapshotReader, info SnapshotInfo) error {
	if info.Kind == "" {
		return nil
	}
	return checkKind(info.Kind, exp.ReadsSnapshots(), fmt.Sprintf("snapshot %s is of kind %s", info.ID, info.Kind), fmt.Sprintf("%T", exp))
}

func checkKind(k SnapshotKind, reads []SnapshotKind, what, exp string) error {
	for _, r := range reads {
		if r == k {
			return nil
		}
	}
	return Errorf(ErrInvalid, "pair snapshotter and exporter", "", "%s, but %s reads only %v", what, exp, reads)
}

// ---- Lander ----

// Lander copies a finished export into the landing zone's partitions and
// publishes them. Land is idempotent, and a table that could not be copied
// is not published; the package doc of partition/bloblander, the Lander on
// blob buckets, describes the algorithm.
type Lander interface {
	Land(ctx context.Context, req LandRequest) (Manifest, error)
}

// History is implemented by a Lander that can find what it published
// before; the Pipeline then compares every run with the last published
// import (Compare) and can gate it (Config.Gate). bloblander.Lander
// implements it.
type History interface {
	// LastPublished returns the last published import of database before
	// the date before: the newest import date earlier than before on
	// which a table of database has a published partition, with one
	// TableManifest per table published on that date. found is false when
	// there is none.
	LastPublished(ctx context.Context, database string, before Date) (m Manifest, found bool, err error)
}

// TableReader is implemented by a Lander that can describe an export's
// tables (columns, rows, bytes) from the export's own files. The Pipeline
// calls it for exports whose Exporter reports no tables (RDS:
// ExportInfo.Tables is empty). bloblander.Lander reads the Parquet
// footers; see its package doc for what that leaves unknown.
type TableReader interface {
	ExportTables(ctx context.Context, req LandRequest) ([]TableExport, error)
}

// ---- Workflow ----

// WorkflowRequest asks for the downstream workflow to run for one import.
type WorkflowRequest struct {
	// RunKey identifies the import ("20261124/<export-id>"); Start is
	// idempotent on it.
	RunKey string `json:"run_key"`
	// ImportDate is passed as the run property import_date (YYYYMMDD... see
	// the implementation) when the run is backdated or always, by config.
	ImportDate Date `json:"import_date"`
	// Properties are extra run properties.
	Properties map[string]string `json:"properties,omitempty"`
	// Backdated says the run's import date was given explicitly (an old
	// date imported again): a Workflow may start a workflow of its own for
	// it (awsglue.Options.BackdatedWorkflow).
	Backdated bool `json:"backdated,omitempty"`
	// Manifest is what was landed.
	Manifest Manifest `json:"manifest"`
}

// WorkflowRun describes a started workflow run.
type WorkflowRun struct {
	ID         string            `json:"id"`
	RunKey     string            `json:"run_key"`
	Status     string            `json:"status"`
	Properties map[string]string `json:"properties,omitempty"`
	Started    time.Time         `json:"started"`
	// Outputs maps each landed table ("database.table") to where the
	// workflow wrote it (a raw-zone key prefix), when the workflow says
	// (the local workflow does; Glue's jobs are not known to the caller).
	Outputs map[string]string `json:"outputs,omitempty"`
}

// Workflow starts the downstream (Glue) workflow. Start is idempotent on
// RunKey: a second Start with the same key returns the first run.
type Workflow interface {
	Start(ctx context.Context, req WorkflowRequest) (WorkflowRun, error)
	// GetRun returns a run by id; ErrNotFound if none.
	GetRun(ctx context.Context, id string) (WorkflowRun, error)
}

// ---- Scheduler ----

// Delivery is a received message. Ack removes it; a message not acked is
// delivered again (at-least-once).
type Delivery struct {
	Message Message
	Ack     func(ctx context.Context) error
}

// Scheduler delivers messages after a delay. Implementations: the in-memory
// one (NewMemScheduler, on a Clock) and one on gocloud.dev/pubsub
// (package pubsubscheduler; SQS in production, whose 900 s delay cap is handled
// by chaining).
type Scheduler interface {
	// Schedule delivers m no earlier than delay from now.
	Schedule(ctx context.Context, m Message, delay time.Duration) error
	// Receive blocks until a message is due, or ctx is done.
	Receive(ctx context.Context) (Delivery, error)
}
