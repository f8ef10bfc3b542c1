package localglue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// everyType is a table with a column of every type of the MySQL → Parquet
// mapping (export.SchemaFor), NULL and NOT NULL.
func everyType() *mysqldump.Table {
	cols := []mysqldump.Column{
		{Name: "i8", Type: "tinyint"}, {Name: "u8", Type: "tinyint", Unsigned: true, NotNull: true},
		{Name: "i16", Type: "smallint"}, {Name: "u24", Type: "mediumint", Unsigned: true},
		{Name: "i32", Type: "int", NotNull: true}, {Name: "u32", Type: "int", Unsigned: true},
		{Name: "i64", Type: "bigint", NotNull: true}, {Name: "u64", Type: "bigint", Unsigned: true},
		{Name: "yr", Type: "year"},
		{Name: "d5", Type: "decimal", Precision: 5, Scale: 2}, {Name: "d15", Type: "decimal", Precision: 15, Scale: 3},
		{Name: "d30", Type: "decimal", Precision: 30, Scale: 4}, {Name: "d50", Type: "decimal", Precision: 50, Scale: 5},
		{Name: "f", Type: "float"}, {Name: "dbl", Type: "double", NotNull: true},
		{Name: "bt", Type: "bit", Length: 10}, {Name: "bin", Type: "binary", Length: 4},
		{Name: "vb", Type: "varbinary"}, {Name: "bl", Type: "blob"},
		{Name: "c", Type: "char"}, {Name: "vc", Type: "varchar", NotNull: true}, {Name: "tx", Type: "text"},
		{Name: "en", Type: "enum", Elements: []string{"a", "b"}}, {Name: "st", Type: "set", Elements: []string{"x", "y"}},
		{Name: "js", Type: "json"},
		{Name: "dt", Type: "date"}, {Name: "tm", Type: "time"}, {Name: "dtm", Type: "datetime"}, {Name: "tsm", Type: "timestamp"},
		{Name: "uu", Type: "uuid"}, {Name: "ip4", Type: "inet4"}, {Name: "ip6", Type: "inet6"},
		{Name: "odd", Type: "vector"},
	}
	return &mysqldump.Table{Name: "every_type", Columns: cols}
}

// everyRow returns row i of everyType: NULL in every nullable column of
// every seventh row, a zero date in some, and in row huge a blob longer
// than export.MaxStatisticsValue (its column gets no statistics).
func everyRow(i, huge int) []mysqldump.Value {
	n := func(f string, a ...any) mysqldump.Value {
		return mysqldump.Value{Kind: mysqldump.Number, Bytes: fmt.Appendf(nil, f, a...)}
	}
	s := func(f string, a ...any) mysqldump.Value {
		return mysqldump.Value{Kind: mysqldump.String, Bytes: fmt.Appendf(nil, f, a...)}
	}
	blob := s("blob-%d\x00\xff", i)
	if i == huge {
		blob = mysqldump.Value{Kind: mysqldump.String, Bytes: bytes.Repeat([]byte{0xab}, 3*export.MaxStatisticsValue)}
	}
	dt := s("2026-%02d-%02d", i%12+1, i%28+1)
	if i%11 == 3 {
		dt = s("0000-00-00")
	}
	row := []mysqldump.Value{
		n("%d", i%256-128), n("%d", i%256), n("%d", i%8000*7-30000), n("%d", i%10000*977), n("%d", i%2000*1_000_003-1<<30), n("%d", 4294967295-i),
		n("%d", int64(i)*1_000_000_007-1<<62), n("%d", uint64(18446744073709551615)-uint64(i)), n("%d", 1901+i%255),
		n("%d.%02d", i%999-499, i%100), n("-%d.%03d", i%100000*12345, i%1000), n("%d%010d.%04d", i, i, i%10000), n("-%d%030d.%05d", i, i, i%100000),
		n("%d.5e-3", i), n("%d.25", i-500),
		{Kind: mysqldump.Bit, Bytes: []byte{byte(i >> 8 & 3), byte(i)}}, s("b%d", i%100), {Kind: mysqldump.Hex, Bytes: []byte{byte(i), 0, 0xff}}, blob,
		s("c%d", i%10), s("varchar ☃ %d", i), s("text «%d» ü", i), s("%s", []string{"a", "b"}[i%2]), s("%s", []string{"x", "y", "x,y", ""}[i%4]),
		s(`{"k": %d, "s": "é"}`, i),
		dt, s("%s%d:%02d:%02d", []string{"", "-"}[i%2], i%839, i%60, i%60), s("2026-11-24 %02d:%02d:%02d.%06d", i%24, i%60, i%60, i),
		s("2026-11-24 %02d:%02d:%02d", i%24, i%60, i%60),
		s("123e4567-e89b-12d3-a456-%012x", i), s("10.0.%d.%d", i/256%256, i%256), s("2001:db8::%x", i), s("[%d, %d]", i, -i),
	}
	if i%7 == 0 {
		for k, c := range everyType().Columns {
			if !c.NotNull && k != 0 {
				row[k] = mysqldump.Value{Kind: mysqldump.Null}
			}
		}
	}
	return row
}

