package liberator

import (
	"context"
	"errors"
	"strings"
)

// KeepPolicy says which snapshots PruneSnapshots keeps.
type KeepPolicy struct {
	// Current is the run's snapshot id; never deleted, and snapshots
	// created after it (newer runs) are never deleted either.
	Current string
	// Keep is how many available snapshots older than Current to keep as
	// fallbacks (the newest first); values below 1 mean 1, so the newest
	// available snapshot is always kept even when Current is unset or is
	// not listed.
	Keep int
	// Protect lists id prefixes never deleted. Nil means
	// []string{"awsbackup"} (AWS Backup's snapshots); "awsbackup" is
	// protected in any case.
	Protect []string
	// Only, if not empty, restricts pruning to ids with one of these
	// prefixes: other snapshots are neither deleted nor counted (the
	// Pipeline passes SnapshotIDPrefix, so it prunes only its own).
	Only []string
}

// DefaultKeepSnapshots is Config.KeepSnapshots' default: the run's
// snapshot and the two before it.
const DefaultKeepSnapshots = 3

// KeepAllSnapshots as Config.KeepSnapshots turns pruning off.
const KeepAllSnapshots = -1

// PruneSnapshots deletes old snapshots from s, keeping those keep protects
// and every snapshot that is still creating or being deleted. It returns the
// ids it deleted, newest first. It deletes only after a successful listing,
// one snapshot at a time; errors are joined and the pruning goes on with the
// next snapshot (an ErrNotFound from a concurrent delete is ignored).
func PruneSnapshots(ctx context.Context, s Snapshotter, keep KeepPolicy) ([]string, error) {
	list, err := s.ListSnapshots(ctx)
	if err != nil {
		return nil, err
	}
	protect := append([]string{"awsbackup"}, keep.Protect...)
	n := keep.Keep
	if n < 1 {
		n = 1
	}
	cur := -1
	for i, sn := range list {
		if keep.Current != "" && sn.ID == keep.Current {
			cur = i
			break
		}
	}
	var deleted []string
	var errs []error
	kept := 0
	for i, sn := range list {
		if i <= cur { // Current and the newer snapshots (later runs)
			continue
		}
		if sn.ID == keep.Current || hasAnyPrefix(sn.ID, protect) || (len(keep.Only) > 0 && !hasAnyPrefix(sn.ID, keep.Only)) {
			continue
		}
		switch sn.Status {
		case SnapshotAvailable:
			if kept < n {
				kept++
				continue
			}
		case SnapshotFailed:
		default: // creating, deleting, unknown: leave alone
			continue
		}
		if err := s.DeleteSnapshot(ctx, sn.ID); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, sn.ID)
	}
	return deleted, errors.Join(errs...)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
