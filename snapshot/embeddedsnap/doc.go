// Package embeddedsnap is the liberator.Snapshotter that needs no database
// server. A snapshot (liberator.SnapshotDump) is a small JSON record in a
// bucket naming the dump; the dump itself is not restored anywhere.
// CreateSnapshot checks the dump's container and its first statement
// (mysqldump.SniffDump); the full scan happens when the embedded exporter
// (export/embeddedexport) converts it, and lands nothing if it fails.
package embeddedsnap
