package embeddedexport

import (
	"context"
	"fmt"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// Options configure an Exporter.
type Options struct {
	// Export configures the conversion and the export's lifecycle (layout
	// database, prefix, codec, clock, progress, concurrency, …).
	Export export.Options
	// Read bounds the dump (size and decompression caps), names the
	// buckets already open and reports the SQL read (Read.Progress); it is
	// passed to mysqldump.Open. Its Logger defaults to Export.Logger, its
	// ReadAhead to DefaultReadAhead (negative: none), so that the dump is
	// inflated on a core of its own.
	Read mysqldump.ReadOptions
	// Scan tunes mysqldump.Scan (buffer and statement sizes). Its Tables
	// and Logger are set from the request and Export.Logger.
	Scan mysqldump.ScanOptions
}

// DefaultReadAhead is Options.Read.ReadAhead's default: the dump is
// inflated up to 4 chunks of 1 MiB ahead of the scanner, on another
// goroutine.
const DefaultReadAhead = 4

// Exporter is the embedded liberator.Exporter: an export.Exporter whose
// rows come from the dump itself.
type Exporter struct {
	*export.Exporter
}

var (
	_ liberator.Exporter       = (*Exporter)(nil)
	_ liberator.SnapshotReader = (*Exporter)(nil)
)

// New returns an Exporter writing into bucket. It reads SnapshotDump
// snapshots: SnapshotInfo.Dump names the dump (a local path, or a key in a
// bucket, see mysqldump.Open).
func New(bucket *blob.Bucket, opts Options) *Exporter {
	if opts.Read.Logger == nil {
		opts.Read.Logger = opts.Export.Logger
	}
	if opts.Read.ReadAhead == 0 {
		opts.Read.ReadAhead = DefaultReadAhead
	}
	src := &dumpSource{read: opts.Read, scan: opts.Scan}
	src.scan.Logger = opts.Export.Logger
	return &Exporter{export.New(bucket, src, opts.Export)}
}

// dumpSource is the export.RowSource of a dump.
type dumpSource struct {
	read mysqldump.ReadOptions
	scan mysqldump.ScanOptions
}

// ReadsSnapshots returns liberator.SnapshotDump.
func (*dumpSource) ReadsSnapshots() []liberator.SnapshotKind {
	return []liberator.SnapshotKind{liberator.SnapshotDump}
}

// Rows opens the dump once and scans it.
func (s *dumpSource) Rows(ctx context.Context, req export.RowsRequest, h mysqldump.Handler) (export.SourceStats, error) {
	ro := s.read
	if user, progress := ro.Progress, req.Progress; progress != nil {
		ro.Progress = func(n int64) {
			if user != nil {
				user(n)
			}
			progress(n)
		}
	}
	d, err := mysqldump.Open(ctx, req.Snapshot.Dump, ro)
	if err != nil {
		return export.SourceStats{}, fmt.Errorf("open dump %s: %w", dumpName(req.Snapshot.Dump), err)
	}
	defer d.Close()
	so := s.scan
	so.Tables = req.Tables
	st, err := mysqldump.Scan(ctx, d, h, so)
	return export.SourceStats{SQLBytes: d.BytesRead(), DumpHeader: st.Header, DumpCompleted: st.Completed}, err
}

// dumpName names a dump in messages: "<bucket URL> <key>", or its path.
func dumpName(ref liberator.DumpRef) string {
	if ref.Bucket != "" {
		return ref.Bucket + " " + ref.Key
	}
	return ref.Key
}
