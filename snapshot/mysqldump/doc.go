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
// # Scanning
//
// Scan is the fast path for converting a dump without a server: it streams
// the dump once, parses each CREATE TABLE into a Table (ParseCreateTable)
// and decodes each INSERT row by row into Values in the table's column
// order, calling a Handler. Rows are decoded in place in a large read
// window, without per-value allocations; memory is bounded by the largest
// row, not the largest INSERT. Views, triggers, routines and events are
// recognised and reported to Handler.Skip. Errors name the table, line and
// byte offset.
package mysqldump
