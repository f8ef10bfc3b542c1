package faultblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// Op names a driver operation that can fail.
type Op string

// The operations. OpNewTypedWriter covers NewWriter, WriteAll and Upload;
// OpNewRangeReader covers NewReader, NewRangeReader, ReadAll and Download;
// OpListPaged covers List and ListPage (one call per driver page).
const (
	OpAttributes     Op = "Attributes"
	OpListPaged      Op = "ListPaged"
	OpNewRangeReader Op = "NewRangeReader"
	OpNewTypedWriter Op = "NewTypedWriter"
	OpCopy           Op = "Copy"
	OpDelete         Op = "Delete"
)

// ErrInjected is wrapped by every injected failure.
var ErrInjected = errors.New("faultblob: injected fault")

// DefaultPageSize is the page size used for listings that ask for none.
const DefaultPageSize = 1000

// Rule selects calls to fail. A call matches when its Op and Key match;
// the zero Op and the empty Key match anything. A Copy touches both its
// source and destination keys; ListPaged touches no key, so only rules with
// an empty Key apply to it.
type Rule struct {
	Op  Op
	Key string
	// Nth, if > 0, fails only the Nth matching call (1-based, counted from
	// when the rule was added).
	Nth int
	// Times, if > 0 (and Nth is 0), fails the first Times matching calls;
	// 0 fails every matching call.
	Times int
	// Code is the gcerrors code of the injected error; default
	// gcerrors.Internal (transient).
	Code gcerrors.ErrorCode
	// Corrupt, instead of failing the call, lets a Copy or NewTypedWriter
	// succeed but drops the last byte of the object written, to test
	// verification of copies.
	Corrupt bool
	// Match, if set, must also accept the call (its Op and its key: the
	// destination key for a Copy, the prefix for a ListPaged), e.g. to
	// select every key under a prefix.
	Match func(op Op, key string) bool
	// Hook, if set, is called each time the rule fires, before the call
	// goes on, e.g. to cancel the caller's context or Crash the bucket at
	// a chosen point.
	Hook func()
	// Pass lets a call the rule fires on go on (after Hook) instead of
	// failing.
	Pass bool
}

type rule struct {
	Rule
	seen  int // matching calls so far
	fired int // failures injected
}

// Call records one driver call that reached the Faults.
type Call struct {
	Op  Op
	Key string // destination key for Copy, prefix for ListPaged
	Src string // source key for Copy
	// Failed is true when a fault was injected.
	Failed bool
}

// Faults holds the fault rules of a wrapped bucket and counts its calls.
// It is safe for concurrent use.
type Faults struct {
	mu       sync.Mutex
	rules    []*rule
	calls    []Call
	maxPage  int
	failures int
	holds    map[Op]chan struct{}
	inflight map[Op]int
	peak     map[Op]int
}

// Hold makes every call of op that is not failed block, after it is
// counted, until release is called (or the call's context ends), so tests
// can observe how many calls run at once (InFlight) deterministically.
// release may be called more than once.
func (f *Faults) Hold(op Op) (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holds == nil {
		f.holds = map[Op]chan struct{}{}
	}
	ch := make(chan struct{})
	f.holds[op] = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.holds[op] == ch {
				delete(f.holds, op)
			}
			close(ch)
		})
	}
}

// InFlight returns how many calls of op are running now (in the driver
// method; a writer counts only while it is being opened).
func (f *Faults) InFlight(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inflight[op]
}

// MaxInFlight returns the largest number of calls of op that ran at once.
func (f *Faults) MaxInFlight(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak[op]
}

// enter counts a call of op as running and waits while op is held; the
// returned func ends the call.
func (f *Faults) enter(ctx context.Context, op Op) (exit func()) {
	f.mu.Lock()
	if f.inflight == nil {
		f.inflight, f.peak = map[Op]int{}, map[Op]int{}
	}
	f.inflight[op]++
	f.peak[op] = max(f.peak[op], f.inflight[op])
	hold := f.holds[op]
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.inflight[op]--
	}
}

// Add adds a rule.
func (f *Faults) Add(r Rule) {
	if r.Code == gcerrors.OK || r.Code == gcerrors.Unknown {
		r.Code = gcerrors.Internal
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{Rule: r})
}

// FailNth makes the nth call of op from now fail with a transient error.
func (f *Faults) FailNth(op Op, n int) { f.Add(Rule{Op: op, Nth: n}) }

// FailKey makes every call touching key fail with a transient error.
func (f *Faults) FailKey(key string) { f.Add(Rule{Key: key}) }

// FailKeyTimes makes the next n calls touching key fail with a transient
// error.
func (f *Faults) FailKeyTimes(key string, n int) { f.Add(Rule{Key: key, Times: n}) }

