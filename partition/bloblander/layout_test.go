package bloblander_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
)

// TestLandSwitchesLayout: a zone whose partitions were published in one
// layout is landed again in the other: the new export's manifest and
// marker are the only ones left (readers find the new export), and the
// partition folder holds the data files alone in the control layout.
// History (LastPublished) and retention (ExportsInUse) read both layouts.
func TestLandSwitchesLayout(t *testing.T) {
	for _, from := range partition.Layouts {
		to := from.Other()
		t.Run(from.String()+" to "+to.String(), func(t *testing.T) {
			ctx := context.Background()
			b := memblob.OpenBucket(nil)
			put(t, b, export1)
			put(t, b, map[string]string{"exp-2/liberator/liberator.PCN_IC/1/part-00000-zz-c000.gz.parquet": "new"})
			before := liberator.Date{Year: 2026, Month: 11, Day: 23}
			first, _ := newLander(t, b, b, bloblander.Options{Layout: from})
			if _, err := first.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: before}); err != nil {
				t.Fatal(err)
			}
			if _, err := first.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day}); err != nil {
				t.Fatal(err)
			}
			second, _ := newLander(t, b, b, bloblander.Options{Layout: to})
			if _, err := second.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ImportDate: day}); err != nil {
				t.Fatal(err)
			}
			p := pcnPrefix("parking")
			stored, err := partition.ReadManifest(ctx, b, "parking", "liberator", "PCN_IC", day)
			if err != nil || stored.ExportID != "exp-2" {
				t.Fatalf("manifest read after the switch: %q, %v; want exp-2's", stored.ExportID, err)
			}
			for _, key := range []string{from.ManifestKey(p), from.MarkerKey(p)} {
				if ok, _ := b.Exists(ctx, key); ok {
					t.Errorf("%s is left from the %s layout", key, from)
				}
			}
			if ok, in, err := partition.PublishedAt(ctx, b, p); err != nil || !ok || in != to {
				t.Errorf("PublishedAt = %v in %s, %v; want published in %s", ok, in, err, to)
			}
			wantFolder := map[string]string{p + "part-00000-zz-c000.gz.parquet": "new"}
			if to == partition.InPartitionLayout {
				wantFolder[to.MarkerKey(p)] = ""
				wantFolder[to.ManifestKey(p)] = contents(t, b, to.ManifestKey(p))[to.ManifestKey(p)]
			}
			if diff := cmp.Diff(wantFolder, contents(t, b, p)); diff != "" {
				t.Errorf("partition folder (-want +got):\n%s", diff)
			}
			// The day before, still in the old layout, is the last
			// published import before day; its export is in use.
			m, found, err := second.LastPublished(ctx, "liberator", day)
			if err != nil || !found || m.ImportDate != before || m.ExportID != "exp-1" {
				t.Errorf("LastPublished = %s of %q, %v, %v; want %s of exp-1", m.ImportDate, m.ExportID, found, err, before)
			}
			inUse, err := second.ExportsInUse(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"exp-1", "exp-2"}, inUse); diff != "" {
				t.Errorf("ExportsInUse (-want +got):\n%s", diff)
			}
		})
	}
}
