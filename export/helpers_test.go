package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// event is one scripted scanner callback.
type event struct {
	table *mysqldump.Table   // CreateTable when rows == nil and skip == nil
	row   []mysqldump.Value  // Row when set (into table)
	line  int                // line of the row
	skip  *mysqldump.Skipped // Skip when set
	err   error              // scanner error to return at this point
}

// script is a scanner stand-in: it replays events into the handler,
// reusing one Value slice and one byte buffer as the real scanner does.
type script []event

func (s script) scan(ctx context.Context, r io.Reader, h mysqldump.Handler) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
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

// newTestExporter returns an Embedded on a mem bucket running s.
func newTestExporter(t *testing.T, s script, mod func(*EmbeddedOptions)) (*Embedded, *blob.Bucket) {
	t.Helper()
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	n := 0
	opts := EmbeddedOptions{
		Open: func(ctx context.Context, snap liberator.SnapshotInfo) (io.ReadCloser, error) {
			source := snap.Dump.Key
			if source == "missing.sql" {
				return nil, errors.New("no such dump")
			}
			return io.NopCloser(strings.NewReader("-- dump " + source + "\n")), nil
		},
		Scan:    s.scan,
		Clock:   liberator.NewVirtualClock(testStart),
		NewUUID: func() string { n++; return "00000000-0000-0000-0000-00000000000" + string(rune('0'+n)) },
	}
	if mod != nil {
		mod(&opts)
	}
	return NewEmbedded(bucket, opts), bucket
}

func exportReq(id string) liberator.ExportRequest {
	return liberator.ExportRequest{ID: id, Snapshot: liberator.SnapshotInfo{ID: "snap-1", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Key: "dump.sql"}}}
}

// listKeys returns every key in the bucket, sorted.
func listKeys(t testing.TB, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
	sort.Strings(keys)
	return keys
}

// readParquet opens one part file.
func readParquet(t *testing.T, b *blob.Bucket, key string) *parquet.File {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	return f
}

// readRows reads every row of the parquet files under prefix, as plain Go
// values (see plain).
func readRows(t *testing.T, b *blob.Bucket, prefix string) [][]any {
	t.Helper()
	var out [][]any
	for _, k := range listKeys(t, b) {
		if !strings.HasPrefix(k, prefix) || !strings.HasSuffix(k, ".parquet") {
			continue
		}
		f := readParquet(t, b, k)
		r := parquet.NewReader(f)
		rows := make([]parquet.Row, 64)
		for {
			n, err := r.ReadRows(rows)
			for _, row := range rows[:n] {
				vals := make([]any, len(row))
				for i, v := range row {
					vals[i] = plain(v)
				}
				out = append(out, vals)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read %s: %v", k, err)
			}
		}
		r.Close()
	}
	return out
}

// f64 is a double compared by bits (so -0 and +0 differ).
type f64 uint64

// plain turns a parquet value into a comparable Go value: nil, int32,
// int64, f64 or string (for byte arrays).
func plain(v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Int32:
		return v.Int32()
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return f64(math.Float64bits(v.Double()))
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	}
	return v.String()
}

func dbl(x float64) f64 { return f64(math.Float64bits(x)) }
