package localglue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

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
			if diff := cmp.Diff(map[string]string{"liberator." + tc.table: tc.wantRaw}, run.Outputs); diff != "" {
				t.Errorf("run outputs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.wantRaw + "part-00000-a-c000.gz.parquet"}, keys(t, raw, tc.wantRaw)); diff != "" {
				t.Errorf("raw keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{partition.ControlLayout.MarkerKey(tc.wantRaw)}, keys(t, raw, partition.ControlRoot)); diff != "" {
				t.Errorf("raw markers (-want +got):\n%s", diff)
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
	if diff := cmp.Diff([]string{p + "part-00000-new-c000.gz.parquet"}, keys(t, raw, p)); diff != "" {
		t.Errorf("raw partition after re-run (-want +got):\n%s", diff)
	}
	if ok, _, err := partition.PublishedAt(ctx, raw, p); err != nil || !ok {
		t.Errorf("raw partition after re-run not published: %v", err)
	}
	_, got := readRaw(t, raw, p+"part-00000-new-c000.gz.parquet")
	if diff := cmp.Diff(withTS(rows(100, 5), fmt.Sprint(start.Add(time.Hour).Unix())), got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if b, err := raw.ReadAll(ctx, otherKey); err != nil || string(b) != "other day" {
		t.Errorf("other date's partition: %q, %v", b, err)
	}
}

func TestLocalErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest
		fault    *faultblob.Rule // injected into the landing bucket's reads
		wantKind error
	}{
		{"missing landed object", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
			tm.Objects[0].Key += ".gone.parquet"
			return liberator.WorkflowRequest{RunKey: "k", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
		}, nil, liberator.ErrNotFound},
		{"not parquet", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
			if err := landing.WriteAll(ctx, tm.Objects[0].Key, []byte("this is not parquet at all, sorry"), nil); err != nil {
				t.Fatal(err)
			}
			return liberator.WorkflowRequest{RunKey: "k", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
		}, nil, liberator.ErrTerminal},
		{"no run key", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			return liberator.WorkflowRequest{ImportDate: day}
		}, nil, liberator.ErrInvalid},
		{"no date", func(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
			return liberator.WorkflowRequest{RunKey: "k"}
		}, nil, liberator.ErrInvalid},
		// Storage errors follow the one blob error policy (internal/blobio).
		{"landed file unreadable", landOne, readFault(gcerrors.PermissionDenied), liberator.ErrTerminal},
		{"landing throttled", landOne, readFault(gcerrors.ResourceExhausted), liberator.ErrThrottled},
		{"landing read fails", landOne, readFault(gcerrors.Internal), liberator.ErrTransient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			req := tc.setup(t, landing)
			if tc.fault != nil {
				var faults *faultblob.Faults
				landing, faults = faultblob.Wrap(landing)
				faults.Add(*tc.fault)
			}
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

// landOne lands one table of one file and returns the request to copy it.
func landOne(t *testing.T, landing *blob.Bucket) liberator.WorkflowRequest {
	tm := land(t, landing, "PCN_IC", "part-1.parquet", rows(1, 3), 10)
	return liberator.WorkflowRequest{RunKey: "k", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
}

// readFault fails every range read of the landing bucket with code.
func readFault(code gcerrors.ErrorCode) *faultblob.Rule {
	return &faultblob.Rule{Op: faultblob.OpNewRangeReader, Code: code}
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
	want := []string{p + "part-00000-a.parquet", p + "part-00001-a.parquet"}
	if diff := cmp.Diff(want, keys(t, raw, "parking/")); diff != "" {
		t.Errorf("raw keys (-want +got):\n%s", diff)
	}
	if ok, _, err := partition.PublishedAt(ctx, raw, p); err != nil || !ok {
		t.Errorf("the good table's raw partition not published: %v", err)
	}
	_, got := readRaw(t, raw, p+"part-00001-a.parquet")
	if diff := cmp.Diff(withTS(rows(21, 20), startTS), got); diff != "" {
		t.Errorf("second file rows (-want +got):\n%s", diff)
	}
}

// TestRawMarkerLayout: the raw partition's marker is written where
// Options.Layout says (by default under _liberator/partitions/, the folder
// holding only Parquet files; in the folder with InPartitionLayout), and a
// re-run in the other layout leaves no marker of the first.
func TestRawMarkerLayout(t *testing.T) {
	for _, layout := range partition.Layouts {
		t.Run(layout.String(), func(t *testing.T) {
			ctx := context.Background()
			landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			tm := land(t, landing, "PCN_IC", "part-00000-a-c000.gz.parquet", rows(1, 10), 100)
			req := liberator.WorkflowRequest{RunKey: "20261124/export-1", ImportDate: day, Manifest: liberator.Manifest{Tables: []liberator.TableManifest{tm}}}
			if _, err := newLocal(t, landing, raw, Options{Layout: layout.Other()}).Start(ctx, req); err != nil {
				t.Fatal(err)
			}
			req.RunKey = "20261124/export-2"
			if _, err := newLocal(t, landing, raw, Options{Layout: layout}).Start(ctx, req); err != nil {
				t.Fatal(err)
			}
			p := partition.RawPrefix("parking", "liberator", "PCN_IC", day)
			want := []string{p + "part-00000-a-c000.gz.parquet"}
			if layout == partition.InPartitionLayout {
				want = append([]string{p + partition.MarkerName}, want...)
			}
			if diff := cmp.Diff(want, keys(t, raw, p)); diff != "" {
				t.Errorf("raw partition folder (-want +got):\n%s", diff)
			}
			if ok, in, err := partition.PublishedAt(ctx, raw, p); err != nil || !ok || in != layout {
				t.Errorf("PublishedAt = %v in %s, %v; want published in %s", ok, in, err, layout)
			}
			if ok, _ := raw.Exists(ctx, layout.Other().MarkerKey(p)); ok {
				t.Errorf("the %s marker of the first run is left", layout.Other())
			}
		})
	}
}
