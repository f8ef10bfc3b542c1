package bloblander_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

var (
	day   = liberator.Date{Year: 2026, Month: time.November, Day: 24}
	start = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
)

const part = "import_year=2026/import_month=11/import_day=24/import_date=20261124/"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func put(t *testing.T, b *blob.Bucket, files map[string]string) {
	t.Helper()
	for k, v := range files {
		if err := b.WriteAll(context.Background(), k, []byte(v), nil); err != nil {
			t.Fatal(err)
		}
	}
}

// contents returns every key under prefix with its body.
func contents(t *testing.T, b *blob.Bucket, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := b.ReadAll(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(body)
	}
}

func newLander(t *testing.T, src, dst *blob.Bucket, opts bloblander.Options) (*bloblander.Lander, *liberator.VirtualClock) {
	t.Helper()
	vc := liberator.NewVirtualClock(start)
	if opts.Clock == nil {
		opts.Clock = vc
	}
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	l, err := bloblander.New(src, dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, vc
}

// export1 has both layouts, upper-case names and files to ignore.
var export1 = map[string]string{
	"exp-1/export_info_exp-1.json":                                          `{"status":"COMPLETE"}`,
	"exp-1/export_tables_info_exp-1_from_1_to_2.json":                       `{}`,
	"exp-1/liberator/liberator.PCN_IC/1/part-00000-aa-c000.gz.parquet":      "pcn-ic-0",
	"exp-1/liberator/liberator.PCN_IC/2/part-00001-bb-c000.gz.parquet":      "pcn-ic-one",
	"exp-1/liberator/liberator.PCN_IC/1/.part-00000-aa-c000.gz.parquet.crc": "crc",
	"exp-1/liberator/liberator.vrm/part-00000-cc-c000.gz.parquet":           "vrm",
	"other-export/liberator/liberator.vrm/part-9.parquet":                   "other",
}

func pcnPrefix(prefix string) string { return prefix + "/liberator/liberator.PCN_IC/" + part }
func vrmPrefix(prefix string) string { return prefix + "/liberator/liberator.vrm/" + part }

// marker and manifest are the keys of a partition's marker and manifest in
// the default layout.
func marker(partPrefix string) string   { return partition.ControlLayout.MarkerKey(partPrefix) }
func manifest(partPrefix string) string { return partition.ControlLayout.ManifestKey(partPrefix) }

// TestLandBothLayouts lands an export of both RDS export layouts (with and
// without a batch folder) on three kinds of storage, in both partition
// layouts: by default the partition folders hold only the Parquet files,
// and each partition's manifest and marker are under
// _liberator/partitions/; with partition.InPartitionLayout they sit in
// the partition folder. Readers find them either way.
func TestLandBothLayouts(t *testing.T) {
	for _, layout := range partition.Layouts {
		t.Run(layout.String(), func(t *testing.T) { testLandLayout(t, layout) })
	}
}

func testLandLayout(t *testing.T, layout partition.Layout) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (src, dst *blob.Bucket)
	}{
		{"memblob same bucket", func(t *testing.T) (*blob.Bucket, *blob.Bucket) {
			b := memblob.OpenBucket(nil)
			return b, b
		}},
		{"fileblob same bucket", func(t *testing.T) (*blob.Bucket, *blob.Bucket) {
			b, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{Metadata: fileblob.MetadataDontWrite})
			if err != nil {
				t.Fatal(err)
			}
			return b, b
		}},
		{"memblob to fileblob", func(t *testing.T) (*blob.Bucket, *blob.Bucket) {
			d, err := fileblob.OpenBucket(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return memblob.OpenBucket(nil), d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src, dst := tc.open(t)
			put(t, src, export1)
			var copies atomic.Int32
			l, _ := newLander(t, src, dst, bloblander.Options{
				BeforeCopy: func(func(any) bool) error { copies.Add(1); return nil },
				Layout:     layout,
			})
			got, err := l.Land(ctx, liberator.LandRequest{
				ExportID: "exp-1", ImportDate: day,
				RowCounts: map[string]int64{"liberator.PCN_IC": 42},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := liberator.Manifest{Version: 1, ExportID: "exp-1", ImportDate: day, Tables: []liberator.TableManifest{
				{Database: "liberator", Table: "PCN_IC", Prefix: pcnPrefix("parking"), Rows: 42, Bytes: 18, Objects: []liberator.Object{
					{Key: pcnPrefix("parking") + "part-00000-aa-c000.gz.parquet", Source: "exp-1/liberator/liberator.PCN_IC/1/part-00000-aa-c000.gz.parquet", Size: 8},
					{Key: pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet", Source: "exp-1/liberator/liberator.PCN_IC/2/part-00001-bb-c000.gz.parquet", Size: 10},
				}},
				{Database: "liberator", Table: "vrm", Prefix: vrmPrefix("parking"), Rows: -1, Bytes: 3, Objects: []liberator.Object{
					{Key: vrmPrefix("parking") + "part-00000-cc-c000.gz.parquet", Source: "exp-1/liberator/liberator.vrm/part-00000-cc-c000.gz.parquet", Size: 3},
				}},
			}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("manifest (-want +got):\n%s", diff)
			}
			landed := contents(t, dst, "parking/")
			for k, v := range contents(t, dst, partition.ControlRoot) {
				landed[k] = v
			}
			for k, v := range landed {
				if strings.HasSuffix(k, partition.ManifestName) {
					landed[k] = "manifest"
				} else if strings.HasSuffix(k, "/"+partition.MarkerName) && v == "" {
					landed[k] = "marker"
				}
			}
			wantLanded := map[string]string{
				pcnPrefix("parking") + "part-00000-aa-c000.gz.parquet": "pcn-ic-0",
				pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet": "pcn-ic-one",
				layout.ManifestKey(pcnPrefix("parking")):               "manifest",
				layout.MarkerKey(pcnPrefix("parking")):                 "marker",
				vrmPrefix("parking") + "part-00000-cc-c000.gz.parquet": "vrm",
				layout.ManifestKey(vrmPrefix("parking")):               "manifest",
				layout.MarkerKey(vrmPrefix("parking")):                 "marker",
			}
			if diff := cmp.Diff(wantLanded, landed); diff != "" {
				t.Errorf("landing zone (-want +got):\n%s", diff)
			}
			if layout == partition.ControlLayout {
				for k := range contents(t, dst, "parking/") {
					if !partition.IsParquet(k) {
						t.Errorf("partition folder holds %s, want only Parquet files", k)
					}
				}
			}
			stored, err := partition.ReadManifest(ctx, dst, "", "liberator", "PCN_IC", day)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(liberator.Manifest{Version: 1, ExportID: "exp-1", ImportDate: day, Tables: want.Tables[:1]}, stored); diff != "" {
				t.Errorf("stored manifest (-want +got):\n%s", diff)
			}
			ok, err := partition.Published(ctx, dst, "parking", "liberator", "vrm", day)
			if err != nil || !ok {
				t.Errorf("Published(vrm) = %v, %v; want true", ok, err)
			}
			wantCopies := int32(0)
			if src == dst {
				wantCopies = 3
			}
			if got := copies.Load(); got != wantCopies {
				t.Errorf("BeforeCopy called %d times, want %d", got, wantCopies)
			}
		})
	}
}

func TestLandPagination(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	faults.SetMaxPageSize(3)
	files := map[string]string{}
	want := map[string]string{}
	for i := range 120 {
		table := fmt.Sprintf("T%d", i%4)
		name := fmt.Sprintf("part-%05d.gz.parquet", i)
		files[fmt.Sprintf("exp/liberator/liberator.%s/%d/%s", table, i%3, name)] = fmt.Sprint(i)
		want[fmt.Sprintf("lake/liberator/liberator.%s/%s%s", table, part, name)] = fmt.Sprint(i)
	}
	put(t, inner, files)
	l, _ := newLander(t, b, b, bloblander.Options{Prefix: "lake", PageSize: 7, Workers: 3})
	m, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp", ImportDate: day})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tm := range m.Tables {
		n += len(tm.Objects)
		if !sort.SliceIsSorted(tm.Objects, func(i, j int) bool { return tm.Objects[i].Key < tm.Objects[j].Key }) {
			t.Errorf("objects of %s not sorted", tm.Table)
		}
	}
	if n != 120 || len(m.Tables) != 4 {
		t.Errorf("manifest has %d tables, %d objects; want 4, 120", len(m.Tables), n)
	}
	got := contents(t, inner, "lake/")
	for k := range got {
		if strings.HasSuffix(k, "/_SUCCESS") || strings.HasSuffix(k, "/_manifest.json") {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("landing zone (-want +got):\n%s", diff)
	}
	if c := faults.Count(faultblob.OpListPaged); c < 120/3 {
		t.Errorf("%d list calls; want at least %d (pages of 3)", c, 120/3)
	}
}

func TestLandRetriesTransientCopyErrors(t *testing.T) {
	tests := []struct {
		name  string
		retry liberator.RetryPolicy
		want  time.Duration // backoff waits taken on the clock
	}{
		{"doubling by default", liberator.RetryPolicy{Attempts: 3, Initial: time.Second, Max: time.Minute}, time.Second + 2*time.Second},
		{"multiplier", liberator.RetryPolicy{Attempts: 3, Initial: time.Second, Multiplier: 3, Max: time.Minute}, time.Second + 3*time.Second},
		{"capped by max", liberator.RetryPolicy{Attempts: 3, Initial: time.Second, Max: time.Second}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			inner := memblob.OpenBucket(nil)
			b, faults := faultblob.Wrap(inner)
			put(t, inner, export1)
			target := pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet"
			faults.Add(faultblob.Rule{Op: faultblob.OpCopy, Key: target, Times: 2})
			l, vc := newLander(t, b, b, bloblander.Options{Retry: tt.retry})
			if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
				t.Fatal(err)
			}
			if got := contents(t, inner, target)[target]; got != "pcn-ic-one" {
				t.Errorf("target holds %q", got)
			}
			if ok, _ := partition.Published(ctx, inner, "", "liberator", "PCN_IC", day); !ok {
				t.Error("no marker after recovered copy")
			}
			if got, want := faults.Injected(), 2; got != want {
				t.Errorf("%d faults injected, want %d", got, want)
			}
			if got := vc.Now().Sub(start); got != tt.want {
				t.Errorf("clock advanced %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLandRetriesCorruptCopy(t *testing.T) {
	for _, twoBuckets := range []bool{false, true} {
		t.Run(fmt.Sprint("two buckets ", twoBuckets), func(t *testing.T) {
			ctx := context.Background()
			src := memblob.OpenBucket(nil)
			put(t, src, export1)
			dstInner := src
			if twoBuckets {
				dstInner = memblob.OpenBucket(nil)
			}
			dst, faults := faultblob.Wrap(dstInner)
			if !twoBuckets {
				src = dst
			}
			target := vrmPrefix("parking") + "part-00000-cc-c000.gz.parquet"
			faults.Add(faultblob.Rule{Key: target, Times: 1, Corrupt: true})
			l, _ := newLander(t, src, dst, bloblander.Options{})
			if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
				t.Fatal(err)
			}
			if got := contents(t, dstInner, target)[target]; got != "vrm" {
				t.Errorf("target holds %q after a corrupt first copy, want %q", got, "vrm")
			}
		})
	}
}

func TestLandFailures(t *testing.T) {
	target := pcnPrefix("parking") + "part-00001-bb-c000.gz.parquet"
	source := "exp-1/liberator/liberator.PCN_IC/2/part-00001-bb-c000.gz.parquet"
	tests := []struct {
		name       string
		twoBuckets bool
		rule       faultblob.Rule
		wantKind   *liberator.Kind
		wantCalls  int // injected faults
	}{
		{"copy always fails", false, faultblob.Rule{Op: faultblob.OpCopy, Key: target}, liberator.ErrTransient, 4},
		{"write always fails", true, faultblob.Rule{Op: faultblob.OpNewTypedWriter, Key: target}, liberator.ErrTransient, 4},
		{"permission denied", false, faultblob.Rule{Key: target, Code: gcerrors.PermissionDenied}, liberator.ErrTerminal, 1},
		{"invalid argument", false, faultblob.Rule{Key: target, Code: gcerrors.InvalidArgument}, liberator.ErrTerminal, 1},
		{"throttled", false, faultblob.Rule{Key: target, Code: gcerrors.ResourceExhausted}, liberator.ErrTransient, 4},
		// Under the one blob error policy every code not listed as
		// terminal is transient and retried (AlreadyExists included).
		{"already exists", false, faultblob.Rule{Key: target, Code: gcerrors.AlreadyExists}, liberator.ErrTransient, 4},
		{"marker write fails", false, faultblob.Rule{Op: faultblob.OpNewTypedWriter, Key: marker(pcnPrefix("parking"))}, liberator.ErrTransient, 4},
		{"old marker delete fails", false, faultblob.Rule{Op: faultblob.OpDelete, Key: marker(pcnPrefix("parking"))}, liberator.ErrTransient, 4},
		{"old in-partition marker delete fails", false, faultblob.Rule{Op: faultblob.OpDelete, Key: pcnPrefix("parking") + "_SUCCESS"}, liberator.ErrTransient, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			src := memblob.OpenBucket(nil)
			put(t, src, export1)
			dstInner := src
			if tt.twoBuckets {
				dstInner = memblob.OpenBucket(nil)
			}
			dst, faults := faultblob.Wrap(dstInner)
			if !tt.twoBuckets {
				src = dst
			}
			faults.Add(tt.rule)
			l, _ := newLander(t, src, dst, bloblander.Options{Retry: liberator.RetryPolicy{Attempts: 4}})
			m, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
			if err == nil {
				t.Fatal("Land succeeded")
			}
			if !errors.Is(err, tt.wantKind) {
				t.Errorf("error %v does not wrap %v", err, tt.wantKind)
			}
			for _, k := range []*liberator.Kind{liberator.ErrTransient, liberator.ErrTerminal} {
				if k != tt.wantKind && errors.Is(err, k) {
					t.Errorf("error %v also wraps %v", err, k)
				}
			}
			name := target
			if strings.HasSuffix(tt.rule.Key, "_SUCCESS") {
				name = "liberator.PCN_IC"
			} else if !strings.Contains(err.Error(), source) {
				t.Errorf("error %q does not name the source key %q", err, source)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %q", err, name)
			}
			if got := faults.Injected(); got != tt.wantCalls {
				t.Errorf("%d faults injected, want %d", got, tt.wantCalls)
			}
			faults.Reset()
			if ok, _ := partition.Published(ctx, dst, "", "liberator", "PCN_IC", day); ok {
				t.Error("failed table has a marker")
			}
			if ok, _ := partition.Published(ctx, dst, "", "liberator", "vrm", day); !ok {
				t.Error("the good table was not published")
			}
			if len(m.Tables) != 1 || m.Tables[0].Table != "vrm" {
				t.Errorf("manifest on error lists %+v, want only vrm", m.Tables)
			}
			// Once the store recovers, a re-run publishes the table.
			if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			if ok, _ := partition.Published(ctx, dst, "", "liberator", "PCN_IC", day); !ok {
				t.Error("no marker after re-run")
			}
		})
	}
}

func TestLandRerunReplacesPartition(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	put(t, b, export1)
	l, _ := newLander(t, b, b, bloblander.Options{})
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
		t.Fatal(err)
	}
	put(t, b, map[string]string{
		"exp-2/liberator/liberator.PCN_IC/1/part-00000-zz-c000.gz.parquet": "new",
		"exp-2/liberator/liberator.PCN_IC/1/part-00000-aa-c000.gz.parquet": "same name",
	})
	m, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day})
	if err != nil {
		t.Fatal(err)
	}
	got := contents(t, b, pcnPrefix("parking"))
	want := map[string]string{
		pcnPrefix("parking") + "part-00000-aa-c000.gz.parquet": "same name",
		pcnPrefix("parking") + "part-00000-zz-c000.gz.parquet": "new",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partition after re-run (-want +got):\n%s", diff)
	}
	stored, err := partition.ReadManifest(ctx, b, "parking", "liberator", "PCN_IC", day)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Tables, stored.Tables); diff != "" || stored.ExportID != "exp-2" {
		t.Errorf("stored manifest of %q (-returned +stored):\n%s", stored.ExportID, diff)
	}
	// vrm is not in exp-2: its exp-1 partition stays published.
	if ok, _ := partition.Published(ctx, b, "", "liberator", "vrm", day); !ok {
		t.Error("vrm partition lost its marker")
	}
}