// landEveryType writes n of everyType's rows as the exporter would (parts
// of export.TableWriter, row groups of groupRows rows) to landing and
// returns the table's manifest entry.
func landEveryType(t testing.TB, landing *blob.Bucket, codec export.Codec, n, huge, groupRows int) liberator.TableManifest {
	t.Helper()
	ctx := context.Background()
	tbl := everyType()
	schema, plans, err := export.SchemaFor(tbl, export.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := partition.TableRef{Database: "liberator", Table: tbl.Name}
	prefix := partition.TablePrefix("parking", ref, day)
	tw, err := export.NewTableWriter(ctx, landing, prefix, schema, export.WriterOptions{Codec: codec, RowGroupRows: int64(groupRows), UUID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		vals := everyRow(i, huge)
		row := make(parquet.Row, len(vals))
		for k, v := range vals {
			if row[k], err = export.Decode(plans[k], v); err != nil {
				t.Fatalf("row %d column %s: %v", i, plans[k].Name, err)
			}
		}
		if err := tw.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	parts, err := tw.Close()
	if err != nil {
		t.Fatal(err)
	}
	tm := liberator.TableManifest{Database: "liberator", Table: tbl.Name, Prefix: prefix, Rows: int64(n)}
	for _, p := range parts {
		tm.Objects = append(tm.Objects, liberator.Object{Key: p.Key, Size: p.Bytes})
	}
	return tm
}

func TestSpliceEveryTypeEveryCodec(t *testing.T) {
	for _, codec := range []export.Codec{export.CodecGzip, export.CodecSnappy, export.CodecZstd, export.CodecNone} {
		t.Run(string(codec), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			landing, raw := fileBucket(t, filepath.Join(dir, "landing")), fileBucket(t, filepath.Join(dir, "raw"))
			tm := landEveryType(t, landing, codec, 1000, 500, 300)
			if len(tm.Objects) != 2 {
				t.Fatalf("landed %d parts, want 2 (the huge blob starts a part)", len(tm.Objects))
			}
			l := newLocal(t, landing, raw, Options{})
			run, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "20261124/x", ImportDate: day,
				Manifest: liberator.Manifest{ImportDate: day, Tables: []liberator.TableManifest{tm}}})
			if err != nil {
				t.Fatal(err)
			}
			if run.Properties[PropSpliced] != "2" || run.Properties[PropReencoded] != "0" {
				t.Errorf("run properties %v: want 2 files spliced, none re-encoded", run.Properties)
			}
			rawPrefix := l.RawPrefixFor("liberator", tm.Table, day)
			for _, o := range tm.Objects {
				rawKey := rawPrefix + filepath.Base(o.Key)
				checkSpliced(t, landing, raw, o.Key, rawKey, startTS)
				duckCheck(t, filepath.Join(dir, "landing", o.Key), filepath.Join(dir, "raw", rawKey), startTS)
			}
		})
	}
}

func fileBucket(t *testing.T, dir string) *blob.Bucket {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// openParquet opens key in b with parquet-go.
func openParquet(t *testing.T, b *blob.Bucket, key string) (*parquet.File, []byte) {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return f, data
}

// plainRows reads every row of f as comparable Go values.
func plainRows(t *testing.T, f *parquet.File) [][]any {
	t.Helper()
	var out [][]any
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			k, err := rows.ReadRows(buf)
			for _, r := range buf[:k] {
				vals := make([]any, len(r))
				for i, v := range r {
					switch {
					case v.IsNull():
						vals[i] = nil
					case v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray:
						vals[i] = string(v.ByteArray())
					default:
						vals[i] = v.String() + "/" + v.Kind().String()
					}
				}
				out = append(out, vals)
			}
			if err != nil {
				break
			}
		}
		rows.Close()
	}
	return out
}

