package export

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Statistics bounds, as the reference writers set them (see ParquetWriter).
const (
	// MaxStatisticsValue is the longest BYTE_ARRAY value a column may hold
	// and keep min/max statistics: twice it is parquet-mr's 4096-byte cap
	// on a column chunk's min+max (PARQUET-372).
	MaxStatisticsValue = 2048
	// ColumnIndexTruncate is the length binary min/max values are truncated
	// to in column indexes (parquet-mr's parquet.columnindex.truncate.length).
	ColumnIndexTruncate = 64
	// maxChunkStatistics is parquet-mr's MAX_STATS_SIZE: a column chunk
	// whose min and max together are longer keeps only its null count.
	maxChunkStatistics = 4096
)

// ParquetWriter writes one Parquet file whose statistics and page index stay
// bounded whatever its values, as parquet-mr bounds them, so that a footer
// stays small (a 50 MB value in a footer's min/max costs every reader 100 MB
// before the first row):
//
//   - the column index truncates binary min/max to ColumnIndexTruncate
//     bytes (the lower bound cut, the upper bound cut and incremented);
//   - the oversized columns given to NewParquetWriter (values longer than
//     MaxStatisticsValue) get no statistics at all: no min/max in the
//     footer or in page headers, and no column index (parquet-go would
//     write one with empty bounds, which readers would prune by wrongly),
//     so the writer never copies their values into statistics;
//   - any column chunk whose min and max together exceed 4096 bytes keeps
//     only its null count in the footer (parquet-mr's MAX_STATS_SIZE).
//
// Every other column keeps exact chunk statistics and a column index, so
// readers still prune row groups and pages by them. The first two bounds
// are parquet-go options (ColumnIndexSizeLimit, SkipPageBounds,
// SkipPageStatistics); the others are applied when Close rewrites the file's
// tail (page index and footer): the chunk statistics are dropped from the
// footer and the oversized columns' column indexes left out, the rest of
// the page index moved up so it stays contiguous.
type ParquetWriter struct {
	pw        *parquet.Writer
	out       *tailWriter
	oversized []int
}

// NewParquetWriter returns a writer of one Parquet file to w with schema.
// oversized lists the leaf columns (indexes into schema.Columns()) that get
// no statistics; opts are passed on to parquet.NewWriter.
func NewParquetWriter(w io.Writer, schema *parquet.Schema, oversized []int, opts ...parquet.WriterOption) *ParquetWriter {
	paths := schema.Columns()
	all := []parquet.WriterOption{schema, parquet.ColumnIndexSizeLimit(func([]string) int { return ColumnIndexTruncate })}
	for _, c := range oversized {
		all = append(all, parquet.SkipPageBounds(paths[c]...), parquet.SkipPageStatistics(paths[c]...))
	}
	out := &tailWriter{w: w}
	return &ParquetWriter{pw: parquet.NewWriter(out, append(all, opts...)...), out: out, oversized: slices.Clone(oversized)}
}

// WriteRows writes rows (see parquet.Writer.WriteRows).
func (p *ParquetWriter) WriteRows(rows []parquet.Row) (int, error) { return p.pw.WriteRows(rows) }

