// Package mysqlsnap restores untrusted mysqldump/mariadb-dump output into a
// MySQL-compatible server (MySQL 8, MariaDB, RDS) and implements
// liberator.Snapshotter on top of it: a snapshot is a database.
//
// # Safety
//
// Every statement of the dump passes an Allowlist before anything is sent:
// only what a dump emits for tables and rows may run (session SETs of known
// variables, default_storage_engine included, DROP TABLE, CREATE TABLE in
// the target database, LOCK/UNLOCK TABLES, ALTER TABLE … DISABLE/ENABLE
// KEYS, ALTER TABLE t ENGINE=e alone, INSERT/REPLACE of literal rows,
// transaction statements). The allowlist lexes each statement as the
// server does, including the content of version comments (/*!40101 …*/,
// /*M!100100 …*/), which the server executes. Everything else is refused
// with an error wrapping liberator.ErrInvalid that names the dump line:
// names qualified with another database, GRANT, REVOKE, user management,
// SET PASSWORD/GLOBAL/PERSIST, LOAD DATA, SELECT (… INTO OUTFILE),
// INSTALL PLUGIN, SHUTDOWN, KILL, client commands, CREATE TABLE … SELECT /
// DATA DIRECTORY / INDEX DIRECTORY / other engines, other ALTER TABLEs,
// functions or subqueries in INSERT rows, optimizer hints, and session
// settings that would make the server lex differently from the allowlist
// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES, multi-byte client character sets
// such as gbk; UTF-8 and the single-byte sets, latin1 to cp850, cp1251
// and koi8r, are accepted). Views, triggers, routines and events are
// skipped by default; AllowOptions can allow views and triggers whose
// bodies only use the target database (created after promotion, with
// their DEFINER removed).
//
// # Databases
//
// A dump may name its database, as mysqldump --databases, --all-databases
// and Sakila's schema do: CREATE/DROP/ALTER DATABASE (or SCHEMA, with only
// character set, collation, encryption and comment options) and USE. These
// statements are never sent: the restore writes into its own database
// whatever the dump calls it. The database restored is
// AllowOptions.SourceDatabase, or else the dump's only user database; the
// table statements (CREATE/DROP/ALTER TABLE, INSERT, LOCK TABLES, views,
// triggers, routines) written while the dump is in another database are
// checked as usual (the CSV engine of the system log tables aside) and
// skipped, never sent: those of the system databases
// (mysql, sys, information_schema, performance_schema) always, those of
// other user databases when SourceDatabase chooses one. A dump writing
// tables in a second user database with none chosen is refused listing
// the databases it names (ErrSeveralDatabases), as is one writing tables
// before naming a database and then naming one (stricter than the
// embedded backend: real dumps name their databases first). RestoreResult reports the databases
// skipped. These are the embedded backend's rules (package mysqldump,
// ScanOptions.SourceDatabase).
//
// # Restore
//
// Restore streams the statements over one connection into a fresh staging
// database "<target>__staging_<8 hex>", merging consecutive INSERTs into
// one table into statements of up to BatchBytes (below the server's
// max_allowed_packet). Only when the whole dump has loaded are the tables
// promoted: CREATE DATABASE target, then one RENAME TABLE moving every
// table (atomic). On any failure the staging database is dropped; nothing
// is left behind, and the error names the target, never the staging
// database (server messages quoting it are rewritten). Collations and engines the server does not know are
// bridged (MySQL 8's utf8mb4_0900_* on MariaDB, MariaDB's uca1400/nopad
// collations and Aria on MySQL); data is never rewritten.
//
// # Snapshots
//
// The database of snapshot id is Config.DatabasePrefix + id, used as it is
// (ids such as "sql-to-parquet-26-11-24-031500" keep their '-'; names are
// always backquoted). Ids may hold letters, digits, '_', '-' and '$', and
// must leave room for the staging suffix within MySQL's 64 characters
// (len(prefix)+len(id) ≤ 46). Each snapshot database holds the dump's
// tables and the one-row table MetaTable (id, status, creation time, dump,
// skipped objects, INSERT column lists); only databases holding it, with
// the configured prefix, are snapshots, so ListSnapshots and
// DeleteSnapshot never touch other databases.
package mysqlsnap
