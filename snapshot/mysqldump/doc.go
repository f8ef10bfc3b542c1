// Package mysqldump reads the dumps mysqldump and mariadb-dump write:
// opening (zip, gzip or plain), statements, the scanner, CREATE TABLE and
// values.
//
// # Reading dumps
//
// Open opens a dump (a liberator.DumpRef: a local file, or a key in a
// gocloud.dev/blob bucket) and returns its SQL text as a stream. It reads
//
//   - a .zip with exactly one .sql entry, straight from the archive (for a
//     bucket through range reads; nothing is extracted to disk or held in
//     memory), with klauspost/compress's deflate;
//   - a .sql.gz (gzip), and
//   - plain .sql text.
//
// It refuses, with errors wrapping liberator.ErrInvalid that name the key and
// entry: several .sql entries, encrypted entries, entry names with ".." or
// an absolute path, compression methods other than store and deflate,
// truncated or corrupt archives, checksum mismatches, and decompression
// bombs: ReadOptions.MaxUncompressed and MaxRatio are enforced on the
// bytes actually decompressed, while streaming. Open is the one way the
// module opens a dump: every backend, the CLI, the ECS task and the Lambdas
// use it.
//
// # Statements
//
// StatementReader splits the SQL of a mysqldump (MySQL 5.7/8.x) or
// mariadb-dump (10.x/11.x) file into statements, understanding -- and #
// comments, /* */ comments, executable comments (/*!40101 … */,
// /*M!100616 … */), DELIMITER blocks, strings with backslash escapes and
// doubled quotes, and backquoted identifiers. Each Statement has a precise
// Kind (SET, CREATE TABLE, INSERT, CREATE TRIGGER, …, classified inside
// executable comments too), its Text, its Inner text with the comment
// markers removed, the executable comment's Version, and its Line and
// Offset. The MySQL restore builds its statement allowlist on it.
//
// Cost is linear in the dump's size whatever the size of one statement,
// literal or comment: comments between statements are skipped as they
// stream by (the window keeps a few bytes of them, so they have no size
// cap), and a string, identifier or comment the read window ends in is
// resumed where the scan stopped, never scanned again. One statement (and
// for Scan one INSERT row) is capped by ReaderOptions.MaxStatement and
// ScanOptions.MaxStatement, DefaultMaxStatement (1 GiB, MySQL's ceiling
// on max_allowed_packet) by default; the error names the table, line and
// column.
//
// # Scanning
//
// Scan is the fast path for converting a dump without a server: it streams
// the dump once, parses each CREATE TABLE into a Table (ParseCreateTable)
// and decodes each INSERT row by row into Values in the table's column
// order, calling a Handler. Views, triggers, routines and events are
// recognised and reported to Handler.Skip. Errors wrap
// liberator.ErrInvalid and name the table (with its database), line and
// byte offset.
//
// Executable comments are read as MySQL 8.4 (the server RDS runs, whose
// restore the conversion imitates) reads them, wherever a statement holds
// them, rows included (Sakila's rows hold /*!50705 0x…,*/ values): a
// /*!NNNNN … */ comment applies when NNNNN ≤ 80400, MariaDB's /*M!… */
// never does. A dump MariaDB wrote (its "-- MariaDB dump" header or its
// sandbox marker says so) is read as the server that wrote it reads it:
// every executable comment applies, /*M!… */ included, so the values such
// a dump holds are kept as it was written.
//
// Databases. Each table belongs to a database: its name's prefix, else
// the last USE, else the one mysqldump's header names ("-- Host: …
// Database: app", phpMyAdmin's "-- Database: `app`"), else the unnamed
// one (""; Table.Database). The system databases mysql, sys,
// information_schema and performance_schema (IsSystemDatabase) are never
// converted: their tables are not reported and their rows are read
// without being decoded. Of the user databases, ScanOptions.SourceDatabase
// chooses the one converted; left empty, the dump's only user database
// with tables is, and a table in a second one is an error listing the
// user databases seen. Tables of other databases are skipped like those
// of system ones, so two databases may hold tables of the same name.
// These are also the semantics the MySQL backend gives the same option.
//
// Character sets. Every text value reaches the Handler as UTF-8, as the
// server stores it: a quoted string is in its _charset introducer's
// character set, or else the client's (SET NAMES, SET CHARACTER SET,
// character_set_client, including through the user variables dumps save
// it in; utf8mb4 until the dump says otherwise); a hex or bit literal, a
// _binary string and text sent with SET NAMES binary are in the column's
// character set (its CHARACTER SET or COLLATE, else the table's default,
// else its database's, else utf8mb4). MySQL's latin1 is Windows-1252
// (with its five unassigned bytes as the C1 controls); the single-byte
// sets (cp850, cp1250, cp1251, koi8r, …) and the multi-byte ones (sjis,
// ujis, gbk, gb18030, big5, euckr, utf16, utf32, …) are converted through
// golang.org/x/text. A byte sequence invalid in its character set is an
// error naming the table, line and column; a character set x/text lacks
// passes ASCII text only. Binary columns' values are never converted.
// CREATE TABLE statements and INSERT names sent in another character set
// are converted too, so ENUM elements and names are UTF-8.
//
// Tables a dump drops after creating them (DROP TABLE, DROP DATABASE;
// phpMyAdmin's view stand-ins) are taken back from a Handler that
// implements TableDropper; CREATE TABLE IF NOT EXISTS of an existing table
// is a no-op, a table created twice an error.
//
// Generated columns whose values the dump leaves out (mysqldump writes
// none) are computed as MySQL 8.4 stores them when their expression
// (Column.Expression) is of a form real dumps use: column references and
// literals; + - * / DIV % on exact decimals (a quotient has the dividend's
// scale plus 4, rounded half away from zero) or doubles; JSON_EXTRACT,
// JSON_UNQUOTE, -> and ->> (paths of members and array positions), with
// JSON printed as MySQL prints it; CONCAT, CONCAT_WS; YEAR, MONTH, DAY,
// DAYOFMONTH, HOUR, MINUTE, SECOND, DATE, QUARTER, DAYOFWEEK, WEEKDAY,
// DAYOFYEAR; the result converted to the column's type. Other columns
// stay Missing, and the export writes them NULL with a warning.
//
// Memory. Rows are decoded in the read window without per-value
// allocations: strings are unescaped in place, hex and bit literals and
// text converted from another character set go to a scratch buffer.
// With R the largest INSERT row's SQL size (or non-INSERT statement's)
// and H the bytes that row's hex literals and converted text decode to,
// Scan holds at most
//
//	BufferSize + 3·R + 2·H
//
// (the window grows by doubling to hold the row, the old buffer alive
// while it is copied; the scratch doubles as it grows) and gives the
// memory back once a larger row has passed. A comment costs nothing, an
// INSERT's size does not count, only its largest row.
package mysqldump
