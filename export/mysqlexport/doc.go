// Package mysqlexport is the MySQL liberator.Exporter: it exports a
// snapshot database (see package mysqlsnap) to Parquet in the RDS export
// layout by streaming SELECTs through the embedded exporter's writer, so
// both paths produce the same files. NewBackend builds the MySQL
// Snapshotter and Exporter from one configuration.
package mysqlexport
