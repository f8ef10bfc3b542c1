package dumpgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultNetBufferLength is mysqldump's default --net-buffer-length: an
// extended INSERT is ended before it would grow past this many bytes.
const DefaultNetBufferLength = 1024*1024 - 1025

// Options configure a generated dump. The zero value is usable: 100 rows
// per table, seed 0, every table.
type Options struct {
	// Seed selects the data; the same seed gives the same bytes.
	Seed int64
	// Rows is the number of rows per table (default 100 when TargetBytes is
	// 0). Rows below about 8 are the edge-value rows.
	Rows int64
	// TargetBytes, if > 0, sizes the tables so the SQL is about this many
	// bytes (slightly more, never much less); Rows is then ignored. Rows
	// are shared between tables by a fixed weight.
	TargetBytes int64
	// Tables restricts the dump to these tables (see TableNames); empty
	// means all. The view and trigger are written only with PCN_IC.
	Tables []string
	// Database names the database in the header comment (default
	// "liberator"); the dump itself has no CREATE DATABASE or USE.
	Database string
	// NetBufferLength splits extended INSERTs like mysqldump's
	// --net-buffer-length (default DefaultNetBufferLength).
	NetBufferLength int
	// SkipExtendedInsert writes one INSERT per row, like
	// mysqldump --skip-extended-insert.
	SkipExtendedInsert bool
	// CompleteInsert writes the column list in INSERTs (--complete-insert).
	CompleteInsert bool
	// HexBlob writes binary values as 0x… (--hex-blob) instead of
	// _binary '…'.
	HexBlob bool
	// Collation is the tables' default collation (default
	// "utf8mb4_unicode_ci", which MySQL 8 and MariaDB both load).
	Collation string
	// Completed is the time in the "Dump completed on" trailer (default
	// 2026-11-24 03:15:02).
	Completed time.Time
	// NoViewTrigger leaves out the view and the trigger.
	NoViewTrigger bool
	// Progress, if set, is called after each table with its stats.
	Progress func(TableStats)
}

// TableStats describes one written table.
type TableStats struct {
	// Name is the table's name and Rows the number of rows written.
	Name string `json:"name"`
	Rows int64  `json:"rows"`
	// Inserts is the number of INSERT statements.
	Inserts int64 `json:"inserts"`
	// Bytes is the number of SQL bytes of the table's section.
	Bytes int64 `json:"bytes"`
}

