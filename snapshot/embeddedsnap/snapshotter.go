package embeddedsnap

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Options configure the embedded Snapshotter.
type Options struct {
	// Store is the bucket holding the snapshot records
	// (snapshots/<id>.json). Required.
	Store *blob.Bucket
	// Prefix of the record keys; default "snapshots/".
	Prefix string
	// Read bounds the dumps accepted (size caps, ratio) and lists
	// already-open buckets by URL (Read.Buckets) for DumpRef.Bucket URLs
	// that must not be reopened (mem://).
	Read mysqldump.ReadOptions
	// Clock stamps the snapshots' creation time; default the wall clock.
	Clock liberator.Clock
	// Logger; default a logger that discards.
	Logger *slog.Logger
}

// Snapshotter is the embedded liberator.Snapshotter (see the package doc).
// CreateSnapshot validates the dump's container (one .sql entry, safe name,
// size caps) and that it starts like a mysqldump/mariadb-dump file.
// SnapshotInfo.Dump names the dump.
type Snapshotter struct {
	opts Options
}

var _ liberator.Snapshotter = (*Snapshotter)(nil)

// embeddedRecord is the JSON stored for a snapshot.
type embeddedRecord struct {
	ID               string                   `json:"id"`
	Status           liberator.SnapshotStatus `json:"status"`
	Created          time.Time                `json:"created"`
	Dump             liberator.DumpRef        `json:"dump"`
	ImportDate       liberator.Date           `json:"import_date"`
	Format           mysqldump.Format         `json:"format"`
	Entry            string                   `json:"entry,omitempty"`
	Size             int64                    `json:"size"`
	UncompressedSize int64                    `json:"uncompressed_size"`
	Header           string                   `json:"header,omitempty"`
}

func (r embeddedRecord) info() liberator.SnapshotInfo {
	return liberator.SnapshotInfo{ID: r.ID, Status: r.Status, Created: r.Created, Kind: liberator.SnapshotDump, Dump: r.Dump}
}

// New returns an embedded Snapshotter storing its records in
// opts.Store.
func New(opts Options) (*Snapshotter, error) {
	if opts.Store == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new embedded snapshotter", "", "Options.Store is required")
	}
	if opts.Prefix == "" {
		opts.Prefix = "snapshots/"
	}
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Read.Logger == nil {
		opts.Read.Logger = opts.Logger
	}
	return &Snapshotter{opts: opts}, nil
}

func (e *Snapshotter) key(id string) string { return e.opts.Prefix + id + ".json" }

func validID(id string) error {
	if id == "" || len(id) > 255 || strings.ContainsAny(id, "/\\#?*") || id == "." || id == ".." {
		return liberator.Errorf(liberator.ErrInvalid, "snapshot", id, "bad snapshot id")
	}
	return nil
}

