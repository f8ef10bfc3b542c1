package localglue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// The splice (see the package doc) lays a raw file out as
//
//	PAR1
//	row group 0: the landed column chunks, byte for byte; import_timestamp
//	row group 1: …
//	column indexes (the landed ones as they are; import_timestamp's)
//	offset indexes (the landed ones with page offsets moved; import_timestamp's)
//	footer: the landed FileMetaData with offsets moved and the column added
//
// spliceFile refuses a file it does not handle with a *noSplice, before
// writing anything; copyFile then re-encodes it.

// noSplice tells why a landed file is not spliced.
type noSplice struct{ reason string }

// Error returns the reason.
func (e *noSplice) Error() string { return "not spliced: " + e.reason }

func refuse(format string, args ...any) error { return &noSplice{fmt.Sprintf(format, args...)} }

// spliceFile writes dstKey as srcKey (size bytes) with the import_timestamp
// column added (see above) and returns the number of rows.
func (l *Workflow) spliceFile(ctx context.Context, srcKey, dstKey string, size int64, ts string) (n int64, err error) {
	const op = "copy to raw"
	sp, err := readSplice(ctx, l.landing, srcKey, size)
	if err != nil {
		return 0, err
	}
	if err := sp.check(l.codec); err != nil {
		return 0, err
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
	cw := &offsetWriter{w: bw}
	if err = sp.write(ctx, l.landing, srcKey, cw, ts); err != nil {
		var be *blobError
		switch {
		case errors.As(err, &be):
			return 0, blobio.Error(op, be.key, be.err)
		case cw.err != nil:
			return 0, blobio.Error(op, dstKey, cw.err)
		}
		return 0, liberator.NewError(liberator.ErrTerminal, op, dstKey, err)
	}
	if err = bw.Close(); err != nil {
		return 0, blobio.Error(op, dstKey, err)
	}
	return sp.md.NumRows, nil
}

// blobError is a storage error of key met while splicing.
type blobError struct {
	key string
	err error
}

func (e *blobError) Error() string { return e.key + ": " + e.err.Error() }
func (e *blobError) Unwrap() error { return e.err }

// splice is a landed file's footer and page index, read for the splice.
type splice struct {
	md   format.FileMetaData
	tail []byte // the file from tailAt to its end: page index and footer
	// tailAt is the offset of tail in the file.
	tailAt int64
	// dataEnd is where the column chunks end (the page index or footer
	// begins).
	dataEnd int64
	codec   compress.Codec // of import_timestamp's pages
}

// tailRead is how much of a file's end one read takes, so that the footer
// and page index of most files come in one range read.
const tailRead = 256 << 10

// readSplice reads the footer and page index of key (size bytes).
func readSplice(ctx context.Context, b *blob.Bucket, key string, size int64) (*splice, error) {
	if size < 12 {
		return nil, liberator.Errorf(liberator.ErrTerminal, "copy to raw", key, "%d bytes is not a Parquet file", size)
	}
	at := max(size-tailRead, 0)
	tail, err := readRange(ctx, b, key, at, size-at)
	if err != nil {
		return nil, err
	}
	switch string(tail[len(tail)-4:]) {
	case "PAR1":
	case "PARE":
		return nil, refuse("encrypted footer")
	default:
		return nil, liberator.Errorf(liberator.ErrTerminal, "copy to raw", key, "no PAR1 at the end: not a Parquet file")
	}
	flen := int64(binary.LittleEndian.Uint32(tail[len(tail)-8:]))
	fstart := size - 8 - flen
	if fstart < 4 {
		return nil, liberator.Errorf(liberator.ErrTerminal, "copy to raw", key, "footer of %d bytes does not fit the file", flen)
	}
	if fstart < at {
		more, err := readRange(ctx, b, key, fstart, at-fstart)
		if err != nil {
			return nil, err
		}
		tail, at = append(more, tail...), fstart
	}
	sp := &splice{tail: tail, tailAt: at, dataEnd: fstart}
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), tail[fstart-at:size-8-at], &sp.md); err != nil {
		return nil, liberator.NewError(liberator.ErrTerminal, "copy to raw", key, fmt.Errorf("reading the footer: %w", err))
	}
	// The page index sits between the column chunks and the footer.
	for _, rg := range sp.md.RowGroups {
		for _, c := range rg.Columns {
			for _, off := range []int64{c.ColumnIndexOffset, c.OffsetIndexOffset} {
				if off > 0 && off < sp.dataEnd {
					sp.dataEnd = off
				}
			}
		}
	}
	if sp.dataEnd < 4 {
		return nil, refuse("page index at %d", sp.dataEnd)
	}
	if sp.dataEnd < at {
		more, err := readRange(ctx, b, key, sp.dataEnd, at-sp.dataEnd)
		if err != nil {
			return nil, err
		}
		sp.tail, sp.tailAt = append(more, sp.tail...), sp.dataEnd
	}
	return sp, nil
}

