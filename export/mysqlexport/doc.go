// Package mysqlexport is the MySQL liberator.Exporter: it exports a
// snapshot database (liberator.SnapshotDatabase, as package
// snapshot/mysqlsnap restores them) to Parquet in the RDS export layout.
// Its row source streams one SELECT per table into the conversion of
// package export, the one the embedded exporter uses, so both paths write
// the same files. NewBackend builds the MySQL Snapshotter and Exporter
// from one configuration.
package mysqlexport
