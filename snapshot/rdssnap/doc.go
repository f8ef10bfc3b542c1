// Package rdssnap is the Amazon RDS Snapshotter: it restores a dump into an
// RDS MySQL instance through a pluggable Restorer (production uses the MySQL
// restore over TLS with the statement allowlist) and then takes a manual DB
// snapshot with CreateDBSnapshot.
//
// Snapshots are named as production names them ("sql-to-parquet-yy-mm-dd-
// hhmmss", or "sql-to-parquet-YYYY-MM-DD-backdated"); CreateSnapshot is
// idempotent on that id. ListSnapshots pages through DescribeDBSnapshots.
// Old snapshots are deleted with Prune (or the pipeline's PruneSnapshots)
// only once the new snapshot is available, never those whose id starts with
// "awsbackup" and never the newest available one.
//
// The Snapshotter takes an aws.Config from the caller; it reads no
// credentials or environment itself.
package rdssnap
