package export

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/google/uuid"
	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Codec is a Parquet compression codec by the name it has in part file
// names (part-00000-<uuid>-c000.<codec>.parquet).
type Codec string

// Codecs.
const (
	// CodecGzip: .gz.parquet, what RDS exports write; the default, at
	// gzip level 1 (BestSpeed) unless WriterOptions.Level says otherwise.
	CodecGzip Codec = "gz"
	// CodecSnappy: .snappy.parquet, the fastest to encode (with s2's
	// snappy-compatible encoder, see FastSnappy), with larger files than
	// gz.
	CodecSnappy Codec = "snappy"
	// CodecZstd: .zstd.parquet.
	CodecZstd Codec = "zstd"
	// CodecNone: uncompressed, .parquet.
	CodecNone Codec = "none"
)

// DefaultCodec is the codec used when WriterOptions.Codec is empty: gzip
// at level 1, as RDS exports use; a little more CPU than snappy for
// smaller files (the README gives the measured trade-off of each codec).
const DefaultCodec = CodecGzip

// codec returns the parquet codec for c at level (0: the default level).
func (c Codec) codec(level int) (compress.Codec, error) {
	switch c {
	case CodecSnappy:
		return FastSnappy{}, nil
	case CodecGzip, "gzip", "":
		if level == 0 {
			level = gzip.BestSpeed
		}
		if level < gzip.BestSpeed || level > gzip.BestCompression {
			return nil, liberator.Errorf(liberator.ErrInvalid, "export", "codec "+string(c), "gzip level %d not in 1-9", level)
		}
		return &gzip.Codec{Level: level}, nil
	case CodecZstd:
		if level == 0 {
			level = int(zstd.SpeedFastest)
		}
		if level < int(zstd.SpeedFastest) || level > int(zstd.SpeedBestCompression) {
			return nil, liberator.Errorf(liberator.ErrInvalid, "export", "codec "+string(c), "zstd level %d not in 1-4", level)
		}
		return &zstd.Codec{Level: zstd.Level(level)}, nil
	case CodecNone, "uncompressed":
		return &parquet.Uncompressed, nil
	}
	return nil, liberator.Errorf(liberator.ErrInvalid, "export", "codec "+string(c), "unknown codec (want gz, snappy, zstd or none)")
}

// FastSnappy is the SNAPPY Parquet codec with s2's fast snappy-compatible
// block encoder: any Snappy reader decodes it. parquet.Snappy uses s2's
// slower "better" mode, for slightly smaller files. It is the codec of
// CodecSnappy, and the default of the raw-zone rewrite
// (localglue.Options.Compression).
type FastSnappy struct{}

// String returns "SNAPPY".
func (FastSnappy) String() string { return "SNAPPY" }

// CompressionCodec returns format.Snappy.
func (FastSnappy) CompressionCodec() format.CompressionCodec { return format.Snappy }

// Encode compresses src into a snappy block, in dst if it is large enough
// (s2.EncodeSnappy allocates otherwise).
func (FastSnappy) Encode(dst, src []byte) ([]byte, error) {
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}

// Decode decompresses a snappy block, in dst if it is large enough.
func (FastSnappy) Decode(dst, src []byte) ([]byte, error) { return s2.Decode(dst[:cap(dst)], src) }

// suffix returns the file name suffix for parts written with c.
func (c Codec) suffix() string {
	switch c {
	case CodecSnappy:
		return ".snappy.parquet"
	case CodecGzip, "gzip", "":
		return ".gz.parquet"
	case CodecZstd:
		return ".zstd.parquet"
	}
	return ".parquet"
}

// Defaults of WriterOptions.
const (
	DefaultPartSize      = 256 << 20
	DefaultRowGroupRows  = 1 << 20
	DefaultRowGroupBytes = 16 << 20
)

// WriterOptions tune a TableWriter. Zero values take the defaults.
type WriterOptions struct {
	// Codec compresses pages (default DefaultCodec, gz).
	Codec Codec
	// Level is the compression level: gzip 1-9 (default 1, BestSpeed),
	// zstd 1-4 (default 1, SpeedFastest); ignored by snappy and none.
	Level int
	// PartSize is the target size in bytes of a part file: a new part is
	// started once a part reaches it (checked after each row group).
	// Default DefaultPartSize.
	PartSize int64
	// RowGroupRows and RowGroupBytes bound a row group (and so the memory
	// a writer buffers): a row group is flushed when either is reached.
	// Defaults DefaultRowGroupRows and DefaultRowGroupBytes (of encoded,
	// not yet compressed data).
	RowGroupRows  int64
	RowGroupBytes int64
	// UUID is the <uuid> of part names; default a random UUID per writer.
	UUID string
}

