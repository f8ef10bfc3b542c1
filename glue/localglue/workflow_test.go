package localglue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
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
			if c.MetaData.Codec != format.Snappy {
				t.Errorf("%s: column %v codec %v, want SNAPPY", key, c.MetaData.PathInSchema, c.MetaData.Codec)
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

func TestLocalCopiesTablesWithTimestamp(t *testing.T) {
	tests := []struct {
		name      string
		table     string
		rows      int
		groupRows int
		routes    []Route
		wantRaw   string
	}{
		{"upper-case table, several row groups", "PCN_IC", 1000, 128, nil,
			"parking/liberator/liberator_pcn_ic/import_year=2026/import_month=11/import_day=24/import_date=20261124/"},
		{"lower-case table, one row", "liberator_permit", 1, 10, nil,
			"parking/liberator/liberator_liberator_permit/import_year=2026/import_month=11/import_day=24/import_date=20261124/"},
		{"routed fpn table", "liberator_fpn_tickets", 50, 10, []Route{{Match: regexp.MustCompile(`^liberator_fpn`), Prefix: "env-enforcement"}},
			"env-enforcement/liberator/liberator_liberator_fpn_tickets/import_year=2026/import_month=11/import_day=24/import_date=20261124/"},
		{"empty table", "liberator_empty", 0, 10, nil,
			"parking/liberator/liberator_liberator_empty/import_year=2026/import_month=11/import_day=24/import_date=20261124/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			rs := rows(1, tc.rows)
			tm := land(t, landing, tc.table, "part-00000-a-c000.gz.parquet", rs, tc.groupRows)
			l := newLocal(t, landing, raw, Options{Routes: tc.routes, RowGroupRows: 300})
			run, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "20261124/x", ImportDate: day,
				Manifest: liberator.Manifest{ImportDate: day, Tables: []liberator.TableManifest{tm}}})
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != StatusCompleted || run.Properties["import_timestamp"] != startTS || run.Properties["import_date"] != "20261124" {
				t.Errorf("run = %+v", run)
			}
			if diff := cmp.Diff([]string{tc.wantRaw + "_SUCCESS", tc.wantRaw + "part-00000-a-c000.gz.parquet"}, keys(t, raw, tc.wantRaw)); diff != "" {
				t.Errorf("raw keys (-want +got):\n%s", diff)
			}
			cols, got := readRaw(t, raw, tc.wantRaw+"part-00000-a-c000.gz.parquet")
			if diff := cmp.Diff([]string{"id", "pcn", "amount", "issued_at", "import_timestamp"}, cols); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(withTS(rs, startTS), got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocalReplacesPartitionOnRerun(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	clk := liberator.NewVirtualClock(start)
	l := newLocal(t, landing, raw, Options{Clock: clk})
	first := land(t, landing, "PCN_IC", "part-00000-old-c000.gz.parquet", rows(1, 10), 100)
	if _, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "20261124/export-1", ImportDate: day,
		Manifest: liberator.Manifest{Tables: []liberator.TableManifest{first}}}); err != nil {
		t.Fatal(err)
	}
	// Another date's partition must survive the re-run.
	other := liberator.Date{Year: 2026, Month: 11, Day: 23}
	otherKey := partition.RawPrefix("parking", "liberator", "PCN_IC", other) + "part-keep.parquet"
	if err := raw.WriteAll(ctx, otherKey, []byte("other day"), nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	second := land(t, landing, "PCN_IC", "part-00000-new-c000.gz.parquet", rows(100, 5), 100)
	if _, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "20261124/export-2", ImportDate: day,
		Manifest: liberator.Manifest{Tables: []liberator.TableManifest{second}}}); err != nil {
		t.Fatal(err)
	}
	p := partition.RawPrefix("parking", "liberator", "PCN_IC", day)
	if diff := cmp.Diff([]string{p + "_SUCCESS", p + "part-00000-new-c000.gz.parquet"}, keys(t, raw, p)); diff != "" {
		t.Errorf("raw partition after re-run (-want +got):\n%s", diff)
	}
	_, got := readRaw(t, raw, p+"part-00000-new-c000.gz.parquet")
	if diff := cmp.Diff(withTS(rows(100, 5), fmt.Sprint(start.Add(time.Hour).Unix())), got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if b, err := raw.ReadAll(ctx, otherKey); err != nil || string(b) != "other day" {
		t.Errorf("other date's partition: %q, %v", b, err)
	}
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

func TestLocalErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest
		wantKind error
	}{
		{"missing landed object", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
			tm.Objects[0].Key += ".gone.parquet"
			return liberator.WorkflowRequest{RunKey: "k", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
		}, liberator.ErrNotFound},
		{"not parquet", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
			if err := landing.WriteAll(ctx, tm.Objects[0].Key, []byte("this is not parquet at all, sorry"), nil); err != nil {
				t.Fatal(err)
			}
			return liberator.WorkflowRequest{RunKey: "k", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
		}, liberator.ErrTerminal},
		{"no run key", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			return liberator.WorkflowRequest{ImportDate: day}
		}, liberator.ErrInvalid},
		{"no date", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			return liberator.WorkflowRequest{RunKey: "k"}
		}, liberator.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			req := tc.setup(t, landing)
			l := newLocal(t, landing, raw, Options{})
			_, err := l.Start(ctx, req)
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			for _, k := range keys(t, raw, "parking/") {
				t.Errorf("raw zone has %s after a failed run", k)
			}
		})
	}
}

// One table failing does not stop the others from being published; the
// failing table gets no marker.
func TestLocalPartialFailure(t *testing.T) {
	ctx := context.Background()
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	good := land(t, landing, "PCN_IC", "part-00000-a.parquet", rows(1, 20), 5)
	good2 := land(t, landing, "PCN_IC", "part-00001-a.parquet", rows(21, 20), 5)
	good.Objects = append(good.Objects, good2.Objects...)
	bad := land(t, landing, "vehicles", "part-00000-a.parquet", rows(1, 3), 10)
	bad.Objects[0].Key += ".missing.parquet"
	l := newLocal(t, landing, raw, Options{Workers: 1})
	_, err := l.Start(ctx, liberator.WorkflowRequest{RunKey: "k", ImportDate: day,
		Manifest: liberator.Manifest{Tables: []liberator.TableManifest{good, bad}}})
	if !errors.Is(err, liberator.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	p := partition.RawPrefix("parking", "liberator", "PCN_IC", day)
	want := []string{p + "_SUCCESS", p + "part-00000-a.parquet", p + "part-00001-a.parquet"}
	if diff := cmp.Diff(want, keys(t, raw, "parking/")); diff != "" {
		t.Errorf("raw keys (-want +got):\n%s", diff)
	}
	_, got := readRaw(t, raw, p+"part-00001-a.parquet")
	if diff := cmp.Diff(withTS(rows(21, 20), startTS), got); diff != "" {
		t.Errorf("second file rows (-want +got):\n%s", diff)
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
