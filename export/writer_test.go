package export

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// filesUnder lists every file below dir (temporary files included).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testRows(t *testing.T, n int) (*parquet.Schema, []parquet.Row) {
	t.Helper()
	tbl := &mysqldump.Table{Name: "T", Columns: []mysqldump.Column{{Name: "id", Type: "bigint", NotNull: true}, {Name: "s", Type: "varchar"}}}
	schema, plans, err := SchemaFor(tbl, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]parquet.Row, n)
	for i := range rows {
		a, err := Decode(plans[0], num(strings.Repeat("1", 1+i%15)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Decode(plans[1], str(strings.Repeat("x", i%50)))
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = parquet.Row{a, b}
	}
	return schema, rows
}

func openFileBucket(t *testing.T) (*blob.Bucket, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dir
}

func TestTableWriterAtomicParts(t *testing.T) {
	ctx := context.Background()
	bucket, dir := openFileBucket(t)
	schema, rows := testRows(t, 2000)
	w, err := NewTableWriter(ctx, bucket, "e/liberator/liberator.T/1/", schema, WriterOptions{UUID: "u", PartSize: 8 << 10, RowGroupRows: 300})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rows); i += 100 {
		if err := w.WriteRows(rows[i : i+100]); err != nil {
			t.Fatal(err)
		}
		// the open part is never visible
		if w.cur != nil {
			if ok, _ := bucket.Exists(ctx, w.cur.key); ok {
				t.Fatalf("open part %s is visible before it is finished", w.cur.key)
			}
		}
	}
	parts, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 {
		t.Fatalf("%d parts, want several with PartSize 8 KiB", len(parts))
	}
	var total int64
	var wantFiles []string
	for i, p := range parts {
		if want := "e/liberator/liberator.T/1/" + PartName(i, "u", CodecGzip); p.Key != want {
			t.Errorf("part %d key %s, want %s", i, p.Key, want)
		}
		total += p.Rows
		wantFiles = append(wantFiles, p.Key)
		f := exporttest.ReadParquet(t, bucket, p.Key)
		if f.NumRows() != p.Rows {
			t.Errorf("%s has %d rows, PartInfo says %d", p.Key, f.NumRows(), p.Rows)
		}
		attrs, err := bucket.Attributes(ctx, p.Key)
		if err != nil || attrs.Size != p.Bytes {
			t.Errorf("%s size %v (%v), PartInfo says %d", p.Key, attrs, err, p.Bytes)
		}
		for _, rg := range f.RowGroups() {
			if rg.NumRows() > 300 {
				t.Errorf("%s: row group of %d rows, want <= 300", p.Key, rg.NumRows())
			}
		}
	}
	if total != int64(len(rows)) || w.Rows() != total {
		t.Errorf("rows in parts %d, Rows() %d, want %d", total, w.Rows(), len(rows))
	}
	if diff := cmp.Diff(wantFiles, filterAttrs(filesUnder(t, dir))); diff != "" {
		t.Errorf("files on disk (-want +got):\n%s", diff)
	}
}

// filterAttrs drops fileblob's .attrs side files.
func filterAttrs(files []string) []string {
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".attrs") {
			out = append(out, f)
		}
	}
	return out
}

func TestTableWriterAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	bucket, dir := openFileBucket(t)
	schema, rows := testRows(t, 1000)
	w, err := NewTableWriter(ctx, bucket, "e/t/", schema, WriterOptions{UUID: "u", PartSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rows); i += 50 {
		if err := w.WriteRows(rows[i : i+50]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRows(rows[:3]); err != nil { // leaves a part open
		t.Fatal(err)
	}
	if len(w.Parts()) == 0 || w.cur == nil {
		t.Fatalf("want finished parts and an open one before aborting (parts %d, open %v)", len(w.Parts()), w.cur != nil)
	}
	if err := w.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if files := filesUnder(t, dir); len(files) != 0 {
		t.Errorf("files left after Abort: %v", files)
	}
}

func TestTableWriterRowGroupBytes(t *testing.T) {
	bucket, _ := openFileBucket(t)
	schema, rows := testRows(t, 3000)
	w, err := NewTableWriter(context.Background(), bucket, "p/", schema, WriterOptions{UUID: "u", RowGroupBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rows); i += 100 {
		if err := w.WriteRows(rows[i : i+100]); err != nil {
			t.Fatal(err)
		}
	}
	parts, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	f := exporttest.ReadParquet(t, bucket, parts[0].Key)
	if n := len(f.RowGroups()); n < 3 {
		t.Errorf("%d row groups, want several with RowGroupBytes 4 KiB", n)
	}
}

func TestTableWriterErrors(t *testing.T) {
	bucket, _ := openFileBucket(t)
	schema, rows := testRows(t, 1)
	if _, err := NewTableWriter(context.Background(), bucket, "p/", schema, WriterOptions{Codec: "lzma"}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("unknown codec: %v, want Invalid", err)
	}
	for _, o := range []WriterOptions{{Codec: CodecGzip, Level: 10}, {Codec: CodecZstd, Level: 5}, {Level: -1}} {
		if _, err := NewTableWriter(context.Background(), bucket, "p/", schema, o); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("%+v: %v, want Invalid", o, err)
		}
	}
	closed, _ := openFileBucket(t)
	closed.Close()
	w, err := NewTableWriter(context.Background(), closed, "p/", schema, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A closed bucket is FailedPrecondition: terminal under blobio's policy.
	if err := w.WriteRows(rows); !errors.Is(err, liberator.ErrTerminal) || !strings.Contains(err.Error(), "p/part-00000-") {
		t.Errorf("write to a closed bucket: %v, want Terminal naming the part", err)
	}
}

func TestCodecNames(t *testing.T) {
	got := map[Codec]string{}
	for _, c := range []Codec{CodecSnappy, CodecGzip, CodecZstd, CodecNone, ""} {
		got[c] = PartName(3, "u", c)
	}
	want := map[Codec]string{
		CodecSnappy: "part-00003-u-c000.snappy.parquet", CodecGzip: "part-00003-u-c000.gz.parquet",
		CodecZstd: "part-00003-u-c000.zstd.parquet", CodecNone: "part-00003-u-c000.parquet", "": "part-00003-u-c000.gz.parquet",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