func (o WriterOptions) withDefaults() WriterOptions {
	if o.Codec == "" {
		o.Codec = DefaultCodec
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	if o.RowGroupBytes <= 0 {
		o.RowGroupBytes = DefaultRowGroupBytes
	}
	if o.UUID == "" {
		o.UUID = uuid.NewString()
	}
	return o
}

// PartInfo describes one written part file.
type PartInfo struct {
	// Key is the object key in the bucket.
	Key string `json:"key"`
	// Rows and Bytes (file size) of the part.
	Rows  int64 `json:"rows"`
	Bytes int64 `json:"bytes"`
}

// PartName returns the name of part n: part-<nnnnn>-<uuid>-c000<suffix>.
func PartName(n int, id string, codec Codec) string {
	return fmt.Sprintf("part-%05d-%s-c000%s", n, id, codec.suffix())
}

// TableWriter streams the rows of one table to part files
// <prefix>part-00000-<uuid>-c000.<codec>.parquet, part-00001-…, in a
// bucket. Each part is written through a blob.Writer, which makes it
// visible only when it is complete; Abort cancels the open part and
// deletes the finished ones. The ctx given to NewTableWriter governs every
// write of the TableWriter (as blob.Bucket.NewWriter's ctx does): cancelling
// it aborts the open part. A TableWriter is not safe for concurrent use.
type TableWriter struct {
	ctx    context.Context
	bucket *blob.Bucket
	prefix string
	schema *parquet.Schema
	opts   WriterOptions
	codec  compress.Codec

	parts []PartInfo
	cur   *part
	// rows over the finished parts.
	rows int64
	// oversized are the leaf columns that held a value longer than
	// MaxStatisticsValue: parts opened since get no statistics for them.
	oversized []int
	// byteCols are the BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY leaf columns
	// (WriteColumns looks for long values in these only).
	byteCols []int
}

type part struct {
	key    string
	cancel context.CancelFunc
	bw     *blob.Writer
	cw     *countingWriter
	pw     *ParquetWriter
	rows   int64
	// rgBase is pw.Size() right after the last row group flush.
	rgBase int64
	// rgRows counts the rows WriteColumns put in the open row group.
	rgRows int64
}

type countingWriter struct {
	w io.Writer
	n int64
}

// Write counts the bytes it passes on.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewTableWriter returns a writer of the table whose Parquet schema is
// schema, writing parts under prefix (normally
// "<export-id>/<db>/<db>.<table>/1/"). Nothing is written until rows are.
func NewTableWriter(ctx context.Context, bucket *blob.Bucket, prefix string, schema *parquet.Schema, opts WriterOptions) (*TableWriter, error) {
	opts = opts.withDefaults()
	codec, err := opts.Codec.codec(opts.Level)
	if err != nil {
		return nil, err
	}
	w := &TableWriter{ctx: ctx, bucket: bucket, prefix: prefix, schema: schema, opts: opts, codec: codec}
	for i, path := range schema.Columns() {
		if leaf, ok := schema.Lookup(path...); ok {
			if k := leaf.Node.Type().Kind(); k == parquet.ByteArray || k == parquet.FixedLenByteArray {
				w.byteCols = append(w.byteCols, i)
			}
		}
	}
	return w, nil
}

func (w *TableWriter) open() error {
	key := w.prefix + PartName(len(w.parts), w.opts.UUID, w.opts.Codec)
	ctx, cancel := context.WithCancel(w.ctx)
	bw, err := w.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		cancel()
		return blobio.Error("export write", key, err)
	}
	cw := &countingWriter{w: bw}
	pw := NewParquetWriter(cw, w.schema, w.oversized,
		parquet.Compression(w.codec),
		parquet.MaxRowsPerRowGroup(w.opts.RowGroupRows),
		parquet.CreatedBy("liberator-ingestion", "", ""),
	)
	w.cur = &part{key: key, cancel: cancel, bw: bw, cw: cw, pw: pw}
	return nil
}

