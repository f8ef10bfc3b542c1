package bloblander

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

var _ liberator.History = (*Lander)(nil)

// LastPublished returns the last import of database published before the
// date before, as the package doc describes: the newest earlier import
// date on which any table of the database has a published partition
// (_SUCCESS), and the manifests of the tables published on that date,
// merged into one Manifest sorted by table. found is false when there is
// none. It implements liberator.History.
//
// A published partition whose manifest is missing or unreadable is listed
// with Rows -1 and no columns (its schema is unknown) and logged. Storage
// errors return an error of kind liberator.ErrTransient (retryable) or
// liberator.ErrTerminal; a database name that is not one key segment
// returns liberator.ErrInvalid.
func (l *Lander) LastPublished(ctx context.Context, database string, before liberator.Date) (liberator.Manifest, bool, error) {
	const op = "find last published import"
	what := "database " + strconv.Quote(database)
	if database == "" || strings.Contains(database, "/") || partition.CheckPrefix(op, "database", database) != nil {
		return liberator.Manifest{}, false, liberator.Errorf(liberator.ErrInvalid, op, what, "not a database name")
	}
	if !before.Valid() {
		return liberator.Manifest{}, false, liberator.Errorf(liberator.ErrInvalid, op, what, "invalid date %q", before.String())
	}
	refs, err := l.dbTables(ctx, database)
	if err != nil {
		return liberator.Manifest{}, false, liberator.NewError(failureKind(ctx, err), op, what, err)
	}
	dates := make([]liberator.Date, len(refs))
	errs := make([]error, len(refs))
	l.parallel(len(refs), func(i int) {
		dates[i], errs[i] = l.newestPublished(ctx, refs[i], before)
	})
	if err := errors.Join(errs...); err != nil {
		return liberator.Manifest{}, false, liberator.NewError(failureKind(ctx, err), op, what, err)
	}
	var last liberator.Date
	for _, d := range dates {
		if !d.IsZero() && (last.IsZero() || last.Time().Before(d.Time())) {
			last = d
		}
	}
	if last.IsZero() {
		return liberator.Manifest{}, false, nil
	}
	out := liberator.Manifest{Version: partition.ManifestVersion, ImportDate: last}
	for i, ref := range refs {
		if dates[i] != last {
			continue
		}
		tm, exportID, err := l.publishedTable(ctx, ref, last)
		if err != nil {
			return liberator.Manifest{}, false, liberator.NewError(failureKind(ctx, err), op, what, err)
		}
		if out.ExportID == "" {
			out.ExportID = exportID
		}
		out.Tables = append(out.Tables, tm)
	}
	slices.SortFunc(out.Tables, func(a, b liberator.TableManifest) int { return strings.Compare(a.Table, b.Table) })
	return out, true, nil
}

// publishedTable reads the manifest of ref's published partition of date
// d. A missing or unreadable manifest gives a table of unknown rows and
// schema.
func (l *Lander) publishedTable(ctx context.Context, ref partition.TableRef, d liberator.Date) (liberator.TableManifest, string, error) {
	prefix := partition.TablePrefix(l.prefix, ref, d)
	m, err := l.readManifest(ctx, prefix)
	if err != nil && !errors.Is(err, liberator.ErrNotFound) && !errors.Is(err, liberator.ErrInvalid) {
		return liberator.TableManifest{}, "", err
	}
	if err == nil {
		for _, tm := range m.Tables {
			if tm.Database == ref.Database && tm.Table == ref.Table {
				return tm, m.ExportID, nil
			}
		}
	}
	l.log.Warn("published partition without a usable manifest: its rows and schema are unknown", "table", ref.String(), "prefix", prefix, "err", err)
	return liberator.TableManifest{Database: ref.Database, Table: ref.Table, Prefix: prefix, Rows: -1}, "", nil
}

// newestPublished returns the newest date before the date before whose
// partition of ref carries the _SUCCESS marker, in either layout, or the
// zero Date. It walks the partition folders (import_year=, import_month=,
// import_day=) newest first with delimited listings, so it reads a few
// listings per table however long the history. The folders exist in both
// layouts: a published partition holds at least one Parquet file (Land
// publishes no table without one).
func (l *Lander) newestPublished(ctx context.Context, ref partition.TableRef, before liberator.Date) (liberator.Date, error) {
	root := partition.TableDir(l.prefix, ref)
	years, err := l.levels(ctx, root, "import_year=", 4)
	if err != nil {
		return liberator.Date{}, err
	}
	for _, y := range years {
		if y > before.Year {
			continue
		}
		yp := fmt.Sprintf("%simport_year=%04d/", root, y)
		months, err := l.levels(ctx, yp, "import_month=", 2)
		if err != nil {
			return liberator.Date{}, err
		}
		for _, m := range months {
			if y == before.Year && m > int(before.Month) {
				continue
			}
			mp := fmt.Sprintf("%simport_month=%02d/", yp, m)
			days, err := l.levels(ctx, mp, "import_day=", 2)
			if err != nil {
				return liberator.Date{}, err
			}
			for _, d := range days {
				date := liberator.Date{Year: y, Month: time.Month(m), Day: d}
				if !date.Valid() || !date.Time().Before(before.Time()) {
					continue
				}
				ok, err := l.published(ctx, partition.TablePrefix(l.prefix, ref, date))
				if err != nil {
					return liberator.Date{}, err
				}
				if ok {
					return date, nil
				}
			}
		}
	}
	return liberator.Date{}, nil
}

// levels lists the folders "<name><digits>/" under prefix and returns
// their numbers, newest (largest) first; other folders are ignored.
func (l *Lander) levels(ctx context.Context, prefix, name string, digits int) ([]int, error) {
	dirs, err := l.listDirs(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, d := range dirs {
		v, ok := strings.CutPrefix(d, name)
		if !ok || len(v) != digits {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// listDirs returns the names of the folders directly under prefix in the
// landing bucket (delimited listing, all pages).
func (l *Lander) listDirs(ctx context.Context, prefix string) ([]string, error) {
	objs, err := l.listDelim(ctx, l.dst, prefix, "/")
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	var out []string
	for _, o := range objs {
		if o.IsDir {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), "/"))
		}
	}
	return out, nil
}
