package partition

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"gocloud.dev/blob"
)

// ManifestVersion is the version of the manifest files a Lander writes.
// Version 1 manifests gained each table's bytes and columns and the run's
// changes (liberator.TableManifest, liberator.Manifest) without a new
// version: the fields are additive, so older readers ignore them, and a
// manifest written before them reads with no columns (unknown).
const ManifestVersion = 1

// IsParquet reports whether an export key names a Parquet data file
// (ends in ".parquet", any case).
func IsParquet(key string) bool {
	return strings.HasSuffix(strings.ToLower(key), ".parquet")
}

// ReadManifest reads the manifest of table db.table's landing partition for
// date d under prefix (DefaultPrefix if empty), in either layout
// (ReadManifestAt). A missing manifest returns an error wrapping
// liberator.ErrNotFound; an unreadable one wraps liberator.ErrInvalid. A
// manifest alone does not mean the partition is complete: see Published.
func ReadManifest(ctx context.Context, bucket *blob.Bucket, prefix, db, table string, d liberator.Date) (liberator.Manifest, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return ReadManifestAt(ctx, bucket, TablePrefix(prefix, TableRef{Database: db, Table: table}, d))
}

// Published reports whether table db.table's landing partition for date d
// under prefix (DefaultPrefix if empty) carries the _SUCCESS marker, in
// either layout (PublishedAt), that is, whether a Lander finished
// publishing it.
func Published(ctx context.Context, bucket *blob.Bucket, prefix, db, table string, d liberator.Date) (bool, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	ok, _, err := PublishedAt(ctx, bucket, TablePrefix(prefix, TableRef{Database: db, Table: table}, d))
	return ok, err
}

// ReadManifestKey reads and checks the manifest at key.
func ReadManifestKey(ctx context.Context, bucket *blob.Bucket, key string) (liberator.Manifest, error) {
	const op = "read manifest"
	what := strconv.Quote(key)
	body, err := bucket.ReadAll(ctx, key)
	if err != nil {
		return liberator.Manifest{}, blobio.Error(op, what, err)
	}
	var m liberator.Manifest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return liberator.Manifest{}, liberator.NewError(liberator.ErrInvalid, op, what, err)
	}
	if m.Version != ManifestVersion {
		return liberator.Manifest{}, liberator.Errorf(liberator.ErrInvalid, op, what, "unsupported manifest version %d", m.Version)
	}
	return m, nil
}
