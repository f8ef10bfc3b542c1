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
// rewriting each landed Parquet file with the string column
// import_timestamp (the run's start in Unix seconds) added to every row.
// Files are rewritten Options.Workers at a time and streamed row group by
// row group, so memory is bounded by the row groups being written
// (Options.RowGroupRows, Options.RowGroupBytes).
//
// Each table's raw partition is replaced, never mixed: its old _SUCCESS
// marker is removed first, the new files are written, old files not
// rewritten are deleted, and _SUCCESS is written last. A table with a file
// that failed (or, after another failure, was skipped) gets no marker and
// keeps its old files; the other tables are still published. Then
// the jobs registered with Workflow.RegisterJob run, in order; a job's
// error ends the run in ERROR.
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
