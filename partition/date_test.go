package partition

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

func date(y int, m time.Month, d int) liberator.Date {
	return liberator.Date{Year: y, Month: m, Day: d}
}

func TestPath(t *testing.T) {
	tests := []struct {
		d    liberator.Date
		want string
	}{
		{date(2026, 11, 24), "import_year=2026/import_month=11/import_day=24/import_date=20261124"},
		{date(2026, 1, 5), "import_year=2026/import_month=01/import_day=05/import_date=20260105"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Path(tt.d)); diff != "" {
			t.Errorf("Path(%v) (-want +got):\n%s", tt.d, diff)
		}
	}
}

// wantInvalid checks err wraps liberator.ErrInvalid and names input.
func wantInvalid(t *testing.T, err error, input string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for %q", input)
	}
	if !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("error %v does not wrap Invalid", err)
	}
	if !strings.Contains(err.Error(), input) {
		t.Errorf("error %q does not name the input %q", err, input)
	}
}
