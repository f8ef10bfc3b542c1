// Package export converts the tables of a MySQL snapshot to Parquet in the
// RDS snapshot export layout. Its Exporter (liberator.Exporter) reads the
// rows of a snapshot from a RowSource: package export/embeddedexport reads
// them from the dump itself, with no database server; package
// export/mysqlexport from a snapshot database on a MySQL or MariaDB
// server. Both write the same files through the same conversion, described
// here once.
//
// # The conversion
//
// A RowSource reports each table (a mysqldump.Table, as the dump's CREATE
// TABLE or information_schema describes it), then its rows, each a
// mysqldump.Value per column in column order, and the views, triggers and
// routines it skips. For each table:
//
//   - SchemaFor maps the table to a Parquet schema and one ColumnPlan per
//     column, following the RDS export type mapping (the table is in
//     SchemaFor's doc).
//   - Decode converts each literal to the Parquet value of its column:
//     exact decimals through integer arithmetic on their digits,
//     range-checked integers, DATETIME and TIMESTAMP as microseconds, DATE
//     and TIME as MySQL's text.
//   - TableWriter streams the rows to part files
//     <db>/<db>.<table>/1/part-00000-<uuid>-c000.<codec>.parquet through a
//     *blob.Bucket, starting a new part at a target size and bounding row
//     groups by rows and bytes. A part only becomes visible once it is
//     completely written.
//
// The row source runs in the export's goroutine, which decodes each row's
// values straight into column-major batches (one slice of values per
// column) that own copies of their bytes (sources reuse their buffers); a
// writer goroutine hands each column of a batch to its Parquet column
// writer whole (TableWriter.WriteColumns), where pages are encoded and
// compressed as they fill. Tables take two writer goroutines in turn, so
// that a table's end (its last pages, its part's upload completing) is
// written while the next table's rows are encoded. The embedded exporter
// inflates the dump on a goroutine of its own
// (mysqldump.ReadOptions.ReadAhead), so that one large table keeps two
// cores busy. A row larger than a batch's 4 MiB arena is not copied: it goes alone, made
// of the source's bytes, and the source waits until it is written. Memory
// is bounded by the batch and row group limits plus a few times the
// largest value (the source's read window and the Parquet writer's copy;
// the dump scanner's share is in package mysqldump's doc), not by the
// size of the snapshot.
//
// Conventions where RDS says nothing: zero and partial-zero dates become
// NULL and are counted per column, so DATE, DATETIME and TIMESTAMP columns
// are always OPTIONAL in the schema even when declared NOT NULL; generated
// columns are OPTIONAL: a dump may hold no values for them (mysqldump
// writes none; MariaDB's dump keeps them), which the dump scanner computes
// where their expression allows and which are otherwise NULL and
// reported; a type the mapping does not know is STRING with a warning;
// tinyint(1) stays an integer; BIT(n) is its ceil(n/8) big-endian bytes.
// A STRING column never holds invalid UTF-8: sources convert text to
// UTF-8 (the dump scanner from the dump's character sets).
//
// # The export
//
// An export id's files are under "<prefix><id>/": the parts, then the
// tables report export_tables_info_<id>_from_1_to_<n>.json
// (TablesReportFile: per table its rows, parts, type mapping and
// warnings, and the objects skipped), then export_info_<id>.json
// (InfoFile), written last: its presence with status COMPLETE means every
// part is in place. A conversion error (bad input) ends the export FAILED:
// its parts are deleted and only a FAILED export_info_<id>.json remains,
// naming the table and line. A cancelled context or a storage failure that
// may pass (liberator.Retryable) records nothing: the parts are deleted and
// the error returned, so the same export can be started again. A lock object, export_lock_<id>.json, keeps two
// processes from running one export id at once. StartExport is idempotent
// on the export id, and DescribeExport reports what the files say (see
// Exporter).
//
// # Retention
//
// Every run leaves its export behind. PruneExports keeps the exports of
// the last RetentionOptions.Keep runs (by task start) and those in use
// (named by a published partition's manifest, or being landed: see
// bloblander's Lander.ExportsInUse) or still running, and deletes the
// others, the exports of runs that died (a lock older than LockTimeout and
// no info file) and the temporary files of interrupted writes. It only
// touches folders holding an export_info or export_lock file, so it can
// run on an RDS export bucket's prefix as well. An export also removes the
// zone's dead temporary files when it starts (Options.TempAge).
//
// The default codec is gzip at level 1, whose part files end in
// .gz.parquet as RDS writes them; WriterOptions.Codec and Level choose
// another trade-off between CPU and size (the README gives measurements).
package export