// WriteColumns writes rows [from, to) given column by column: cols[i][r]
// is leaf column i's value of row r, with its definition level set. Each
// column's values go to its column writer (parquet.ColumnWriter) as one
// slice; the caller bounds the row group (MaxRowsPerRowGroup applies to
// WriteRows only).
func (p *ParquetWriter) WriteColumns(cols [][]parquet.Value, from, to int) error {
	for i, cw := range p.pw.ColumnWriters() {
		if _, err := cw.WriteRowValues(cols[i][from:to]); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

// Flush ends the current row group (see parquet.Writer.Flush).
func (p *ParquetWriter) Flush() error { return p.pw.Flush() }

// Size returns the bytes written so far plus those buffered.
func (p *ParquetWriter) Size() int64 { return p.pw.Size() }

// Close writes the last row group, then the page index and footer with
// the statistics bounded.
func (p *ParquetWriter) Close() error {
	// The last row group goes out first, so that what Close writes is only
	// the tail: the page index, the footer (and at most the write buffer
	// of the row group before it).
	if err := p.pw.Flush(); err != nil {
		return err
	}
	base := p.out.n
	p.out.tail = new(bytes.Buffer)
	err := p.pw.Close()
	tail := p.out.tail.Bytes()
	p.out.tail = nil
	if err != nil {
		return err
	}
	tail, err = boundTail(tail, base, p.oversized)
	if err != nil {
		return err
	}
	_, err = p.out.Write(tail)
	return err
}

// tailWriter passes writes on to w, or keeps them in tail while it is set.
type tailWriter struct {
	w    io.Writer
	n    int64 // bytes passed on to w
	tail *bytes.Buffer
}

// Write passes p on, or keeps it.
func (t *tailWriter) Write(p []byte) (int, error) {
	if t.tail != nil {
		return t.tail.Write(p)
	}
	n, err := t.w.Write(p)
	t.n += int64(n)
	return n, err
}

// boundTail rewrites the end of a Parquet file, tail, which starts at file
// offset base and holds the page index and the footer: chunk statistics
// over maxChunkStatistics are dropped, and the column indexes of the
// oversized leaf columns are left out. It returns tail itself when nothing
// changes.
func boundTail(tail []byte, base int64, oversized []int) ([]byte, error) {
	n := int64(len(tail))
	if n < 8 || string(tail[n-4:]) != "PAR1" {
		return nil, fmt.Errorf("parquet tail: no PAR1 at the end")
	}
	fstart := n - 8 - int64(binary.LittleEndian.Uint32(tail[n-8:n-4]))
	if fstart < 0 {
		return nil, fmt.Errorf("parquet tail: footer longer than the tail")
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), tail[fstart:n-8], &md); err != nil {
		return nil, fmt.Errorf("parquet tail: reading the footer: %w", err)
	}
	changed, dropIndex := false, false
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			c := &md.RowGroups[i].Columns[j]
			s := &c.MetaData.Statistics
			if len(s.MinValue)+len(s.MaxValue) > maxChunkStatistics || len(s.Min)+len(s.Max) > maxChunkStatistics {
				s.Min, s.Max, s.MinValue, s.MaxValue = nil, nil, nil, nil
				changed = true
			}
			if c.ColumnIndexOffset > 0 && slices.Contains(oversized, j) {
				changed, dropIndex = true, true
			}
		}
	}
	if !changed {
		return tail, nil
	}
	start := base + fstart // where the page index begins
	if dropIndex {
		var err error
		if start, err = pageIndexStart(&md, base, base+fstart); err != nil {
			return nil, err
		}
	}
	out := bytes.NewBuffer(make([]byte, 0, n))
	out.Write(tail[:start-base])
	if dropIndex {
		m := relocator{tail: tail, base: base, end: base + fstart, pos: start, out: out}
		for i := range md.RowGroups {
			for j := range md.RowGroups[i].Columns {
				c := &md.RowGroups[i].Columns[j]
				if err := m.move(&c.ColumnIndexOffset, &c.ColumnIndexLength, slices.Contains(oversized, j)); err != nil {
					return nil, err
				}
			}
		}
		for i := range md.RowGroups {
			for j := range md.RowGroups[i].Columns {
				c := &md.RowGroups[i].Columns[j]
				if err := m.move(&c.OffsetIndexOffset, &c.OffsetIndexLength, false); err != nil {
					return nil, err
				}
			}
		}
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return nil, fmt.Errorf("parquet tail: writing the footer: %w", err)
	}
	out.Write(footer)
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(footer))))
	out.WriteString("PAR1")
	return out.Bytes(), nil
}

// pageIndexStart returns the offset of the page index of md, which must lie
// in the tail [base, end) and be all that is there: nothing else (a bloom
// filter) may follow it.
func pageIndexStart(md *format.FileMetaData, base, end int64) (int64, error) {
	start := end
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			c := &md.RowGroups[i].Columns[j]
			for _, off := range []int64{c.ColumnIndexOffset, c.OffsetIndexOffset} {
				if off > 0 && off < start {
					start = off
				}
			}
		}
	}
	if start < base {
		return 0, fmt.Errorf("parquet tail: page index at %d starts before the tail (%d)", start, base)
	}
	for i := range md.RowGroups {
		for j := range md.RowGroups[i].Columns {
			if off := md.RowGroups[i].Columns[j].MetaData.BloomFilterOffset; off >= start {
				return 0, fmt.Errorf("parquet tail: a bloom filter follows the page index")
			}
		}
	}
	return start, nil
}

// relocator copies the page index structures kept, in order, to out.
type relocator struct {
	tail      []byte
	base, end int64 // file offsets of tail's start and of the footer
	pos       int64 // file offset of out's end
	out       *bytes.Buffer
}

// move copies the structure at *off (of *length bytes) to the end of out
// and points *off at it, or, with drop, unsets it.
func (m *relocator) move(off *int64, length *int32, drop bool) error {
	if *off <= 0 {
		return nil
	}
	if drop {
		*off, *length = 0, 0
		return nil
	}
	s, e := *off, *off+int64(*length)
	if s < m.base || e > m.end {
		return fmt.Errorf("parquet tail: page index entry [%d, %d) outside the tail", s, e)
	}
	m.out.Write(m.tail[s-m.base : e-m.base])
	*off = m.pos
	m.pos += int64(*length)
	return nil
}

// OversizedColumns returns the leaf columns of f that ParquetWriter should
// treat as oversized when rewriting f: BYTE_ARRAY columns of which a row
// group has values but no min/max statistics (a writer dropped them, as
// ParquetWriter and parquet-mr do for values too large) or statistics
// longer than parquet-mr keeps.
func OversizedColumns(f *parquet.File) []int {
	var out []int
	for _, rg := range f.Metadata().RowGroups {
		for j, c := range rg.Columns {
			md := c.MetaData
			if md.Type != format.ByteArray && md.Type != format.FixedLenByteArray {
				continue
			}
			s := md.Statistics
			noStats := md.NumValues > s.NullCount && s.MinValue == nil && s.MaxValue == nil && s.Min == nil && s.Max == nil
			if (noStats || len(s.MinValue)+len(s.MaxValue) > maxChunkStatistics || len(s.Min)+len(s.Max) > maxChunkStatistics) && !slices.Contains(out, j) {
				out = append(out, j)
			}
		}
	}
	slices.Sort(out)
	return out
}
