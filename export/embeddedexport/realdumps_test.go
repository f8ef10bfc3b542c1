package embeddedexport

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// realDumps returns the directory of the shared real dumps
// (../shared/realdumps from the repository root), or skips the test.
func realDumps(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no repository root above the test's directory")
		}
		dir = parent
	}
	rd := filepath.Join(dir, "..", "shared", "realdumps")
	if _, err := os.Stat(filepath.Join(rd, "README.md")); err != nil {
		t.Skipf("the real dumps are not here (%s): a plain clone has no ../shared", rd)
	}
	return rd
}

// TestSharedRealDumps exports the sample databases exactly as their
// authors' dumps have them (../shared/realdumps: Sakila, world, world_x)
// and checks the row counts their README gives (Sakila's film_text is
// filled by a trigger, which a dump converter does not run: 0 rows), and
// the values of their quirks: Sakila's address.location written inside
// version comments in the rows, world_x's generated countryinfo._id and
// _json_schema, which the dump leaves out.
func TestSharedRealDumps(t *testing.T) {
	dir := realDumps(t)
	tests := []struct {
		zip    string
		counts map[string]int64
		check  func(t *testing.T, rows func(table string) [][]any, rep export.TablesReportFile)
	}{
		{"sakila.zip", map[string]int64{"actor": 200, "address": 603, "category": 16, "city": 600, "country": 109, "customer": 599,
			"film": 1000, "film_actor": 5462, "film_category": 1000, "film_text": 0, "inventory": 4581, "language": 6, "payment": 16044,
			"rental": 16044, "staff": 2, "store": 2}, checkSakila},
		{"world.zip", map[string]int64{"city": 4079, "country": 239, "countrylanguage": 984}, nil},
		{"world_x.zip", map[string]int64{"city": 4079, "country": 239, "countryinfo": 239, "countrylanguage": 984}, checkWorldX},
	}
	for _, tc := range tests {
		t.Run(tc.zip, func(t *testing.T) {
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			e := New(bucket, Options{Export: export.Options{Clock: liberator.NewVirtualClock(testStart)}})
			info, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: "x", Snapshot: liberator.SnapshotInfo{ID: "s",
				Kind: liberator.SnapshotDump, Dump: liberator.DumpRef{Key: filepath.Join(dir, tc.zip)}}})
			if err != nil || info.Status != liberator.ExportComplete {
				t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
			}
			want := map[string]int64{}
			for table, n := range tc.counts {
				want["liberator."+table] = n
			}
			if diff := cmp.Diff(want, info.RowCounts); diff != "" {
				t.Errorf("row counts (-want +got):\n%s", diff)
			}
			rep := readTablesReport(t, bucket, "x")
			for _, tr := range rep.PerTableStatus {
				if len(tr.Warnings) > 0 {
					t.Errorf("%s warnings: %q", tr.Target, tr.Warnings)
				}
			}
			if tc.check != nil {
				tc.check(t, func(table string) [][]any {
					return exporttest.ReadRows(t, bucket, "x/liberator/liberator."+table+"/")
				}, rep)
			}
		})
	}
}

func checkSakila(t *testing.T, rows func(string) [][]any, rep export.TablesReportFile) {
	address := rows("address")
	// location, the 8th column: every address has one (SRID 0, a POINT)
	for _, r := range address {
		if loc, _ := r[7].(string); len(loc) != 25 {
			t.Fatalf("address %v: location %q", r[0], r[7])
		}
	}
	want, _ := hex.DecodeString("0000000001010000003E0A325D63345CC0761FDB8D99D94840")
	if address[0][7] != string(want) || address[0][1] != "47 MySakila Drive" {
		t.Errorf("address 1 = %q", address[0])
	}
	var views int
	for _, s := range rep.Skipped {
		if s.Kind == "view" {
			views++
		}
	}
	if views != 7 {
		t.Errorf("%d views skipped, want Sakila's 7", views)
	}
}

func checkWorldX(t *testing.T, rows func(string) [][]any, _ export.TablesReportFile) {
	info := rows("countryinfo")
	for _, r := range info {
		doc, _ := r[0].(string)
		var d struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal([]byte(doc), &d); err != nil || d.ID == "" {
			t.Fatalf("doc %q: %v", doc, err)
		}
		if diff := cmp.Diff([]any{d.ID, `{"type": "object"}`}, r[1:]); diff != "" {
			t.Fatalf("countryinfo %s generated columns (-want +got):\n%s", d.ID, diff)
		}
	}
	if !strings.HasPrefix(info[0][1].(string), "00005de917d8") {
		t.Errorf("first _id %q", info[0][1])
	}
}
