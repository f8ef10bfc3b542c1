package localglue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

type pcnRow struct {
	ID     int64   `parquet:"id"`
	PCN    string  `parquet:"pcn"`
	Amount *string `parquet:"amount,optional"`
	Issued *int64  `parquet:"issued_at,optional"`
}

type pcnRaw struct {
	ID     int64   `parquet:"id"`
	PCN    string  `parquet:"pcn"`
	Amount *string `parquet:"amount,optional"`
	Issued *int64  `parquet:"issued_at,optional"`
	TS     *string `parquet:"import_timestamp,optional"`
}

var (
	day     = liberator.Date{Year: 2026, Month: time.November, Day: 24}
	start   = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	startTS = fmt.Sprint(start.Unix())
)

func sp(s string) *string { return &s }

func rows(from, n int) []pcnRow {
	var out []pcnRow
	for i := from; i < from+n; i++ {
		r := pcnRow{ID: int64(i), PCN: fmt.Sprintf("HY%08d", i)}
		if i%3 != 0 {
			r.Amount = sp(fmt.Sprintf("%d.50", i))
			ts := int64(i) * 1_000_000
			r.Issued = &ts
		}
		out = append(out, r)
	}
	return out
}

// land writes a landed Parquet file with row groups of groupRows rows and
// returns its manifest entry.
func land(t *testing.T, b *blob.Bucket, table, file string, rs []pcnRow, groupRows int) liberator.TableManifest {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pcnRow](&buf, parquet.MaxRowsPerRowGroup(int64(groupRows)), parquet.Compression(&parquet.Gzip))
	if _, err := w.Write(rs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ref := partition.TableRef{Database: "liberator", Table: table}
	prefix := partition.TablePrefix("parking", ref, day)
	key := prefix + file
	if err := b.WriteAll(context.Background(), key, buf.Bytes(), nil); err != nil {
		t.Fatal(err)
	}
	return liberator.TableManifest{Database: "liberator", Table: table, Prefix: prefix,
		Objects: []liberator.Object{{Key: key, Size: int64(buf.Len())}}, Rows: int64(len(rs))}
}

func readRaw(t *testing.T, b *blob.Bucket, key string) ([]string, []pcnRaw) {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, fl := range f.Schema().Fields() {
		cols = append(cols, fl.Name())
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec != format.Gzip { // the landed files' (land), kept by the splice
				t.Errorf("%s: column %v codec %v, want GZIP", key, c.MetaData.PathInSchema, c.MetaData.Codec)
			}
		}
	}
	r := parquet.NewGenericReader[pcnRaw](f)
	out := make([]pcnRaw, f.NumRows())
	n, err := r.Read(out)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if n == 0 {
		return cols, nil
	}
	return cols, out[:n]
}

func keys(t *testing.T, b *blob.Bucket, prefix string) []string {
	t.Helper()
	var out []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
	sort.Strings(out)
	return out
}

func withTS(rs []pcnRow, ts string) []pcnRaw {
	var out []pcnRaw
	for _, r := range rs {
		out = append(out, pcnRaw{ID: r.ID, PCN: r.PCN, Amount: r.Amount, Issued: r.Issued, TS: sp(ts)})
	}
	return out
}

func newLocal(t *testing.T, landing, raw *blob.Bucket, opts Options) *Workflow {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = liberator.NewVirtualClock(start)
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	l, err := New(landing, raw, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalIdempotentAndJobs(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
	req := liberator.WorkflowRequest{RunKey: "20261124/e", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}

	var calls []string
	fail := true
	l := newLocal(t, landing, raw, Options{})
	l.RegisterJob("first", func(ctx context.Context, jc JobContext) error {
		calls = append(calls, fmt.Sprintf("first rows=%d ts=%s", jc.Tables[0].Rows, jc.ImportTimestamp))
		return nil
	})
	l.RegisterJob("second", func(ctx context.Context, jc JobContext) error {
		calls = append(calls, "second")
		if fail {
			return errors.New("transformation exploded")
		}
		return nil
	})

	run, err := l.Start(ctx, req)
	if err == nil || !errors.Is(err, liberator.ErrTerminal) {
		t.Fatalf("failing job: err = %v, want ErrTerminal", err)
	}
	if run.Status != StatusError {
		t.Errorf("status = %s, want ERROR", run.Status)
	}
	got, err := l.GetRun(ctx, run.ID)
	if err != nil || got.Status != StatusError {
		t.Errorf("GetRun = %+v, %v", got, err)
	}

	// A run that failed runs again; one that completed does not.
	fail = false
	run2, err := l.Start(ctx, req)
	if err != nil || run2.Status != StatusCompleted || run2.ID != run.ID {
		t.Fatalf("retry: %+v, %v", run2, err)
	}
	run3, err := l.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run2, run3); diff != "" {
		t.Errorf("second Start with the same key (-first +second):\n%s", diff)
	}
	want := []string{"first rows=3 ts=" + startTS, "second", "first rows=3 ts=" + startTS, "second"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("job calls (-want +got):\n%s", diff)
	}

	// A new process sees the recorded run and does not run it again.
	l2 := newLocal(t, landing, raw, Options{})
	l2.RegisterJob("never", func(ctx context.Context, jc JobContext) error { t.Error("job ran again"); return nil })
	run4, err := l2.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run2.ID, run4.ID); diff != "" || run4.Status != StatusCompleted {
		t.Errorf("recorded run: %+v", run4)
	}
	if _, err := l2.GetRun(ctx, "wr_nope"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("GetRun unknown: %v, want ErrNotFound", err)
	}
}

func TestFastSnappyRoundTrip(t *testing.T) {
	tests := [][]byte{nil, []byte("a"), bytes.Repeat([]byte("import_timestamp 1795500000 "), 5000), make([]byte, 1<<20)}
	for _, src := range tests {
		enc, err := export.FastSnappy{}.Encode(nil, src)
		if err != nil {
			t.Fatal(err)
		}
		// Any Snappy decoder reads it.
		dec, err := (&parquet.Snappy).Decode(nil, enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec, src) {
			t.Errorf("round trip of %d bytes gave %d bytes", len(src), len(dec))
		}
		dec2, err := export.FastSnappy{}.Decode(make([]byte, 0, 10), enc)
		if err != nil || !bytes.Equal(dec2, src) {
			t.Errorf("FastSnappy.Decode: %d bytes, %v", len(dec2), err)
		}
	}
}
