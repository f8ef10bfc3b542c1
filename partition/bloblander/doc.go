// Package bloblander is the liberator.Lander on gocloud.dev/blob buckets (S3
// in production, opened with s3copy.OpenBucket; a directory or memory
// locally): it copies a finished RDS-layout export into the landing zone's
// partitions and publishes each table's partition.
//
// # Landing an export
//
// Lander.Land runs four steps; each step handles all tables, at most
// Options.Workers at a time:
//
//  1. Plan: list everything under the export prefix (all pages), keep the
//     *.parquet files and map every key with partition.LandingKey to
//     <prefix>/<db>/<db>.<table>/import_year=…/import_date=YYYYMMDD/<file>,
//     grouped by table. A key that does not fit the layout, or two keys
//     landing on the same key, refuse the whole export with an error
//     wrapping liberator.ErrInvalid before anything is copied; an export
//     without any *.parquet file is refused with liberator.ErrNotFound.
//  2. Unpublish: a table whose partition already holds a manifest of the
//     same export and the _SUCCESS marker (in the Lander's layout) is
//     skipped, so Land is idempotent. Every other partition loses its old
//     _SUCCESS marker, in both layouts, so readers see it as incomplete.
//  3. Copy: every file is copied into its partition (Bucket.Copy when the
//     export and landing buckets are the same; else on the storage server
//     with Options.Copy, or a streamed read and write without it) and the
//     copy's size is checked against the listing.
//  4. Publish: for each table whose copies all succeeded, the objects in
//     its partition that are not part of this export are deleted (a re-run
//     replaces a partition, never mixes two exports; a manifest or marker
//     of the other layout goes too), then _manifest.json is written, then
//     _SUCCESS last.
//
// # Where the manifest and marker live
//
// By default (Options.Layout = partition.ControlLayout) a partition's
// _manifest.json and _SUCCESS are under _liberator/partitions/ followed by
// the partition's prefix, in the landing bucket:
//
//	parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/part-….parquet
//	_liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/…/import_date=20261124/_manifest.json
//	_liberator/partitions/parking/liberator/liberator.PCN_IC/import_year=2026/…/import_date=20261124/_SUCCESS
//
// so the partition folder holds only Parquet files: a crawler of the
// landing prefix, which reads every file of a folder as the table's data
// and matches its exclusions only at the top level, never meets them
// (one that crawls the whole bucket must exclude _liberator/**).
// partition.InPartitionLayout keeps them in the partition folder, as
// before. partition.ReadManifest and partition.Published (and
// LastPublished, ExportsInUse) read either layout, so a zone can move from
// one to the other: a date landed again in the new layout leaves nothing
// of the old one.
// Each table's _manifest.json lists its objects and bytes and, from the
// request, its rows, its columns (LandRequest.Schema: name, MySQL and
// Parquet types, nullability) and the run's changes since the last
// published import (LandRequest.Changes).
//
// # Reading an export's tables
//
// Lander.ExportTables (liberator.TableReader) describes an export whose
// Exporter reports no tables (RDS) from the export itself: it plans like
// Land, then reads the footer of every *.parquet file (one range read each,
// Workers at a time) for the table's row count (the sum of its files'),
// its top-level columns (name, Parquet type as the tables report names it,
// nullability: OPTIONAL is nullable) and its bytes. What the footers do not
// carry stays unknown: the MySQL types (ColumnExport.MySQLType is empty, so
// a change of MySQL type that keeps the Parquet type, such as VARCHAR(40)
// to VARCHAR(80), is not seen), and RDS's own
// export_tables_info_*.json is not read. A file that is not readable
// Parquet leaves its table's rows and columns unknown, with a warning.
//
// # Finding the last published import
//
// Lander.LastPublished (liberator.History) lists the database's table
// folders under the prefix, then for each table walks its partition
// folders newest first (import_year=, import_month=, import_day=, a
// delimited listing each) down to the newest date before the given one
// whose partition has its _SUCCESS (in either layout): a few listings per table however long
// the history. The last published import is the newest of those dates; its
// manifest merges the manifests of the tables published on it. Partitions
// without a marker (a failed or unpublished landing) are passed over.
//
// # One writer per date
//
// Steps 2 to 4 run under the date's landing lease (package
// partition/lease; zone "landing/<prefix>", in the landing bucket under
// _liberator/leases/), taken after the plan and released after the last
// marker, so Land calls for one date, in one process or many, write it one
// at a time; other dates are not held up. Before every write (a marker
// removed, a copy, stale objects removed, a marker written) the Land
// checks that it still holds the lease and stops, its tables unpublished,
// if it does not. A Land that finds the lease held waits up to
// Options.Lease.Wait, then fails with an error wrapping *lease.HeldError
// ("import of 2026-11-24 is in progress by run <export id> on <host> since
// …"), of kind Options.Lease.HeldKind (liberator.ErrNotReady unless set).
//
// A Land that another run overlapped, publishing every table of its plan
// from another export while it was on its way, does not land its own
// export over it: the date is done. "On its way" means a run it waited
// for, or one that released the lease after the mark this Land took when
// it began (lease.Observe, before the plan), or after the mark its
// context carries (lease.ContextWithMark with Lander.Observe, taken when
// the caller's run began, as the CLI does). It returns the published
// manifest (whose ExportID names the other export) and logs why. A Land
// whose run began after the date was published replaces the date's
// partitions as usual: it is a later run. So a dump uploaded again while
// a run of its date is still landing does not replace it: run it again
// once that run has finished.
//
// Under the lease, a Land first removes the temporary files that
// interrupted fileblob writes left in the landing zone (lease.SweepTemp,
// older than Options.TempAge), and after a failure it deletes what the
// copies of each failed table wrote, so an unpublished partition holds no
// file of the failed export. What it did goes to the log and into the
// lease's last.json (export, tables, outcome, temp files removed).
//
// # Failures
//
// Every storage operation (a listing page, a copy, a delete, a write) is
// retried under Options.Retry, waiting on Options.Clock, when its error is
// retryable under the module's one blob error policy: throttling
// (ResourceExhausted) and transient failures (network errors, 5xx, a size
// mismatch after a copy) are retried; NotFound, InvalidArgument,
// PermissionDenied, FailedPrecondition and Unimplemented are not.
//
// A table whose step fails for good gets no marker; the other tables are
// still published. Land then returns the manifest of the published tables
// and an error naming every failed key, of kind liberator.ErrTransient when
// every failure was retryable (retries used up, or the context ended), else
// liberator.ErrTerminal. Once the store recovers, a re-run publishes the
// rest.
package bloblander
