package partition

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// DefaultPrefix is the landing-zone key prefix used when none is configured.
const DefaultPrefix = "parking"

// ManifestName and MarkerName are the names of the files a Lander writes
// for every published partition, the manifest first, the marker last:
// under ControlRoot by default, or in the partition folder (see Layout).
const (
	ManifestName = "_manifest.json"
	MarkerName   = "_SUCCESS"
)

// TableRef names a table of an export: database and table as RDS names
// their folders ("liberator", "PCN_IC"). Case is kept.
type TableRef struct {
	Database string `json:"database"`
	Table    string `json:"table"`
}

// String returns "database.table", the name of the table's export folder
// and the key of LandRequest.RowCounts.
func (t TableRef) String() string { return t.Database + "." + t.Table }

// ParseTableRef splits "database.table" at its first dot, refusing empty
// parts and characters that cannot appear in a key segment.
func ParseTableRef(s string) (TableRef, error) {
	db, table, ok := strings.Cut(s, ".")
	if !ok || db == "" || table == "" {
		return TableRef{}, liberator.Errorf(liberator.ErrInvalid, "parse table", strconv.Quote(s), "want database.table")
	}
	t := TableRef{Database: db, Table: table}
	if err := t.validate("parse table", strconv.Quote(s)); err != nil {
		return TableRef{}, err
	}
	return t, nil
}

func (t TableRef) validate(op, what string) error {
	for _, s := range []string{t.Database, t.String()} {
		if why := badSegment(s); why != "" {
			return liberator.Errorf(liberator.ErrInvalid, op, what, "table %q: %s", t.String(), why)
		}
	}
	return nil
}

// TablePrefix returns the landing partition of table t for date d,
// ending in "/":
// <prefix>/<db>/<db>.<table>/import_year=YYYY/import_month=MM/import_day=DD/import_date=YYYYMMDD/.
// An empty prefix puts the database folder at the bucket's root. The
// arguments are not validated; LandingKey is the checked mapping.
func TablePrefix(prefix string, t TableRef, d liberator.Date) string {
	return TableDir(prefix, t) + Path(d) + "/"
}

// TableDir returns the landing folder of table t that holds its dated
// partitions, ending in "/": <prefix>/<db>/<db>.<table>/. The arguments
// are not validated.
func TableDir(prefix string, t TableRef) string {
	return DirPrefix(prefix) + t.Database + "/" + t.String() + "/"
}

// RawPrefix returns the raw-zone partition of a table for date d, ending in
// "/": <prefix>/<db>/<db>_<table lower-cased>/import_year=…/import_date=…/,
// the folder the landing-to-raw copy job writes (Glue's crawler names
// liberator.PCN_IC as liberator_pcn_ic).
func RawPrefix(prefix, db, table string, d liberator.Date) string {
	return DirPrefix(prefix) + db + "/" + db + "_" + strings.ToLower(table) + "/" + Path(d) + "/"
}

// LandingKey maps a key of an RDS export to its landing-zone key for date d.
//
// exportKey must lie under exportPrefix and have one of the RDS export
// layouts
//
//	<exportPrefix><db>/<db>.<table>/<batch>/<file>   (current)
//	<exportPrefix><db>/<db>.<table>/<file>           (older exports)
//
// (further folders between the table folder and the file are accepted too,
// since AWS reserves the right to change names). The result is
//
//	<prefix>/<db>/<db>.<table>/import_year=YYYY/import_month=MM/import_day=DD/import_date=YYYYMMDD/<file>
//
// with the table's case kept (liberator.PCN_IC). Keys that could escape
// the prefix or do not fit the layout are refused with an error wrapping
// liberator.ErrInvalid that names the key: "." or ".." segments, empty
// segments ("//"), absolute keys, backslashes, control characters, a table
// folder that is not "<db>.<table>" of its database folder, an invalid
// date. The prefix and export prefix are checked the same way.
func LandingKey(prefix, exportPrefix, exportKey string, d liberator.Date) (string, TableRef, error) {
	const op = "map export key"
	what := strconv.Quote(exportKey)
	if err := CheckPrefix(op, "landing prefix", prefix); err != nil {
		return "", TableRef{}, err
	}
	if err := CheckPrefix(op, "export prefix", exportPrefix); err != nil {
		return "", TableRef{}, err
	}
	if !d.Valid() {
		return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what, "invalid import date %s", d)
	}
	if strings.HasPrefix(exportKey, "/") {
		return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what, "absolute key")
	}
	ep := DirPrefix(exportPrefix)
	rel, ok := strings.CutPrefix(exportKey, ep)
	if !ok {
		return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what, "not under export prefix %q", ep)
	}
	segs := strings.Split(rel, "/")
	for _, s := range segs {
		if why := badSegment(s); why != "" {
			return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what, "%s", why)
		}
	}
	if len(segs) < 3 {
		return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what,
			"want <db>/<db>.<table>/[<batch>/]<file> under %q", ep)
	}
	db, folder := segs[0], segs[1]
	table, ok := strings.CutPrefix(folder, db+".")
	if !ok || table == "" {
		return "", TableRef{}, liberator.Errorf(liberator.ErrInvalid, op, what,
			"table folder %q is not <db>.<table> of database folder %q", folder, db)
	}
	t := TableRef{Database: db, Table: table}
	file := segs[len(segs)-1]
	return TablePrefix(prefix, t, d) + file, t, nil
}

// badSegment says why s cannot be one segment of a key, or "" if it can.
func badSegment(s string) string {
	switch {
	case s == "":
		return "empty path segment"
	case s == "." || s == "..":
		return fmt.Sprintf("%q path segment", s)
	case strings.ContainsRune(s, '\\'):
		return "backslash in key"
	case strings.ContainsRune(s, '/'):
		return "slash in name"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "control character in key"
		}
	}
	return ""
}

// CheckPrefix validates a key prefix: empty, or relative segments with an
// optional trailing slash.
func CheckPrefix(op, name, p string) error {
	if p == "" {
		return nil
	}
	if strings.HasPrefix(p, "/") {
		return liberator.Errorf(liberator.ErrInvalid, op, strconv.Quote(p), "%s must not be absolute", name)
	}
	for _, s := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if why := badSegment(s); why != "" {
			return liberator.Errorf(liberator.ErrInvalid, op, strconv.Quote(p), "%s: %s", name, why)
		}
	}
	return nil
}

// DirPrefix returns p with exactly one trailing slash, or "" for "".
func DirPrefix(p string) string {
	if p == "" {
		return ""
	}
	return strings.TrimSuffix(p, "/") + "/"
}
