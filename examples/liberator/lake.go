package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)

// lake holds the three buckets of a run.
type lake struct {
	export, landing, raw          *blob.Bucket
	exportURL, landingURL, rawURL string
}

func (l *lake) Close() {
	for _, b := range []*blob.Bucket{l.export, l.landing, l.raw} {
		if b != nil {
			b.Close()
		}
	}
}

// openLake opens DIR/export, DIR/landing and DIR/raw, or the URLs given
// for each (s3://…, mem://, file:///…), which take precedence.
func openLake(ctx context.Context, dir, exportURL, landingURL, rawURL string) (*lake, error) {
	l := &lake{}
	for _, z := range []struct {
		name  string
		url   string
		dst   **blob.Bucket
		shown *string
	}{
		{"export", exportURL, &l.export, &l.exportURL},
		{"landing", landingURL, &l.landing, &l.landingURL},
		{"raw", rawURL, &l.raw, &l.rawURL},
	} {
		u := z.url
		if u == "" {
			if dir == "" {
				l.Close()
				return nil, fmt.Errorf("no --lake DIR and no --%s URL", z.name)
			}
			u = filepath.Join(dir, z.name)
		}
		b, err := openBucket(ctx, u)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("open %s zone %s: %w", z.name, u, err)
		}
		*z.dst, *z.shown = b, u
	}
	return l, nil
}

// openBucket opens a bucket URL; a plain path or a file:// URL is a
// directory, created if missing, without fileblob's metadata side files.
func openBucket(ctx context.Context, s string) (*blob.Bucket, error) {
	dir := ""
	switch {
	case strings.HasPrefix(s, "file://"):
		u, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		dir = u.Path
	case !strings.Contains(s, "://"):
		dir = s
	default:
		return blob.OpenBucket(ctx, s)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	return fileblob.OpenBucket(abs, &fileblob.Options{CreateDir: true, NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
}
