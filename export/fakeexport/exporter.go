package fakeexport

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/fault"
)

// Operation names passed to the Faults injector.
const (
	OpStartExport    = "StartExport"
	OpDescribeExport = "DescribeExport"
)

// DefaultMaxExports is RDS's limit of concurrent export tasks per account.
const DefaultMaxExports = 5

// Options configures an Exporter.
type Options struct {
	// Bucket is the export bucket the files are written to (required;
	// memblob in tests).
	Bucket *blob.Bucket
	// Prefix is prepended to "<export-id>/" (the export's S3 prefix), e.g.
	// "exports/"; default "".
	Prefix string
	// Database is the exported database (default "liberator").
	Database string
	// Tables maps a table name ("PCN_IC") to the contents of its part files,
	// one []byte per file. Any bytes do: nothing here parses them.
	Tables map[string][][]byte
	// Rows gives the row count reported per table name; tables not in it
	// report none.
	Rows map[string]int64
	// OldLayout writes the older layout without the "<batch>/" folder.
	OldLayout bool
	// StartingPolls and InProgressPolls are how many DescribeExport calls
	// report STARTING, then IN_PROGRESS, before the final state.
	StartingPolls, InProgressPolls int
	// FailStatus, if ExportFailed or ExportCanceled, is the final state
	// instead of COMPLETE (a CANCELED export reports CANCELING once first);
	// FailureCause says why.
	FailStatus   liberator.ExportStatus
	FailureCause string
	// MaxConcurrent is how many tasks may be STARTING or IN_PROGRESS at
	// once; another StartExport fails with ErrThrottled. Default
	// DefaultMaxExports.
	MaxConcurrent int
}

// Exporter is an in-memory liberator.Exporter whose tasks walk STARTING →
// IN_PROGRESS → COMPLETE (or FAILED/CANCELED) one DescribeExport call at a
// time and, on COMPLETE, write the configured tables to the bucket in the
// RDS export layout:
//
//	<prefix><id>/<db>/<db>.<table>/1/part-00000-<uuid>-c000.gz.parquet
//	<prefix><id>/export_info_<id>.json
//
// The UUIDs are derived from the export id, table and file index (PartUUID).
type Exporter struct {
	// Faults injects errors; ops are OpStartExport and OpDescribeExport,
	// keyed by export id.
	Faults *fault.Injector

	opts  Options
	mu    sync.Mutex
	tasks map[string]*exportTask
	reqs  []liberator.ExportRequest
}

type exportTask struct {
	req   liberator.ExportRequest
	info  liberator.ExportInfo
	polls int
}

// New returns an Exporter with no tasks.
func New(opts Options) *Exporter {
	if opts.Database == "" {
		opts.Database = "liberator"
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxExports
	}
	return &Exporter{Faults: &fault.Injector{}, opts: opts, tasks: map[string]*exportTask{}}
}

// PartUUID returns the UUID in the name of part file i of table in export
// id: a name-based (SHA-1) UUID of "id/table/i", so tests can predict keys.
func PartUUID(exportID, table string, i int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/%s/%d", exportID, table, i)).String()
}

// PartKey returns the key of part file i of table in export exportID.
func (e *Exporter) PartKey(exportID, table string, i int) string {
	db := e.opts.Database
	dir := e.opts.Prefix + exportID + "/" + db + "/" + db + "." + table + "/"
	if !e.opts.OldLayout {
		dir += "1/"
	}
	return fmt.Sprintf("%spart-%05d-%s-c000.gz.parquet", dir, i, PartUUID(exportID, table, i))
}

// InfoKey returns the key of export exportID's export_info file.
func (e *Exporter) InfoKey(exportID string) string {
	return e.opts.Prefix + exportID + "/export_info_" + exportID + ".json"
}

// Requests returns the StartExport requests received, in order
// (duplicates included).
func (e *Exporter) Requests() []liberator.ExportRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]liberator.ExportRequest(nil), e.reqs...)
}

// Tasks returns the ids of all export tasks ever started, sorted.
func (e *Exporter) Tasks() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.tasks))
}

