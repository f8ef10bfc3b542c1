// Package dumpgen writes deterministic, realistic Liberator mysqldump files
// for demos, tests and benchmarks.
//
// A dump holds several tables shaped like the Liberator parking database
// (penalty charge notices in PCN_IC, permits, payments, fixed penalty
// notices, vehicles, officers) whose columns between them cover every MySQL
// type of the MySQL → Parquet mapping (export.SchemaFor). The first rows of
// each table carry edge values (integer limits, unsigned max, DECIMAL(65,30),
// ±0.0, NUL bytes, emoji, escapes, zero dates, negative TIME, NULLs, a
// 300 KB text); later rows are realistic random values. The output follows
// mysqldump 8.x: header comments, the SET preamble, DROP/CREATE TABLE, LOCK
// TABLES, DISABLE KEYS, extended INSERTs split at the net buffer length
// like mysqldump does, a view and a trigger (which a converter skips).
//
// Everything is a pure function of Options.Seed: Row regenerates row i of a
// table as the Go values a faithful converter must produce, so round-trip
// tests can check any row without keeping the dump in memory.
package dumpgen
