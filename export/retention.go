package export

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path"
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
	// info file marks a run that died; its files are deleted (when Keep is
	// not 0). Default 6h, as Options.LockTimeout.
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
}

// zoneExport is one export folder found in the zone.
type zoneExport struct {
	id      string
	root    string
	started time.Time
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
	finished, err := findExports(ctx, b, opts, &rep)
	if err != nil {
		return rep, err
	}
	slices.SortFunc(finished, func(x, y zoneExport) int {
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
			if err := deleteExport(ctx, b, e.root, &rep); err != nil {
				return rep, err
			}
			rep.Deleted = append(rep.Deleted, e.id)
			opts.Logger.Info("deleted an old export", "export", e.id, "started", e.started)
		}
	}
	return rep, nil
}

// findExports returns the finished exports of the zone; it deletes the
// exports of runs that died and notes the running ones in rep.
func findExports(ctx context.Context, b *blob.Bucket, opts RetentionOptions, rep *RetentionReport) ([]zoneExport, error) {
	const op = "prune exports"
	var out []zoneExport
	folders, err := listZone(ctx, b, opts.Prefix, "/")
	if err != nil {
		return nil, blobio.Error(op, opts.Prefix, err)
	}
	for _, o := range folders {
		if !o.IsDir {
			continue
		}
		id := path.Base(strings.TrimSuffix(o.Key, "/"))
		info, found, err := readExportInfo(ctx, b, o.Key, id)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, info)
			continue
		}
		lock, err := b.Attributes(ctx, o.Key+"export_lock_"+id+".json")
		switch {
		case blobio.IsNotFound(err):
			continue // not an export folder (or one RDS is still writing)
		case err != nil:
			return nil, blobio.Error(op, o.Key, err)
		case opts.Clock.Now().Sub(lock.ModTime) <= opts.LockTimeout:
			rep.Running = append(rep.Running, id)
		default:
			if err := deleteExport(ctx, b, o.Key, rep); err != nil {
				return nil, err
			}
			rep.Abandoned = append(rep.Abandoned, id)
			opts.Logger.Info("deleted the export of a run that died", "export", id, "locked", lock.ModTime)
		}
	}
	return out, nil
}

// readExportInfo reads <root>export_info_<id>.json: the export's task
// start, or the file's time when it has none (as RDS may write it).
func readExportInfo(ctx context.Context, b *blob.Bucket, root, id string) (zoneExport, bool, error) {
	key := root + InfoFileName(id)
	body, err := b.ReadAll(ctx, key)
	if blobio.IsNotFound(err) {
		return zoneExport{}, false, nil
	}
	if err != nil {
		return zoneExport{}, false, blobio.Error("prune exports", key, err)
	}
	e := zoneExport{id: id, root: root}
	var f InfoFile
	if json.Unmarshal(body, &f) == nil {
		e.started = f.TaskStartTime
	}
	if e.started.IsZero() {
		if a, err := b.Attributes(ctx, key); err == nil {
			e.started = a.ModTime
		}
	}
	return e, true, nil
}

// deleteExport deletes every object under root, its lock last.
func deleteExport(ctx context.Context, b *blob.Bucket, root string, rep *RetentionReport) error {
	const op = "prune exports"
	objs, err := listZone(ctx, b, root, "")
	if err != nil {
		return blobio.Error(op, root, err)
	}
	slices.SortStableFunc(objs, func(x, y *blob.ListObject) int {
		return cmp.Compare(btoi(strings.HasPrefix(path.Base(x.Key), "export_lock_")), btoi(strings.HasPrefix(path.Base(y.Key), "export_lock_")))
	})
	for _, o := range objs {
		if o.IsDir {
			continue
		}
		if err := b.Delete(ctx, o.Key); err != nil && !blobio.IsNotFound(err) {
			return blobio.Error(op, o.Key, err)
		}
		rep.Objects++
		rep.Bytes += o.Size
	}
	return nil
}

// listZone lists prefix. fileblob fails a listing with NotFound when a
// file it walks is renamed or removed meanwhile (another run writing its
// export); such a listing is tried again, a few times.
func listZone(ctx context.Context, b *blob.Bucket, prefix, delim string) ([]*blob.ListObject, error) {
	for attempt := 1; ; attempt++ {
		var out []*blob.ListObject
		it := b.List(&blob.ListOptions{Prefix: prefix, Delimiter: delim})
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				return out, nil
			}
			if blobio.IsNotFound(err) && attempt < 10 && ctx.Err() == nil {
				break
			}
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
