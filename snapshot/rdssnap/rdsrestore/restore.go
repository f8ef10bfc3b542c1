package rdsrestore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// Restorer is the production rdssnap.Restorer: it loads the dump into the RDS
// instance with mysqlsnap.Restore (every statement through the allowlist)
// into "<Database>__next", and only when the whole dump has loaded replaces
// the live database with it (drop, create, one atomic RENAME TABLE of all
// tables). A bad dump leaves the live database and every snapshot
// untouched.
//
// Open DB with mysqlsnap.Open and a Config whose TLSCAFile is the RDS CA
// bundle (global-bundle.pem) and whose DSN names the instance endpoint.
type Restorer struct {
	// DB is the connection pool to the instance (required).
	DB *sql.DB
	// Database is the database the dump is loaded into; default
	// "liberator", the name the export layout and Glue expect.
	Database string
	// Read bounds the dump (size caps, ratio) for mysqldump.Open, which
	// opens it (a gocloud bucket URL such as "s3://…" needs the s3blob
	// driver linked in, e.g. a blank import of gocloud.dev/blob/s3blob).
	Read mysqldump.ReadOptions
	// Options tune the restore (batch size, allowlist, logger).
	Options mysqlsnap.RestoreOptions
}

var _ rdssnap.Restorer = (*Restorer)(nil)

// Restore loads dump into r.Database.
func (r *Restorer) Restore(ctx context.Context, dump liberator.DumpRef) error {
	if r.DB == nil {
		return liberator.Errorf(liberator.ErrInvalid, "restore", dump.Key, "Restorer has no DB")
	}
	db := r.Database
	if db == "" {
		db = "liberator"
	}
	if err := mysqlsnap.ValidDatabaseName(db); err != nil {
		return err
	}
	next := db + NextSuffix
	rc, err := mysqldump.Open(ctx, dump, r.Read)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := r.DB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quote(next)); err != nil {
		return liberator.NewError(liberator.ErrTransient, "restore", next, err)
	}
	if _, err := mysqlsnap.Restore(ctx, r.DB, rc, next, r.Options); err != nil {
		return err
	}
	return swap(ctx, r.DB, next, db)
}

// NextSuffix names the database a Restorer loads a dump into before it
// replaces the live one: "<database>__next".
const NextSuffix = "__next"

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// OldSuffix names the database that holds the replaced live tables for the
// moment of the swap: "<database>__old". It is dropped right after.
const OldSuffix = "__old"

// swap replaces database db by next with one atomic RENAME TABLE that moves
// db's tables out to "<db>__old" and next's tables in, so the live database
// is never missing or half-replaced; then it drops the old tables, any view
// left in db (views are not restored) and next.
func swap(ctx context.Context, pool *sql.DB, next, db string) error {
	const op = "restore: replace database"
	old := db + OldSuffix
	list := func(schema, typ string) ([]string, error) {
		rows, err := pool.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = ? ORDER BY table_name", schema, typ)
		if err != nil {
			return nil, liberator.NewError(liberator.ErrTransient, op, schema, err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return nil, liberator.NewError(liberator.ErrTransient, op, schema, err)
			}
			names = append(names, t)
		}
		if err := rows.Err(); err != nil {
			return nil, liberator.NewError(liberator.ErrTransient, op, schema, err)
		}
		return names, nil
	}
	exec := func(what, q string) error {
		if _, err := pool.ExecContext(ctx, q); err != nil {
			return liberator.NewError(liberator.ErrTransient, op, what, err)
		}
		return nil
	}
	for _, q := range []string{"CREATE DATABASE IF NOT EXISTS " + quote(db), "DROP DATABASE IF EXISTS " + quote(old), "CREATE DATABASE " + quote(old)} {
		if err := exec(db, q); err != nil {
			return err
		}
	}
	live, err := list(db, "BASE TABLE")
	if err != nil {
		return err
	}
	fresh, err := list(next, "BASE TABLE")
	if err != nil {
		return err
	}
	var pairs []string
	for _, t := range live {
		pairs = append(pairs, quote(db)+"."+quote(t)+" TO "+quote(old)+"."+quote(t))
	}
	for _, t := range fresh {
		pairs = append(pairs, quote(next)+"."+quote(t)+" TO "+quote(db)+"."+quote(t))
	}
	if len(pairs) > 0 {
		if err := exec(db, "RENAME TABLE "+strings.Join(pairs, ", ")); err != nil {
			return err
		}
	}
	views, err := list(db, "VIEW")
	if err != nil {
		return err
	}
	for _, v := range views {
		if err := exec(db, "DROP VIEW IF EXISTS "+quote(db)+"."+quote(v)); err != nil {
			return err
		}
	}
	if err := exec(old, "DROP DATABASE "+quote(old)); err != nil {
		return err
	}
	return exec(next, "DROP DATABASE "+quote(next))
}
