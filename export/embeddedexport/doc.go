// Package embeddedexport is the embedded liberator.Exporter: it converts a
// dump to Parquet in the RDS export layout in-process, with no database
// server. It reads the snapshots package snapshot/embeddedsnap makes
// (liberator.SnapshotDump): StartExport opens the dump the snapshot names
// once (mysqldump.Open), scans it (mysqldump.Scan) and hands its tables
// and rows to the conversion of package export, which describes the
// mapping, the files written and the export's lifecycle.
package embeddedexport
