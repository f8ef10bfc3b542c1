package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)

// lake holds the three buckets of a run.
type lake struct {
	export, landing, raw          *blob.Bucket
	exportURL, landingURL, rawURL string
}

// remote returns the lake's S3 buckets by zone name and URL.
func (l *lake) remote() map[string]*blob.Bucket {
	out := map[string]*blob.Bucket{}
	for _, z := range []struct {
		name, url string
		b         *blob.Bucket
	}{{"export", l.exportURL, l.export}, {"landing", l.landingURL, l.landing}, {"raw", l.rawURL, l.raw}} {
		if strings.HasPrefix(z.url, "s3://") {
			out[z.name+" zone "+z.url] = z.b
		}
	}
	return out
}

func (l *lake) Close() {
	for _, b := range []*blob.Bucket{l.export, l.landing, l.raw} {
		if b != nil {
			b.Close()
		}
	}
}

// openLake opens DIR/export, DIR/landing and DIR/raw, or the URLs given
// for each (s3://…, mem://, file:///…), which take precedence. log gets
// the AWS SDK's warnings (see openS3).
func openLake(ctx context.Context, dir, exportURL, landingURL, rawURL string, log *slog.Logger) (*lake, error) {
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
		b, err := openBucket(ctx, u, log)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("open %s zone %s: %w", z.name, u, err)
		}
		*z.dst, *z.shown = b, u
	}
	return l, nil
}

// openBucket opens a bucket URL; a plain path or a file:// URL is a
// directory, created if missing, without fileblob's metadata side files;
// an s3:// URL is opened by openS3.
func openBucket(ctx context.Context, s string, log *slog.Logger) (*blob.Bucket, error) {
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
	case strings.HasPrefix(s, "s3://"):
		u, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		return openS3(ctx, u, log)
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

// dumpURL reads a --dump that names an object in a bucket:
// "s3://bucket/parking/liberator_dump_20261124.zip?region=eu-west-2", with
// the query options of gocloud's URL opener (for S3: region, endpoint,
// use_path_style, disable_https, profile, …), so that any S3-compatible
// server can be read; the dump is then read in place, by range reads. ok
// is false for a local path; a file:// URL is refused (give the path).
func dumpURL(s string) (in runInput, ok bool, err error) {
	if !strings.Contains(s, "://") {
		return runInput{}, false, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return runInput{}, false, fmt.Errorf("run: --dump %q: %w", s, err)
	}
	key := strings.TrimPrefix(u.Path, "/")
	if u.Scheme == "file" {
		return runInput{}, false, fmt.Errorf("run: --dump %s: give a local dump as its path (--dump %s)", s, u.Path)
	}
	if u.Host == "" || key == "" || strings.HasSuffix(key, "/") {
		return runInput{}, false, fmt.Errorf("run: --dump %s: want %s://BUCKET/KEY, the dump's object", u.Redacted(), u.Scheme)
	}
	bucket := u.Scheme + "://" + u.Host
	if u.RawQuery != "" {
		bucket += "?" + u.RawQuery
	}
	return runInput{path: u.Scheme + "://" + u.Host + "/" + key, bucket: bucket, key: key}, true, nil
}

// ref is the run's DumpRef: the file, or the key in the bucket.
func (in runInput) ref() liberator.DumpRef {
	if in.bucket != "" {
		return liberator.DumpRef{Bucket: in.bucket, Key: in.key, Size: in.size}
	}
	return liberator.DumpRef{Key: in.path, Size: in.size}
}
