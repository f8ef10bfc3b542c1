package partition

import (
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/errkind"
)

// ParseDate parses YYYY-MM-DD or YYYYMMDD, refusing impossible dates such as
// 2026-02-30 with an error wrapping liberator.ErrInvalid.
func ParseDate(s string) (Date, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if len(s) != len(layout) {
			continue
		}
		t, err := time.Parse(layout, s)
		if err != nil {
			return Date{}, errkind.New(errkind.Invalid, "parse date", fmt.Sprintf("%q", s), err)
		}
		return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
	}
	return Date{}, errkind.Newf(errkind.Invalid, "parse date", fmt.Sprintf("%q", s), "want YYYY-MM-DD or YYYYMMDD")
}
