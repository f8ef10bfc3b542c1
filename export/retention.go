package export

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// DefaultKeepExports is how many exports the CLI keeps (the exports of the
// last runs); a library caller chooses its own RetentionOptions.Keep.
const DefaultKeepExports = 3

// RetentionOptions configure PruneExports. With Keep 0 no export is
// deleted (only the temporary files of interrupted writes are).
type RetentionOptions struct {
	// Prefix is the export zone's prefix: an Exporter's Options.Prefix, or
	// the S3 prefix of RDS export tasks followed by "/". Exports are the
	// folders <Prefix><id>/ holding export_info_<id>.json (finished) or
	// export_lock_<id>.json (running, or left by a run that died); other
	// folders are never touched.
	Prefix string
	// Keep is how many finished exports are kept, the most recent by task
	// start; 0 keeps all.
	Keep int
	// InUse names exports kept whatever their age: those that published
	// partitions' manifests reference, or that runs are landing
	// (bloblander's Lander.ExportsInUse).
	InUse []string
	// LockTimeout is the age past which the lock of an export without an
	// info file (its start as the lock says, else the lock file's time)
	// marks a run that died; its files are deleted (when Keep is not 0).
	// Default 6h, as Options.LockTimeout.
	LockTimeout time.Duration
	// TempAge is the age past which temporary files of interrupted writes
	// are deleted (lease.SweepTemp); default lease.DefaultTempAge.
	TempAge time.Duration
	// Clock tells the time; default the wall clock.
	Clock liberator.Clock
	// Logger receives one record per deleted export; default slog.Default().
	Logger *slog.Logger
}

// RetentionReport is what PruneExports kept and deleted.
type RetentionReport struct {
	// Kept are the exports kept, newest first; InUse those kept only
	// because they are in use; Running those with a live lock.
	Kept    []string `json:"kept,omitempty"`
	InUse   []string `json:"in_use,omitempty"`
	Running []string `json:"running,omitempty"`
	// Deleted are the finished exports deleted, Abandoned the exports of
	// runs that died.
	Deleted   []string `json:"deleted,omitempty"`
	Abandoned []string `json:"abandoned,omitempty"`
	// Objects and Bytes count what was deleted with them.
	Objects int   `json:"objects,omitempty"`
	Bytes   int64 `json:"bytes,omitempty"`
	// TempFiles counts the temporary files of interrupted writes deleted.
	TempFiles int `json:"temp_files,omitempty"`
	// StaleLocks are the finished exports whose lock a run that died left
	// behind; the lock was deleted.
	StaleLocks []string `json:"stale_locks,omitempty"`
}

// zoneExport is one export folder found in the zone.
type zoneExport struct {
	id      string
	started time.Time
	info    bool      // export_info_<id>.json is there
	locked  time.Time // export_lock_<id>.json's time, if there
}