// readRange reads length bytes of key at off.
func readRange(ctx context.Context, b *blob.Bucket, key string, off, length int64) ([]byte, error) {
	r, err := b.NewRangeReader(ctx, key, off, length, nil)
	if err != nil {
		return nil, blobio.Error("copy to raw", key, err)
	}
	defer r.Close()
	buf := make([]byte, length)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, blobio.Error("copy to raw", key, err)
	}
	return buf, nil
}

// chunkRange returns the byte range of a column chunk: from its dictionary
// page (or first data page) for TotalCompressedSize bytes.
func chunkRange(md *format.ColumnMetaData) (int64, int64) {
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	return start, start + md.TotalCompressedSize
}

// check refuses a file the splice does not handle (see above) and picks
// the codec of import_timestamp's pages. want, when set, is the codec the
// raw files must have.
func (sp *splice) check(want compress.Codec) error {
	md := &sp.md
	if md.EncryptionAlgorithm.Value != nil || len(md.FooterSigningKeyMetadata) > 0 {
		return refuse("encrypted file")
	}
	if len(md.Schema) == 0 {
		return refuse("no schema")
	}
	leaves := len(md.Schema) - 1
	if nc, _ := md.Schema[0].NumChildren.Get(); int(nc) != leaves {
		return refuse("nested schema")
	}
	for _, e := range md.Schema[1:] {
		if nc, ok := e.NumChildren.Get(); ok && nc > 0 {
			return refuse("nested column %s", e.Name)
		}
		if r, _ := e.RepetitionType.Get(); r == format.Repeated {
			return refuse("repeated column %s", e.Name)
		}
		if e.Name == ImportTimestampColumn {
			return liberator.Errorf(liberator.ErrInvalid, "copy to raw", "", "landed file already has a column %s", ImportTimestampColumn)
		}
	}
	var codec format.CompressionCodec
	first := true
	prevEnd := int64(4)
	for i := range md.RowGroups {
		rg := &md.RowGroups[i]
		if len(rg.Columns) != leaves {
			return refuse("row group %d has %d column chunks for %d columns", i, len(rg.Columns), leaves)
		}
		for j := range rg.Columns {
			c := &rg.Columns[j]
			m := &c.MetaData
			switch {
			case c.FilePath != "":
				return refuse("column chunk in another file (%s)", c.FilePath)
			case c.CryptoMetadata.Value != nil || len(c.EncryptedColumnMetadata) > 0:
				return refuse("encrypted column chunk")
			case m.BloomFilterOffset > 0:
				return refuse("bloom filter on column %s", m.PathInSchema)
			}
			start, end := chunkRange(m)
			if start < prevEnd || end > sp.dataEnd || m.TotalCompressedSize < 0 {
				return refuse("column chunks out of order or overlapping the page index (row group %d column %d at [%d, %d))", i, j, start, end)
			}
			prevEnd = end
			if first {
				codec, first = m.Codec, false
			}
			if want != nil && m.Codec != want.CompressionCodec() {
				return refuse("landed codec %v, the raw zone's is %v", m.Codec, want.CompressionCodec())
			}
		}
	}
	if want != nil {
		sp.codec = want
		return nil
	}
	if first { // no row group: any codec will do
		codec = format.Snappy
	}
	c, ok := spliceCodec(codec)
	if !ok {
		return refuse("codec %v", codec)
	}
	sp.codec = c
	return nil
}

// spliceCodec returns a codec that writes the pages of import_timestamp in
// c, if the splice handles c.
func spliceCodec(c format.CompressionCodec) (compress.Codec, bool) {
	switch c {
	case format.Uncompressed:
		return &parquet.Uncompressed, true
	case format.Snappy:
		return export.FastSnappy{}, true
	case format.Gzip:
		return &gzip.Codec{Level: gzip.BestSpeed}, true
	case format.Zstd:
		return &zstd.Codec{Level: zstd.SpeedFastest}, true
	}
	return nil, false
}