// WriteRows writes rows (whose values carry their levels and column
// indexes, as Decode returns them). The rows are not retained.
//
// Statistics are bounded as ParquetWriter describes: a column gets none in
// a part once one of its values is longer than MaxStatisticsValue. The
// columns are chosen when a part opens, from the rows of this call; a
// column first found oversized later ends the open part before that row,
// so that the writer never copies the value into statistics (a table gets
// at most one extra part per binary column).
func (w *TableWriter) WriteRows(rows []parquet.Row) error {
	for len(rows) > 0 {
		if w.cur == nil {
			w.markOversized(rows)
		}
		i := w.firstOversized(rows)
		if i > 0 {
			if err := w.writeRows(rows[:i]); err != nil {
				return err
			}
			rows = rows[i:]
		}
		if len(rows) == 0 {
			return nil
		}
		if err := w.FinishPart(); err != nil {
			return err
		}
	}
	return nil
}

// WriteColumns is WriteRows for rows given column by column: cols[i] holds
// leaf column i's value of each row (with its definition level, as Decode
// returns it), every column as long as the others. Each column goes to its
// parquet column writer whole, without assembling rows; statistics are
// bounded as WriteRows bounds them. The values are not retained.
func (w *TableWriter) WriteColumns(cols [][]parquet.Value) error {
	if len(cols) != len(w.schema.Columns()) {
		return liberator.Errorf(liberator.ErrInvalid, "export write", w.prefix, "%d columns for a schema of %d", len(cols), len(w.schema.Columns()))
	}
	n := len(cols[0])
	for from := 0; from < n; {
		if w.cur == nil {
			w.markOversizedColumns(cols, from, n)
		}
		i := w.firstOversizedColumn(cols, from, n)
		if i > from {
			if err := w.writeColumns(cols, from, i); err != nil {
				return err
			}
			from = i
		}
		if from == n {
			return nil
		}
		if err := w.FinishPart(); err != nil {
			return err
		}
	}
	return nil
}

// firstOversizedColumn returns the first row in [from, to) of cols holding
// a value longer than MaxStatisticsValue in a byte column not yet
// oversized (to if none).
func (w *TableWriter) firstOversizedColumn(cols [][]parquet.Value, from, to int) int {
	for _, c := range w.byteCols {
		if slices.Contains(w.oversized, c) {
			continue
		}
		for i, v := range cols[c][from:to] {
			if isLongBytes(v) {
				to = from + i
				break
			}
		}
	}
	return to
}

// markOversizedColumns adds the byte columns holding a value longer than
// MaxStatisticsValue in rows [from, to) of cols to the oversized ones.
func (w *TableWriter) markOversizedColumns(cols [][]parquet.Value, from, to int) {
	for _, c := range w.byteCols {
		if !slices.Contains(w.oversized, c) && slices.ContainsFunc(cols[c][from:to], isLongBytes) {
			w.oversized = append(w.oversized, c)
		}
	}
}

// columnChunkRows bounds the rows handed to a column writer at a time, so
// that its pages end close to their target size.
const columnChunkRows = 512

