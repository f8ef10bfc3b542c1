package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/export/mysqlexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// snapshotsPrefix is where the embedded Snapshotter keeps its records in
// the export bucket (outside every export's "<id>/" folder).
const snapshotsPrefix = "_snapshots/"

// backend is the Snapshotter and Exporter pair a run uses.
type backend struct {
	snap  liberator.Snapshotter
	exp   liberator.Exporter
	close func()
}

func newBackend(ctx context.Context, c runConfig, lk *lake, clk liberator.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	switch c.backend {
	case "embedded", "":
		return newEmbeddedBackend(c, lk, clk, logger, prog)
	case "mysql":
		return newMySQLBackend(c, lk, clk, logger, prog)
	default:
		return nil, fmt.Errorf("unknown --backend %q (want embedded or mysql)", c.backend)
	}
}

// openDump opens a local dump file (.zip, .sql.gz or .sql) with the
// library's checks (one .sql entry, safe names, size and ratio caps).
func openDump(ctx context.Context, path string) (io.ReadCloser, error) {
	return mysqldump.Open(ctx, liberator.DumpRef{Key: path}, mysqldump.ReadOptions{})
}

// readWith returns the dump read options with progress counting the SQL
// read, for the progress lines.
func (c runConfig) readWith(prog *progress) mysqldump.ReadOptions {
	r := c.read
	r.Progress = prog.sqlRead
	return r
}

// exportOptions are the conversion options both backends' exporters share.
func (c runConfig) exportOptions(clk liberator.Clock, logger *slog.Logger, prog *progress) export.Options {
	return export.Options{
		Database: c.database,
		Writer:   export.WriterOptions{Codec: export.Codec(c.codec)},
		Clock:    clk,
		Logger:   logger,
		Progress: prog.table,
	}
}

func newEmbeddedBackend(c runConfig, lk *lake, clk liberator.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	snap, err := embeddedsnap.New(embeddedsnap.Options{Store: lk.export, Prefix: snapshotsPrefix, Read: c.read, Clock: clk, Logger: logger})
	if err != nil {
		return nil, err
	}
	exp := embeddedexport.New(lk.export, embeddedexport.Options{
		Scan:   mysqldump.ScanOptions{SourceDatabase: c.sourceDatabase},
		Read:   c.readWith(prog),
		Export: c.exportOptions(clk, logger, prog),
	})
	return &backend{snap: snap, exp: exp, close: func() {}}, nil
}

// newMySQLBackend restores the dump into a MySQL/MariaDB server (one
// database per snapshot) and exports it with SELECTs.
func newMySQLBackend(c runConfig, lk *lake, clk liberator.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	if c.dsn == "" {
		return nil, fmt.Errorf("--backend mysql needs --mysql-dsn DSN, e.g. root@tcp(127.0.0.1:3306)/")
	}
	be, err := mysqlexport.NewBackend(mysqlexport.BackendConfig{
		MySQL: mysqlsnap.Config{DSN: c.dsn, Database: c.database, Read: c.readWith(prog),
			Allow: mysqlsnap.AllowOptions{SourceDatabase: c.sourceDatabase}, Clock: clk, Logger: logger},
		Bucket: lk.export,
		Export: c.exportOptions(clk, logger, prog),
	})
	if err != nil {
		return nil, err
	}
	return &backend{snap: be.Snapshotter, exp: be.Exporter, close: func() { be.Close() }}, nil
}
