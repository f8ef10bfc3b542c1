package liberator

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(y int, m time.Month, d int) Date {
	return Date{Year: y, Month: m, Day: d}
}

// wantInvalid checks err wraps ErrInvalid and names input.
func wantInvalid(t *testing.T, err error, input string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for %q", input)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error %v does not wrap Invalid", err)
	}
	if !strings.Contains(err.Error(), input) {
		t.Errorf("error %q does not name the input %q", err, input)
	}
}

func TestDateFromDumpName(t *testing.T) {
	tests := []struct {
		name string
		want Date
		bad  bool
	}{
		{name: "liberator_dump_20261124.zip", want: date(2026, 11, 24)},
		{name: "parking/liberator_dump_20261124.zip", want: date(2026, 11, 24)},
		{name: "s3://dev-liberator-data-storage/parking/liberator_dump_20260105.zip", want: date(2026, 1, 5)},
		{name: "liberator_dump_261124.zip", want: date(2026, 11, 24)},
		{name: "parking/liberator_dump_990101.zip", want: date(2099, 1, 1)},
		{name: "liberator_dump_20261124.sql", want: date(2026, 11, 24)},
		{name: "liberator_dump_20261124.sql.gz", want: date(2026, 11, 24)},
		{name: "liberator_dump_20261124.ZIP", want: date(2026, 11, 24)},
		{name: "liberator_dump_20240229.zip", want: date(2024, 2, 29)},
		{name: "liberator_dump_20260230.zip", bad: true},
		{name: "liberator_dump_20250229.zip", bad: true},
		{name: "liberator_dump_20261324.zip", bad: true},
		{name: "liberator_dump_20261100.zip", bad: true},
		{name: "liberator_dump_261324.zip", bad: true},
		{name: "liberator_dump_2026112.zip", bad: true},
		{name: "liberator_dump_20261124.tar", bad: true},
		{name: "liberator_dump_20261124", bad: true},
		{name: "other_dump_20261124.zip", bad: true},
		{name: "liberator_dump_20261124.zip/", bad: true},
		{name: "", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DateFromDumpName(tt.name)
			if tt.bad {
				wantInvalid(t, err, tt.name)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DateFromDumpName(%q) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestDateFromSnapshotID(t *testing.T) {
	tests := []struct {
		id   string
		want Date
		bad  bool
	}{
		{id: "sql-to-parquet-26-11-24-031500", want: date(2026, 11, 24)},
		{id: "sql-to-parquet-26-01-05-235959", want: date(2026, 1, 5)},
		{id: "sql-to-parquet-2026-11-24-backdated", want: date(2026, 11, 24)},
		{id: "sql-to-parquet-2024-02-29-backdated", want: date(2024, 2, 29)},
		{id: "sql-to-parquet-26-02-30-031500", bad: true},
		{id: "sql-to-parquet-26-13-01-031500", bad: true},
		{id: "sql-to-parquet-26-11-24-245900", bad: true},
		{id: "sql-to-parquet-26-11-24-036000", bad: true},
		{id: "sql-to-parquet-2026-02-30-backdated", bad: true},
		{id: "sql-to-parquet-2026-11-24", bad: true},
		{id: "sql-to-parquet-26-11-24", bad: true},
		{id: "awsbackup:job-1234", bad: true},
		{id: "sql-to-parquet-26-11-24-031500-extra", bad: true},
		{id: "", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := DateFromSnapshotID(tt.id)
			if tt.bad {
				wantInvalid(t, err, tt.id)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DateFromSnapshotID(%q) (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		bad  bool
	}{
		{in: "2026-11-24", want: date(2026, 11, 24)},
		{in: "20261124", want: date(2026, 11, 24)},
		{in: "2026-01-05", want: date(2026, 1, 5)},
		{in: "2024-02-29", want: date(2024, 2, 29)},
		{in: "2026-02-30", bad: true},
		{in: "20260230", bad: true},
		{in: "2026-13-01", bad: true},
		{in: "2026-00-10", bad: true},
		{in: "0000-01-01", bad: true},
		{in: "2026/11/24", bad: true},
		{in: "2026-1-24x", bad: true},
		{in: "+2026-1-2", bad: true},
		{in: "26-11-24", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.bad {
				wantInvalid(t, err, tt.in)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDate(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestDateValidAndOf(t *testing.T) {
	tests := []struct {
		d    Date
		want bool
	}{
		{date(2026, 11, 24), true},
		{date(2024, 2, 29), true},
		{date(2025, 2, 29), false},
		{date(2026, 4, 31), false},
		{date(2026, 13, 1), false},
		{Date{}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Valid(); got != tt.want {
			t.Errorf("%v.Valid() = %v, want %v", tt.d, got, tt.want)
		}
	}
	// 23:30 on the 24th in UTC-2 is the 25th in UTC.
	got := DateOf(time.Date(2026, 11, 24, 23, 30, 0, 0, time.FixedZone("x", -2*3600)))
	if diff := cmp.Diff(date(2026, 11, 25), got); diff != "" {
		t.Errorf("DateOf (-want +got):\n%s", diff)
	}
}