// FailOp makes every call of op fail with a transient error.
func (f *Faults) FailOp(op Op) { f.Add(Rule{Op: op}) }

// Crash makes every call from now on fail, as if the process using the
// bucket had died: nothing more is written, deleted or read through it.
// Reset undoes it.
func (f *Faults) Crash() { f.Add(Rule{}) }

// At calls hook when the nth call from now that match accepts is made (n
// 1-based; 0 means every such call) and lets the call go on: a point to
// cancel a run or Crash the bucket.
func (f *Faults) At(match func(op Op, key string) bool, n int, hook func()) {
	f.Add(Rule{Match: match, Nth: n, Hook: hook, Pass: true})
}

// SetMaxPageSize caps the size of every listing page at n (0: no cap), so
// pagination can be tested with few objects.
func (f *Faults) SetMaxPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxPage = n
}

// Reset removes every rule and the page size cap; call counts are kept.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.maxPage = 0
}

// Calls returns the calls seen so far, in order.
func (f *Faults) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Count returns how many calls of op were seen (all ops if op is "").
func (f *Faults) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// Injected returns how many faults were injected so far.
func (f *Faults) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failures
}

// check records a call and returns whether the call must corrupt what it
// writes and the injected error, if any.
func (f *Faults) check(op Op, key, src string) (corrupt bool, err error) {
	var hooks []func()
	defer func() {
		for _, h := range hooks {
			h()
		}
	}()
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Op: op, Key: key, Src: src}
	for _, r := range f.rules {
		if r.Op != "" && r.Op != op {
			continue
		}
		if r.Key != "" && (op == OpListPaged || (r.Key != key && r.Key != src)) {
			continue
		}
		if r.Match != nil && !r.Match(op, key) {
			continue
		}
		r.seen++
		var fire bool
		switch {
		case r.Nth > 0:
			fire = r.seen == r.Nth
		case r.Times > 0:
			fire = r.fired < r.Times
		default:
			fire = true
		}
		if !fire {
			continue
		}
		r.fired++
		if r.Hook != nil {
			hooks = append(hooks, r.Hook)
		}
		if r.Pass {
			continue
		}
		if r.Corrupt {
			if op == OpCopy || op == OpNewTypedWriter {
				corrupt = true
			}
			continue
		}
		c.Failed = true
		f.failures++
		f.calls = append(f.calls, c)
		return false, &injectedError{op: op, key: key, code: r.Code}
	}
	f.calls = append(f.calls, c)
	return corrupt, nil
}

func (f *Faults) pageSize(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		n = DefaultPageSize
	}
	if f.maxPage > 0 && n > f.maxPage {
		n = f.maxPage
	}
	return n
}

type injectedError struct {
	op   Op
	key  string
	code gcerrors.ErrorCode
}

func (e *injectedError) Error() string {
	if e.key == "" {
		return fmt.Sprintf("faultblob: injected %v in %s", e.code, e.op)
	}
	return fmt.Sprintf("faultblob: injected %v in %s %q", e.code, e.op, e.key)
}

func (e *injectedError) Unwrap() error { return ErrInjected }

// Wrap returns a bucket that delegates to inner and injects the faults
// configured on the returned *Faults. Closing the returned bucket closes
// inner.
func Wrap(inner *blob.Bucket) (*blob.Bucket, *Faults) {
	f := &Faults{}
	return blob.NewBucket(&bucket{inner: inner, faults: f}), f
}

type bucket struct {
	inner  *blob.Bucket
	faults *Faults
}

var _ driver.Bucket = (*bucket)(nil)

func (b *bucket) ErrorCode(err error) gcerrors.ErrorCode {
	var ie *injectedError
	if errors.As(err, &ie) {
		return ie.code
	}
	return gcerrors.Code(err)
}

func (b *bucket) As(i any) bool { return b.inner.As(i) }

func (b *bucket) ErrorAs(err error, i any) bool { return b.inner.ErrorAs(err, i) }

func (b *bucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	if _, err := b.faults.check(OpAttributes, key, ""); err != nil {
		return nil, err
	}
	defer b.faults.enter(ctx, OpAttributes)()
	a, err := b.inner.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	return &driver.Attributes{
		CacheControl:       a.CacheControl,
		ContentDisposition: a.ContentDisposition,
		ContentEncoding:    a.ContentEncoding,
		ContentLanguage:    a.ContentLanguage,
		ContentType:        a.ContentType,
		Metadata:           a.Metadata,
		CreateTime:         a.CreateTime,
		ModTime:            a.ModTime,
		Size:               a.Size,
		MD5:                a.MD5,
		ETag:               a.ETag,
		AsFunc:             a.As,
	}, nil
}

