package handlers

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestDirectKeepsExports: with LIBERATOR_KEEP_EXPORTS=1, after three days'
// runs the export zone holds the last export only (the earlier ones are
// pruned once their dates are published), and every date stays published.
func TestDirectKeepsExports(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{env: []string{"LIBERATOR_KEEP_EXPORTS", "1"}})
	dump, st := genDump(t, 20, 9)
	var ids []string
	for _, day := range []string{"20261124", "20261125", "20261126"} {
		key := "parking/liberator_dump_" + day + ".zip"
		ids = append(ids, liberator.SnapshotID(w.s3clk.Now()))
		w.upload(key, dump)
		if failed := w.deliver(ctx, w.notification(key, len(dump))); len(failed) != 0 {
			t.Fatalf("%s: records returned for redelivery: %v\n%s", day, failed, w.logs.Bytes())
		}
	}
	exports := map[string]bool{}
	for _, k := range keys(t, w.exports, "") {
		if id, _, ok := strings.Cut(k, "/"); ok && strings.HasPrefix(id, "sql-to-parquet-") {
			exports[id] = true
		}
	}
	var got []string
	for id := range exports {
		got = append(got, id)
	}
	sort.Strings(got)
	if diff := cmp.Diff(ids[2:], got); diff != "" {
		t.Errorf("exports kept (-want +got):\n%s", diff)
	}
	for i, d := range []liberator.Date{testDate, nextDate, {Year: 2026, Month: 11, Day: 26}} {
		if diff := cmp.Diff(wantPublished(st, liberator.ExportID(ids[i])), w.published(d)); diff != "" {
			t.Errorf("%s published (-want +got):\n%s", d, diff)
		}
	}
	if !w.logged("export zone pruned") {
		t.Error("no line says the export zone was pruned")
	}
}
