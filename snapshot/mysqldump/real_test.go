package mysqldump

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScanRealMariaDBDumps scans dumps made by mariadb-dump 10.11 from a
// real server (testdata/mariadb1011_*.sql): the default options with
// routines, events and triggers, and --hex-blob --complete-insert
// --skip-extended-insert.
func TestScanRealMariaDBDumps(t *testing.T) {
	row1 := []string{"n:1", `s:"AB12'X"`, "n:1.50", "n:2", `s:"ab12'x"`}
	tests := []struct {
		file      string
		first     []string // first 5 values of row 1
		bits, bin string   // columns b and bin of row 1
		geom      string
		lines     []int
	}{
		{"testdata/mariadb1011_real.sql", row1, `s:"\x02\xaa"`, `s:"\x00\xff\n'"`, `s:"\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\x00@"`, []int{56, 57}},
		{"testdata/mariadb1011_hex_complete.sql", row1, "x:02aa", "x:00ff0a27", "x:000000000101000000000000000000f03f0000000000000040", []int{55, 56}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			rec := &valuesRecorder{}
			st, err := scanBytesWith(data, rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.rows) != 2 {
				t.Fatalf("%d rows", len(rec.rows))
			}
			r := rec.rows[0]
			if diff := cmp.Diff(tc.first, r[:5]); diff != "" {
				t.Errorf("row 1 (-want +got):\n%s", diff)
			}
			got := []string{r[5], r[6], r[15]}
			if diff := cmp.Diff([]string{tc.bits, tc.bin, tc.geom}, got); diff != "" {
				t.Errorf("bit, varbinary, geometry (-want +got):\n%s", diff)
			}
			if r[17] != `s:"line\nnext\ttab\\ %_"` || r[10] != `s:"-838:59:59"` || r[12] != `s:"y'z"` {
				t.Errorf("row 1 = %q", r)
			}
			if diff := cmp.Diff(tc.lines, rec.lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			kinds := map[SkippedKind]int{}
			for _, s := range st.Skipped {
				kinds[s.Kind]++
			}
			wantKinds := map[SkippedKind]int{SkippedView: 1, SkippedTrigger: 1}
			if tc.file == "testdata/mariadb1011_real.sql" {
				wantKinds = map[SkippedKind]int{SkippedView: 1, SkippedTrigger: 1, SkippedProcedure: 1, SkippedFunction: 1, SkippedEvent: 1}
			}
			if diff := cmp.Diff(wantKinds, kinds); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
			if !st.Completed || st.Header == "" {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
