// Package mysqlsnap restores untrusted mysqldump/mariadb-dump output into a
// MySQL-compatible server (MySQL 8, MariaDB, RDS) and implements
// liberator.Snapshotter on top of it: a snapshot is a database.
//
// Every statement of the dump passes an allowlist (Allowlist) before it is
// sent: only what a dump emits for tables and rows may run. The restore
// loads into a staging database and promotes it only when the whole dump
// has loaded, so a bad dump leaves nothing behind.
package mysqlsnap

// MetaTable is the table each snapshot database holds describing the
// snapshot (id, status, creation time, source dump). Dumps may not create a
// table of this name; exporters skip it.
const MetaTable = "_liberator_snapshot"