func (e *Snapshotter) read(ctx context.Context, id string) (embeddedRecord, error) {
	var rec embeddedRecord
	b, err := e.opts.Store.ReadAll(ctx, e.key(id))
	if err != nil {
		if blobio.IsNotFound(err) {
			return rec, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", id, "no such snapshot")
		}
		return rec, blobio.Error("describe snapshot", id, err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, liberator.NewError(liberator.ErrInvalid, "describe snapshot", e.key(id), err)
	}
	return rec, nil
}

// CreateSnapshot validates req.Dump and records a snapshot of it. It is
// idempotent on req.ID: an existing snapshot is returned as it is. A dump
// that fails validation returns an error wrapping liberator.ErrInvalid (or
// NotFound if it does not exist) and records nothing.
func (e *Snapshotter) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	if err := validID(req.ID); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if rec, err := e.read(ctx, req.ID); err == nil {
		if req.Dump.Key != "" && (rec.Dump.Bucket != req.Dump.Bucket || rec.Dump.Key != req.Dump.Key) {
			// Same id, another dump: never hand back the wrong data, and not
			// AlreadyExists either, which the pipeline treats as done.
			return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrInvalid, "create snapshot", req.ID,
				"snapshot already holds dump %s, not %s", dumpName(rec.Dump), dumpName(req.Dump))
		}
		return rec.info(), nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		return liberator.SnapshotInfo{}, err
	}
	if req.Dump.Key == "" {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrInvalid, "create snapshot", req.ID, "request has no dump key")
	}
	d, err := mysqldump.Open(ctx, req.Dump, e.opts.Read)
	if err != nil {
		return liberator.SnapshotInfo{}, err
	}
	defer d.Close()
	header, err := mysqldump.SniffDump(d)
	if err != nil {
		return liberator.SnapshotInfo{}, err
	}
	rec := embeddedRecord{
		ID: req.ID, Status: liberator.SnapshotAvailable, Created: e.opts.Clock.Now().UTC(),
		Dump: req.Dump, ImportDate: req.ImportDate,
		Format: d.Format, Entry: d.Entry, Size: d.Size, UncompressedSize: d.UncompressedSize, Header: header,
	}
	rec.Dump.Size = d.Size
	body, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return liberator.SnapshotInfo{}, liberator.NewError(liberator.ErrInvalid, "create snapshot", req.ID, err)
	}
	err = e.opts.Store.WriteAll(ctx, e.key(req.ID), body, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
	if err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			// Created concurrently: return that one.
			if got, rerr := e.read(ctx, req.ID); rerr == nil {
				return got.info(), nil
			}
		}
		return liberator.SnapshotInfo{}, blobio.Error("create snapshot", e.key(req.ID), err)
	}
	e.opts.Logger.Info("snapshot created", "id", req.ID, "dump", dumpName(req.Dump), "format", d.Format, "entry", d.Entry, "size", d.Size)
	return rec.info(), nil
}

// DescribeSnapshot returns a snapshot; liberator.ErrNotFound if none.
func (e *Snapshotter) DescribeSnapshot(ctx context.Context, id string) (liberator.SnapshotInfo, error) {
	if err := validID(id); err != nil {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", id, "no such snapshot")
	}
	rec, err := e.read(ctx, id)
	if err != nil {
		return liberator.SnapshotInfo{}, err
	}
	return rec.info(), nil
}

// ListSnapshots returns every snapshot, newest first (ties by id,
// descending).
func (e *Snapshotter) ListSnapshots(ctx context.Context) ([]liberator.SnapshotInfo, error) {
	var out []liberator.SnapshotInfo
	it := e.opts.Store.List(&blob.ListOptions{Prefix: e.opts.Prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, blobio.Error("list snapshots", e.opts.Prefix, err)
		}
		if obj.IsDir || !strings.HasSuffix(obj.Key, ".json") {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(obj.Key, e.opts.Prefix), ".json")
		rec, err := e.read(ctx, id)
		if errors.Is(err, liberator.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec.info())
	}
	liberator.SortSnapshots(out)
	return out, nil
}

// DeleteSnapshot deletes a snapshot record (never the dump);
// liberator.ErrNotFound if none.
func (e *Snapshotter) DeleteSnapshot(ctx context.Context, id string) error {
	if err := validID(id); err != nil {
		return liberator.Errorf(liberator.ErrNotFound, "delete snapshot", id, "no such snapshot")
	}
	if err := e.opts.Store.Delete(ctx, e.key(id)); err != nil {
		if blobio.IsNotFound(err) {
			return liberator.Errorf(liberator.ErrNotFound, "delete snapshot", id, "no such snapshot")
		}
		return blobio.Error("delete snapshot", id, err)
	}
	e.opts.Logger.Info("snapshot deleted", "id", id)
	return nil
}

// SnapshotKind returns liberator.SnapshotDump.
func (*Snapshotter) SnapshotKind() liberator.SnapshotKind { return liberator.SnapshotDump }

// dumpName names a dump in messages: "<bucket URL> <key>" or the path.
func dumpName(d liberator.DumpRef) string {
	if d.Bucket == "" {
		return d.Key
	}
	return d.Bucket + " " + d.Key
}
