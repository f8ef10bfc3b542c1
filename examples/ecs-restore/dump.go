package main

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap/rdsrestore"
)

// openDump opens the dump ref names as SQL text. ref.Bucket is a
// gocloud.dev/blob URL ("s3://bucket?region=…", "file:///dir"); empty means
// ref.Key is a local file. A .zip is copied to a file in tmpDir first (a
// zip needs random access) and must hold exactly one .sql file; a .gz is
// decompressed as it is read; anything else is read as plain SQL.
func openDump(ctx context.Context, ref liberator.DumpRef, tmpDir string) (io.ReadCloser, error) {
	var (
		r   io.ReadCloser
		err error
	)
	if ref.Bucket == "" {
		r, err = os.Open(ref.Key)
	} else {
		var b *blob.Bucket
		b, err = blob.OpenBucket(ctx, ref.Bucket)
		if err != nil {
			return nil, fmt.Errorf("open bucket %s: %v: %w", ref.Bucket, err, liberator.ErrInvalid)
		}
		r, err = b.NewReader(ctx, ref.Key, nil)
		if err != nil {
			b.Close()
		} else {
			r = closeBoth{r, b}
		}
	}
	if err != nil {
		kind := liberator.ErrTransient
		if errors.Is(err, os.ErrNotExist) || gcerrors.Code(err) == gcerrors.NotFound {
			kind = liberator.ErrNotFound
		}
		return nil, fmt.Errorf("open dump %s: %v: %w", ref.Key, err, kind)
	}
	switch {
	case strings.HasSuffix(ref.Key, ".zip"):
		defer r.Close()
		return openZip(ctx, r, ref.Key, tmpDir)
	case strings.HasSuffix(ref.Key, ".gz"):
		zr, err := gzip.NewReader(bufio.NewReader(r))
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("dump %s: not gzip: %v: %w", ref.Key, err, liberator.ErrInvalid)
		}
		return closeBoth{zr, r}, nil
	default:
		return r, nil
	}
}

// openZip copies the zip to a temporary file and opens its one .sql file;
// the file is removed when the returned reader is closed.
func openZip(ctx context.Context, r io.Reader, key, tmpDir string) (io.ReadCloser, error) {
	f, err := os.CreateTemp(tmpDir, "dump-*.zip")
	if err != nil {
		return nil, fmt.Errorf("dump %s: temporary file: %v: %w", key, err, liberator.ErrTransient)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	size, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("dump %s: download: %v: %w", key, err, liberator.ErrTransient)
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("dump %s: not a zip: %v: %w", key, err, liberator.ErrInvalid)
	}
	var sqls []*zip.File
	for _, zf := range zr.File {
		if !zf.FileInfo().IsDir() && strings.HasSuffix(strings.ToLower(zf.Name), ".sql") {
			sqls = append(sqls, zf)
		}
	}
	if len(sqls) != 1 {
		cleanup()
		return nil, fmt.Errorf("dump %s: want exactly one .sql file in the zip, found %d: %w", key, len(sqls), liberator.ErrInvalid)
	}
	rc, err := sqls[0].Open()
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("dump %s: open %s: %v: %w", key, path.Base(sqls[0].Name), err, liberator.ErrInvalid)
	}
	return closeFunc{rc, func() error { rc.Close(); cleanup(); return nil }}, nil
}

// mysqlRestorer restores a dump into the database target on the server db
// names, through mysqlsnap's allowlist and rdsrestore's swap: the dump loads
// into "<target>__next", and only once all of it has loaded does it replace
// target (one atomic RENAME TABLE). Unlike production's "DROP DATABASE IF
// EXISTS liberator" first, a bad dump leaves the live database as it was,
// and no staging database behind; snapshots are never touched.
func mysqlRestorer(db *sql.DB, target, tmpDir string, log *slog.Logger) func(ctx context.Context, dump liberator.DumpRef) error {
	r := &rdsrestore.Restorer{
		DB:       db,
		Database: target,
		Open: func(ctx context.Context, dump liberator.DumpRef) (io.ReadCloser, error) {
			return openDump(ctx, dump, tmpDir)
		},
		Options: mysqlsnap.RestoreOptions{Logger: log},
	}
	return func(ctx context.Context, dump liberator.DumpRef) error {
		if err := r.Restore(ctx, dump); err != nil {
			return fmt.Errorf("restore %s into %s: %w", dump.Key, target, err)
		}
		log.InfoContext(ctx, "dump restored", "database", target, "dump", dump.Key)
		return nil
	}
}

type closeBoth struct {
	io.ReadCloser
	other io.Closer
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if err2 := c.other.Close(); err == nil {
		err = err2
	}
	return err
}

type closeFunc struct {
	io.Reader
	close func() error
}

func (c closeFunc) Close() error { return c.close() }

// ctxReader stops a long copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