// StartExport starts task req.ID, or returns the existing one.
func (e *Exporter) StartExport(ctx context.Context, req liberator.ExportRequest) (liberator.ExportInfo, error) {
	if err := ctx.Err(); err != nil {
		return liberator.ExportInfo{}, err
	}
	if err := e.Faults.Check(OpStartExport, req.ID); err != nil {
		return liberator.ExportInfo{}, err
	}
	switch {
	case req.ID == "" || len(req.ID) > liberator.MaxExportIDLen:
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, "start export", req.ID, "export id must have 1 to %d characters", liberator.MaxExportIDLen)
	case req.Snapshot.Status != "" && req.Snapshot.Status != liberator.SnapshotAvailable:
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrInvalid, "start export", req.ID, "snapshot %s is %s, not available", req.Snapshot.ID, req.Snapshot.Status)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, req)
	if t, ok := e.tasks[req.ID]; ok {
		return t.info, nil
	}
	active := 0
	for _, t := range e.tasks {
		if !t.info.Status.Terminal() {
			active++
		}
	}
	if active >= e.opts.MaxConcurrent {
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrThrottled, "start export", req.ID, "%d export tasks already running (limit %d)", active, e.opts.MaxConcurrent)
	}
	t := &exportTask{req: req, info: liberator.ExportInfo{
		ID: req.ID, SnapshotID: req.Snapshot.ID, Status: liberator.ExportStarting, Prefix: e.opts.Prefix + req.ID + "/",
	}}
	e.tasks[req.ID] = t
	return t.info, nil
}

// DescribeExport returns the task's state, moving it one poll on; the poll
// that completes it writes its files.
func (e *Exporter) DescribeExport(ctx context.Context, id string) (liberator.ExportInfo, error) {
	if err := ctx.Err(); err != nil {
		return liberator.ExportInfo{}, err
	}
	if err := e.Faults.Check(OpDescribeExport, id); err != nil {
		return liberator.ExportInfo{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.tasks[id]
	if !ok {
		return liberator.ExportInfo{}, liberator.Errorf(liberator.ErrNotFound, "describe export", id, "no such export task")
	}
	if t.info.Status.Terminal() {
		return t.info, nil
	}
	t.polls++
	switch {
	case t.polls <= e.opts.StartingPolls:
		t.info.Status = liberator.ExportStarting
	case t.polls <= e.opts.StartingPolls+e.opts.InProgressPolls:
		t.info.Status = liberator.ExportInProgress
		t.info.PercentProgress = 50
	case e.opts.FailStatus == liberator.ExportCanceled && t.info.Status != liberator.ExportCanceling:
		t.info.Status = liberator.ExportCanceling
	case e.opts.FailStatus == liberator.ExportCanceled || e.opts.FailStatus == liberator.ExportFailed:
		t.info.Status = e.opts.FailStatus
		t.info.FailureCause = e.opts.FailureCause
	default:
		if err := e.write(ctx, t); err != nil {
			t.polls--
			return liberator.ExportInfo{}, liberator.NewError(liberator.ErrTransient, "describe export", id, err)
		}
		t.info.Status = liberator.ExportComplete
		t.info.PercentProgress = 100
	}
	return t.info, nil
}

// write stores the export's files and fills in its statistics.
func (e *Exporter) write(ctx context.Context, t *exportTask) error {
	if e.opts.Bucket == nil {
		return liberator.Errorf(liberator.ErrInvalid, "export", t.info.ID, "Options.Bucket is nil")
	}
	db := e.opts.Database
	type tableInfo struct {
		Name   string `json:"tableName"`
		Status string `json:"status"`
		Files  int    `json:"files"`
		Rows   *int64 `json:"rows,omitempty"`
	}
	var tables []tableInfo
	var size int64
	rows := map[string]int64{}
	for _, name := range slices.Sorted(maps.Keys(e.opts.Tables)) {
		if !wanted(t.req.Tables, db, name) {
			continue
		}
		for i, data := range e.opts.Tables[name] {
			if err := e.opts.Bucket.WriteAll(ctx, e.PartKey(t.info.ID, name, i), data, nil); err != nil {
				return err
			}
			size += int64(len(data))
		}
		ti := tableInfo{Name: db + "." + name, Status: "COMPLETE", Files: len(e.opts.Tables[name])}
		if n, ok := e.opts.Rows[name]; ok {
			rows[db+"."+name] = n
			ti.Rows = &n
		}
		tables = append(tables, ti)
	}
	info, err := json.MarshalIndent(struct {
		ID         string      `json:"exportTaskIdentifier"`
		SnapshotID string      `json:"sourceSnapshot"`
		Status     string      `json:"status"`
		Tables     []tableInfo `json:"tables"`
	}{t.info.ID, t.info.SnapshotID, "COMPLETE", tables}, "", "  ")
	if err != nil {
		return err
	}
	if err := e.opts.Bucket.WriteAll(ctx, e.InfoKey(t.info.ID), info, nil); err != nil {
		return err
	}
	t.info.ExtractedGB = float64(size) / 1e9
	if len(rows) > 0 {
		t.info.RowCounts = rows
	}
	return nil
}

// wanted reports whether table is selected by filter ("T" or "db.T"; empty
// selects all).
func wanted(filter []string, db, table string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if f == table || f == db+"."+table || strings.EqualFold(f, db+"."+table) {
			return true
		}
	}
	return false
}

var _ liberator.Exporter = (*Exporter)(nil)