func (b *bucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	if _, err := b.faults.check(OpListPaged, opts.Prefix, ""); err != nil {
		return nil, err
	}
	defer b.faults.enter(ctx, OpListPaged)()
	token := opts.PageToken
	if len(token) == 0 {
		token = blob.FirstPageToken
	}
	objs, next, err := b.inner.ListPage(ctx, token, b.faults.pageSize(opts.PageSize), &blob.ListOptions{
		Prefix:     opts.Prefix,
		Delimiter:  opts.Delimiter,
		BeforeList: opts.BeforeList,
	})
	if err != nil {
		return nil, err
	}
	page := &driver.ListPage{NextPageToken: next}
	for _, o := range objs {
		page.Objects = append(page.Objects, &driver.ListObject{
			Key:     o.Key,
			ModTime: o.ModTime,
			Size:    o.Size,
			MD5:     o.MD5,
			IsDir:   o.IsDir,
			AsFunc:  o.As,
		})
	}
	return page, nil
}

func (b *bucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	if _, err := b.faults.check(OpNewRangeReader, key, ""); err != nil {
		return nil, err
	}
	defer b.faults.enter(ctx, OpNewRangeReader)()
	r, err := b.inner.NewRangeReader(ctx, key, offset, length, &blob.ReaderOptions{BeforeRead: opts.BeforeRead})
	if err != nil {
		return nil, err
	}
	return reader{r}, nil
}

type reader struct{ r *blob.Reader }

func (r reader) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r reader) Close() error               { return r.r.Close() }
func (r reader) As(i any) bool              { return r.r.As(i) }
func (r reader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

func (b *bucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	corrupt, err := b.faults.check(OpNewTypedWriter, key, "")
	if err != nil {
		return nil, err
	}
	defer b.faults.enter(ctx, OpNewTypedWriter)()
	md5 := opts.ContentMD5
	if corrupt {
		md5 = nil // the inner write would refuse the truncated body
	}
	w, err := b.inner.NewWriter(ctx, key, &blob.WriterOptions{
		BufferSize:                  opts.BufferSize,
		MaxConcurrency:              opts.MaxConcurrency,
		CacheControl:                opts.CacheControl,
		ContentDisposition:          opts.ContentDisposition,
		ContentEncoding:             opts.ContentEncoding,
		ContentLanguage:             opts.ContentLanguage,
		ContentType:                 contentType,
		DisableContentTypeDetection: contentType == "",
		ContentMD5:                  md5,
		Metadata:                    opts.Metadata,
		BeforeWrite:                 opts.BeforeWrite,
		IfNotExist:                  opts.IfNotExist,
	})
	if err != nil {
		return nil, err
	}
	if corrupt {
		return &truncWriter{w: w}, nil
	}
	return w, nil
}

// truncWriter holds back the last byte written.
type truncWriter struct {
	w    *blob.Writer
	last []byte
}

func (t *truncWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(t.last) > 0 {
		if _, err := t.w.Write(t.last); err != nil {
			return 0, err
		}
	}
	if _, err := t.w.Write(p[:len(p)-1]); err != nil {
		return 0, err
	}
	t.last = []byte{p[len(p)-1]}
	return len(p), nil
}

func (t *truncWriter) Close() error { return t.w.Close() }

func (b *bucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	corrupt, err := b.faults.check(OpCopy, dstKey, srcKey)
	if err != nil {
		return err
	}
	defer b.faults.enter(ctx, OpCopy)()
	if err := b.inner.Copy(ctx, dstKey, srcKey, &blob.CopyOptions{BeforeCopy: opts.BeforeCopy}); err != nil {
		return err
	}
	if !corrupt {
		return nil
	}
	data, err := b.inner.ReadAll(ctx, dstKey)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		data = data[:len(data)-1]
	}
	return b.inner.WriteAll(ctx, dstKey, data, nil)
}

func (b *bucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	if _, err := b.faults.check(OpDelete, key, ""); err != nil {
		return err
	}
	defer b.faults.enter(ctx, OpDelete)()
	return b.inner.DeleteWithOptions(ctx, key, &blob.DeleteOptions{BeforeDelete: opts.BeforeDelete})
}

func (b *bucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	return b.inner.SignedURL(ctx, key, &blob.SignedURLOptions{
		Expiry:                   opts.Expiry,
		Method:                   opts.Method,
		ContentType:              opts.ContentType,
		EnforceAbsentContentType: opts.EnforceAbsentContentType,
		BeforeSign:               opts.BeforeSign,
	})
}

func (b *bucket) Close() error { return b.inner.Close() }

// Compile-time check that the pass-through writer satisfies the driver.
var _ io.WriteCloser = (*truncWriter)(nil)
