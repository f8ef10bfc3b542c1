// Package localglue is a liberator.Workflow that runs in process, on any
// gocloud.dev/blob buckets, what the production Glue workflow does: it
// copies the landing zone into the raw zone, then runs the transformations.
// The CLI and the tests use it; glue/awsglue starts the real Glue workflow
// instead.
//
// # A run
//
// Workflow.Start copies every table of the request's manifest from the
// landing zone into the raw zone, at
//
//	<prefix>/<db>/<db>_<table lower-cased>/import_year=YYYY/import_month=MM/import_day=DD/import_date=YYYYMMDD/
//
// (partition.RawPrefix; Options.Routes send some tables to another prefix),
// each landed Parquet file with the string column import_timestamp (the
// run's start in Unix seconds) added to every row.
//
// A file is spliced, not decoded: the raw file is the landed file's column
// chunks copied byte for byte, each row group followed by an
// import_timestamp chunk (one dictionary page holding the timestamp, one
// data page of two RLE runs), then the landed column and offset indexes
// (page offsets moved) with import_timestamp's, and the landed footer with
// its offsets moved and the column added: the codec, encodings,
// statistics and page index of the landed columns are kept as they are. A
// file the splice does not handle (encrypted, nested, bloom filters,
// column chunks out of order, a codec it cannot write import_timestamp
// in, or a codec other than Options.Compression when that is set) is
// rewritten value by value instead, row group by row group, its memory
// bounded by Options.RowGroupRows and Options.RowGroupBytes; the run's
// properties count both (raw_files_spliced, raw_files_reencoded) and name
// the first file rewritten and why (raw_reencoded_why), as
// RawTable.Reencoded does per table, and the log names each. Files are
// copied Options.Workers at a time.
//
// Each table's raw partition is replaced, never mixed: its old _SUCCESS
// marker is removed first, the new files are written, every other file
// of the partition (listed again at that point) is deleted, and _SUCCESS
// is written last: under partition.ControlRoot in the raw bucket by
// default, so the raw partition folder holds only Parquet files, or in the
// folder with Options.Layout = partition.InPartitionLayout (see
// partition.Layout). A table with a file that failed (or, after another
// failure, was skipped) gets no marker, and the files this run wrote for
// it are deleted; the other tables are still published. Then the jobs
// registered with Workflow.RegisterJob run, in order; a job's error ends
// the run in ERROR.
//
// # One writer per date
//
// A run does all of that, jobs included, under the date's raw lease
// (package partition/lease; zone "raw/<prefix>", in the raw bucket under
// _liberator/leases/), checking before every write that it still holds
// it, so runs for one date, in one process or many, write its raw
// partitions one at a time. A run that finds the lease held waits up to
// Options.Lease.Wait, then fails with an error wrapping *lease.HeldError,
// of kind Options.Lease.HeldKind (liberator.ErrNotReady unless set).
// Having taken the lease, a run first looks again for a record of its run
// key (another process may have finished it), then at what the previous
// holder left: when the raw partitions of every table of the request
// already hold the same landed export (Manifest.ExportID), complete, the
// run copies nothing and is recorded COMPLETED with the property
// done_by_run naming the run key that copied it. Under the lease a run
// also removes the temporary files that interrupted fileblob writes left
// in the raw zone (older than Options.TempAge), counted in the run
// property temp_files_removed and in the log.
//
// Start is idempotent on the request's RunKey: a run that completed (or is
// running) is returned as it is; a run that ended in ERROR is run again
// under the same id (RunID). Runs are recorded in the raw bucket under
// Options.RunsPrefix, so this holds across processes.
//
// Storage errors carry the module's one blob error policy: NotFound is
// liberator.ErrNotFound; InvalidArgument, PermissionDenied,
// FailedPrecondition and Unimplemented are liberator.ErrTerminal;
// throttling is liberator.ErrThrottled; the rest liberator.ErrTransient.
package localglue
