package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// TestRunPartitionFoldersHoldOnlyParquet: after a default run, every
// partition folder of the landing and raw zones holds only Parquet files
// (a crawler that reads every file of a folder finds only data); each
// partition's _manifest.json (landing) and _SUCCESS (both zones) are under
// _liberator/partitions/ in the zone. With --markers-in-partition they are
// in the partition folders, as before.
func TestRunPartitionFoldersHoldOnlyParquet(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 11, Rows: 5}); err != nil {
		t.Fatal(err)
	}
	n := len(dumpgen.TableNames())
	for _, tc := range []struct {
		name        string
		args        []string
		inPartition bool
	}{
		{"default", nil, false},
		{"markers in partition", []string{"--markers-in-partition"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lake := t.TempDir()
			code, _, errOut := cli(t, append([]string{"run", "--dump", dump, "--lake", lake, "--quiet"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			count := map[string]int{}
			for k := range tree(t, lake) {
				zone, rest, _ := strings.Cut(k, "/")
				base := filepath.Base(k)
				switch {
				case strings.HasPrefix(rest, "parking/") && strings.HasSuffix(base, ".parquet"):
					count[zone+" data"]++
				case strings.HasPrefix(rest, "parking/"):
					count[zone+" partition folder: "+base]++
					if !tc.inPartition {
						t.Errorf("%s is not a Parquet file", k)
					}
				case strings.HasPrefix(rest, "_liberator/partitions/parking/"):
					count[zone+" control: "+base]++
				}
			}
			where := "control: "
			if tc.inPartition {
				where = "partition folder: "
			}
			for _, want := range []struct {
				key string
				n   int
			}{
				{"landing " + where + "_SUCCESS", n}, {"landing " + where + "_manifest.json", n}, {"raw " + where + "_SUCCESS", n},
			} {
				if count[want.key] != want.n {
					t.Errorf("%d %s, want %d (files: %v)", count[want.key], want.key, want.n, count)
				}
			}
			if count["landing data"] < n || count["raw data"] != count["landing data"] {
				t.Errorf("%d landing and %d raw Parquet files, want the same, at least %d", count["landing data"], count["raw data"], n)
			}
		})
	}
}
