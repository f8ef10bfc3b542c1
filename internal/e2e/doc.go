// Package e2e holds end-to-end tests that cross package boundaries: dumps
// from the project's generator (internal/dumpgen) converted by the embedded
// exporter and read back from Parquet, value by value. It has no non-test
// code.
package e2e
