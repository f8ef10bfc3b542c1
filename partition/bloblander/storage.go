package bloblander

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// The storage operations of a Lander, each retried by retryOp.

// parallel runs fn(0..n-1) with at most l.workers at once and waits.
func (l *Lander) parallel(n int, fn func(i int)) {
	sem := make(chan struct{}, l.workers)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// errSizeMismatch marks a copy whose target size differs from the source.
// It is retried like any error of no known code.
var errSizeMismatch = errors.New("size mismatch after copy")

// copyOne copies one object and verifies the target's size.
func (l *Lander) copyOne(ctx context.Context, j *copyJob) error {
	if l.src == l.dst {
		if err := l.dst.Copy(ctx, j.dst, j.src, &blob.CopyOptions{BeforeCopy: l.before}); err != nil {
			return err
		}
	} else if err := l.copyAcross(ctx, j); err != nil {
		return err
	}
	a, err := l.dst.Attributes(ctx, j.dst)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if a.Size != j.size {
		return fmt.Errorf("%w: %q has %d bytes, export listed %d", errSizeMismatch, j.dst, a.Size, j.size)
	}
	return nil
}

// stream copies between two buckets; a failed write is aborted so no
// partial object is left.
func (l *Lander) stream(ctx context.Context, j *copyJob) error {
	r, err := l.src.NewReader(ctx, j.src, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	ct := r.ContentType()
	if ct == "" {
		ct = "application/octet-stream"
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := l.dst.NewWriter(wctx, j.dst, &blob.WriterOptions{ContentType: ct, BeforeWrite: l.beforeW})
	if err != nil {
		return err
	}
	n, err := io.Copy(w, r)
	if err == nil && n != j.size {
		err = fmt.Errorf("%w: read %d bytes of %q, export listed %d", errSizeMismatch, n, j.src, j.size)
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return w.Close()
}

// list returns every object under prefix, page by page.
func (l *Lander) list(ctx context.Context, b *blob.Bucket, prefix string) ([]*blob.ListObject, error) {
	return l.listDelim(ctx, b, prefix, "")
}

// listDelim lists prefix with delimiter delim (none if ""), all pages.
func (l *Lander) listDelim(ctx context.Context, b *blob.Bucket, prefix, delim string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	token := blob.FirstPageToken
	for {
		var objs []*blob.ListObject
		var next []byte
		err := l.retryOp(ctx, "list", prefix, func() error {
			var err error
			objs, next, err = b.ListPage(ctx, token, l.pageSize, &blob.ListOptions{Prefix: prefix, Delimiter: delim})
			return listErr(err)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
		if len(next) == 0 {
			return out, nil
		}
		token = next
	}
}

// listErr makes a listing's NotFound retryable: fileblob fails a listing
// with NotFound when a file it walks is renamed or removed meanwhile (a
// write or delete of another run elsewhere under the prefix).
func listErr(err error) error {
	if blobio.IsNotFound(err) {
		return fmt.Errorf("listing changed while it was read: %v", err)
	}
	return err
}

// removeStale deletes every object under prefix that is not in keep.
func (l *Lander) removeStale(ctx context.Context, prefix string, keep map[string]bool, log *slog.Logger) error {
	objs, err := l.list(ctx, l.dst, prefix)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.IsDir || keep[o.Key] {
			continue
		}
		if err := l.delete(ctx, o.Key); err != nil {
			return err
		}
		log.Info("deleted object not part of this export", "key", o.Key)
	}
	return nil
}

// delete deletes key in the landing bucket; a missing key is not an error.
func (l *Lander) delete(ctx context.Context, key string) error {
	return l.retryOp(ctx, "delete", key, func() error {
		err := l.dst.Delete(ctx, key)
		if blobio.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// exists reports whether key exists in the landing bucket.
func (l *Lander) exists(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := l.retryOp(ctx, "stat", key, func() error {
		var err error
		ok, err = l.dst.Exists(ctx, key)
		return err
	})
	return ok, err
}

// write writes body at key in the landing bucket.
func (l *Lander) write(ctx context.Context, key string, body []byte, contentType string) error {
	return l.retryOp(ctx, "write", key, func() error {
		return l.dst.WriteAll(ctx, key, body, &blob.WriterOptions{ContentType: contentType, BeforeWrite: l.beforeW})
	})
}

// readManifest reads the manifest of the partition at partPrefix, in
// either layout (partition.ReadManifestAt).
func (l *Lander) readManifest(ctx context.Context, partPrefix string) (liberator.Manifest, error) {
	var m liberator.Manifest
	err := l.retryOp(ctx, "read", partPrefix+partition.ManifestName, func() error {
		var err error
		m, err = partition.ReadManifestAt(ctx, l.dst, partPrefix)
		return err
	})
	return m, err
}

// readManifestKey reads the manifest at key.
func (l *Lander) readManifestKey(ctx context.Context, key string) (liberator.Manifest, error) {
	var m liberator.Manifest
	err := l.retryOp(ctx, "read", key, func() error {
		var err error
		m, err = partition.ReadManifestKey(ctx, l.dst, key)
		return err
	})
	return m, err
}

// published reports whether the partition at partPrefix carries its
// marker, in either layout.
func (l *Lander) published(ctx context.Context, partPrefix string) (bool, error) {
	var ok bool
	err := l.retryOp(ctx, "stat", partPrefix+partition.MarkerName, func() error {
		var err error
		ok, _, err = partition.PublishedAt(ctx, l.dst, partPrefix)
		return err
	})
	return ok, err
}

// retryOp runs fn until it succeeds, fails with an error that is not
// retryable under the blob error policy (blobio.Retryable), the context
// ends or l.retry.Attempts tries are used up, waiting l.retry.Delay on the
// clock between tries.
func (l *Lander) retryOp(ctx context.Context, op, key string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !blobio.Retryable(err) {
			return err
		}
		if attempt >= l.retry.Attempts {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		wait := l.retry.Delay(attempt - 1)
		l.log.Warn("retrying blob operation", "op", op, "key", key, "attempt", attempt, "wait", wait, "err", err)
		if serr := l.clock.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}
