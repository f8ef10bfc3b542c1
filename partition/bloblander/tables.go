package bloblander

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

var _ liberator.TableReader = (*Lander)(nil)

// footerBuffer is read from the end of a Parquet file at once: one range
// read holds the footer of any part the exporters write.
const footerBuffer = 64 << 10

// ExportTables describes the tables of the export req names from the
// Parquet footers of its files (see the package doc): one range read per
// file, Options.Workers at a time. It implements liberator.TableReader.
//
// A table with a file that is not readable Parquet gets Rows -1, no
// columns and a warning naming the key; a storage error that stays
// retryable after Options.Retry fails the call (liberator.ErrTransient),
// so the pipeline tries again later.
func (l *Lander) ExportTables(ctx context.Context, req liberator.LandRequest) ([]liberator.TableExport, error) {
	const op = "read export tables"
	what := "export " + strconv.Quote(req.ExportID)
	if err := partition.CheckPrefix(op, "export prefix", exportPrefixOf(req)); err != nil {
		return nil, err
	}
	if !req.ImportDate.Valid() {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, what, "invalid import date %q", req.ImportDate.String())
	}
	_, tables, err := l.listExport(ctx, op, what, req)
	if err != nil {
		return nil, err
	}
	var jobs []*footerJob
	for _, t := range tables {
		for _, j := range t.jobs {
			jobs = append(jobs, &footerJob{table: t.ref, key: j.src, size: j.size})
		}
	}
	l.parallel(len(jobs), func(i int) {
		j := jobs[i]
		j.err = l.retryOp(ctx, "read footer", j.key, func() error { return l.readFooter(ctx, j) })
	})
	out := make([]liberator.TableExport, 0, len(tables))
	for _, t := range tables {
		te := liberator.TableExport{Table: t.ref.String()}
		unreadable := false
		for _, j := range jobs {
			if j.table != t.ref {
				continue
			}
			te.Bytes += j.size
			switch {
			case j.err != nil && blobio.Retryable(j.err):
				return nil, liberator.NewError(liberator.ErrTransient, op, what, fmt.Errorf("read footer of %q: %w", j.key, j.err))
			case j.err != nil:
				unreadable = true
				te.Warnings = append(te.Warnings, fmt.Sprintf("schema and rows unknown: %s is not readable Parquet: %v", j.key, j.err))
			case te.Columns == nil:
				te.Columns, te.Rows = j.columns, j.rows
			default:
				te.Rows += j.rows
				if !slices.Equal(te.Columns, j.columns) {
					te.Warnings = append(te.Warnings, fmt.Sprintf("%s has another schema than the table's first part", j.key))
				}
			}
		}
		if unreadable {
			te.Columns, te.Rows = nil, -1
		}
		out = append(out, te)
	}
	return out, nil
}

// footerJob is one export file whose footer ExportTables reads.
type footerJob struct {
	table   partition.TableRef
	key     string
	size    int64
	rows    int64
	columns []liberator.ColumnExport
	err     error
}

// readFooter reads j's Parquet footer: its row count and top-level
// columns.
func (l *Lander) readFooter(ctx context.Context, j *footerJob) error {
	r := blobio.NewReaderAt(ctx, l.src, j.key, j.size, "read footer")
	defer r.Close()
	f, err := parquet.OpenFile(r, j.size, parquet.SkipMagicBytes(true), parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true), parquet.OptimisticRead(true), parquet.ReadBufferSize(footerBuffer))
	if err != nil {
		if serr := r.Err(); serr != nil {
			return serr // a storage error: retried, or failed as its kind
		}
		return liberator.NewError(liberator.ErrInvalid, "read footer", strconv.Quote(j.key), err)
	}
	j.rows = f.NumRows()
	j.columns = nil
	for _, fl := range f.Schema().Fields() {
		j.columns = append(j.columns, liberator.ColumnExport{Name: fl.Name(), ParquetType: parquetType(fl), Nullable: fl.Optional()})
	}
	return nil
}

// parquetType names a column's Parquet type as the exporters' tables
// report does (export.ColumnPlan.ExportedType): physical type, with its
// length for FIXED_LEN_BYTE_ARRAY, and logical type ("BYTE_ARRAY STRING",
// "FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)"). A group is "GROUP".
func parquetType(n parquet.Node) string {
	if !n.Leaf() {
		return "GROUP"
	}
	t := n.Type()
	s := t.Kind().String()
	if t.Kind() == parquet.FixedLenByteArray {
		s += fmt.Sprintf("(%d)", t.Length())
	}
	if lt := t.LogicalType(); lt != nil && lt.String() != "" && !plainInt(t) {
		s += " " + lt.String()
	}
	return s
}

// plainInt reports whether t is annotated as a signed integer of its own
// physical width (INT32 INT(32,true)), which says nothing more than the
// physical type: footers carry it (as a converted type) for columns the
// exporters' schema leaves unannotated.
func plainInt(t parquet.Type) bool {
	it, ok := t.LogicalType().Value.(*format.IntType)
	if !ok || !it.IsSigned {
		return false
	}
	return t.Kind() == parquet.Int32 && it.BitWidth == 32 || t.Kind() == parquet.Int64 && it.BitWidth == 64
}

// describeTable completes tm, whose Objects are set, from the request: its
// Bytes, its Columns from req.Schema, and its Rows from req.Schema when
// RowCounts gave none.
func describeTable(tm *liberator.TableManifest, req liberator.LandRequest) {
	tm.Bytes = 0
	for _, o := range tm.Objects {
		tm.Bytes += o.Size
	}
	name := tm.Database + "." + tm.Table
	for _, t := range req.Schema {
		if t.Table != name {
			continue
		}
		tm.Columns = t.Columns
		if tm.Rows < 0 && t.Rows >= 0 {
			tm.Rows = t.Rows
		}
		return
	}
}
