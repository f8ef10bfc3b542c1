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

// openDump opens the dump a message names as SQL text: mysqlsnap.OpenDump,
// which reads a zip (exactly one .sql entry) straight from the bucket by
// range reads, a gzip or plain SQL, with the scanner's zip-bomb caps.
// ref.Bucket is a gocloud.dev/blob URL ("s3://bucket?region=…",
// "file:///dir"); empty means ref.Key is a local file.
var openDump mysqlsnap.OpenDumpFunc = mysqlsnap.OpenDump

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
		Open:     openDump,
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
