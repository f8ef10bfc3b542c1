package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/internal/clock"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot"
)

// backend is the Snapshotter and Exporter pair a run uses.
type backend struct {
	snap         liberator.Snapshotter
	exp          liberator.Exporter
	exportPrefix string // key prefix of exports in the export bucket
	close        func()
}

func newBackend(ctx context.Context, c runConfig, lk *lake, clk clock.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	switch c.backend {
	case "embedded", "":
		return newEmbeddedBackend(c, lk, clk, logger, prog)
	case "mysql":
		return newMySQLBackend(ctx, c, lk, clk, logger, prog)
	default:
		return nil, fmt.Errorf("unknown --backend %q (want embedded or mysql)", c.backend)
	}
}

func scanFunc(ctx context.Context, r io.Reader, h snapshot.Handler) error {
	_, err := snapshot.Scan(ctx, r, h, snapshot.ScanOptions{})
	return err
}

func newEmbeddedBackend(c runConfig, lk *lake, clk clock.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	exp := export.NewEmbedded(lk.export, export.EmbeddedOptions{
		Open: func(ctx context.Context, source string) (io.ReadCloser, error) {
			rc, err := openDump(ctx, source)
			if err != nil {
				return nil, err
			}
			return prog.counting(rc), nil
		},
		Scan:     scanFunc,
		Database: c.database,
		Clock:    clk,
		Logger:   logger,
		Progress: prog.table,
	})
	return &backend{snap: newEmbeddedSnapshotter(clk, logger), exp: exp, close: func() {}}, nil
}

func newMySQLBackend(ctx context.Context, c runConfig, lk *lake, clk clock.Clock, logger *slog.Logger, prog *progress) (*backend, error) {
	return nil, fmt.Errorf("--backend mysql is not available in this build (the MySQL exporter is not part of it yet); use --backend embedded")
}
