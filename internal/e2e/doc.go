// Package e2e holds end-to-end tests that cross package boundaries: dumps
// from the project's generator (snapshot/mysqldump/dumpgen) converted by the
// embedded exporter and read back from Parquet, value by value; the
// Snapshotter/Exporter pairings; and the real-dump regression suite, which
// lands the corpus of ../shared/realdumps (Sakila, world, world_x) and real
// mariadb-dump output made in the tests on the embedded and the MySQL
// backend and compares every value with a reference: the source database
// of the dump, or the mariadb client's own restore of it. It has no
// non-test code.
package e2e
