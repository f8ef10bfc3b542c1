// Package rdsexport is the Amazon RDS Exporter: it exports an RDS snapshot
// to Parquet in S3 with StartExportTask and follows it with
// DescribeExportTasks.
//
// The export task id is the snapshot id with ':' replaced by '-', at most 60
// characters (liberator.ExportID); its files land under
// "<S3Prefix>/<export-id>/" in the export bucket, in the RDS export layout
// the partition Lander reads. StartExport is idempotent: an
// ExportTaskAlreadyExists answer is treated as "already started" and the
// existing task is described. The account quota of 5 concurrent exports and
// throttling surface as errors wrapping liberator.ErrThrottled.
//
// The Exporter takes an aws.Config from the caller; it reads no
// credentials or environment itself.
package rdsexport
