package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// bigTable is the schema of the statistics tests: an id, a short string
// column that keeps its statistics, a LONGTEXT and a LONGBLOB.
func bigTable(t testing.TB) (*parquet.Schema, func(id int, s, text string, blob []byte) parquet.Row) {
	t.Helper()
	tbl := &mysqldump.Table{Name: "big", Columns: []mysqldump.Column{
		{Name: "id", Type: "int", NotNull: true}, {Name: "s", Type: "varchar"},
		{Name: "t", Type: "longtext"}, {Name: "b", Type: "longblob"}}}
	schema, plans, err := SchemaFor(tbl, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return schema, func(id int, s, text string, b []byte) parquet.Row {
		vals := []mysqldump.Value{num(fmt.Sprint(id)), str(s), str(text), {Kind: mysqldump.Hex, Bytes: b}}
		row := make(parquet.Row, len(vals))
		for i, v := range vals {
			if row[i], err = Decode(plans[i], v); err != nil {
				t.Fatal(err)
			}
		}
		return row
	}
}

// footerLen returns the length of the footer of the Parquet file data.
func footerLen(data []byte) int {
	return int(binary.LittleEndian.Uint32(data[len(data)-8:]))
}

// chunkStats describes a column chunk's statistics and column index, for
// comparisons.
type chunkStats struct {
	Min, Max    string // chunk min/max ("" when absent)
	HasMinMax   bool
	ColumnIndex bool
	IndexMin    []string // column index min per page
	IndexMax    []string
}

// statsOf reads every column chunk's statistics of the file data, by
// row group then column name.
func statsOf(t *testing.T, data []byte) []map[string]chunkStats {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]chunkStats
	idx := f.ColumnIndexes()
	ncols := len(f.Schema().Columns())
	for i, rg := range f.Metadata().RowGroups {
		m := map[string]chunkStats{}
		for j, c := range rg.Columns {
			s := c.MetaData.Statistics
			cs := chunkStats{Min: string(s.MinValue), Max: string(s.MaxValue), HasMinMax: s.MinValue != nil || s.MaxValue != nil,
				ColumnIndex: c.ColumnIndexOffset > 0}
			if cs.ColumnIndex {
				ci := idx[i*ncols+j]
				for p := range ci.MinValues {
					cs.IndexMin = append(cs.IndexMin, string(ci.MinValues[p]))
					cs.IndexMax = append(cs.IndexMax, string(ci.MaxValues[p]))
				}
			}
			m[strings.Join(c.MetaData.PathInSchema, ".")] = cs
		}
		out = append(out, m)
	}
	return out
}

// readAll returns the rows of the file data, copied.
func readAll(t *testing.T, data []byte) []parquet.Row {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []parquet.Row
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 16)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				out = append(out, r.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
	}
	return out
}

