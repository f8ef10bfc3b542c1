package export

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// event is one scripted row source callback.
type event struct {
	table *mysqldump.Table   // CreateTable when rows == nil and skip == nil
	row   []mysqldump.Value  // Row when set (into table)
	line  int                // line of the row
	skip  *mysqldump.Skipped // Skip when set
	drop  bool               // DropTable(table) when set
	err   error              // source error to return at this point
}

// script is a row source stand-in: it replays events into the handler,
// reusing one Value slice and one byte buffer as the dump scanner does.
type script []event

func (s script) scan(ctx context.Context, h mysqldump.Handler) error {
	var vals []mysqldump.Value
	var buf []byte
	for _, ev := range s {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case ev.err != nil:
			return ev.err
		case ev.skip != nil:
			h.Skip(*ev.skip)
		case ev.drop:
			if err := h.(mysqldump.TableDropper).DropTable(ev.table); err != nil {
				return err
			}
		case ev.row != nil:
			vals, buf = vals[:0], buf[:0]
			for _, v := range ev.row {
				start := len(buf)
				buf = append(buf, v.Bytes...)
				vals = append(vals, mysqldump.Value{Kind: v.Kind, Bytes: buf[start:len(buf):len(buf)]})
			}
			if err := h.Row(ev.table, vals, ev.line); err != nil {
				return err
			}
			// clobber what the handler was given, as a reusing scanner would
			for i := range buf {
				buf[i] = 0xEE
			}
		default:
			if err := h.CreateTable(ev.table); err != nil {
				return err
			}
		}
	}
	return nil
}

// scriptSource is a RowSource replaying a script. It reports reading
// "-- dump <key>\n" of SQL, and runs the script through wrap when set.
type scriptSource struct {
	s    script
	wrap func(ctx context.Context, scan func(context.Context) error) error
}

func (*scriptSource) ReadsSnapshots() []liberator.SnapshotKind {
	return []liberator.SnapshotKind{liberator.SnapshotDump}
}

func (src *scriptSource) Rows(ctx context.Context, req RowsRequest, h mysqldump.Handler) (SourceStats, error) {
	n := int64(len("-- dump " + req.Snapshot.Dump.Key + "\n"))
	if req.Progress != nil {
		req.Progress(n)
	}
	scan := func(ctx context.Context) error { return src.s.scan(ctx, h) }
	if src.wrap != nil {
		return SourceStats{SQLBytes: n}, src.wrap(ctx, scan)
	}
	return SourceStats{SQLBytes: n}, scan(ctx)
}

// rowsOf builds the events of a table and its rows (lines from 10).
func rowsOf(t *mysqldump.Table, rows ...[]mysqldump.Value) script {
	s := script{{table: t}}
	for i, r := range rows {
		s = append(s, event{table: t, row: r, line: 10 + i})
	}
	return s
}

func num(s string) mysqldump.Value   { return mysqldump.Value{Kind: mysqldump.Number, Bytes: []byte(s)} }
func str(s string) mysqldump.Value   { return mysqldump.Value{Kind: mysqldump.String, Bytes: []byte(s)} }
func hexv(b ...byte) mysqldump.Value { return mysqldump.Value{Kind: mysqldump.Hex, Bytes: b} }
func bitv(b ...byte) mysqldump.Value { return mysqldump.Value{Kind: mysqldump.Bit, Bytes: b} }

var (
	null    = mysqldump.Value{Kind: mysqldump.Null}
	missing = mysqldump.Value{Kind: mysqldump.Missing}
)

var testStart = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

// newTestExporter returns an Exporter on a mem bucket running s; mod may
// change its options and wrap the script.
func newTestExporter(t *testing.T, s script, mod func(*Options, *scriptSource)) (*Exporter, *blob.Bucket) {
	t.Helper()
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	n := 0
	src := &scriptSource{s: s}
	opts := Options{
		Clock:   liberator.NewVirtualClock(testStart),
		NewUUID: func() string { n++; return "00000000-0000-0000-0000-00000000000" + string(rune('0'+n)) },
	}
	if mod != nil {
		mod(&opts, src)
	}
	return New(bucket, src, opts), bucket
}

func exportReq(id string) liberator.ExportRequest {
	return liberator.ExportRequest{ID: id, Snapshot: liberator.SnapshotInfo{ID: "snap-1", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Key: "dump.sql"}}}
}

// readTablesReport reads the tables report of export id.
func readTablesReport(t *testing.T, bucket *blob.Bucket, id string) TablesReportFile {
	t.Helper()
	var info InfoFile
	exporttest.ReadJSON(t, bucket, id+"/"+InfoFileName(id), &info)
	var rep TablesReportFile
	exporttest.ReadJSON(t, bucket, id+"/"+info.TablesReport, &rep)
	return rep
}