// checkSpliced checks that rawKey holds srcKey's rows with import_timestamp
// = ts appended, and srcKey's statistics, column and offset indexes with
// offsets that point at rawKey's pages.
func checkSpliced(t *testing.T, landing, raw *blob.Bucket, srcKey, rawKey, ts string) {
	t.Helper()
	src, _ := openParquet(t, landing, srcKey)
	dst, data := openParquet(t, raw, rawKey)
	want := plainRows(t, src)
	for i := range want {
		want[i] = append(want[i], ts)
	}
	if diff := cmp.Diff(want, plainRows(t, dst)); diff != "" {
		t.Fatalf("%s rows (-want +got):\n%s", rawKey, diff)
	}
	leaves := len(src.Schema().Columns())
	if got := dst.Schema().Columns(); len(got) != leaves+1 || got[leaves][0] != ImportTimestampColumn {
		t.Fatalf("raw columns %v", got)
	}
	sm, dm := src.Metadata(), dst.Metadata()
	if len(sm.RowGroups) != len(dm.RowGroups) || len(sm.RowGroups) < 2 {
		t.Fatalf("row groups: landed %d, raw %d (want equal, ≥ 2)", len(sm.RowGroups), len(dm.RowGroups))
	}
	for i := range sm.RowGroups {
		srg, drg := sm.RowGroups[i], dm.RowGroups[i]
		for j := range leaves {
			sc, dc := srg.Columns[j], drg.Columns[j]
			s0, _ := chunkRange(&sc.MetaData)
			d0, _ := chunkRange(&dc.MetaData)
			delta := d0 - s0
			if diff := cmp.Diff(sc.MetaData.Statistics, dc.MetaData.Statistics); diff != "" {
				t.Errorf("row group %d column %d statistics (-landed +raw):\n%s", i, j, diff)
			}
			if sc.MetaData.DataPageOffset+delta != dc.MetaData.DataPageOffset || sc.MetaData.TotalCompressedSize != dc.MetaData.TotalCompressedSize ||
				sc.MetaData.Codec != dc.MetaData.Codec || sc.MetaData.NumValues != dc.MetaData.NumValues {
				t.Errorf("row group %d column %d metadata differs beyond the offsets:\n%+v\n%+v", i, j, sc.MetaData, dc.MetaData)
			}
			if (sc.ColumnIndexOffset == 0) != (dc.ColumnIndexOffset == 0) || (sc.OffsetIndexOffset == 0) != (dc.OffsetIndexOffset == 0) {
				t.Errorf("row group %d column %d: page index presence differs", i, j)
			}
			srcCI, dstCI := src.RowGroups()[i].ColumnChunks()[j], dst.RowGroups()[i].ColumnChunks()[j]
			if sc.ColumnIndexOffset > 0 {
				a, err1 := srcCI.ColumnIndex()
				b, err2 := dstCI.ColumnIndex()
				if err1 != nil || err2 != nil || a.NumPages() != b.NumPages() {
					t.Errorf("row group %d column %d column index: %v %v", i, j, err1, err2)
				} else {
					for p := range a.NumPages() {
						if !parquet.Equal(a.MinValue(p), b.MinValue(p)) || !parquet.Equal(a.MaxValue(p), b.MaxValue(p)) || a.NullCount(p) != b.NullCount(p) {
							t.Errorf("row group %d column %d page %d bounds differ", i, j, p)
						}
					}
				}
			}
			so, err1 := srcCI.OffsetIndex()
			do, err2 := dstCI.OffsetIndex()
			if err1 != nil || err2 != nil || so.NumPages() != do.NumPages() {
				t.Fatalf("row group %d column %d offset index: %v %v", i, j, err1, err2)
			}
			for p := range so.NumPages() {
				if so.Offset(p)+delta != do.Offset(p) || so.CompressedPageSize(p) != do.CompressedPageSize(p) || so.FirstRowIndex(p) != do.FirstRowIndex(p) {
					t.Errorf("row group %d column %d page %d location differs", i, j, p)
				}
				checkPageAt(t, data, do.Offset(p), do.CompressedPageSize(p))
			}
		}
		tc := drg.Columns[leaves]
		st := tc.MetaData.Statistics
		if string(st.MinValue) != ts || string(st.MaxValue) != ts || st.NullCount != 0 || tc.MetaData.NumValues != srg.NumRows {
			t.Errorf("row group %d import_timestamp metadata %+v", i, tc.MetaData)
		}
		cc := dst.RowGroups()[i].ColumnChunks()[leaves]
		ci, err := cc.ColumnIndex()
		if err != nil || ci.NumPages() != 1 || string(ci.MinValue(0).ByteArray()) != ts || string(ci.MaxValue(0).ByteArray()) != ts {
			t.Errorf("row group %d import_timestamp column index: %v", i, err)
		}
		oi, err := cc.OffsetIndex()
		if err != nil || oi.NumPages() != 1 {
			t.Fatalf("row group %d import_timestamp offset index: %v", i, err)
		}
		checkPageAt(t, data, oi.Offset(0), oi.CompressedPageSize(0))
	}
}

