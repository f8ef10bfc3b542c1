// Package snapshot is the home of the liberator.Snapshotter implementations
// and of the dump reader they share. It holds no code of its own: the
// contract is liberator.Snapshotter, and each backend is a package below.
//
//   - snapshot/mysqldump reads mysqldump and mariadb-dump files: opening
//     (zip, gzip or plain, from a file or any gocloud.dev/blob bucket),
//     statements, the scanner, CREATE TABLE and values. Every backend opens
//     dumps with mysqldump.Open. snapshot/mysqldump/dumpgen writes
//     deterministic dumps for tests, demos and benchmarks.
//   - snapshot/embeddedsnap is the Snapshotter with no database: a snapshot
//     is a record naming the validated dump (liberator.SnapshotDump), which
//     the embedded exporter (export/embeddedexport) converts itself.
//   - snapshot/mysqlsnap restores the dump into a MySQL or MariaDB server
//     through an allowlist of the statements a dump may hold
//     (liberator.SnapshotDatabase).
//   - snapshot/rdssnap restores into an RDS instance and takes an RDS manual
//     snapshot (liberator.SnapshotRDS); snapshot/rdssnap/rdsrestore is the
//     restore step the ECS task runs.
//   - snapshot/fakesnap is an in-memory Snapshotter with fault injection,
//     for tests.
//
// Every implementation passes the conformance suite in liberator/conformance
// (RunSnapshotterTests). Which Exporter can read which kind of snapshot is
// checked when the Pipeline is built (liberator.CheckPairing).
package snapshot