// offsetWriter counts the bytes written through it and keeps the first
// write error (the raw bucket's).
type offsetWriter struct {
	w   io.Writer
	off int64
	err error
}

// Write passes p on.
func (o *offsetWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.off += int64(n)
	if err != nil && o.err == nil {
		o.err = err
	}
	return n, err
}

// write writes the spliced file to w: the landed column chunks copied from
// key, import_timestamp's chunks, the page index and the footer.
func (sp *splice) write(ctx context.Context, b *blob.Bucket, key string, w *offsetWriter, ts string) error {
	md := &sp.md
	if _, err := io.WriteString(w, "PAR1"); err != nil {
		return err
	}
	tsChunk, err := newTimestampChunk(ts, sp.codec)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	type index struct{ column, offset []byte }
	indexes := make([][]index, len(md.RowGroups))
	for i := range md.RowGroups {
		rg := &md.RowGroups[i]
		indexes[i] = make([]index, len(rg.Columns)+1)
		var rgStart, rgEnd int64
		if len(rg.Columns) > 0 {
			rgStart, _ = chunkRange(&rg.Columns[0].MetaData)
			_, rgEnd = chunkRange(&rg.Columns[len(rg.Columns)-1].MetaData)
		}
		delta := w.off - rgStart
		if rgEnd > rgStart {
			r, err := b.NewRangeReader(ctx, key, rgStart, rgEnd-rgStart, nil)
			if err != nil {
				return &blobError{key, err}
			}
			k, err := io.CopyBuffer(w, onlyReader{r}, buf)
			r.Close()
			switch {
			case err != nil && w.err == nil: // the landed file's read failed
				err = &blobError{key, err}
			case err == nil && k != rgEnd-rgStart:
				err = &blobError{key, io.ErrUnexpectedEOF}
			}
			if err != nil {
				return err
			}
		}
		for j := range rg.Columns {
			c := &rg.Columns[j]
			ci, oi, err := sp.movedIndex(c, delta)
			if err != nil {
				return fmt.Errorf("row group %d column %v: %w", i, c.MetaData.PathInSchema, err)
			}
			indexes[i][j] = index{ci, oi}
			moveChunk(c, delta)
		}
		if rg.FileOffset > 0 {
			rg.FileOffset += delta
		}
		cc, ci, oi, err := tsChunk.write(w, rg.NumRows)
		if err != nil {
			return err
		}
		indexes[i][len(rg.Columns)] = index{ci, oi}
		rg.Columns = append(rg.Columns, cc)
		rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
		if rg.TotalCompressedSize > 0 {
			rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		}
	}
	// The page index: every column index, then every offset index, as
	// parquet-go and parquet-mr lay them out.
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			c := &md.RowGroups[i].Columns[j]
			c.ColumnIndexOffset, c.ColumnIndexLength = 0, 0
			if ci := indexes[i][j].column; ci != nil {
				c.ColumnIndexOffset, c.ColumnIndexLength = w.off, int32(len(ci))
				if _, err := w.Write(ci); err != nil {
					return err
				}
			}
		}
	}
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			c := &md.RowGroups[i].Columns[j]
			c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0
			if oi := indexes[i][j].offset; oi != nil {
				c.OffsetIndexOffset, c.OffsetIndexLength = w.off, int32(len(oi))
				if _, err := w.Write(oi); err != nil {
					return err
				}
			}
		}
	}
	addTimestampSchema(md)
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	if err != nil {
		return fmt.Errorf("writing the footer: %w", err)
	}
	footer = binary.LittleEndian.AppendUint32(footer, uint32(len(footer)))
	footer = append(footer, "PAR1"...)
	_, err = w.Write(footer)
	return err
}

// onlyReader hides a reader's WriterTo so io.CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

// moveChunk moves a column chunk's offsets by delta.
func moveChunk(c *format.ColumnChunk, delta int64) {
	m := &c.MetaData
	m.DataPageOffset += delta
	if m.DictionaryPageOffset > 0 {
		m.DictionaryPageOffset += delta
	}
	if m.IndexPageOffset > 0 {
		m.IndexPageOffset += delta
	}
	if c.FileOffset > 0 {
		c.FileOffset += delta
	}
}

