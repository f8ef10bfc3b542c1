// Package partition knows the landing zone's layout: the partition path of
// an import date (Path), the mapping from RDS export keys to landing keys
// (LandingKey, TablePrefix), the raw-zone folder the downstream copy
// writes (RawPrefix), and the manifest and _SUCCESS marker that publish a
// partition (ReadManifest, Published): kept under ControlRoot
// (_liberator/partitions/) by default, so partition folders hold only
// Parquet files, or in the partition folder (Layout).
//
// # Keys
//
// An RDS export writes
//
//	<export-id>/<db>/<db>.<table>/<batch>/part-00000-<uuid>-c000.gz.parquet
//
// (older exports have no <batch>/ folder). LandingKey maps such a key to
//
//	parking/<db>/<db>.<table>/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-….parquet
//
// keeping the table's case (liberator.PCN_IC), and refuses keys that could
// escape the prefix or do not fit the layout with errors wrapping
// liberator.ErrInvalid. RawPrefix gives the raw-zone folder
// (liberator_pcn_ic). Import dates themselves are liberator.Date values
// (liberator.DateFromDumpName, liberator.DateFromSnapshotID).
//
// # Sub-packages
//
//   - partition/bloblander is the liberator.Lander on gocloud.dev/blob
//     buckets; its package doc describes how an export is landed and
//     published.
//   - partition/s3copy opens S3 buckets and copies objects between them
//     server-side.
//   - partition/faultblob wraps a bucket to inject storage faults in tests.
package partition