// writeColumns writes rows [from, to) of cols into the open part (opening
// one if needed), ending row groups at RowGroupRows rows or RowGroupBytes.
func (w *TableWriter) writeColumns(cols [][]parquet.Value, from, to int) error {
	for from < to {
		if w.cur == nil {
			if err := w.open(); err != nil {
				return err
			}
		}
		p := w.cur
		k := min(to-from, columnChunkRows, int(w.opts.RowGroupRows-p.rgRows))
		if err := p.pw.WriteColumns(cols, from, from+k); err != nil {
			return liberator.NewError(liberator.ErrInvalid, "export write", p.key, err)
		}
		from += k
		p.rows += int64(k)
		p.rgRows += int64(k)
		size := p.pw.Size()
		if p.rgRows >= w.opts.RowGroupRows || size-p.rgBase >= w.opts.RowGroupBytes {
			if err := p.pw.Flush(); err != nil {
				return blobio.Error("export write", p.key, err)
			}
			size = p.pw.Size()
			p.rgBase, p.rgRows = size, 0
		}
		if size >= w.opts.PartSize {
			if err := w.FinishPart(); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstOversized returns the index of the first row holding a value longer
// than MaxStatisticsValue in a column not yet oversized (len(rows) if none).
func (w *TableWriter) firstOversized(rows []parquet.Row) int {
	for i, r := range rows {
		for _, v := range r {
			if isLongBytes(v) && !slices.Contains(w.oversized, v.Column()) {
				return i
			}
		}
	}
	return len(rows)
}

// markOversized adds the columns of every value of rows longer than
// MaxStatisticsValue to the oversized ones.
func (w *TableWriter) markOversized(rows []parquet.Row) {
	for _, r := range rows {
		for _, v := range r {
			if isLongBytes(v) && !slices.Contains(w.oversized, v.Column()) {
				w.oversized = append(w.oversized, v.Column())
			}
		}
	}
}

// isLongBytes reports whether v is a byte array longer than
// MaxStatisticsValue.
func isLongBytes(v parquet.Value) bool {
	k := v.Kind()
	return (k == parquet.ByteArray || k == parquet.FixedLenByteArray) && !v.IsNull() && len(v.ByteArray()) > MaxStatisticsValue
}

// writeRows writes rows into the open part (opening one if needed).
func (w *TableWriter) writeRows(rows []parquet.Row) error {
	if w.cur == nil {
		if err := w.open(); err != nil {
			return err
		}
	}
	p := w.cur
	if _, err := p.pw.WriteRows(rows); err != nil {
		return liberator.NewError(liberator.ErrInvalid, "export write", p.key, err)
	}
	p.rows += int64(len(rows))
	size := p.pw.Size()
	if size-p.rgBase >= w.opts.RowGroupBytes {
		if err := p.pw.Flush(); err != nil {
			return blobio.Error("export write", p.key, err)
		}
		size = p.pw.Size()
		p.rgBase, p.rgRows = size, 0
	}
	if size >= w.opts.PartSize {
		return w.FinishPart()
	}
	return nil
}

// FinishPart completes the open part, if any, so it becomes visible; the
// next WriteRows starts a new part. Use it to bound how many parts are open
// at a time when rows of several tables interleave.
func (w *TableWriter) FinishPart() error {
	p := w.cur
	if p == nil {
		return nil
	}
	w.cur = nil
	if err := p.pw.Close(); err != nil {
		p.cancel()
		_ = p.bw.Close()
		return blobio.Error("export write", p.key, err)
	}
	err := p.bw.Close()
	p.cancel()
	if err != nil {
		return blobio.Error("export write", p.key, err)
	}
	w.parts = append(w.parts, PartInfo{Key: p.key, Rows: p.rows, Bytes: p.cw.n})
	w.rows += p.rows
	return nil
}

// Close finishes the open part and returns every part written. A table
// without rows gets one part with no rows, so its schema is exported.
func (w *TableWriter) Close() ([]PartInfo, error) {
	if w.cur == nil && len(w.parts) == 0 {
		if err := w.open(); err != nil {
			return nil, err
		}
	}
	if err := w.FinishPart(); err != nil {
		return nil, err
	}
	return w.parts, nil
}

// Parts returns the parts finished so far.
func (w *TableWriter) Parts() []PartInfo { return w.parts }

// Rows returns the rows written so far (finished parts and the open one).
func (w *TableWriter) Rows() int64 {
	if w.cur != nil {
		return w.rows + w.cur.rows
	}
	return w.rows
}

// Bytes returns the bytes written so far (finished parts and the open
// one's bytes already handed to the bucket).
func (w *TableWriter) Bytes() int64 {
	var n int64
	for _, p := range w.parts {
		n += p.Bytes
	}
	if w.cur != nil {
		n += w.cur.cw.n
	}
	return n
}

// Abort cancels the open part (nothing of it becomes visible) and deletes
// the parts already finished. It uses ctx for the deletes.
func (w *TableWriter) Abort(ctx context.Context) error {
	if p := w.cur; p != nil {
		w.cur = nil
		p.cancel()
		_ = p.bw.Close() // returns the cancellation; the object is not created
	}
	var first error
	for _, p := range w.parts {
		if err := w.bucket.Delete(ctx, p.Key); err != nil && first == nil {
			first = blobio.Error("export abort", p.Key, err)
		}
	}
	w.parts = nil
	return first
}