// TestTableWriterHugeValues: one row with a 50 MB LONGTEXT and one with a
// 25 MB LONGBLOB (finding 3 of issue 10: the footer held 157 MB of
// statistics). Every footer stays under 1 MiB, the values read back equal,
// and the short column keeps exact statistics and its column index.
func TestTableWriterHugeValues(t *testing.T) {
	if testing.Short() {
		t.Skip("75 MB of values")
	}
	ctx := context.Background()
	schema, row := bigTable(t)
	text := strings.Repeat("0123456789abcdef", 50<<20/16)
	blobv := bytes.Repeat([]byte{0, 1, 2, 0xff}, 25<<20/4)
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	w, err := NewTableWriter(ctx, bucket, "p/", schema, WriterOptions{UUID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	// As the exporter sends them: one batch per huge row.
	if err := w.WriteRows([]parquet.Row{row(1, "alpha", text, []byte("small"))}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRows([]parquet.Row{row(2, "omega", "short", blobv)}); err != nil {
		t.Fatal(err)
	}
	parts, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	var got []parquet.Row
	for _, p := range parts {
		data, err := bucket.ReadAll(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		if n := footerLen(data); n >= 1<<20 {
			t.Errorf("%s: footer of %d bytes, want < 1 MiB", p.Key, n)
		}
		for _, rg := range statsOf(t, data) {
			for _, col := range []string{"t", "b"} {
				if cs := rg[col]; (cs.HasMinMax || cs.ColumnIndex) && len(cs.Max)+len(cs.Min) > 64 {
					t.Errorf("%s: column %s keeps statistics of %d bytes", p.Key, col, len(cs.Min)+len(cs.Max))
				}
			}
			if cs := rg["s"]; !cs.HasMinMax || !cs.ColumnIndex {
				t.Errorf("%s: column s lost its statistics: %+v", p.Key, cs)
			}
		}
		got = append(got, readAll(t, data)...)
	}
	if len(got) != 2 {
		t.Fatalf("%d rows read back, want 2", len(got))
	}
	for i, want := range []struct {
		text string
		blob []byte
	}{{text, []byte("small")}, {"short", blobv}} {
		if g := got[i][2].ByteArray(); string(g) != want.text {
			t.Errorf("row %d: text of %d bytes read back differs from the %d written", i, len(g), len(want.text))
		}
		if g := got[i][3].ByteArray(); !bytes.Equal(g, want.blob) {
			t.Errorf("row %d: blob of %d bytes read back differs from the %d written", i, len(g), len(want.blob))
		}
	}
}

// TestTableWriterStatisticsBounds checks which columns keep statistics and
// column indexes, and where a part ends when a column first holds a value
// over MaxStatisticsValue.
func TestTableWriterStatisticsBounds(t *testing.T) {
	long := strings.Repeat("L", MaxStatisticsValue+1)
	edge := strings.Repeat("e", MaxStatisticsValue)
	idx64 := strings.Repeat("x", 100)
	type batch []parquet.Row
	schema, row := bigTable(t)
	tests := []struct {
		name    string
		batches []batch
		opts    WriterOptions
		// want: per part, per row group, the statistics of s and t.
		wantRows []int64
		want     [][]map[string]chunkStats
	}{
		{
			name:     "values up to MaxStatisticsValue keep exact statistics, column index truncated to 64 bytes",
			batches:  []batch{{row(1, idx64, edge, nil), row(2, "a", "b", nil)}},
			wantRows: []int64{2},
			want: [][]map[string]chunkStats{{{
				"s": {Min: "a", Max: idx64, HasMinMax: true, ColumnIndex: true, IndexMin: []string{"a"}, IndexMax: []string{strings.Repeat("x", 63) + "y"}},
				"t": {Min: "b", Max: edge, HasMinMax: true, ColumnIndex: true, IndexMin: []string{"b"}, IndexMax: []string{strings.Repeat("e", 63) + "f"}},
			}}},
		},
		{
			name:     "a long value in the first batch: no statistics for its column, no extra part",
			batches:  []batch{{row(1, "a", "b", nil), row(2, "c", long, nil)}, {row(3, "d", "e", nil)}},
			wantRows: []int64{3},
			want: [][]map[string]chunkStats{{{
				"s": {Min: "a", Max: "d", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"a"}, IndexMax: []string{"d"}},
				"t": {},
			}}},
		},
		{
			name:     "a long value first seen later ends the part before its row",
			batches:  []batch{{row(1, "a", "b", nil)}, {row(2, "c", "d", nil), row(3, "e", long, nil), row(4, "f", "g", nil)}},
			wantRows: []int64{2, 2},
			want: [][]map[string]chunkStats{
				{{
					"s": {Min: "a", Max: "c", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"a"}, IndexMax: []string{"c"}},
					"t": {Min: "b", Max: "d", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"b"}, IndexMax: []string{"d"}},
				}},
				{{
					"s": {Min: "e", Max: "f", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"e"}, IndexMax: []string{"f"}},
					"t": {},
				}},
			},
		},
		{
			name:     "several row groups: the page index stays readable with columns left out",
			batches:  []batch{{row(1, "a", long, nil), row(2, "b", "x", nil), row(3, "c", "y", nil), row(4, "d", "z", nil)}},
			opts:     WriterOptions{RowGroupRows: 2},
			wantRows: []int64{4},
			want: [][]map[string]chunkStats{{
				{
					"s": {Min: "a", Max: "b", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"a"}, IndexMax: []string{"b"}},
					"t": {},
				},
				{
					"s": {Min: "c", Max: "d", HasMinMax: true, ColumnIndex: true, IndexMin: []string{"c"}, IndexMax: []string{"d"}},
					"t": {},
				},
			}},
		},
	}
	// Each case is written as rows (WriteRows) and as columns
	// (WriteColumns, as the exporter writes): the same parts, statistics
	// and rows.
	writes := map[string]func(w *TableWriter, rows []parquet.Row) error{
		"rows":    (*TableWriter).WriteRows,
		"columns": func(w *TableWriter, rows []parquet.Row) error { return w.WriteColumns(toColumns(rows)) },
	}
	for _, tc := range tests {
		for how, write := range writes {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				ctx := context.Background()
				bucket := memblob.OpenBucket(nil)
				defer bucket.Close()
				tc.opts.UUID = "u"
				w, err := NewTableWriter(ctx, bucket, "p/", schema, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				var written []parquet.Row
				for _, b := range tc.batches {
					if err := write(w, b); err != nil {
						t.Fatal(err)
					}
					written = append(written, b...)
				}
				parts, err := w.Close()
				if err != nil {
					t.Fatal(err)
				}
				var gotRows []int64
				var got [][]map[string]chunkStats
				var read []parquet.Row
				for _, p := range parts {
					gotRows = append(gotRows, p.Rows)
					data, err := bucket.ReadAll(ctx, p.Key)
					if err != nil {
						t.Fatal(err)
					}
					var part []map[string]chunkStats
					for _, rg := range statsOf(t, data) {
						part = append(part, map[string]chunkStats{"s": rg["s"], "t": rg["t"]})
					}
					got = append(got, part)
					read = append(read, readAll(t, data)...)
				}
				if diff := cmp.Diff(tc.wantRows, gotRows); diff != "" {
					t.Errorf("rows per part (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("statistics (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(plainRows(written), plainRows(read)); diff != "" {
					t.Errorf("rows read back (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// toColumns turns rows into WriteColumns' columns.
func toColumns(rows []parquet.Row) [][]parquet.Value {
	if len(rows) == 0 {
		return nil
	}
	cols := make([][]parquet.Value, len(rows[0]))
	for _, r := range rows {
		for i, v := range r {
			cols[i] = append(cols[i], v)
		}
	}
	return cols
}

// plainRows renders rows as Go values for comparison.
func plainRows(rows []parquet.Row) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		for _, v := range r {
			out[i] = append(out[i], exporttest.Plain(v))
		}
	}
	return out
}

// TestParquetWriterDropsLongChunkStatistics: a column not declared
// oversized whose chunk min+max exceed 4096 bytes keeps only its null count
// in the footer (parquet-mr's MAX_STATS_SIZE); its column index, truncated,
// stays; a file needing no change is written exactly as parquet-go writes
// it.
func TestParquetWriterDropsLongChunkStatistics(t *testing.T) {
	schema, row := bigTable(t)
	write := func(rows []parquet.Row, plain bool) []byte {
		var buf bytes.Buffer
		opts := []parquet.WriterOption{parquet.CreatedBy("test", "", "")}
		var err error
		if plain {
			pw := parquet.NewWriter(&buf, append(opts, schema, parquet.ColumnIndexSizeLimit(func([]string) int { return ColumnIndexTruncate }))...)
			if _, err = pw.WriteRows(rows); err == nil {
				err = pw.Close()
			}
		} else {
			pw := NewParquetWriter(&buf, schema, nil, opts...)
			if _, err = pw.WriteRows(rows); err == nil {
				err = pw.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, z := "a"+strings.Repeat("m", 2999), "z"+strings.Repeat("m", 2999)
	data := write([]parquet.Row{row(1, "s", a, nil), row(2, "s", z, nil)}, false)
	got := statsOf(t, data)[0]["t"]
	want := chunkStats{ColumnIndex: true, IndexMin: []string{a[:64]}, IndexMax: []string{z[:63] + "n"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statistics of t (-want +got):\n%s", diff)
	}
	small := []parquet.Row{row(1, "s", "a", []byte{1}), row(2, "s", "z", []byte{2})}
	if mine, theirs := write(small, false), write(small, true); !bytes.Equal(mine, theirs) {
		t.Errorf("a file with small statistics differs from parquet-go's (%d and %d bytes)", len(mine), len(theirs))
	}
}

// TestOversizedColumns: the columns a rewrite (localglue's raw copy) must
// treat as oversized are those written without statistics despite values.
func TestOversizedColumns(t *testing.T) {
	ctx := context.Background()
	schema, row := bigTable(t)
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	w, err := NewTableWriter(ctx, bucket, "p/", schema, WriterOptions{UUID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	long := bytes.Repeat([]byte{7}, MaxStatisticsValue+1)
	if err := w.WriteRows([]parquet.Row{row(1, "a", "b", long), row(2, "", "", nil)}); err != nil {
		t.Fatal(err)
	}
	parts, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	f := exporttest.ReadParquet(t, bucket, parts[0].Key)
	if diff := cmp.Diff([]int{3}, OversizedColumns(f)); diff != "" {
		t.Errorf("oversized columns (-want +got):\n%s", diff)
	}
}

// TestBoundTailRefusesForeignLayouts: a tail that is not a Parquet end, or
// whose page index lies before it, is an error, not a corrupt file.
func TestBoundTailRefusesForeignLayouts(t *testing.T) {
	schema, row := bigTable(t)
	var buf bytes.Buffer
	pw := parquet.NewWriter(&buf, schema, parquet.SkipPageBounds("t"))
	if _, err := pw.WriteRows([]parquet.Row{row(1, "a", "b", nil)}); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n := len(data)
	for name, tc := range map[string]struct {
		tail []byte
		base int64
	}{
		"no magic":           {tail: data[:n-1], base: 0},
		"footer beyond tail": {tail: data[n-20:], base: int64(n - 20)},
		"index before tail":  {tail: data[n-8-footerLen(data):], base: int64(n - 8 - footerLen(data))},
	} {
		if _, err := boundTail(tc.tail, tc.base, []int{2}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// The whole file is fine: column t's index is left out.
	out, err := boundTail(data, 0, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if got := statsOf(t, out)[0]["t"]; got.ColumnIndex {
		t.Errorf("column t still has a column index: %+v", got)
	}
	var md format.FileMetaData
	f, err := parquet.OpenFile(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	md = *f.Metadata()
	var have []int
	for j, c := range md.RowGroups[0].Columns {
		if c.ColumnIndexOffset > 0 {
			have = append(have, j)
		}
	}
	if !slices.Equal(have, []int{0, 1, 3}) {
		t.Errorf("columns with a column index: %v, want [0 1 3]", have)
	}
}

// BenchmarkTableWriterHugeValues writes the table of
// TestTableWriterHugeValues (a 50 MB LONGTEXT row and a 25 MB LONGBLOB row)
// and reports the largest footer written (footer-bytes) and the heap
// allocated per table (B/op).
func BenchmarkTableWriterHugeValues(b *testing.B) {
	ctx := context.Background()
	schema, row := bigTable(b)
	text := strings.Repeat("0123456789abcdef", 50<<20/16)
	blobv := bytes.Repeat([]byte{0, 1, 2, 0xff}, 25<<20/4)
	rows := []parquet.Row{row(1, "alpha", text, []byte("small")), row(2, "omega", "short", blobv)}
	b.SetBytes(int64(len(text) + len(blobv)))
	b.ReportAllocs()
	maxFooter := 0
	for b.Loop() {
		bucket := memblob.OpenBucket(nil)
		w, err := NewTableWriter(ctx, bucket, "p/", schema, WriterOptions{UUID: "u"})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if err := w.WriteRows([]parquet.Row{r}); err != nil {
				b.Fatal(err)
			}
		}
		parts, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		maxFooter = max(maxFooter, maxFooterOf(b, ctx, bucket, parts))
		bucket.Close()
	}
	b.ReportMetric(float64(maxFooter), "footer-bytes")
}

// BenchmarkTableWriterNormal writes 100k rows of short values, for
// comparison with BenchmarkTableWriterHugeValues (MB/s) and its footer.
func BenchmarkTableWriterNormal(b *testing.B) {
	ctx := context.Background()
	schema, row := bigTable(b)
	rows := make([]parquet.Row, 100_000)
	size := 0
	for i := range rows {
		s, text := fmt.Sprintf("name %d", i), strings.Repeat("word ", i%40)
		rows[i] = row(i, s, text, []byte(s))
		size += 4 + 2*len(s) + len(text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	maxFooter := 0
	for b.Loop() {
		bucket := memblob.OpenBucket(nil)
		w, err := NewTableWriter(ctx, bucket, "p/", schema, WriterOptions{UUID: "u"})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(rows); i += 1000 {
			if err := w.WriteRows(rows[i : i+1000]); err != nil {
				b.Fatal(err)
			}
		}
		parts, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		maxFooter = max(maxFooter, maxFooterOf(b, ctx, bucket, parts))
		bucket.Close()
	}
	b.ReportMetric(float64(maxFooter), "footer-bytes")
}

func maxFooterOf(b *testing.B, ctx context.Context, bucket *blob.Bucket, parts []PartInfo) int {
	m := 0
	for _, p := range parts {
		data, err := bucket.ReadAll(ctx, p.Key)
		if err != nil {
			b.Fatal(err)
		}
		m = max(m, footerLen(data))
	}
	return m
}
