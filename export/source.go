package export

import (
	"context"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// A RowSource produces the tables, rows and skipped objects of one
// snapshot, in order, for an Exporter to convert. Package
// export/embeddedexport reads them from the dump itself (mysqldump.Scan),
// package export/mysqlexport from a snapshot database (SELECTs).
type RowSource interface {
	// ReadsSnapshots returns the kinds of snapshot the source reads; the
	// Exporter reports them (liberator.SnapshotReader) and refuses other
	// kinds at StartExport.
	ReadsSnapshots() []liberator.SnapshotKind
	// Rows calls h for each table, row and skipped object of
	// req.Snapshot, in order, as mysqldump.Scan does for a dump: each
	// table's CreateTable before its rows, every row's values in the
	// table's column order. The values and their bytes may be reused once
	// Row returns. An error from h ends Rows with that error.
	Rows(ctx context.Context, req RowsRequest, h mysqldump.Handler) (SourceStats, error)
}

// RowsRequest is what an Exporter asks of its RowSource.
type RowsRequest struct {
	// Snapshot is the snapshot to read (its Kind, if set, is one the
	// source reads).
	Snapshot liberator.SnapshotInfo
	// Tables, if not empty, are the tables the export is restricted to,
	// by name without the database ("PCN_IC"; matched case-insensitively).
	// A source may produce other tables too: the Exporter skips them.
	Tables []string
	// Progress, if set, is called with the number of SQL bytes read so
	// far by a source that reads a dump (for TableProgress.SQLBytes),
	// from the goroutine calling h.
	Progress func(sqlBytes int64)
}

// SourceStats is what a RowSource tells of a finished read, for the export
// info file.
type SourceStats struct {
	// SQLBytes is the SQL text read from a dump (0 for a database).
	SQLBytes int64
	// DumpHeader is the dump's "-- MySQL dump …" line; DumpCompleted tells
	// whether its "-- Dump completed" trailer was read (dumps only).
	DumpHeader    string
	DumpCompleted bool
}
