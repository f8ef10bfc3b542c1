package partition

import (
	"context"
	"errors"
	"strconv"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// ControlRoot is the key prefix, in a zone's bucket, under which the
// manifest and the marker of every partition are kept by default
// (ControlLayout), beside the leases (_liberator/leases/): outside the
// prefixes a crawler reads (a crawler of s3://bucket/parking/ never lists
// it; one of the whole bucket must exclude _liberator/**).
const ControlRoot = "_liberator/partitions/"

// Layout says where a partition's manifest and completeness marker live.
// The zero Layout is ControlLayout.
type Layout int

// The layouts.
const (
	// ControlLayout, the default, keeps them under ControlRoot followed
	// by the partition's own prefix:
	//
	//	_liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/…/import_date=20261124/_manifest.json
	//	_liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/…/import_date=20261124/_SUCCESS
	//
	// so the partition folder holds only its Parquet files, and a crawler
	// that reads every file of the folder finds only data.
	ControlLayout Layout = iota
	// InPartitionLayout keeps them in the partition folder itself, beside
	// the data files (the layout before ControlLayout; for teams whose
	// readers look for _SUCCESS there).
	InPartitionLayout
)

// String returns "control" or "in-partition".
func (l Layout) String() string {
	if l == InPartitionLayout {
		return "in-partition"
	}
	return "control"
}

// Other returns the other layout.
func (l Layout) Other() Layout {
	if l == InPartitionLayout {
		return ControlLayout
	}
	return InPartitionLayout
}

// Dir returns where l keeps the control files of the partition at
// partPrefix (ending in "/").
func (l Layout) Dir(partPrefix string) string {
	if l == InPartitionLayout {
		return partPrefix
	}
	return ControlRoot + partPrefix
}

// MarkerKey returns the key of the partition's marker in layout l.
func (l Layout) MarkerKey(partPrefix string) string { return l.Dir(partPrefix) + MarkerName }

// ManifestKey returns the key of the partition's manifest in layout l.
func (l Layout) ManifestKey(partPrefix string) string { return l.Dir(partPrefix) + ManifestName }

// Layouts are the layouts readers look in, in order (Published,
// ReadManifest): a zone written in either, or moving from one to the
// other, reads the same.
var Layouts = []Layout{ControlLayout, InPartitionLayout}

// PublishedAt reports whether the partition at partPrefix carries its
// marker, in either layout, and in which.
func PublishedAt(ctx context.Context, bucket *blob.Bucket, partPrefix string) (ok bool, in Layout, err error) {
	for _, l := range Layouts {
		key := l.MarkerKey(partPrefix)
		ok, err := bucket.Exists(ctx, key)
		if err != nil {
			return false, l, blobio.Error("check marker", strconv.Quote(key), err)
		}
		if ok {
			return true, l, nil
		}
	}
	return false, ControlLayout, nil
}

// ReadManifestAt reads the manifest of the partition at partPrefix, in
// the first layout that has one (Layouts). A Lander that publishes in one
// layout removes the other's manifest, so a published partition has one.
// Errors are ReadManifestKey's; none found wraps liberator.ErrNotFound.
func ReadManifestAt(ctx context.Context, bucket *blob.Bucket, partPrefix string) (liberator.Manifest, error) {
	var first error
	for _, l := range Layouts {
		m, err := ReadManifestKey(ctx, bucket, l.ManifestKey(partPrefix))
		if !errors.Is(err, liberator.ErrNotFound) {
			return m, err
		}
		if first == nil {
			first = err
		}
	}
	return liberator.Manifest{}, first
}
