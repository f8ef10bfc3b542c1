package main

import (
	"context"
	"database/sql"
	"errors"
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
//
// A dump that does not exist (ErrNotFound) ends the run at once with
// ErrTerminal: the task was told to restore that object, and asking again
// every minute until the step's deadline cannot make it appear.
func mysqlRestorer(db *sql.DB, target string, log *slog.Logger) func(ctx context.Context, dump liberator.DumpRef) error {
	r := &rdsrestore.Restorer{
		DB:       db,
		Database: target,
		Options:  mysqlsnap.RestoreOptions{Logger: log},
	}
	return func(ctx context.Context, dump liberator.DumpRef) error {
		if err := r.Restore(ctx, dump); err != nil {
			if errors.Is(err, liberator.ErrNotFound) {
				return liberator.NewError(liberator.ErrTerminal, "restore", dump.Key,
					fmt.Errorf("the dump does not exist (bucket %q): %w", dump.Bucket, err))
			}
			return fmt.Errorf("restore %s into %s: %w", dump.Key, target, err)
		}
		log.InfoContext(ctx, "dump restored", "database", target, "dump", dump.Key)
		return nil
	}
}
