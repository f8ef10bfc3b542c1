package lease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// The lease objects of a scope, and the storage operations on them.

const (
	recordSuffix = ".lease.json"
	lastName     = "last.json"
	notesDir     = "waiting/"
	// noteMaxAge is how old a waiting note gets before a release removes
	// it as left by a run that never came back.
	noteMaxAge = 24 * time.Hour
)

// storage retries: a few quick tries on the clock for transient errors.
const (
	storeAttempts = 4
	storeBackoff  = 200 * time.Millisecond
	listAttempts  = 10
)

// storeRetry is that backoff as a liberator.RetryPolicy: storeBackoff,
// doubled after each try.
var storeRetry = liberator.RetryPolicy{Attempts: storeAttempts, Initial: storeBackoff, Multiplier: 2, Max: storeBackoff << storeAttempts}

func (l *Lease) recordKey(token string) string { return l.dir + token + recordSuffix }

func (l *Lease) noteKey() string {
	h := sha256.Sum256([]byte(l.opts.Run))
	return l.dir + notesDir + hex.EncodeToString(h[:8]) + ".json"
}

// note is waiting/<run>.json.
type note struct {
	Run     string    `json:"run"`
	Behind  []string  `json:"behind"`
	Written time.Time `json:"written"`
}

// put writes the lease's own record; create uses IfNotExist.
func (l *Lease) put(ctx context.Context, create bool) error {
	return l.write(ctx, l.recordKey(l.rec.Token), l.record(), create)
}

func (l *Lease) write(ctx context.Context, key string, v any, create bool) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, "write lease", key, err)
	}
	return l.retry(ctx, "write lease", key, func() error {
		return l.b.WriteAll(ctx, key, append(body, '\n'), &blob.WriterOptions{ContentType: "application/json", IfNotExist: create})
	})
}

// remove deletes key; a missing key is not an error.
func (l *Lease) remove(ctx context.Context, key string) error {
	return l.retry(ctx, "delete lease", key, func() error {
		if err := l.b.Delete(ctx, key); err != nil && !blobio.IsNotFound(err) {
			return err
		}
		return nil
	})
}

// read reads key into v; false if there is no such object.
func (l *Lease) read(ctx context.Context, key string, v any) (bool, error) {
	var body []byte
	err := l.retry(ctx, "read lease", key, func() error {
		var err error
		body, err = l.b.ReadAll(ctx, key)
		if blobio.IsNotFound(err) {
			body, err = nil, nil
		}
		return err
	})
	if err != nil || body == nil {
		return false, err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, liberator.NewError(liberator.ErrInvalid, "read lease", key, err)
	}
	return true, nil
}

func (l *Lease) readRecord(ctx context.Context, token string) (Record, bool, error) {
	var r Record
	ok, err := l.read(ctx, l.recordKey(token), &r)
	return r, ok, err
}

