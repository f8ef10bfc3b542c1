package partition_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// TestLayouts: where each layout keeps a partition's manifest and marker,
// and the readers (Published, PublishedAt, ReadManifest) finding them in
// either, the default layout first.
func TestLayouts(t *testing.T) {
	ctx := context.Background()
	day := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	p := partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: "PCN_IC"}, day)
	const pp = "parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/"
	tests := []struct {
		layout               partition.Layout
		wantMarker, wantMani string
	}{
		{partition.ControlLayout, "_liberator/partitions/" + pp + "_SUCCESS", "_liberator/partitions/" + pp + "_manifest.json"},
		{partition.InPartitionLayout, pp + "_SUCCESS", pp + "_manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.layout.String(), func(t *testing.T) {
			if got := []string{tt.layout.MarkerKey(p), tt.layout.ManifestKey(p)}; !cmp.Equal(got, []string{tt.wantMarker, tt.wantMani}) {
				t.Errorf("keys %q, want %q and %q", got, tt.wantMarker, tt.wantMani)
			}
			b := memblob.OpenBucket(nil)
			defer b.Close()
			if ok, err := partition.Published(ctx, b, "parking", "liberator", "PCN_IC", day); ok || err != nil {
				t.Errorf("Published before = %v, %v", ok, err)
			}
			body := `{"version":1,"export_id":"exp-1","import_date":"2026-11-24","tables":[]}`
			if err := b.WriteAll(ctx, tt.wantMani, []byte(body), nil); err != nil {
				t.Fatal(err)
			}
			if err := b.WriteAll(ctx, tt.wantMarker, nil, nil); err != nil {
				t.Fatal(err)
			}
			ok, in, err := partition.PublishedAt(ctx, b, p)
			if !ok || in != tt.layout || err != nil {
				t.Errorf("PublishedAt = %v in %s, %v; want published in %s", ok, in, err, tt.layout)
			}
			m, err := partition.ReadManifest(ctx, b, "parking", "liberator", "PCN_IC", day)
			if err != nil || m.ExportID != "exp-1" {
				t.Errorf("ReadManifest = %+v, %v", m, err)
			}
		})
	}
}
