// Package rdssnap is the Amazon RDS Snapshotter: it restores a dump into an
// RDS MySQL instance through a pluggable Restorer (production uses the MySQL
// restore over TLS with the statement allowlist) and then takes a manual DB
// snapshot with CreateDBSnapshot.
//
// Snapshots are named as production names them ("sql-to-parquet-yy-mm-dd-
// hhmmss", or "sql-to-parquet-YYYY-MM-DD-backdated"); CreateSnapshot is
// idempotent on that id. ListSnapshots pages through DescribeDBSnapshots.
// Old snapshots are deleted with Prune (or by the pipeline, which prunes its
// own by default: liberator.Config.KeepSnapshots) only once the new snapshot
// is available, never those whose id starts with "awsbackup" and never the
// newest available one. A CreateDBSnapshot refused by the region's manual
// snapshot quota (SnapshotQuotaExceeded) is terminal, not retried: the
// error says how many snapshots the instance holds and what to delete or
// configure.
//
// The Snapshotter takes an aws.Config from the caller; it reads no
// credentials or environment itself.
package rdssnap