// movedIndex returns c's column index as it is and its offset index with
// the page offsets moved by delta (nil where c has none).
func (sp *splice) movedIndex(c *format.ColumnChunk, delta int64) (ci, oi []byte, err error) {
	if ci, err = sp.tailBytes(c.ColumnIndexOffset, c.ColumnIndexLength); err != nil || c.OffsetIndexOffset <= 0 {
		return ci, nil, err
	}
	raw, err := sp.tailBytes(c.OffsetIndexOffset, c.OffsetIndexLength)
	if err != nil {
		return nil, nil, err
	}
	var idx format.OffsetIndex
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), raw, &idx); err != nil {
		return nil, nil, fmt.Errorf("reading the offset index: %w", err)
	}
	start, end := chunkRange(&c.MetaData)
	for k := range idx.PageLocations {
		p := &idx.PageLocations[k]
		if p.Offset < start || p.Offset+int64(p.CompressedPageSize) > end {
			return nil, nil, fmt.Errorf("offset index page at %d outside its column chunk [%d, %d)", p.Offset, start, end)
		}
		p.Offset += delta
	}
	oi, err = thrift.Marshal(new(thrift.CompactProtocol), &idx)
	return ci, oi, err
}

// tailBytes returns the length bytes at file offset off, which lie in the
// page index; nil when off is unset.
func (sp *splice) tailBytes(off int64, length int32) ([]byte, error) {
	if off <= 0 {
		return nil, nil
	}
	s, e := off-sp.tailAt, off-sp.tailAt+int64(length)
	if off < sp.dataEnd || s < 0 || length <= 0 || e > int64(len(sp.tail)) {
		return nil, fmt.Errorf("page index entry [%d, +%d) outside the page index", off, length)
	}
	return sp.tail[s:e], nil
}

// addTimestampSchema adds import_timestamp, an OPTIONAL STRING, to md's
// schema after the landed columns.
func addTimestampSchema(md *format.FileMetaData) {
	node := parquet.Optional(parquet.String())
	el := format.SchemaElement{Name: ImportTimestampColumn}
	el.Type.Set(format.ByteArray)
	el.RepetitionType.Set(format.Optional)
	if ct := node.Type().ConvertedType(); ct != nil {
		el.ConvertedType.Set(*ct)
	}
	if lt := node.Type().LogicalType(); lt != nil {
		el.LogicalType = *lt
	}
	md.Schema = append(md.Schema, el)
	md.Schema[0].NumChildren.Set(int32(len(md.Schema) - 1))
	if len(md.ColumnOrders) > 0 {
		md.ColumnOrders = append(md.ColumnOrders, format.ColumnOrder{Value: &format.TypeDefinedOrder{}})
	}
	// Arrow's schema, if a writer stored one, no longer matches the columns;
	// readers fall back to the Parquet schema without it.
	md.KeyValueMetadata = slices.DeleteFunc(md.KeyValueMetadata, func(kv format.KeyValue) bool { return kv.Key == "ARROW:schema" })
}

// timestampChunk writes the import_timestamp column chunk of row groups.
type timestampChunk struct {
	ts     []byte
	codec  compress.Codec
	dict   []byte // the dictionary page, header and body
	dictUn int64  // its uncompressed size, header included
	// column index of one page: min = max = ts, no nulls
	columnIndex []byte
	page, comp  []byte // scratch
}

func newTimestampChunk(ts string, codec compress.Codec) (*timestampChunk, error) {
	t := &timestampChunk{ts: []byte(ts), codec: codec}
	body := binary.LittleEndian.AppendUint32(nil, uint32(len(ts)))
	body = append(body, ts...)
	h := format.PageHeader{Type: format.DictionaryPage}
	h.DictionaryPageHeader.Set(format.DictionaryPageHeader{NumValues: 1, Encoding: format.Plain})
	var err error
	if t.dict, t.dictUn, err = t.encodePage(nil, &h, body); err != nil {
		return nil, err
	}
	ci := format.ColumnIndex{
		NullPages: []bool{false}, MinValues: [][]byte{t.ts}, MaxValues: [][]byte{t.ts},
		BoundaryOrder: format.Ascending, NullCounts: []int64{0},
	}
	if t.columnIndex, err = thrift.Marshal(new(thrift.CompactProtocol), &ci); err != nil {
		return nil, err
	}
	return t, nil
}

// encodePage appends header h and body (compressed) to dst; it returns
// the uncompressed size of the page with its header.
func (t *timestampChunk) encodePage(dst []byte, h *format.PageHeader, body []byte) ([]byte, int64, error) {
	comp, err := t.codec.Encode(t.comp[:0], body)
	if err != nil {
		return nil, 0, err
	}
	t.comp = comp
	h.UncompressedPageSize, h.CompressedPageSize = int32(len(body)), int32(len(comp))
	hb, err := thrift.Marshal(new(thrift.CompactProtocol), h)
	if err != nil {
		return nil, 0, err
	}
	dst = append(dst, hb...)
	dst = append(dst, comp...)
	return dst, int64(len(hb) + len(body)), nil
}

