package mysqlexport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// Options configure an Exporter: the conversion and the export's
// lifecycle, as for every export.Exporter.
type Options = export.Options

// Exporter is the MySQL liberator.Exporter: it exports a snapshot database
// (SnapshotInfo.Database names it, as mysqlsnap.Snapshotter reports it) by
// streaming one SELECT per table over the text protocol into the
// conversion of package export, so it writes the same Parquet, type
// mapping, RDS layout and report files as the embedded exporter.
//
// Columns are described by information_schema.COLUMNS and converted to the
// mysqldump.Column the dump scanner would produce, so both paths write the
// same schema. Values are passed to the same decoders: numeric columns as
// Number, BIT and spatial columns as Hex (the server returns their raw
// bytes), everything else as String; zero dates arrive as text
// ("0000-00-00") and become NULL as in the embedded path. Generated
// columns are exported with the values the server computed, whether the
// dump held them (MariaDB) or not (mysqldump omits them): they are what the
// embedded path computes from the expression. Other columns the dump's
// INSERTs left out of their column lists are exported as NULL, as the
// embedded path does.
// The metadata table is not exported; the views, triggers and
// routines the restore skipped are listed in the report.
type Exporter struct {
	*export.Exporter
}

var (
	_ liberator.Exporter       = (*Exporter)(nil)
	_ liberator.SnapshotReader = (*Exporter)(nil)
)

// New returns an Exporter reading from db and writing into bucket.
func New(db *sql.DB, bucket *blob.Bucket, opts Options) *Exporter {
	return &Exporter{export.New(bucket, &databaseSource{db: db}, opts)}
}

// databaseSource is the export.RowSource of a snapshot database.
type databaseSource struct{ db *sql.DB }

// ReadsSnapshots returns liberator.SnapshotDatabase.
func (*databaseSource) ReadsSnapshots() []liberator.SnapshotKind {
	return []liberator.SnapshotKind{liberator.SnapshotDatabase}
}

// Rows scans the snapshot's database (see ScanDatabase), restricted to
// req.Tables when not empty.
func (s *databaseSource) Rows(ctx context.Context, req export.RowsRequest, h mysqldump.Handler) (export.SourceStats, error) {
	if err := mysqlsnap.ValidDatabaseName(req.Snapshot.Database); err != nil {
		return export.SourceStats{}, err
	}
	return export.SourceStats{}, scanDatabase(ctx, s.db, req.Snapshot.Database, req.Tables, h)
}

// ScanDatabase calls h for every base table of database (in name order)
// and each of its rows, like mysqldump.Scan does for a dump: CreateTable
// with the columns information_schema describes, then Row per row of a
// streaming SELECT. The snapshot's metadata table is left out; the objects
// its restore skipped, and the views it created, are reported with Skip.
func ScanDatabase(ctx context.Context, db *sql.DB, database string, h mysqldump.Handler) error {
	return scanDatabase(ctx, db, database, nil, h)
}

// scanDatabase is ScanDatabase restricted to the tables named in only
// (case-insensitively) when it is not empty.
func scanDatabase(ctx context.Context, db *sql.DB, database string, only []string, h mysqldump.Handler) error {
	const op = "export"
	conn, err := db.Conn(ctx)
	if err != nil {
		return liberator.NewError(liberator.ErrTransient, op, database, err)
	}
	defer conn.Close()
	// TIMESTAMPs as UTC, as dumps write them; text as utf8mb4.
	for _, s := range []string{"SET NAMES utf8mb4", "SET SESSION time_zone = '+00:00'"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return liberator.NewError(liberator.ErrTransient, op, database, err)
		}
	}
	reported := map[string]bool{}
	var insertCols map[string][]string
	m, err := mysqlsnap.ReadMeta(ctx, db, database)
	switch {
	case err == nil:
		insertCols = m.InsertColumns
		for _, s := range m.Skipped {
			h.Skip(s)
			if s.Kind == mysqldump.SkippedView {
				reported[s.Name] = true
			}
		}
	case !errors.Is(err, liberator.ErrNotFound): // NotFound: not a mysqlsnap snapshot
		return err
	}
	// Views the restore was allowed to create are not exported either.
	views, err := queryNames(ctx, conn, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW' ORDER BY TABLE_NAME`, database)
	if err != nil {
		return liberator.NewError(liberator.ErrTransient, op, database, err)
	}
	for _, v := range views {
		if !reported[v] {
			h.Skip(mysqldump.Skipped{Kind: mysqldump.SkippedView, Name: v})
		}
	}
	tables, err := queryNames(ctx, conn, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ? ORDER BY TABLE_NAME`, database, mysqlsnap.MetaTable)
	if err != nil {
		return liberator.NewError(liberator.ErrTransient, op, database, err)
	}
	if len(tables) == 0 {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", database).Scan(&n); err == nil && n == 0 {
			return liberator.Errorf(liberator.ErrNotFound, op, database, "no database %s", database)
		}
	}
	for _, name := range tables {
		if len(only) > 0 && !containsFold(only, name) {
			continue
		}
		// Table names may differ in case (lower_case_table_names).
		listed, ok := insertCols[name]
		if !ok {
			for k, v := range insertCols {
				if strings.EqualFold(k, name) {
					listed, ok = v, true
					break
				}
			}
		}
		if err := scanTable(ctx, conn, database, name, listed, ok, h); err != nil {
			return err
		}
	}
	return nil
}

// queryNames returns the one string column of the rows query returns.
func queryNames(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// scanTable exports one table. When restricted, only the columns in listed
// and the generated columns are selected (the dump's INSERTs named no
// others: they had no values in the dump); the others are Missing.
func scanTable(ctx context.Context, conn *sql.Conn, database, name string, listed []string, restricted bool, h mysqldump.Handler) error {
	what := database + "." + name
	cols, err := TableColumns(ctx, conn, database, name)
	if err != nil {
		return err
	}
	t := &mysqldump.Table{Name: name, Columns: cols}
	if err := h.CreateTable(t); err != nil {
		return err
	}
	var sel []string
	var idx []int
	kinds := make([]mysqldump.ValueKind, len(cols))
	for i := range cols {
		kinds[i] = valueKind(&cols[i])
		if restricted && !containsFold(listed, cols[i].Name) && !cols[i].Generated {
			continue
		}
		sel = append(sel, quoteIdent(cols[i].Name))
		idx = append(idx, i)
	}
	vals := make([]mysqldump.Value, len(cols))
	if len(sel) == 0 {
		return nil
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+quoteIdent(database)+"."+quoteIdent(name))
	if err != nil {
		return liberator.NewError(liberator.ErrTransient, "export select", what, err)
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(sel))
	dest := make([]any, len(sel))
	for i := range raw {
		dest[i] = &raw[i]
	}
	n := 0
	for rows.Next() {
		n++
		if err := rows.Scan(dest...); err != nil {
			return liberator.NewError(liberator.ErrTransient, "export select", fmt.Sprintf("%s row %d", what, n), err)
		}
		for i := range vals {
			vals[i] = mysqldump.Value{Kind: mysqldump.Missing}
		}
		for j, i := range idx {
			if raw[j] == nil {
				vals[i] = mysqldump.Value{Kind: mysqldump.Null}
				continue
			}
			vals[i] = mysqldump.Value{Kind: kinds[i], Bytes: raw[j]}
		}
		if err := h.Row(t, vals, n); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return liberator.NewError(liberator.ErrTransient, "export select", what, err)
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