// checkPageAt checks that a data page of size bytes (header included)
// starts at off in data.
func checkPageAt(t *testing.T, data []byte, off, size int64) {
	t.Helper()
	if off < 4 || off+size > int64(len(data)) {
		t.Fatalf("page [%d, +%d) outside the file", off, size)
	}
	r := bytes.NewReader(data[off : off+size])
	var h format.PageHeader
	if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(r)).Decode(&h); err != nil {
		t.Fatalf("page at %d: %v", off, err)
	}
	if (h.Type != format.DataPage && h.Type != format.DataPageV2) || int64(r.Len()) != int64(h.CompressedPageSize) {
		t.Errorf("page at %d: %v header, %d bytes after it, header says %d", off, h.Type, r.Len(), h.CompressedPageSize)
	}
}

// duckCheck reads both files with DuckDB, when a duckdb command is on the
// PATH (its -json -c interface): the raw file must hold the landed rows,
// import_timestamp aside, and ts in every row; filters pruned by the
// statistics and page index must count alike.
func duckCheck(t *testing.T, landed, raw, ts string) {
	t.Helper()
	bin, err := exec.LookPath("duckdb")
	if err != nil {
		t.Log("no duckdb on the PATH: the DuckDB read-back is skipped (parquet-go's reader checked the files)")
		return
	}
	q := func(sql string) string {
		out, err := exec.Command(bin, "-json", "-c", sql).CombinedOutput()
		if err != nil {
			t.Fatalf("duckdb %q: %v\n%s", sql, err, out)
		}
		return string(out)
	}
	lit := func(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
	want := q("SELECT * FROM read_parquet(" + lit(landed) + ")")
	got := q("SELECT * EXCLUDE (import_timestamp) FROM read_parquet(" + lit(raw) + ")")
	if want != got {
		t.Errorf("DuckDB reads the raw file's rows differently from the landed file's:\n%.2000s\n%.2000s", want, got)
	}
	var counts []map[string]any
	out := q("SELECT count(*) AS n, count(*) FILTER (WHERE import_timestamp = " + lit(ts) + ") AS ts, " +
		"count(*) FILTER (WHERE i32 > -500000000) AS big, count(*) FILTER (WHERE vc >= 'varchar ☃ 5') AS vc FROM read_parquet(" + lit(raw) + ")")
	if err := json.Unmarshal([]byte(out), &counts); err != nil || len(counts) != 1 {
		t.Fatalf("duckdb counts %q: %v", out, err)
	}
	var lc []map[string]any
	lout := q("SELECT count(*) AS n, count(*) AS ts, count(*) FILTER (WHERE i32 > -500000000) AS big, " +
		"count(*) FILTER (WHERE vc >= 'varchar ☃ 5') AS vc FROM read_parquet(" + lit(landed) + ")")
	if err := json.Unmarshal([]byte(lout), &lc); err != nil || len(lc) != 1 {
		t.Fatalf("duckdb counts %q: %v", lout, err)
	}
	if diff := cmp.Diff(lc[0], counts[0]); diff != "" {
		t.Errorf("DuckDB counts (-landed +raw):\n%s", diff)
	}
	t.Logf("DuckDB read %s back: %v (%d bytes of rows as JSON)", filepath.Base(raw), counts[0], len(got))
}

func TestSpliceFallsBackToReencode(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		write     []parquet.WriterOption
		wantWhy   string
		wantCodec format.CompressionCodec
	}{
		{"bloom filter", Options{}, []parquet.WriterOption{parquet.Compression(&parquet.Gzip),
			parquet.BloomFilters(parquet.SplitBlockFilter(10, "id"))}, "bloom filter on column [id]", format.Gzip},
		{"codec other than Options.Compression", Options{Compression: export.FastSnappy{}},
			[]parquet.WriterOption{parquet.Compression(&parquet.Gzip)}, "landed codec GZIP, the raw zone's is SNAPPY", format.Snappy},
		{"codec the splice does not write", Options{}, []parquet.WriterOption{parquet.Compression(&parquet.Lz4Raw)}, "codec LZ4_RAW", format.Snappy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			rs := rows(1, 500)
			var buf bytes.Buffer
			w := parquet.NewGenericWriter[pcnRow](&buf, append(tc.write, parquet.MaxRowsPerRowGroup(200))...)
			if _, err := w.Write(rs); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			prefix := partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: "PCN_IC"}, day)
			key := prefix + "part-00000-a-c000.parquet"
			if err := landing.WriteAll(ctx, key, buf.Bytes(), nil); err != nil {
				t.Fatal(err)
			}
			tm := liberator.TableManifest{Database: "liberator", Table: "PCN_IC", Prefix: prefix, Objects: []liberator.Object{{Key: key}}}
			l := newLocal(t, landing, raw, tc.opts)
			run, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "20261124/x", ImportDate: day,
				Manifest: liberator.Manifest{ImportDate: day, Tables: []liberator.TableManifest{tm}}})
			if err != nil {
				t.Fatal(err)
			}
			rawKey := l.RawPrefixFor("liberator", "PCN_IC", day) + "part-00000-a-c000.parquet"
			wantProps := map[string]string{PropSpliced: "0", PropReencoded: "1", PropReencodedWhy: rawKey + ": " + tc.wantWhy}
			for k, v := range wantProps {
				if run.Properties[k] != v {
					t.Errorf("run property %s = %q, want %q", k, run.Properties[k], v)
				}
			}
			f, _ := openParquet(t, raw, rawKey)
			for _, c := range f.Metadata().RowGroups[0].Columns {
				if c.MetaData.Codec != tc.wantCodec {
					t.Errorf("column %v codec %v, want %v", c.MetaData.PathInSchema, c.MetaData.Codec, tc.wantCodec)
				}
			}
			got := make([]pcnRaw, f.NumRows())
			if n, err := parquet.NewGenericReader[pcnRaw](f).Read(got); n != len(got) {
				t.Fatalf("read %d rows of %d: %v", n, len(got), err)
			}
			if diff := cmp.Diff(withTS(rs, startTS), got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSpliceStorageErrors: a landed read failing at any point of a splice
// (the footer's read, a row group's copy) or the raw write failing ends the
// run with the blob error's kind, and leaves nothing in the raw zone.
func TestSpliceStorageErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		landing  *faultblob.Rule
		raw      *faultblob.Rule
		wantKind error
	}{
		{"footer read fails", &faultblob.Rule{Op: faultblob.OpNewRangeReader, Nth: 1, Match: parquetKey}, nil, liberator.ErrTransient},
		{"first row group copy fails", &faultblob.Rule{Op: faultblob.OpNewRangeReader, Nth: 2, Match: parquetKey}, nil, liberator.ErrTransient},
		{"third row group copy denied", &faultblob.Rule{Op: faultblob.OpNewRangeReader, Nth: 4, Code: gcerrors.PermissionDenied, Match: parquetKey}, nil, liberator.ErrTerminal},
		{"raw write throttled", nil, &faultblob.Rule{Op: faultblob.OpNewTypedWriter, Code: gcerrors.ResourceExhausted, Match: parquetKey}, liberator.ErrThrottled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			tm := land(t, landing, "PCN_IC", "part-00000-a-c000.gz.parquet", rows(1, 100), 20)
			if tc.landing != nil {
				var faults *faultblob.Faults
				landing, faults = faultblob.Wrap(landing)
				faults.Add(*tc.landing)
			}
			if tc.raw != nil {
				var faults *faultblob.Faults
				raw, faults = faultblob.Wrap(raw)
				faults.Add(*tc.raw)
			}
			l := newLocal(t, landing, raw, Options{})
			_, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "k", ImportDate: day,
				Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}})
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			for _, k := range keys(t, raw, "parking/") {
				t.Errorf("raw zone has %s after a failed run", k)
			}
		})
	}
}

func parquetKey(_ faultblob.Op, key string) bool { return strings.HasSuffix(key, ".parquet") }