// PruneExports applies export-zone retention to b: it keeps the opts.Keep
// most recent finished exports and every export in opts.InUse or running,
// deletes the other finished exports and those of runs that died, and
// removes temporary files of interrupted writes. So after any number of
// runs the zone holds at most Keep exports plus those in use (one, the
// export the run's date is published from, when the caller passes the
// run's date to ExportsInUse) plus those still running.
//
// Deleting is idempotent: PruneExports may run in several processes at
// once. Storage errors return the report so far and an error of the blob
// error policy's kind.
func PruneExports(ctx context.Context, b *blob.Bucket, opts RetentionOptions) (RetentionReport, error) {
	const op = "prune exports"
	var rep RetentionReport
	if opts.Keep < 0 {
		return rep, liberator.Errorf(liberator.ErrInvalid, op, "", "Keep must be >= 0, got %d", opts.Keep)
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 6 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	swept, err := lease.SweepTemp(ctx, b, opts.Prefix, lease.SweepOptions{MinAge: opts.TempAge, Clock: opts.Clock, Logger: opts.Logger})
	rep.TempFiles = len(swept.Keys)
	if err != nil || opts.Keep == 0 {
		return rep, err
	}
	folders, err := findExports(ctx, b, opts.Prefix)
	if err != nil {
		return rep, err
	}
	var finished []*zoneExport
	drop := map[string]bool{} // ids of the folders to delete
	for _, e := range folders {
		switch {
		case e.info:
			if err := readStart(ctx, b, opts.Prefix, e); err != nil {
				return rep, err
			}
			finished = append(finished, e)
			if !e.locked.IsZero() && opts.Clock.Now().Sub(lockStarted(ctx, b, opts.Prefix, e)) > opts.LockTimeout {
				key := opts.Prefix + e.id + "/" + lockFileName(e.id)
				if err := b.Delete(ctx, key); err != nil && !blobio.IsNotFound(err) {
					return rep, blobio.Error("prune exports", key, err)
				}
				rep.StaleLocks = append(rep.StaleLocks, e.id)
			}
		case e.locked.IsZero():
			// not an export folder (or one RDS is still writing)
		case opts.Clock.Now().Sub(lockStarted(ctx, b, opts.Prefix, e)) <= opts.LockTimeout:
			rep.Running = append(rep.Running, e.id)
		default:
			drop[e.id] = true
			rep.Abandoned = append(rep.Abandoned, e.id)
			opts.Logger.Info("deleting the export of a run that died", "export", e.id, "locked", e.locked)
		}
	}
	slices.SortFunc(finished, func(x, y *zoneExport) int {
		if c := y.started.Compare(x.started); c != 0 {
			return c
		}
		return cmp.Compare(y.id, x.id)
	})
	for i, e := range finished {
		switch {
		case i < opts.Keep:
			rep.Kept = append(rep.Kept, e.id)
		case slices.Contains(opts.InUse, e.id):
			rep.Kept = append(rep.Kept, e.id)
			rep.InUse = append(rep.InUse, e.id)
		default:
			drop[e.id] = true
			rep.Deleted = append(rep.Deleted, e.id)
			opts.Logger.Info("deleting an old export", "export", e.id, "started", e.started)
		}
	}
	if len(drop) == 0 {
		return rep, nil
	}
	// Second pass: delete the dropped folders' objects, each lock last (a
	// folder half deleted by an interrupted prune still has its lock or
	// info file, so the next prune finds it).
	var locks []*blob.ListObject
	err = walkZone(ctx, b, opts.Prefix, func(o *blob.ListObject) error {
		id, name, ok := folderOf(opts.Prefix, o.Key)
		if !ok || !drop[id] {
			return nil
		}
		if name == lockFileName(id) || name == InfoFileName(id) {
			locks = append(locks, o)
			return nil
		}
		return deleteObject(ctx, b, o, &rep)
	})
	if err != nil {
		return rep, err
	}
	slices.SortFunc(locks, func(x, y *blob.ListObject) int {
		return cmp.Compare(btoi(strings.Contains(x.Key, "/export_lock_")), btoi(strings.Contains(y.Key, "/export_lock_")))
	})
	for _, o := range locks {
		if err := deleteObject(ctx, b, o, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// findExports walks the zone once and returns its folders with what marks
// them as exports, in key order.
func findExports(ctx context.Context, b *blob.Bucket, prefix string) ([]*zoneExport, error) {
	var out []*zoneExport
	byID := map[string]*zoneExport{}
	err := walkZone(ctx, b, prefix, func(o *blob.ListObject) error {
		id, name, ok := folderOf(prefix, o.Key)
		if !ok {
			return nil
		}
		e := byID[id]
		if e == nil {
			e = &zoneExport{id: id}
			byID[id] = e
			out = append(out, e)
		}
		switch name {
		case InfoFileName(id):
			e.info = true
			e.started = o.ModTime // until the file says better
		case lockFileName(id):
			e.locked = o.ModTime
		}
		return nil
	})
	return out, err
}

// folderOf splits a key of the zone into its folder's id and its name in
// the folder (export_info_<id>.json at the folder's root is name
// "export_info_<id>.json"); ok is false for a key at the zone's root.
func folderOf(prefix, key string) (id, name string, ok bool) {
	rest := strings.TrimPrefix(key, prefix)
	id, name, ok = strings.Cut(rest, "/")
	return id, name, ok && id != ""
}

// lockStarted returns when the run holding e's lock started, as the lock
// says (on the exporter's clock), or the lock file's time.
func lockStarted(ctx context.Context, b *blob.Bucket, prefix string, e *zoneExport) time.Time {
	if l, err := readLockAt(ctx, b, prefix+e.id+"/"+lockFileName(e.id)); err == nil && !l.Started.IsZero() {
		return l.Started
	}
	return e.locked
}

// readStart reads the task start of e from its export_info_<id>.json;
// the file's time stands when it has none (as RDS may write it).
func readStart(ctx context.Context, b *blob.Bucket, prefix string, e *zoneExport) error {
	key := prefix + e.id + "/" + InfoFileName(e.id)
	body, err := b.ReadAll(ctx, key)
	if blobio.IsNotFound(err) {
		return nil // deleted meanwhile by another prune
	}
	if err != nil {
		return blobio.Error("prune exports", key, err)
	}
	var f InfoFile
	if json.Unmarshal(body, &f) == nil && !f.TaskStartTime.IsZero() {
		e.started = f.TaskStartTime
	}
	return nil
}

// deleteObject deletes o and counts it.
func deleteObject(ctx context.Context, b *blob.Bucket, o *blob.ListObject, rep *RetentionReport) error {
	if err := b.Delete(ctx, o.Key); err != nil && !blobio.IsNotFound(err) {
		return blobio.Error("prune exports", o.Key, err)
	}
	rep.Objects++
	rep.Bytes += o.Size
	return nil
}

// walkZone calls fn for every object under prefix, in key order, page by
// page (zonePage). fileblob fails a listing with NotFound when a file it walks is
// renamed or removed meanwhile (another run writing its export); such a
// page is listed again, a few times.
func walkZone(ctx context.Context, b *blob.Bucket, prefix string, fn func(*blob.ListObject) error) error {
	const op = "prune exports"
	token := blob.FirstPageToken
	for {
		var objs []*blob.ListObject
		var next []byte
		var err error
		for attempt := 1; ; attempt++ {
			objs, next, err = b.ListPage(ctx, token, zonePage(b), &blob.ListOptions{Prefix: prefix})
			if !blobio.IsNotFound(err) || attempt >= 10 || ctx.Err() != nil {
				break
			}
		}
		if err != nil {
			return blobio.Error(op, prefix, err)
		}
		for _, o := range objs {
			if !o.IsDir {
				if err := fn(o); err != nil {
					return err
				}
			}
		}
		if len(next) == 0 {
			return nil
		}
		token = next
	}
}

// zonePage is the listing page size of the zone's walks: large on a
// directory, where fileblob walks the tree again for every page, the usual
// 1000 elsewhere (S3's largest; memblob allocates whole pages).
func zonePage(b *blob.Bucket) int {
	var fi os.FileInfo
	if b.As(&fi) {
		return 50000
	}
	return 1000
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
