// Package partition knows the landing zone's partitions: import dates, the
// partition paths, the mapping from RDS export keys to landing keys, and a
// Lander that copies a finished export into the landing zone on any
// gocloud.dev/blob bucket (S3 in production, a directory or memory locally).
//
// # Import dates
//
// A run's import date comes from the uploaded dump's name
// (DateFromDumpName: liberator_dump_YYYYMMDD.zip, or the older
// liberator_dump_YYMMDD.zip), from the snapshot id (DateFromSnapshotID:
// sql-to-parquet-yy-mm-dd-hhmmss or sql-to-parquet-YYYY-MM-DD-backdated), or
// from an explicit override (ParseDate: YYYY-MM-DD or YYYYMMDD); never from
// the clock at copy time. Impossible dates (2026-02-30, month 13) and unknown
// formats are refused with errors wrapping liberator.ErrInvalid.
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
// escape the prefix or do not fit the layout. RawPrefix gives the raw-zone
// folder the downstream copy job writes (liberator_pcn_ic).
//
// # Landing
//
// Lander.Land lists the export (all pages), keeps only *.parquet files,
// maps every key before copying anything, copies in parallel with retries,
// verifies sizes, and publishes each table's partition: old _SUCCESS marker
// deleted first, stale objects of an earlier export removed, _manifest.json
// written, _SUCCESS written last. A partition already published for the
// same export is left alone, so Land is idempotent; a table whose copy
// failed gets no marker. ReadManifest and Published read what was
// published.
//
// Package partition/faultblob wraps a bucket to inject storage faults in
// tests.
package partition
