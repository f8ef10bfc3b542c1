package partition

import (
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// FuzzLandingKey checks that every key LandingKey accepts stays inside its
// table's partition: no ".." or "." segment, no empty segment, no
// backslash, and the file is the export key's last segment.
func FuzzLandingKey(f *testing.F) {
	for _, k := range []string{
		"e/liberator/liberator.PCN_IC/1/part-00000-a-c000.gz.parquet",
		"e/liberator/liberator.T/part-0.parquet",
		"e/liberator/liberator.T/../../x.parquet",
		"e/liberator//x.parquet",
		"e/../liberator/liberator.T/x.parquet",
		`e/liberator/liberator.T/a\b.parquet`,
		"e/a/a./x",
		"e/./.../x",
	} {
		f.Add(k)
	}
	d := liberator.Date{Year: 2026, Month: 11, Day: 24}
	f.Fuzz(func(t *testing.T, key string) {
		got, ref, err := LandingKey("parking", "e/", key, d)
		if err != nil {
			return
		}
		want := TablePrefix("parking", ref, d)
		if !strings.HasPrefix(got, want) {
			t.Fatalf("LandingKey(%q) = %q, not under %q", key, got, want)
		}
		file := got[len(want):]
		if file == "" || strings.Contains(file, "/") || !strings.HasSuffix(key, "/"+file) {
			t.Fatalf("LandingKey(%q) = %q: file %q is not the key's last segment", key, got, file)
		}
		for _, seg := range strings.Split(got, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, '\\') {
				t.Fatalf("LandingKey(%q) = %q has segment %q", key, got, seg)
			}
		}
		if ref.Database == "" || ref.Table == "" {
			t.Fatalf("LandingKey(%q) gave table %+v", key, ref)
		}
	})
}

// FuzzDates checks that every accepted dump name, snapshot id or date is a
// real calendar day.
func FuzzDates(f *testing.F) {
	for _, s := range []string{
		"parking/liberator_dump_20261124.zip", "liberator_dump_261124.sql.gz", "liberator_dump_20260230.zip",
		"sql-to-parquet-26-11-24-031500", "sql-to-parquet-2026-02-29-backdated", "2026-11-24", "20241231",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fn := range map[string]func(string) (liberator.Date, error){
			"DateFromDumpName": liberator.DateFromDumpName, "DateFromSnapshotID": liberator.DateFromSnapshotID, "ParseDate": liberator.ParseDate,
		} {
			d, err := fn(s)
			if err == nil && !d.Valid() {
				t.Fatalf("%s(%q) = %v, not a valid date", name, s, d)
			}
			if err == nil && name == "ParseDate" {
				if back, err := liberator.ParseDate(d.String()); err != nil || back != d {
					t.Fatalf("ParseDate(%q) = %v does not round-trip: %v, %v", s, d, back, err)
				}
			}
		}
	})
}