func (l *Lease) readLast(ctx context.Context) (*Last, error) {
	var last Last
	ok, err := l.read(ctx, l.dir+lastName, &last)
	if err != nil && !errors.Is(err, liberator.ErrInvalid) {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return &last, nil
}

func (l *Lease) readNote(ctx context.Context) (note, error) {
	var n note
	if l.opts.Run == "" {
		return n, nil
	}
	ok, err := l.read(ctx, l.noteKey(), &n)
	if err != nil && !errors.Is(err, liberator.ErrInvalid) {
		return note{}, err
	}
	if !ok || n.Run != l.opts.Run {
		return note{}, nil
	}
	return n, nil
}

func (l *Lease) writeNote(ctx context.Context, behind []string) error {
	return l.write(ctx, l.noteKey(), note{Run: l.opts.Run, Behind: behind, Written: l.opts.Clock.Now().UTC()}, false)
}

// dropStaleNotes deletes waiting notes older than noteMaxAge.
func (l *Lease) dropStaleNotes(ctx context.Context) error {
	objs, err := l.list(ctx, l.dir+notesDir, "")
	if err != nil {
		return err
	}
	now := l.opts.Clock.Now()
	for _, o := range objs {
		var n note
		ok, err := l.read(ctx, o.Key, &n)
		if err != nil && !errors.Is(err, liberator.ErrInvalid) {
			return err
		}
		if !ok || now.Sub(n.Written) > noteMaxAge {
			if err := l.remove(ctx, o.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// scan returns the live records of the scope other than this lease's,
// deleting the expired ones (a dead run's lease is taken over) and
// logging each.
func (l *Lease) scan(ctx context.Context) ([]Record, error) {
	objs, err := l.list(ctx, l.dir, "/")
	if err != nil {
		return nil, err
	}
	mine := l.recordKey(l.record().Token)
	now := l.opts.Clock.Now()
	var out []Record
	for _, o := range objs {
		if o.IsDir || o.Key == mine || !strings.HasSuffix(o.Key, recordSuffix) {
			continue
		}
		var r Record
		ok, err := l.read(ctx, o.Key, &r)
		if errors.Is(err, liberator.ErrInvalid) {
			// Not a record we can read: debris once it is older than a TTL.
			if now.Sub(o.ModTime) > l.opts.TTL {
				l.opts.Logger.Warn("removing an unreadable lease record", "key", o.Key, "err", err)
				if err := l.remove(ctx, o.Key); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // released meanwhile
		}
		if !r.live(now) {
			l.opts.Logger.Warn("taking over an expired lease", "zone", l.scope.Zone, "date", l.scope.Date.String(),
				"run", r.Run, "host", r.Host, "pid", r.PID, "state", r.State, "since", r.Started, "expired", r.Expires)
			if err := l.remove(ctx, o.Key); err != nil {
				return nil, err
			}
			if r.State != StateChoosing {
				l.tookOver = append(l.tookOver, r)
				if l.opts.OnTakeOver != nil {
					l.opts.OnTakeOver(r)
				}
			}
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// list returns the objects under prefix (one level when delim is "/").
func (l *Lease) list(ctx context.Context, prefix, delim string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	err := l.retry(ctx, "list lease", prefix, func() error {
		var err error
		out, err = listAll(ctx, l.b, prefix, delim)
		return err
	})
	return out, err
}

// listPage lists one page (pageSize) of prefix from token, listing it again,
// a few times, while it fails with NotFound (see listAll).
func listPage(ctx context.Context, b *blob.Bucket, token []byte, prefix, delim string) ([]*blob.ListObject, []byte, error) {
	for attempt := 1; ; attempt++ {
		objs, next, err := b.ListPage(ctx, token, pageSize(b), &blob.ListOptions{Prefix: prefix, Delimiter: delim})
		if !blobio.IsNotFound(err) || attempt >= listAttempts || ctx.Err() != nil {
			return objs, next, err
		}
	}
}

// listAll lists prefix, page by page (pageSize). fileblob fails a listing with
// NotFound when a file it walks is renamed or removed meanwhile (another
// run's write or delete); such a page is listed again, a few times.
func listAll(ctx context.Context, b *blob.Bucket, prefix, delim string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	token := blob.FirstPageToken
	for {
		objs, next, err := listPage(ctx, b, token, prefix, delim)
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

// pageSize is the listing page size for b: large for a directory, where
// fileblob walks the tree again for every page (small pages would cost
// quadratic time), the usual 1000 elsewhere (S3's largest; memblob
// allocates whole pages).
func pageSize(b *blob.Bucket) int {
	var fi os.FileInfo
	if b.As(&fi) {
		return dirPage
	}
	return 1000
}

// dirPage is the listing page size on a directory.
const dirPage = 50000

// retry runs fn up to storeRetry.Attempts times while its error is retryable
// under the blob error policy, and maps the final error to its kind.
func (l *Lease) retry(ctx context.Context, op, key string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		var le *liberator.Error
		if errors.As(err, &le) {
			return err
		}
		if ctx.Err() != nil || !blobio.Retryable(err) || attempt >= storeRetry.Attempts {
			if attempt > 1 {
				err = fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return blobio.Error(op, key, err)
		}
		if serr := l.opts.Clock.Sleep(ctx, storeRetry.Delay(attempt-1)); serr != nil {
			return blobio.Error(op, key, errors.Join(err, serr))
		}
	}
}

// ActiveRuns returns the runs (Options.Run) that hold, wait for or will
// come back for a lease of zone, on any date: the runs of its live
// records and of its waiting notes, sorted, without duplicates. Retention
// keeps their exports.
func ActiveRuns(ctx context.Context, b *blob.Bucket, zone string, opts Options) ([]string, error) {
	opts = opts.withDefaults()
	prefix := partition.DirPrefix(opts.Prefix) + strings.Trim(zone, "/") + "/"
	l := &Lease{b: b, opts: opts}
	objs, err := l.list(ctx, prefix, "")
	if err != nil {
		return nil, err
	}
	now := opts.Clock.Now()
	seen := map[string]bool{}
	for _, o := range objs {
		var run string
		switch {
		case strings.HasSuffix(o.Key, recordSuffix):
			var r Record
			if ok, err := l.read(ctx, o.Key, &r); err != nil && !errors.Is(err, liberator.ErrInvalid) {
				return nil, err
			} else if ok && r.live(now) {
				run = r.Run
			}
		case strings.Contains(o.Key, "/"+notesDir) && strings.HasSuffix(o.Key, ".json"):
			var n note
			if ok, err := l.read(ctx, o.Key, &n); err != nil && !errors.Is(err, liberator.ErrInvalid) {
				return nil, err
			} else if ok && now.Sub(n.Written) <= noteMaxAge {
				run = n.Run
			}
		}
		if run != "" {
			seen[run] = true
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.Sort(out)
	return out, nil
}