// Stats describes a written dump.
type Stats struct {
	// Bytes is the size of the SQL text.
	Bytes int64 `json:"bytes"`
	// ZipBytes is the size of the zip file (WriteZip only).
	ZipBytes int64 `json:"zip_bytes,omitempty"`
	// Rows is the total number of rows.
	Rows int64 `json:"rows"`
	// Tables describes each table, in dump order.
	Tables []TableStats `json:"tables"`
	// Views and Triggers name the objects a converter must skip.
	Views    []string `json:"views,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	// MaxLine is the longest line in bytes.
	MaxLine int `json:"max_line"`
}

// Column describes a generated column.
type Column struct {
	// Name is the column's name.
	Name string
	// Type is the MySQL type as the dump declares it ("decimal(10,2)",
	// "int unsigned", "enum('web','ivr')").
	Type string
	// NotNull is true for NOT NULL columns.
	NotNull bool
}

// Table describes a generated table.
type Table struct {
	// Name is the table's name and Columns its columns, in order.
	Name    string
	Columns []Column
}

// TableNames returns the names of the tables the generator knows, in dump
// order.
func TableNames() []string {
	var out []string
	for _, t := range catalog {
		out = append(out, t.name)
	}
	return out
}

// Tables returns the generated tables' definitions, in dump order.
func Tables() []Table {
	var out []Table
	for _, t := range catalog {
		tt := Table{Name: t.name}
		for _, c := range t.cols {
			tt.Columns = append(tt.Columns, Column{Name: c.name, Type: c.typ, NotNull: strings.Contains(c.attrs, "NOT NULL")})
		}
		out = append(out, tt)
	}
	return out
}

func findTable(name string) *table {
	for _, t := range catalog {
		if t.name == name {
			return t
		}
	}
	return nil
}

// rowGen regenerates rows of one table.
type rowGen struct {
	t    *table
	seed uint64
	h    uint64
	pcg  *rand.PCG
	r    *rand.Rand
}

func newRowGen(t *table, seed int64) *rowGen {
	f := fnv.New64a()
	f.Write([]byte(t.name))
	p := rand.NewPCG(0, 0)
	return &rowGen{t: t, seed: uint64(seed), h: f.Sum64(), pcg: p, r: rand.New(p)}
}

// row fills cells with row i.
func (g *rowGen) row(i int64, cells []cell) {
	g.pcg.Seed(g.seed^0x9e3779b97f4a7c15, g.h^uint64(i)*0xbf58476d1ce4e5b9)
	for j := range g.t.cols {
		c := &g.t.cols[j]
		if i < int64(len(c.edges)) {
			cells[j] = c.edges[i]
			continue
		}
		cells[j] = c.gen(g.r, i)
	}
}

// Row returns row i (0-based) of the named table, as Write writes it with
// this seed, as the Go values a faithful converter produces, one per
// column in table order:
//
//   - nil for NULL and for zero or partial-zero dates and datetimes;
//   - int64 for every integer type except BIGINT UNSIGNED (uint64), and
//     for YEAR;
//   - float64 for FLOAT and DOUBLE (FLOAT as the dump's text parses);
//   - string for DECIMAL (exact text with all scale digits), CHAR, VARCHAR,
//     TEXT types, ENUM, SET, JSON, DATE (YYYY-MM-DD) and TIME (as MySQL
//     prints it, e.g. "-838:59:59.000000");
//   - []byte for BIT (ceil(n/8) big-endian bytes), BINARY, VARBINARY, BLOB
//     types and GEOMETRY (4-byte SRID + WKB);
//   - time.Time in UTC for DATETIME and TIMESTAMP.
func Row(seed int64, tableName string, i int64) ([]any, error) {
	t := findTable(tableName)
	if t == nil {
		return nil, fmt.Errorf("dumpgen: unknown table %q", tableName)
	}
	g := newRowGen(t, seed)
	cells := make([]cell, len(t.cols))
	g.row(i, cells)
	out := make([]any, len(cells))
	for j := range cells {
		out[j] = goValue(t.cols[j].kind, &cells[j])
	}
	return out, nil
}

// IsZeroDate reports whether column col of row i was written as a zero or
// partial-zero date (which converts to NULL and is counted in reports).
func IsZeroDate(seed int64, tableName string, i int64, col int) bool {
	t := findTable(tableName)
	if t == nil || col < 0 || col >= len(t.cols) {
		return false
	}
	g := newRowGen(t, seed)
	cells := make([]cell, len(t.cols))
	g.row(i, cells)
	return cells[col].zero
}

func (o *Options) defaults() error {
	if o.Database == "" {
		o.Database = "liberator"
	}
	if o.NetBufferLength <= 0 {
		o.NetBufferLength = DefaultNetBufferLength
	}
	if o.Collation == "" {
		o.Collation = "utf8mb4_unicode_ci"
	}
	if o.Completed.IsZero() {
		o.Completed = base
	}
	if o.Rows <= 0 && o.TargetBytes <= 0 {
		o.Rows = 100
	}
	for _, n := range o.Tables {
		if findTable(n) == nil {
			return fmt.Errorf("dumpgen: unknown table %q (have %s)", n, strings.Join(TableNames(), ", "))
		}
	}
	return nil
}

func (o *Options) selected() []*table {
	if len(o.Tables) == 0 {
		return catalog
	}
	var out []*table
	for _, t := range catalog {
		for _, n := range o.Tables {
			if n == t.name {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// rowCounts decides how many rows each table gets.
func (o *Options) rowCounts(tables []*table) []int64 {
	counts := make([]int64, len(tables))
	if o.TargetBytes <= 0 {
		for i := range counts {
			counts[i] = o.Rows
		}
		return counts
	}
	// Measure the average literal size of ordinary rows, then share the
	// target by weight.
	totalW := 0
	for _, t := range tables {
		totalW += t.weight
	}
	for i, t := range tables {
		g := newRowGen(t, o.Seed)
		cells := make([]cell, len(t.cols))
		var buf []byte
		var n int64
		const sample = 400
		for r := int64(1000); r < 1000+sample; r++ {
			g.row(r, cells)
			buf = appendRow(buf[:0], t, cells, o.HexBlob)
			n += int64(len(buf)) + 1
		}
		avg := float64(n) / sample
		share := float64(o.TargetBytes) * float64(t.weight) / float64(totalW)
		// The edge rows (some hundreds of KB) are written first, exactly.
		edges := int64(0)
		for _, c := range t.cols {
			edges = max(edges, int64(len(c.edges)))
		}
		for r := int64(0); r < edges; r++ {
			g.row(r, cells)
			buf = appendRow(buf[:0], t, cells, o.HexBlob)
			share -= float64(len(buf)) + 1
		}
		counts[i] = edges + int64(max(share, 0)/avg*1.01) + 1
	}
	return counts
}

func appendRow(dst []byte, t *table, cells []cell, hexBlob bool) []byte {
	dst = append(dst, '(')
	for j := range cells {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = appendLiteral(dst, t.cols[j].kind, t.cols[j].fsp, &cells[j], hexBlob)
	}
	return append(dst, ')')
}

// countingWriter counts bytes and the longest line.
type countingWriter struct {
	w       *bufio.Writer
	n       int64
	line    int
	maxLine int
	err     error
}

func (c *countingWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	c.n += int64(len(b))
	rest := b
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			c.line += len(rest)
			break
		}
		c.line += i
		if c.line > c.maxLine {
			c.maxLine = c.line
		}
		c.line = 0
		rest = rest[i+1:]
	}
	if c.line > c.maxLine {
		c.maxLine = c.line
	}
	_, c.err = c.w.Write(b)
}

func (c *countingWriter) str(s string) { c.write([]byte(s)) }

// Write writes a dump to w and returns what it wrote.
func Write(w io.Writer, opts Options) (Stats, error) {
	if err := opts.defaults(); err != nil {
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countingWriter{w: bw}
	var st Stats
	tables := opts.selected()
	counts := opts.rowCounts(tables)

	cw.str(header(opts))
	withPCN := false
	for ti, t := range tables {
		start := cw.n
		ts := writeTable(cw, t, counts[ti], &opts)
		ts.Bytes = cw.n - start
		st.Tables = append(st.Tables, ts)
		st.Rows += ts.Rows
		if t.name == "PCN_IC" {
			withPCN = true
		}
		if opts.Progress != nil {
			opts.Progress(ts)
		}
		if cw.err != nil {
			return st, cw.err
		}
	}
	if withPCN && !opts.NoViewTrigger {
		cw.str(finalView(opts))
		st.Views = []string{viewName}
		st.Triggers = []string{triggerName}
	}
	cw.str(trailer(opts))
	if cw.err == nil {
		cw.err = bw.Flush()
	}
	st.Bytes = cw.n
	st.MaxLine = cw.maxLine
	return st, cw.err
}

func writeTable(cw *countingWriter, t *table, rows int64, o *Options) TableStats {
	ts := TableStats{Name: t.name, Rows: rows}
	q := "`" + t.name + "`"
	var sb strings.Builder
	withView := t.name == "PCN_IC" && !o.NoViewTrigger
	if withView {
		// mysqldump 8 writes a placeholder view before the tables.
		sb.WriteString(tempView(*o))
	}
	fmt.Fprintf(&sb, "--\n-- Table structure for table %s\n--\n\n", q)
	fmt.Fprintf(&sb, "DROP TABLE IF EXISTS %s;\n", q)
	sb.WriteString("/*!40101 SET @saved_cs_client     = @@character_set_client */;\n")
	sb.WriteString("/*!50503 SET character_set_client = utf8mb4 */;\n")
	fmt.Fprintf(&sb, "CREATE TABLE %s (\n", q)
	for j, c := range t.cols {
		if j > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "  `%s` %s%s", c.name, c.typ, c.attrs)
	}
	for _, k := range t.keys {
		sb.WriteString(",\n  " + k)
	}
	sb.WriteString("\n) ENGINE=InnoDB")
	if t.autoID && rows > 0 {
		fmt.Fprintf(&sb, " AUTO_INCREMENT=%d", rows+1)
	}
	fmt.Fprintf(&sb, " DEFAULT CHARSET=utf8mb4 COLLATE=%s;\n", o.Collation)
	sb.WriteString("/*!40101 SET character_set_client = @saved_cs_client */;\n\n")
	fmt.Fprintf(&sb, "--\n-- Dumping data for table %s\n--\n\n", q)
	fmt.Fprintf(&sb, "LOCK TABLES %s WRITE;\n", q)
	fmt.Fprintf(&sb, "/*!40000 ALTER TABLE %s DISABLE KEYS */;\n", q)
	cw.str(sb.String())

	insert := "INSERT INTO " + q
	if o.CompleteInsert {
		var cols []string
		for _, c := range t.cols {
			cols = append(cols, "`"+c.name+"`")
		}
		insert += " (" + strings.Join(cols, ", ") + ")"
	}
	insert += " VALUES "
	g := newRowGen(t, o.Seed)
	cells := make([]cell, len(t.cols))
	var stmt, rowBuf []byte
	total := 0
	for i := int64(0); i < rows; i++ {
		g.row(i, cells)
		rowBuf = appendRow(rowBuf[:0], t, cells, o.HexBlob)
		if o.SkipExtendedInsert {
			stmt = append(stmt[:0], insert...)
			stmt = append(stmt, rowBuf...)
			stmt = append(stmt, ";\n"...)
			cw.write(stmt)
			ts.Inserts++
			continue
		}
		rowLen := len(rowBuf) + 1
		if len(stmt) > 0 && total+rowLen < o.NetBufferLength {
			stmt = append(stmt, ',')
			stmt = append(stmt, rowBuf...)
			total += rowLen
			continue
		}
		if len(stmt) > 0 {
			stmt = append(stmt, ";\n"...)
			cw.write(stmt)
		}
		stmt = append(stmt[:0], insert...)
		stmt = append(stmt, rowBuf...)
		total = len(stmt)
		ts.Inserts++
		if cw.err != nil {
			return ts
		}
	}
	if !o.SkipExtendedInsert && len(stmt) > 0 {
		stmt = append(stmt, ";\n"...)
		cw.write(stmt)
	}
	sb.Reset()
	fmt.Fprintf(&sb, "/*!40000 ALTER TABLE %s ENABLE KEYS */;\n", q)
	sb.WriteString("UNLOCK TABLES;\n")
	if withView {
		sb.WriteString(trigger(*o))
	}
	sb.WriteString("\n")
	cw.str(sb.String())
	return ts
}

func header(o Options) string {
	return fmt.Sprintf(`-- MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)
