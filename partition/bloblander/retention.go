package bloblander

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// ExportsInUse returns, sorted, the exports that export-zone retention
// (export.PruneExports) must keep for this landing zone: those named by
// the manifests of the published partitions of the given import dates
// (of every date when none is given, which reads every manifest of the
// zone), and those of the Lands that hold, wait for or will come back for
// a landing lease of any date. A CLI run passes its own date: the zone
// then keeps the export its date is published from, however old.
func (l *Lander) ExportsInUse(ctx context.Context, dates ...liberator.Date) ([]string, error) {
	const op = "find exports in use"
	runs, err := lease.ActiveRuns(ctx, l.dst, LeaseZone(l.prefix), l.leaseOptions(l.log))
	if err != nil {
		return nil, err
	}
	inUse := map[string]bool{}
	for _, r := range runs {
		inUse[r] = true
	}
	var parts []string // partition prefixes to read
	if len(dates) == 0 {
		seen := map[string]bool{}
		for _, in := range partition.Layouts {
			root := in.Dir(partition.DirPrefix(l.prefix))
			objs, err := l.list(ctx, l.dst, root)
			if err != nil {
				return nil, liberator.NewError(failureKind(ctx, err), op, l.prefix, err)
			}
			for _, o := range objs {
				if p, ok := strings.CutSuffix(o.Key, partition.MarkerName); ok && strings.HasSuffix(p, "/") {
					p = partition.DirPrefix(l.prefix) + strings.TrimPrefix(p, root) // the partition's own prefix
					if !seen[p] {
						seen[p] = true
						parts = append(parts, p)
					}
				}
			}
		}
	} else {
		refs, err := l.tables(ctx)
		if err != nil {
			return nil, liberator.NewError(failureKind(ctx, err), op, l.prefix, err)
		}
		for _, ref := range refs {
			for _, d := range dates {
				parts = append(parts, partition.TablePrefix(l.prefix, ref, d))
			}
		}
	}
	ids := make([]string, len(parts))
	errs := make([]error, len(parts))
	l.parallel(len(parts), func(i int) {
		if len(dates) > 0 {
			ok, err := l.published(ctx, parts[i])
			if err != nil || !ok {
				errs[i] = err
				return
			}
		}
		m, err := l.readManifest(ctx, parts[i])
		if err == nil {
			ids[i] = m.ExportID
		} else if !isMissing(err) {
			errs[i] = err
		}
	})
	for i, err := range errs {
		if err != nil {
			return nil, liberator.NewError(failureKind(ctx, err), op, parts[i], err)
		}
		if ids[i] != "" {
			inUse[ids[i]] = true
		}
	}
	out := make([]string, 0, len(inUse))
	for id := range inUse {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// tables returns every table folder of the landing zone:
// <prefix>/<db>/<db>.<table>/.
func (l *Lander) tables(ctx context.Context) ([]partition.TableRef, error) {
	root := partition.DirPrefix(l.prefix)
	dbs, err := l.listDirs(ctx, root)
	if err != nil {
		return nil, err
	}
	var refs []partition.TableRef
	for _, db := range dbs {
		r, err := l.dbTables(ctx, db)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r...)
	}
	return refs, nil
}

// dbTables returns the table folders of database db in the landing zone:
// <prefix>/<db>/<db>.<table>/.
func (l *Lander) dbTables(ctx context.Context, db string) ([]partition.TableRef, error) {
	names, err := l.listDirs(ctx, partition.DirPrefix(l.prefix)+db+"/")
	if err != nil {
		return nil, err
	}
	var refs []partition.TableRef
	for _, n := range names {
		if table, ok := strings.CutPrefix(n, db+"."); ok && table != "" {
			refs = append(refs, partition.TableRef{Database: db, Table: table})
		}
	}
	return refs, nil
}

// isMissing reports whether a manifest read failed because there is no
// manifest (or an unreadable one, which names no export).
func isMissing(err error) bool {
	return errors.Is(err, liberator.ErrNotFound) || errors.Is(err, liberator.ErrInvalid)
}
