package partition

import (
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

func TestLandingKey(t *testing.T) {
	d := date(2026, 11, 24)
	const part = "import_year=2026/import_month=11/import_day=24/import_date=20261124/"
	tests := []struct {
		name         string
		prefix       string
		exportPrefix string
		key          string
		want         string
		wantRef      TableRef
	}{
		{
			name: "current layout with batch", prefix: "parking", exportPrefix: "exp-1/",
			key:     "exp-1/liberator/liberator.PCN_IC/1/part-00000-5b3c-c000.gz.parquet",
			want:    "parking/liberator/liberator.PCN_IC/" + part + "part-00000-5b3c-c000.gz.parquet",
			wantRef: TableRef{"liberator", "PCN_IC"},
		},
		{
			name: "older layout without batch", prefix: "parking", exportPrefix: "exp-1/",
			key:     "exp-1/liberator/liberator.pcn/part-00001-ab-c000.gz.parquet",
			want:    "parking/liberator/liberator.pcn/" + part + "part-00001-ab-c000.gz.parquet",
			wantRef: TableRef{"liberator", "pcn"},
		},
		{
			name: "export prefix without slash and nested", prefix: "lake/parking/", exportPrefix: "exports/exp-1",
			key:     "exports/exp-1/liberator/liberator.PCN_IC/2/part-00000.parquet",
			want:    "lake/parking/liberator/liberator.PCN_IC/" + part + "part-00000.parquet",
			wantRef: TableRef{"liberator", "PCN_IC"},
		},
		{
			name: "deeper folders are accepted", prefix: "parking", exportPrefix: "e/",
			key:     "e/liberator/liberator.T/1/sub/part-0.parquet",
			want:    "parking/liberator/liberator.T/" + part + "part-0.parquet",
			wantRef: TableRef{"liberator", "T"},
		},
		{
			name: "table with dot", prefix: "parking", exportPrefix: "e/",
			key:     "e/liberator/liberator.a.b/part-0.parquet",
			want:    "parking/liberator/liberator.a.b/" + part + "part-0.parquet",
			wantRef: TableRef{"liberator", "a.b"},
		},
		{
			name: "empty prefixes", prefix: "", exportPrefix: "",
			key:     "liberator/liberator.T/part-0.parquet",
			want:    "liberator/liberator.T/" + part + "part-0.parquet",
			wantRef: TableRef{"liberator", "T"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ref, err := LandingKey(tt.prefix, tt.exportPrefix, tt.key, d)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRef, ref); diff != "" {
				t.Errorf("ref (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLandingKeyRefusals(t *testing.T) {
	d := date(2026, 11, 24)
	tests := []struct {
		name, prefix, exportPrefix, key string
		date                            liberator.Date
		names                           string // what the error must name
	}{
		{name: "dotdot segment", key: "e/liberator/liberator.T/../../../../etc/x.parquet"},
		{name: "dotdot as file", key: "e/liberator/liberator.T/.."},
		{name: "dot segment", key: "e/liberator/liberator.T/./x.parquet"},
		{name: "empty segment", key: "e/liberator//x.parquet"},
		{name: "empty segment in batch", key: "e/liberator/liberator.T//x.parquet"},
		{name: "trailing slash", key: "e/liberator/liberator.T/1/"},
		{name: "absolute", key: "/e/liberator/liberator.T/x.parquet"},
		{name: "absolute with empty export prefix", exportPrefix: "-", key: "/liberator/liberator.T/x.parquet"},
		{name: "backslash", key: `e/liberator/liberator.T/..\..\x.parquet`},
		{name: "control character", key: "e/liberator/liberator.T/x\n.parquet"},
		{name: "table folder of another db", key: "e/liberator/other.T/x.parquet"},
		{name: "table folder without db", key: "e/liberator/PCN_IC/x.parquet"},
		{name: "table folder with empty table", key: "e/liberator/liberator./x.parquet"},
		{name: "file at root", key: "e/x.parquet"},
		{name: "file in db folder", key: "e/liberator/x.parquet"},
		{name: "not under export prefix", key: "f/liberator/liberator.T/x.parquet"},
		{name: "prefix sibling", key: "e2/liberator/liberator.T/x.parquet"},
		{name: "invalid date", key: "e/liberator/liberator.T/x.parquet", date: date(2026, 2, 30)},
		{name: "zero date", key: "e/liberator/liberator.T/x.parquet", date: liberator.Date{Year: -1}},
		{name: "absolute landing prefix", prefix: "/parking", key: "e/liberator/liberator.T/x.parquet", names: "/parking"},
		{name: "dotdot landing prefix", prefix: "parking/../x", key: "e/liberator/liberator.T/x.parquet", names: "parking/../x"},
		{name: "dotdot export prefix", exportPrefix: "../e/", key: "../e/liberator/liberator.T/x.parquet", names: "../e/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix, ep, dd := tt.prefix, tt.exportPrefix, tt.date
			if prefix == "" {
				prefix = "parking"
			}
			switch ep {
			case "":
				ep = "e/"
			case "-":
				ep = ""
			}
			if dd == (liberator.Date{}) {
				dd = d
			} else if dd == (liberator.Date{Year: -1}) {
				dd = liberator.Date{}
			}
			got, _, err := LandingKey(prefix, ep, tt.key, dd)
			names := tt.names
			if names == "" {
				names = tt.key
			}
			if got != "" {
				t.Errorf("got key %q with the error", got)
			}
			wantInvalid(t, err, quoteInner(names))
		})
	}
}

// quoteInner returns s as strconv.Quote would show its inside (errors quote
// keys, so control characters and backslashes appear escaped).
func quoteInner(s string) string {
	r := []rune{}
	for _, c := range s {
		switch c {
		case '\n':
			r = append(r, '\\', 'n')
		case '\\':
			r = append(r, '\\', '\\')
		default:
			r = append(r, c)
		}
	}
	return string(r)
}

func TestPrefixes(t *testing.T) {
	d := date(2026, 1, 5)
	ref := TableRef{Database: "liberator", Table: "PCN_IC"}
	tests := []struct {
		name, got, want string
	}{
		{"partition", TablePrefix("parking", ref, d),
			"parking/liberator/liberator.PCN_IC/import_year=2026/import_month=01/import_day=05/import_date=20260105/"},
		{"partition trailing slash", TablePrefix("parking/", ref, d),
			"parking/liberator/liberator.PCN_IC/import_year=2026/import_month=01/import_day=05/import_date=20260105/"},
		{"raw", RawPrefix("raw/parking", "liberator", "PCN_IC", d),
			"raw/parking/liberator/liberator_pcn_ic/import_year=2026/import_month=01/import_day=05/import_date=20260105/"},
		{"ref string", ref.String(), "liberator.PCN_IC"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseTableRef(t *testing.T) {
	tests := []struct {
		in   string
		want TableRef
		bad  bool
	}{
		{in: "liberator.PCN_IC", want: TableRef{"liberator", "PCN_IC"}},
		{in: "liberator.a.b", want: TableRef{"liberator", "a.b"}},
		{in: "PCN_IC", bad: true},
		{in: ".PCN_IC", bad: true},
		{in: "liberator.", bad: true},
		{in: "liberator.a/b", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseTableRef(tt.in)
		if tt.bad {
			wantInvalid(t, err, tt.in)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseTableRef(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
