package main

// TEMPORARY stand-ins until snapshot.OpenDump and snapshot.NewEmbedded land.

import (
	"archive/zip"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/dataplatform/liberator-ingestion/internal/clock"
	"github.com/dataplatform/liberator-ingestion/internal/errkind"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot"
)

type multiCloser struct {
	io.Reader
	closers []io.Closer
}

func (m *multiCloser) Close() error {
	for _, c := range m.closers {
		c.Close()
	}
	return nil
}

func openDump(ctx context.Context, path string) (io.ReadCloser, error) {
	switch {
	case strings.HasSuffix(path, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "open dump", path, err)
		}
		if len(zr.File) != 1 {
			zr.Close()
			return nil, errkind.Newf(errkind.Invalid, "open dump", path, "want one entry, have %d", len(zr.File))
		}
		r, err := zr.File[0].Open()
		if err != nil {
			zr.Close()
			return nil, errkind.New(errkind.Invalid, "open dump", path, err)
		}
		return &multiCloser{r, []io.Closer{r, zr}}, nil
	case strings.HasSuffix(path, ".gz"):
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		g, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &multiCloser{g, []io.Closer{g, f}}, nil
	}
	return os.Open(path)
}

type embSnap struct {
	mu   sync.Mutex
	clk  clock.Clock
	snap map[string]liberator.SnapshotInfo
}

func newEmbeddedSnapshotter(clk clock.Clock, _ *slog.Logger) liberator.Snapshotter {
	return &embSnap{clk: clk, snap: map[string]liberator.SnapshotInfo{}}
}

type nopHandler struct{}

func (nopHandler) CreateTable(t *snapshot.Table) error                          { return nil }
func (nopHandler) Row(t *snapshot.Table, vals []snapshot.Value, line int) error { return nil }
func (nopHandler) Skip(s snapshot.Skipped)                                      {}

func (e *embSnap) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	e.mu.Lock()
	if s, ok := e.snap[req.ID]; ok {
		e.mu.Unlock()
		return s, nil
	}
	e.mu.Unlock()
	rc, err := openDump(ctx, req.Dump.Key)
	if err != nil {
		return liberator.SnapshotInfo{}, err
	}
	defer rc.Close()
	if _, err := snapshot.Scan(ctx, rc, nopHandler{}, snapshot.ScanOptions{}); err != nil {
		return liberator.SnapshotInfo{}, fmt.Errorf("validate dump: %w", err)
	}
	s := liberator.SnapshotInfo{ID: req.ID, Status: liberator.SnapshotAvailable, Created: e.clk.Now(), Source: req.Dump.Key}
	e.mu.Lock()
	e.snap[req.ID] = s
	e.mu.Unlock()
	return s, nil
}

func (e *embSnap) DescribeSnapshot(ctx context.Context, id string) (liberator.SnapshotInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.snap[id]
	if !ok {
		return s, errkind.Newf(errkind.NotFound, "describe snapshot", id, "none")
	}
	return s, nil
}

func (e *embSnap) ListSnapshots(ctx context.Context) ([]liberator.SnapshotInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []liberator.SnapshotInfo
	for _, s := range e.snap {
		out = append(out, s)
	}
	return out, nil
}

func (e *embSnap) DeleteSnapshot(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.snap, id)
	return nil
}
