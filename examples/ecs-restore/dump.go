package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap/rdsrestore"
)

// mysqlRestorer restores a dump into the database target on the server db
// names, through mysqlsnap's allowlist and rdsrestore's swap: the dump loads
// into "<target>__next", and only once all of it has loaded does it replace
// target (one atomic RENAME TABLE). Unlike production's "DROP DATABASE IF
// EXISTS liberator" first, a bad dump leaves the live database as it was,
// and no staging database behind; snapshots are never touched.
func mysqlRestorer(db *sql.DB, target string, log *slog.Logger) func(ctx context.Context, dump liberator.DumpRef) error {
	r := &rdsrestore.Restorer{
		DB:       db,
		Database: target,
		Options:  mysqlsnap.RestoreOptions{Logger: log},
	}
	return func(ctx context.Context, dump liberator.DumpRef) error {
		if err := r.Restore(ctx, dump); err != nil {
			return fmt.Errorf("restore %s into %s: %w", dump.Key, target, err)
		}
		log.InfoContext(ctx, "dump restored", "database", target, "dump", dump.Key)
		return nil
	}
}