--
-- Host: liberator-prod.cluster.internal    Database: %s
-- ------------------------------------------------------
-- Server version	8.4.3

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

`, o.Database)
}

func tempView(o Options) string {
	return "--\n-- Temporary view structure for view `" + viewName + "`\n--\n\n" +
		"DROP TABLE IF EXISTS `" + viewName + "`;\n" +
		"/*!50001 DROP VIEW IF EXISTS `" + viewName + "`*/;\n" +
		"SET @saved_cs_client     = @@character_set_client;\n" +
		"/*!50503 SET character_set_client = utf8mb4 */;\n" +
		"/*!50001 CREATE VIEW `" + viewName + "` AS SELECT \n" +
		" 1 AS `pcn`,\n 1 AS `vrm`,\n 1 AS `amount`,\n 1 AS `issued_at`*/;\n" +
		"SET character_set_client = @saved_cs_client;\n\n"
}

func finalView(o Options) string {
	return "--\n-- Final view structure for view `" + viewName + "`\n--\n\n" +
		"/*!50001 DROP VIEW IF EXISTS `" + viewName + "`*/;\n" +
		"/*!50001 SET @saved_cs_client          = @@character_set_client */;\n" +
		"/*!50001 SET @saved_cs_results         = @@character_set_results */;\n" +
		"/*!50001 SET @saved_col_connection     = @@collation_connection */;\n" +
		"/*!50001 SET character_set_client      = utf8mb4 */;\n" +
		"/*!50001 SET character_set_results     = utf8mb4 */;\n" +
		"/*!50001 SET collation_connection      = " + o.Collation + " */;\n" +
		"/*!50001 CREATE ALGORITHM=UNDEFINED */\n" +
		"/*!50013 DEFINER=`liberator_admin`@`%` SQL SECURITY DEFINER */\n" +
		"/*!50001 VIEW `" + viewName + "` AS select `PCN_IC`.`pcn` AS `pcn`,`PCN_IC`.`vrm` AS `vrm`,`PCN_IC`.`amount` AS `amount`,`PCN_IC`.`issued_at` AS `issued_at` from `PCN_IC` where (`PCN_IC`.`status` = 'open') */;\n" +
		"/*!50001 SET character_set_client      = @saved_cs_client */;\n" +
		"/*!50001 SET character_set_results     = @saved_cs_results */;\n" +
		"/*!50001 SET collation_connection      = @saved_col_connection */;\n\n"
}

func trigger(o Options) string {
	return "/*!50003 SET @saved_cs_client      = @@character_set_client */ ;\n" +
		"/*!50003 SET @saved_cs_results     = @@character_set_results */ ;\n" +
		"/*!50003 SET @saved_col_connection = @@collation_connection */ ;\n" +
		"/*!50003 SET character_set_client  = utf8mb4 */ ;\n" +
		"/*!50003 SET character_set_results = utf8mb4 */ ;\n" +
		"/*!50003 SET collation_connection  = " + o.Collation + " */ ;\n" +
		"/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;\n" +
		"/*!50003 SET sql_mode              = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;\n" +
		"DELIMITER ;;\n" +
		"/*!50003 CREATE*/ /*!50017 DEFINER=`liberator_admin`@`%`*/ /*!50003 TRIGGER `" + triggerName + "` BEFORE UPDATE ON `PCN_IC` FOR EACH ROW BEGIN\n" +
		"  IF NEW.status <> OLD.status THEN\n" +
		"    SET NEW.updated_at = NOW();\n" +
		"  END IF;\n" +
		"  INSERT INTO `PCN_IC_audit` VALUES (OLD.id, 'status; changed', NOW());\n" +
		"END */;;\n" +
		"DELIMITER ;\n" +
		"/*!50003 SET sql_mode              = @saved_sql_mode */ ;\n" +
		"/*!50003 SET character_set_client  = @saved_cs_client */ ;\n" +
		"/*!50003 SET character_set_results = @saved_cs_results */ ;\n" +
		"/*!50003 SET collation_connection  = @saved_col_connection */ ;\n"
}

func trailer(o Options) string {
	return `/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on ` + fmt.Sprintf("%s %2d:%02d:%02d", o.Completed.Format("2006-01-02"), o.Completed.Hour(), o.Completed.Minute(), o.Completed.Second()) + "\n"
}

// ZipName returns the production name of a dump for date d:
// "liberator_dump_YYYYMMDD.zip".
func ZipName(year int, month time.Month, day int) string {
	return fmt.Sprintf("liberator_dump_%04d%02d%02d.zip", year, int(month), day)
}

// WriteZip writes a dump into a new zip file at path holding one .sql
// entry named after the zip ("liberator_dump_20261124.sql"). The SQL is
// generated and compressed as a stream, never held in memory, with the
// default deflate level (see WriteZipLevel).
func WriteZip(path string, opts Options) (Stats, error) {
	return WriteZipLevel(path, opts, flate.DefaultCompression)
}

// WriteZipLevel is WriteZip with a deflate level (flate.BestSpeed …
// flate.BestCompression, or flate.DefaultCompression). Generation and
// compression run concurrently.
func WriteZipLevel(path string, opts Options, level int) (st Stats, err error) {
	if err := opts.defaults(); err != nil {
		return Stats{}, err
	}
	f, err := os.Create(path)
	if err != nil {
		return Stats{}, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, level)
	})
	entry := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".sql"
	ew, err := zw.CreateHeader(&zip.FileHeader{Name: entry, Method: zip.Deflate, Modified: opts.Completed})
	if err != nil {
		return Stats{}, err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(ew, bufio.NewReaderSize(pr, 1<<20))
		pr.CloseWithError(err)
		done <- err
	}()
	st, err = Write(pw, opts)
	pw.CloseWithError(err)
	if cerr := <-done; err == nil && cerr != nil && !errors.Is(cerr, io.ErrClosedPipe) {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	if err = zw.Close(); err != nil {
		return st, err
	}
	if err = bw.Flush(); err != nil {
		return st, err
	}
	if fi, serr := f.Stat(); serr == nil {
		st.ZipBytes = fi.Size()
	}
	return st, nil
}