// write writes the chunk of a row group of rows rows at w's offset and
// returns its ColumnChunk, column index and offset index.
func (t *timestampChunk) write(w *offsetWriter, rows int64) (format.ColumnChunk, []byte, []byte, error) {
	dictAt := w.off
	dataAt := dictAt + int64(len(t.dict))
	// Definition levels (bit width 1): one RLE run of rows 1s, after the
	// 4-byte length of the levels.
	levels := binary.AppendUvarint(nil, uint64(rows)<<1)
	levels = append(levels, 1)
	body := binary.LittleEndian.AppendUint32(t.page[:0], uint32(len(levels)))
	body = append(body, levels...)
	// Dictionary indexes: bit width 1, one RLE run of rows 0s.
	body = append(body, 1)
	body = binary.AppendUvarint(body, uint64(rows)<<1)
	body = append(body, 0)
	t.page = body
	h := format.PageHeader{Type: format.DataPage}
	h.DataPageHeader.Set(format.DataPageHeader{
		NumValues: int32(rows), Encoding: format.RLEDictionary,
		DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE,
	})
	data, dataUn, err := t.encodePage(nil, &h, body)
	if err != nil {
		return format.ColumnChunk{}, nil, nil, err
	}
	if _, err := w.Write(t.dict); err != nil {
		return format.ColumnChunk{}, nil, nil, err
	}
	if _, err := w.Write(data); err != nil {
		return format.ColumnChunk{}, nil, nil, err
	}
	cc := format.ColumnChunk{FileOffset: dictAt, MetaData: format.ColumnMetaData{
		Type:                  format.ByteArray,
		Encoding:              []format.Encoding{format.Plain, format.RLE, format.RLEDictionary},
		PathInSchema:          []string{ImportTimestampColumn},
		Codec:                 t.codec.CompressionCodec(),
		NumValues:             rows,
		TotalUncompressedSize: t.dictUn + dataUn,
		TotalCompressedSize:   int64(len(t.dict) + len(data)),
		DataPageOffset:        dataAt,
		DictionaryPageOffset:  dictAt,
		Statistics:            format.Statistics{NullCount: 0, DistinctCount: 1, MinValue: t.ts, MaxValue: t.ts},
		EncodingStats: []format.PageEncodingStats{
			{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1},
			{PageType: format.DataPage, Encoding: format.RLEDictionary, Count: 1},
		},
	}}
	oi, err := thrift.Marshal(new(thrift.CompactProtocol), &format.OffsetIndex{
		PageLocations: []format.PageLocation{{Offset: dataAt, CompressedPageSize: int32(len(data)), FirstRowIndex: 0}},
	})
	if err != nil {
		return format.ColumnChunk{}, nil, nil, err
	}
	return cc, t.columnIndex, oi, nil
}

// Run properties of the copy's method.
const (
	// PropSpliced is the number of landed files the run copied by splicing.
	PropSpliced = "raw_files_spliced"
	// PropReencoded is the number of landed files the run re-encoded,
	// because the splice does not handle them; PropReencodedWhy names the
	// first of them and why.
	PropReencoded    = "raw_files_reencoded"
	PropReencodedWhy = "raw_reencoded_why"
)

// noteCopy records how the raw file key was copied: why is why it was
// re-encoded, "" if it was spliced.
func (t *RawTable) noteCopy(key, why string) {
	if why == "" {
		t.Spliced++
		return
	}
	if t.Reencoded == nil {
		t.Reencoded = map[string]string{}
	}
	t.Reencoded[key] = why
}

// noteCopies records in a run's properties how its files were copied.
func noteCopies(props map[string]string, tables []RawTable) {
	spliced, reencoded, first := 0, 0, ""
	for _, t := range tables {
		spliced += t.Spliced
		reencoded += len(t.Reencoded)
		for _, k := range t.Keys {
			if why, ok := t.Reencoded[k]; ok && first == "" {
				first = k + ": " + why
			}
		}
	}
	props[PropSpliced] = strconv.Itoa(spliced)
	props[PropReencoded] = strconv.Itoa(reencoded)
	if first != "" {
		props[PropReencodedWhy] = first
	}
}
