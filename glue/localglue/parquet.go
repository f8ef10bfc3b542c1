package localglue

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// copyFile copies one landed Parquet file to the raw zone with the
// import_timestamp column added and returns the number of rows. It
// splices the file (splice.go) and falls back to rewriting it
// (reencodeFile) when the splice does not handle the file; reencoded then
// says why ("" when spliced).
func (l *Workflow) copyFile(ctx context.Context, srcKey, dstKey, ts string) (n int64, reencoded string, err error) {
	attrs, err := l.landing.Attributes(ctx, srcKey)
	if err != nil {
		return 0, "", blobio.Error("copy to raw", srcKey, err)
	}
	n, err = l.spliceFile(ctx, srcKey, dstKey, attrs.Size, ts)
	var ns *noSplice
	if !errors.As(err, &ns) {
		return n, "", err
	}
	l.log.Info("landed file re-encoded, not spliced", "key", srcKey, "why", ns.reason)
	n, err = l.reencodeFile(ctx, srcKey, dstKey, attrs.Size, ts)
	return n, ns.reason, err
}

// reencodeFile rewrites one landed Parquet file of size bytes, decoding
// and encoding every value, with the import_timestamp column added, and
// returns the number of rows. Its codec is Options.Compression, or else
// the landed file's (FastSnappy when the splice cannot write that one).
func (l *Workflow) reencodeFile(ctx context.Context, srcKey, dstKey string, size int64, ts string) (n int64, err error) {
	const op = "copy to raw"
	ra := blobio.NewReaderAt(ctx, l.landing, srcKey, size, op)
	defer ra.Close()
	f, err := parquet.OpenFile(ra, size, parquet.ReadBufferSize(256<<10), parquet.SkipBloomFilters(true))
	if err != nil {
		if ra.Err() != nil {
			return 0, blobio.Error(op, srcKey, ra.Err())
		}
		return 0, liberator.NewError(liberator.ErrTerminal, op, srcKey, err)
	}
	codec := l.codec
	if codec == nil {
		codec = export.FastSnappy{}
		if rgs := f.Metadata().RowGroups; len(rgs) > 0 && len(rgs[0].Columns) > 0 {
			if c, ok := spliceCodec(rgs[0].Columns[0].MetaData.Codec); ok {
				codec = c
			}
		}
	}
	schema, tsCol, err := withTimestamp(f.Schema(), codec)
	if err != nil {
		return 0, liberator.NewError(liberator.ErrInvalid, op, srcKey, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := l.raw.NewWriter(wctx, dstKey, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		return 0, blobio.Error(op, dstKey, err)
	}
	defer func() {
		if err != nil {
			cancel() // abort the upload: no partial object
			bw.Close()
		}
	}()
	// Statistics bounded as the landed files' (export.ParquetWriter): the
	// columns the landed file holds without statistics get none here.
	pw := export.NewParquetWriter(bw, schema, export.OversizedColumns(f), parquet.Compression(codec))
	tsVal := parquet.ByteArrayValue([]byte(ts)).Level(0, 1, tsCol)
	// Decoding (one goroutine) and encoding (this one) overlap: the
	// reader copies each batch of rows out of its page buffers and hands
	// it over; memory is a few batches plus the open row group.
	batches := make(chan rowBatch, 4)
	readErr := make(chan error, 1)
	rctx, rcancel := context.WithCancel(wctx)
	defer rcancel()
	go func() {
		defer close(batches)
		readErr <- readBatches(rctx, f, tsVal, batches)
	}()
	var werr error
	inGroup, inBytes := 0, 0
	for b := range batches {
		if werr != nil {
			continue // drain after a write error
		}
		if b.end || len(b.rows) > 0 {
			if len(b.rows) > 0 {
				if _, werr = pw.WriteRows(b.rows); werr != nil {
					rcancel()
					continue
				}
				n += int64(len(b.rows))
				inGroup += len(b.rows)
				inBytes += b.bytes
			}
			if inGroup > 0 && (b.end || inGroup >= l.groupRows || inBytes >= l.groupBytes) {
				if werr = pw.Flush(); werr != nil {
					rcancel()
					continue
				}
				inGroup, inBytes = 0, 0
			}
		}
	}
	rerr := <-readErr
	switch {
	case werr != nil:
		return n, liberator.NewError(liberator.ErrTerminal, op, dstKey, werr)
	case rerr == nil:
	case ctx.Err() != nil:
		return n, liberator.NewError(liberator.ErrTransient, op, dstKey, ctx.Err())
	case ra.Err() != nil:
		return n, blobio.Error(op, srcKey, ra.Err())
	default:
		return n, liberator.NewError(liberator.ErrTerminal, op, srcKey, rerr)
	}
	if err = pw.Close(); err != nil {
		return n, liberator.NewError(liberator.ErrTerminal, op, dstKey, err)
	}
	if err = bw.Close(); err != nil {
		return n, blobio.Error(op, dstKey, err)
	}
	return n, nil
}

// rowBatch is a batch of rows owned by the receiver (copied out of the
// reader's page buffers), with the import_timestamp value appended. end
// marks the end of a source row group.
type rowBatch struct {
	rows  []parquet.Row
	bytes int // uncompressed size estimate
	end   bool
}

// readBatches reads every row group of f and sends its rows in batches,
// then an end marker per row group.
func readBatches(ctx context.Context, f *parquet.File, tsVal parquet.Value, out chan<- rowBatch) error {
	buf := make([]parquet.Row, 256)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			k, err := rows.ReadRows(buf)
			if k > 0 {
				select {
				case out <- copyBatch(buf[:k], tsVal):
				case <-ctx.Done():
					rows.Close()
					return ctx.Err()
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		select {
		case out <- rowBatch{end: true}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// copyBatch copies rows, with tsVal appended to each, into memory of its
// own: one block for the values and one for the bytes.
func copyBatch(rows []parquet.Row, tsVal parquet.Value) rowBatch {
	nvals, nbytes := 0, 0
	for _, r := range rows {
		nvals += len(r) + 1
		for _, v := range r {
			if isBytes(v) {
				nbytes += len(v.ByteArray())
			}
		}
	}
	arena := make([]byte, 0, nbytes)
	vals := make([]parquet.Value, 0, nvals)
	b := rowBatch{rows: make([]parquet.Row, len(rows)), bytes: 8*nvals + nbytes}
	for i, r := range rows {
		start := len(vals)
		for _, v := range r {
			if isBytes(v) {
				at := len(arena)
				arena = append(arena, v.ByteArray()...)
				data := arena[at:len(arena):len(arena)]
				var nv parquet.Value
				if v.Kind() == parquet.FixedLenByteArray {
					nv = parquet.FixedLenByteArrayValue(data)
				} else {
					nv = parquet.ByteArrayValue(data)
				}
				v = nv.Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column())
			}
			vals = append(vals, v)
		}
		vals = append(vals, tsVal)
		b.rows[i] = vals[start:len(vals):len(vals)]
	}
	return b
}

// isBytes reports whether v holds bytes that live in a reader's buffers.
func isBytes(v parquet.Value) bool {
	k := v.Kind()
	return (k == parquet.ByteArray || k == parquet.FixedLenByteArray) && !v.IsNull()
}

// appendedGroup is a root group with the source fields then one more.
type appendedGroup struct {
	parquet.Node
	fields []parquet.Field
}

// Fields returns the source fields then the appended one.
func (g *appendedGroup) Fields() []parquet.Field { return g.fields }

// withTimestamp returns s with an optional string column import_timestamp
// appended, and that column's index. Every column is compressed with codec
// (the landed files' per-column codecs are not kept).
func withTimestamp(s *parquet.Schema, codec compress.Codec) (*parquet.Schema, int, error) {
	fields := s.Fields()
	group := parquet.Group{}
	for _, f := range fields {
		if f.Name() == ImportTimestampColumn {
			return nil, 0, fmt.Errorf("landed file already has a column %s", ImportTimestampColumn)
		}
		if !f.Leaf() {
			return nil, 0, fmt.Errorf("column %s is nested; landed tables are flat", f.Name())
		}
		group[f.Name()] = parquet.Compressed(f, codec)
	}
	group[ImportTimestampColumn] = parquet.Compressed(parquet.Optional(parquet.String()), codec)
	byName := map[string]parquet.Field{}
	for _, f := range group.Fields() {
		byName[f.Name()] = f
	}
	ordered := make([]parquet.Field, 0, len(fields)+1)
	for _, f := range fields {
		ordered = append(ordered, byName[f.Name()])
	}
	ordered = append(ordered, byName[ImportTimestampColumn])
	g := &appendedGroup{Node: s, fields: ordered}
	return parquet.NewSchema(s.Name(), g), len(fields), nil
}
