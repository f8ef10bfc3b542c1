// Package glue holds the liberator.Workflow implementations: the downstream
// workflow that copies the landing zone into the raw zone and runs the
// transformations.
//
// Local runs that workflow in process on any gocloud.dev/blob buckets: for
// every table of the landed manifest it rewrites the landed Parquet files
// into the raw zone at
//
//	<prefix>/<db>/<db>_<table lower-cased>/import_year=YYYY/import_month=MM/import_day=DD/import_date=YYYYMMDD/
//
// adding the string column import_timestamp (the run's start in Unix
// seconds), replacing that date's partition, and then runs the job
// functions registered with RegisterJob, in order. It is what the CLI and
// tests use; the AWS workflow starts the real Glue workflow instead.
package glue
