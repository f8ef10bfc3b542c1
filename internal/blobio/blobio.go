package blobio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Kind returns the liberator kind of a blob error under the package's
// policy. An error that already carries a kind keeps it. An endpoint that
// does not resolve or refuses connections (liberator.Unreachable) is
// ErrInvalid: the SDK has retried the request already, and it is most
// often configuration (the Pipeline still retries the step a few times).
func Kind(err error) *liberator.Kind {
	var e *liberator.Error
	if errors.As(err, &e) && e.Kind != nil {
		return e.Kind
	}
	if _, ok := liberator.Unreachable(err); ok {
		// The SDK retried the request already: an endpoint that does not
		// resolve or refuses connections is taken for configuration.
		return liberator.ErrInvalid
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return liberator.ErrNotFound
	case gcerrors.InvalidArgument, gcerrors.PermissionDenied, gcerrors.FailedPrecondition, gcerrors.Unimplemented:
		return liberator.ErrTerminal
	case gcerrors.ResourceExhausted:
		return liberator.ErrThrottled
	}
	return liberator.ErrTransient
}

// Error wraps a blob error as a *liberator.Error of its Kind, naming the
// operation and the key.
func Error(op, key string, err error) error {
	return liberator.NewError(Kind(err), op, key, err)
}

// Retryable reports whether a blob error is worth retrying under the
// policy: its Kind is one liberator.Retryable accepts (ErrTransient or
// ErrThrottled).
func Retryable(err error) bool { return err != nil && liberator.Retryable(Kind(err)) }

// IsNotFound reports whether err is a blob "not found".
func IsNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// ReaderAt reads a blob object as an io.ReaderAt through range reads.
// Sequential reads (as archive/zip and Parquet column chunks make) share
// one open range reader; a read elsewhere opens a new one. Storage errors
// are returned mapped by Error; Err returns the last one unmapped.
type ReaderAt struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	size int64
	op   string

	mu    sync.Mutex
	rr    *blob.Reader
	pos   int64
	opens int
	err   error
}

// NewReaderAt returns a ReaderAt of key (size bytes) in b; op names the
// operation in errors ("read dump").
func NewReaderAt(ctx context.Context, b *blob.Bucket, key string, size int64, op string) *ReaderAt {
	return &ReaderAt{ctx: ctx, b: b, key: key, size: size, op: op}
}

// maxSkip is the largest forward gap read through rather than reopened.
const maxSkip = 256 << 10

// ReadAt implements io.ReaderAt.
func (x *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if off < 0 {
		return 0, fmt.Errorf("negative offset")
	}
	if off >= x.size {
		return 0, io.EOF
	}
	want := p
	if int64(len(want)) > x.size-off {
		want = want[:x.size-off]
	}
	if x.rr != nil && off > x.pos && off-x.pos <= maxSkip {
		if _, err := io.CopyN(io.Discard, x.rr, off-x.pos); err != nil {
			x.rr.Close()
			x.rr = nil
		} else {
			x.pos = off
		}
	}
	if x.rr == nil || off != x.pos {
		if x.rr != nil {
			x.rr.Close()
		}
		rr, err := x.b.NewRangeReader(x.ctx, x.key, off, -1, nil)
		if err != nil {
			x.rr, x.err = nil, err
			return 0, Error(x.op, x.key, err)
		}
		x.rr, x.pos = rr, off
		x.opens++
	}
	n, err := io.ReadFull(x.rr, want)
	x.pos += int64(n)
	if err != nil {
		x.rr.Close()
		x.rr = nil
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return n, io.EOF
		}
		x.err = err
		return n, Error(x.op, x.key, err)
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size returns the object's size.
func (x *ReaderAt) Size() int64 { return x.size }

// Opens returns how many range readers were opened (for tests).
func (x *ReaderAt) Opens() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.opens
}

// Err returns the last storage error, unmapped, or nil.
func (x *ReaderAt) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// Close closes the open range reader, if any.
func (x *ReaderAt) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.rr != nil {
		err := x.rr.Close()
		x.rr = nil
		return err
	}
	return nil
}

// CountingReader counts the bytes read through it (safe to read from
// another goroutine) and keeps the first error other than io.EOF.
type CountingReader struct {
	r   io.Reader
	n   atomic.Int64
	err error
}

// NewCountingReader returns a CountingReader reading r.
func NewCountingReader(r io.Reader) *CountingReader { return &CountingReader{r: r} }

// Read implements io.Reader.
func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// N returns the bytes read so far.
func (c *CountingReader) N() int64 { return c.n.Load() }

// Err returns the first read error other than io.EOF, or nil.
func (c *CountingReader) Err() error { return c.err }
