package liberator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is an import date: a calendar day with no time zone. The zero Date
// means "not set".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Compact formats d as YYYYMMDD, the form of the import_date partition value.
func (d Date) Compact() string { return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day) }

// MarshalText encodes d as YYYY-MM-DD (empty for the zero Date).
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes YYYY-MM-DD or YYYYMMDD (empty gives the zero Date).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDate parses an explicit import date given as YYYY-MM-DD or YYYYMMDD,
// refusing impossible dates such as 2026-02-30 or month 13 with an error
// wrapping liberator.ErrInvalid that names the input.
func ParseDate(s string) (Date, error) {
	const op = "parse date"
	what := strconv.Quote(s)
	var y, m, d string
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, m, d = s[0:4], s[5:7], s[8:10]
	case len(s) == 8:
		y, m, d = s[0:4], s[4:6], s[6:8]
	default:
		return Date{}, Errorf(ErrInvalid, op, what, "want YYYY-MM-DD or YYYYMMDD")
	}
	if !allDigits(y + m + d) {
		return Date{}, Errorf(ErrInvalid, op, what, "want YYYY-MM-DD or YYYYMMDD")
	}
	return makeDate(op, what, atoi(y), atoi(m), atoi(d))
}

// DateOf returns the calendar day of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{Year: y, Month: m, Day: d}
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Valid reports whether d is a real calendar day (not zero, month 1-12, day
// within the month, year 1-9999).
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return DateOf(d.Time()) == d
}

var dumpNameRE = regexp.MustCompile(`^liberator_dump_([0-9]{8}|[0-9]{6})\.(?i:zip|sql|sql\.gz)$`)

// DateFromDumpName returns the import date encoded in an uploaded dump's
// name: liberator_dump_YYYYMMDD.zip, or the older liberator_dump_YYMMDD.zip
// (YY means 20YY). Any directory prefix ("parking/", "s3://bucket/parking/")
// is ignored, and the suffix may be .zip, .sql or .sql.gz. Unknown names and
// impossible dates are refused with an error wrapping liberator.ErrInvalid
// that names the input.
func DateFromDumpName(name string) (Date, error) {
	const op = "date from dump name"
	what := strconv.Quote(name)
	base := name
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	m := dumpNameRE.FindStringSubmatch(base)
	if m == nil {
		return Date{}, Errorf(ErrInvalid, op, what,
			"want liberator_dump_YYYYMMDD.zip or liberator_dump_YYMMDD.zip (.zip, .sql or .sql.gz)")
	}
	digits := m[1]
	if len(digits) == 6 {
		digits = "20" + digits
	}
	return makeDate(op, what, atoi(digits[0:4]), atoi(digits[4:6]), atoi(digits[6:8]))
}

var (
	snapshotRE  = regexp.MustCompile(`^sql-to-parquet-([0-9]{2})-([0-9]{2})-([0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})$`)
	backdatedRE = regexp.MustCompile(`^sql-to-parquet-([0-9]{4})-([0-9]{2})-([0-9]{2})-backdated$`)
)

// DateFromSnapshotID returns the import date encoded in a snapshot (or
// export) id: sql-to-parquet-yy-mm-dd-hhmmss (UTC, yy means 20yy) or
// sql-to-parquet-YYYY-MM-DD-backdated. Unknown ids, impossible dates and
// impossible times of day are refused with an error wrapping
// liberator.ErrInvalid that names the input.
func DateFromSnapshotID(id string) (Date, error) {
	const op = "date from snapshot id"
	what := strconv.Quote(id)
	if m := backdatedRE.FindStringSubmatch(id); m != nil {
		return makeDate(op, what, atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	m := snapshotRE.FindStringSubmatch(id)
	if m == nil {
		return Date{}, Errorf(ErrInvalid, op, what,
			"want sql-to-parquet-yy-mm-dd-hhmmss or sql-to-parquet-YYYY-MM-DD-backdated")
	}
	if h, mi, s := atoi(m[4]), atoi(m[5]), atoi(m[6]); h > 23 || mi > 59 || s > 59 {
		return Date{}, Errorf(ErrInvalid, op, what, "impossible time of day %s:%s:%s", m[4], m[5], m[6])
	}
	return makeDate(op, what, 2000+atoi(m[1]), atoi(m[2]), atoi(m[3]))
}

func makeDate(op, what string, y, m, d int) (Date, error) {
	v := Date{Year: y, Month: time.Month(m), Day: d}
	if !v.Valid() {
		return Date{}, Errorf(ErrInvalid, op, what, "impossible date %04d-%02d-%02d", y, m, d)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi converts a string of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