func TestLandIdempotent(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	put(t, inner, export1)
	l, _ := newLander(t, b, b, bloblander.Options{})
	req := liberator.LandRequest{ExportID: "exp-1", ImportDate: day, RowCounts: map[string]int64{"liberator.vrm": 1}}
	first, err := l.Land(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// Deletes of data objects; the lease's own objects do not count.
	dataDeletes := func() int {
		n := 0
		for _, c := range faults.Calls() {
			if c.Op == faultblob.OpDelete && !strings.HasPrefix(c.Key, lease.DefaultPrefix) {
				n++
			}
		}
		return n
	}
	copies, deletes := faults.Count(faultblob.OpCopy), dataDeletes()
	second, err := l.Land(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second Land (-first +second):\n%s", diff)
	}
	if got := faults.Count(faultblob.OpCopy) - copies; got != 0 {
		t.Errorf("second Land copied %d objects", got)
	}
	if got := dataDeletes() - deletes; got != 0 {
		t.Errorf("second Land deleted %d objects", got)
	}

	// A partition whose marker is missing (crash before the marker) is
	// landed again.
	if err := inner.Delete(ctx, marker(vrmPrefix("parking"))); err != nil {
		t.Fatal(err)
	}
	copies = faults.Count(faultblob.OpCopy)
	if _, err := l.Land(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := faults.Count(faultblob.OpCopy) - copies; got != 1 {
		t.Errorf("re-run after lost marker copied %d objects, want 1", got)
	}
	if ok, _ := partition.Published(ctx, inner, "", "liberator", "vrm", day); !ok {
		t.Error("no marker after re-run")
	}
}

func TestLandRefusesBadExports(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		req   liberator.LandRequest
		kind  *liberator.Kind
		names []string
	}{
		{"dotdot", map[string]string{"exp/liberator/liberator.T/../../../x.parquet": "x"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrInvalid, []string{"exp/liberator/liberator.T/../../../x.parquet"}},
		{"empty segment", map[string]string{"exp/liberator//x.parquet": "x"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrInvalid, []string{"exp/liberator//x.parquet"}},
		{"table folder of another db", map[string]string{"exp/liberator/other.T/x.parquet": "x", "exp/liberator/T/y.parquet": "y"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrInvalid, []string{"exp/liberator/other.T/x.parquet", "exp/liberator/T/y.parquet"}},
		{"backslash", map[string]string{`exp/liberator/liberator.T/a\b.parquet`: "x"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrInvalid, []string{`a\\b.parquet`}},
		{"two batches same file", map[string]string{"exp/liberator/liberator.T/1/p.parquet": "x", "exp/liberator/liberator.T/2/p.parquet": "y"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrInvalid, []string{"exp/liberator/liberator.T/2/p.parquet"}},
		{"invalid date", nil, liberator.LandRequest{ExportID: "exp", ImportDate: liberator.Date{Year: 2026, Month: 2, Day: 30}}, liberator.ErrInvalid, []string{"2026-02-30"}},
		{"zero date", nil, liberator.LandRequest{ExportID: "exp"}, liberator.ErrInvalid, []string{"exp"}},
		{"no export id", nil, liberator.LandRequest{ImportDate: day}, liberator.ErrInvalid, nil},
		{"escaping export prefix", nil, liberator.LandRequest{ExportID: "exp", ExportPrefix: "../exp/", ImportDate: day}, liberator.ErrInvalid, []string{"../exp/"}},
		{"empty export", map[string]string{"exp/export_info_exp.json": "{}"},
			liberator.LandRequest{ExportID: "exp", ImportDate: day}, liberator.ErrNotFound, []string{"exp/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			inner := memblob.OpenBucket(nil)
			good := map[string]string{"exp/liberator/liberator.OK/part-0.parquet": "ok"}
			if tt.kind == liberator.ErrNotFound {
				good = nil
			}
			put(t, inner, good)
			put(t, inner, tt.files)
			b, faults := faultblob.Wrap(inner)
			l, _ := newLander(t, b, b, bloblander.Options{})
			_, err := l.Land(ctx, tt.req)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %v does not wrap %v", err, tt.kind)
			}
			for _, n := range tt.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("error %q does not name %q", err, n)
				}
			}
			if got := contents(t, inner, "parking/"); len(got) != 0 {
				t.Errorf("landing zone not empty: %v", got)
			}
			if n := faults.Count(faultblob.OpCopy) + faults.Count(faultblob.OpNewTypedWriter); n != 0 {
				t.Errorf("%d copies or writes after refusal", n)
			}
		})
	}
}

func TestLandTablesFilter(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	put(t, b, export1)
	l, _ := newLander(t, b, b, bloblander.Options{})
	for _, want := range []string{"vrm", "liberator.vrm"} {
		m, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day, Tables: []string{want, "missing"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Tables) != 1 || m.Tables[0].Table != "vrm" {
			t.Errorf("Tables %q landed %+v", want, m.Tables)
		}
		if got := contents(t, b, "parking/liberator/liberator.PCN_IC/"); len(got) != 0 {
			t.Errorf("unrequested table landed: %v", got)
		}
	}
}

func TestLandCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inner := memblob.OpenBucket(nil)
	b, faults := faultblob.Wrap(inner)
	put(t, inner, export1)
	// Cancel the context while the first copy runs: every copy fails.
	faults.Add(faultblob.Rule{Op: faultblob.OpCopy, Nth: 1})
	l, _ := newLander(t, b, b, bloblander.Options{Workers: 1, Clock: cancelClock{cancel}})
	_, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
	if !errors.Is(err, liberator.ErrTransient) {
		t.Fatalf("error %v does not wrap Transient", err)
	}
	for _, tbl := range []string{"PCN_IC", "vrm"} {
		if ok, _ := partition.Published(context.Background(), inner, "", "liberator", tbl, day); ok {
			t.Errorf("%s published after cancel", tbl)
		}
	}
}

// cancelClock cancels its context instead of sleeping.
type cancelClock struct{ cancel context.CancelFunc }

func (c cancelClock) Now() time.Time { return start }
func (c cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return ctx.Err()
}

func TestNewLanderRefusals(t *testing.T) {
	b := memblob.OpenBucket(nil)
	tests := []struct {
		name     string
		src, dst *blob.Bucket
		opts     bloblander.Options
	}{
		{"nil src", nil, b, bloblander.Options{}},
		{"nil dst", b, nil, bloblander.Options{}},
		{"negative workers", b, b, bloblander.Options{Workers: -1}},
		{"negative attempts", b, b, bloblander.Options{Retry: liberator.RetryPolicy{Attempts: -1}}},
		{"multiplier below 1", b, b, bloblander.Options{Retry: liberator.RetryPolicy{Multiplier: 0.5}}},
		{"max below initial", b, b, bloblander.Options{Retry: liberator.RetryPolicy{Initial: time.Minute, Max: time.Second}}},
		{"absolute prefix", b, b, bloblander.Options{Prefix: "/parking"}},
		{"escaping prefix", b, b, bloblander.Options{Prefix: "parking/../.."}},
	}
	for _, tt := range tests {
		if _, err := bloblander.New(tt.src, tt.dst, tt.opts); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("%s: error %v does not wrap Invalid", tt.name, err)
		}
	}
}

func TestLandBoundsParallelCopies(t *testing.T) {
	for _, tc := range []struct {
		workers    int
		twoBuckets bool
		op         faultblob.Op
	}{
		{1, false, faultblob.OpCopy},
		{3, false, faultblob.OpCopy},
		{4, true, faultblob.OpNewRangeReader},
	} {
		t.Run(fmt.Sprint("workers=", tc.workers, " ", tc.op), func(t *testing.T) {
			ctx := context.Background()
			inner := memblob.OpenBucket(nil)
			files := map[string]string{}
			for i := range 30 {
				files[fmt.Sprintf("exp/liberator/liberator.T%d/1/part-%05d.parquet", i%5, i)] = "x"
			}
			put(t, inner, files)
			src, faults := faultblob.Wrap(inner)
			dst := src
			if tc.twoBuckets {
				dst = memblob.OpenBucket(nil)
			}
			l, _ := newLander(t, src, dst, bloblander.Options{Workers: tc.workers})
			// Hold the copies: exactly Workers of them must pile up.
			release := faults.Hold(tc.op)
			done := make(chan error, 1)
			go func() {
				_, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp", ImportDate: day})
				done <- err
			}()
			for i := 0; faults.InFlight(tc.op) < tc.workers; i++ {
				if i > 1e7 {
					release()
					t.Fatalf("only %d copies running, want %d", faults.InFlight(tc.op), tc.workers)
				}
				runtime.Gosched()
			}
			for range 1000 {
				runtime.Gosched()
			}
			held := faults.InFlight(tc.op)
			release()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if held != tc.workers || faults.MaxInFlight(tc.op) != tc.workers {
				t.Errorf("%d copies held at once, at most %d; want %d", held, faults.MaxInFlight(tc.op), tc.workers)
			}
			if n := faults.Count(tc.op); n != 30 {
				t.Errorf("%d %s calls, want 30", n, tc.op)
			}
		})
	}
}
