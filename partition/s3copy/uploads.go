package s3copy

import (
	"context"
	"errors"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Defaults of Uploads.
const (
	DefaultUploadPartSize    = 8 << 20
	DefaultUploadConcurrency = 4
	// MinUploadPartSize is S3's smallest part (but the last) of a
	// multipart upload.
	MinUploadPartSize = 5 << 20
	// SingleUploadLimit is how much of an object the SDK's transfer
	// manager reads before it decides between one PutObject and a
	// multipart upload: an object up to this size is buffered whole.
	SingleUploadLimit = 16 << 20
)

// Uploads bound the uploads of the objects written through a bucket that
// OpenBucketWith opened: each object larger than SingleUploadLimit is sent
// as a multipart upload of PartSize parts, Concurrency of them at once.
// One object being written holds at most SingleUploadLimit +
// (Concurrency+1) × PartSize bytes of buffers. A writer that sets
// blob.WriterOptions.BufferSize or MaxConcurrency itself keeps its values.
type Uploads struct {
	// PartSize in bytes; default DefaultUploadPartSize, at least
	// MinUploadPartSize.
	PartSize int
	// Concurrency is how many parts of one object are uploaded at once;
	// default DefaultUploadConcurrency.
	Concurrency int
}

// withDefaults fills in the defaults and refuses what S3 cannot take.
func (u Uploads) withDefaults() (Uploads, error) {
	if u.PartSize == 0 {
		u.PartSize = DefaultUploadPartSize
	}
	if u.Concurrency == 0 {
		u.Concurrency = DefaultUploadConcurrency
	}
	if u.PartSize < MinUploadPartSize {
		return u, liberator.Errorf(liberator.ErrInvalid, "open s3 bucket", "Uploads.PartSize", "at least %d bytes (5 MiB, S3's smallest part), got %d", MinUploadPartSize, u.PartSize)
	}
	if u.Concurrency < 0 {
		return u, liberator.Errorf(liberator.ErrInvalid, "open s3 bucket", "Uploads.Concurrency", "must be > 0, got %d", u.Concurrency)
	}
	return u, nil
}

// OpenBucketWith is OpenBucket whose writers upload under up (see
// Uploads): the part size and the parts in flight of every object written,
// including those written by code that passes no blob.WriterOptions of its
// own (the exporter's Parquet parts).
func OpenBucketWith(ctx context.Context, cfg aws.Config, bucket string, up Uploads, optFns ...func(*s3.Options)) (*blob.Bucket, error) {
	up, err := up.withDefaults()
	if err != nil {
		return nil, err
	}
	b, err := OpenBucket(ctx, cfg, bucket, optFns...)
	if err != nil {
		return nil, err
	}
	return blob.NewBucket(&uploadBucket{b: b, up: up}), nil
}

// uploadBucket is a driver.Bucket over an open *blob.Bucket that gives
// every writer the Uploads' part size and concurrency unless the writer
// sets them. Everything else is passed through. Errors of the inner bucket
// are returned unwrapped (with their code kept), so the outer bucket's
// messages do not repeat the inner one's.
type uploadBucket struct {
	b  *blob.Bucket
	up Uploads
}

var _ driver.Bucket = (*uploadBucket)(nil)

// innerError is an error of the inner bucket: its gcerrors code, the
// inner bucket's error (for ErrorAs) and the driver error it wraps (the
// message).
type innerError struct {
	code  gcerrors.ErrorCode
	outer error
	cause error
}

func (e *innerError) Error() string { return e.cause.Error() }
func (e *innerError) Unwrap() error { return e.cause }

// inner turns an error of the inner bucket into an innerError; io.EOF and
// nil pass unchanged.
func inner(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	cause := err
	switch u := err.(type) { // a gocloud error: the driver error it wraps
	case interface{ Unwrap() []error }:
		if es := u.Unwrap(); len(es) > 0 && es[0] != nil {
			cause = es[0]
		}
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			cause = e
		}
	}
	return &innerError{code: gcerrors.Code(err), outer: err, cause: cause}
}

func (u *uploadBucket) ErrorCode(err error) gcerrors.ErrorCode {
	var ie *innerError
	if errors.As(err, &ie) {
		return ie.code
	}
	return gcerrors.Code(err)
}

func (u *uploadBucket) As(i any) bool { return u.b.As(i) }

func (u *uploadBucket) ErrorAs(err error, i any) bool {
	var ie *innerError
	if errors.As(err, &ie) {
		return u.b.ErrorAs(ie.outer, i)
	}
	return false
}

func (u *uploadBucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	a, err := u.b.Attributes(ctx, key)
	if err != nil {
		return nil, inner(err)
	}
	return &driver.Attributes{
		CacheControl: a.CacheControl, ContentDisposition: a.ContentDisposition, ContentEncoding: a.ContentEncoding,
		ContentLanguage: a.ContentLanguage, ContentType: a.ContentType, Metadata: a.Metadata,
		CreateTime: a.CreateTime, ModTime: a.ModTime, Size: a.Size, MD5: a.MD5, ETag: a.ETag, AsFunc: a.As,
	}, nil
}

func (u *uploadBucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	token := opts.PageToken
	if len(token) == 0 {
		token = blob.FirstPageToken
	}
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	objs, next, err := u.b.ListPage(ctx, token, size, &blob.ListOptions{Prefix: opts.Prefix, Delimiter: opts.Delimiter, BeforeList: opts.BeforeList})
	if err != nil {
		return nil, inner(err)
	}
	p := &driver.ListPage{NextPageToken: next, Objects: make([]*driver.ListObject, 0, len(objs))}
	for _, o := range objs {
		p.Objects = append(p.Objects, &driver.ListObject{Key: o.Key, ModTime: o.ModTime, Size: o.Size, MD5: o.MD5, IsDir: o.IsDir, AsFunc: o.As})
	}
	return p, nil
}

func (u *uploadBucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	r, err := u.b.NewRangeReader(ctx, key, offset, length, &blob.ReaderOptions{BeforeRead: opts.BeforeRead})
	if err != nil {
		return nil, inner(err)
	}
	return &uploadReader{r: r}, nil
}

// uploadReader is a driver.Reader over a *blob.Reader.
type uploadReader struct{ r *blob.Reader }

func (r *uploadReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	return n, inner(err)
}
func (r *uploadReader) Close() error  { return inner(r.r.Close()) }
func (r *uploadReader) As(i any) bool { return r.r.As(i) }
func (r *uploadReader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

func (u *uploadBucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	wo := &blob.WriterOptions{
		BufferSize: opts.BufferSize, MaxConcurrency: opts.MaxConcurrency,
		CacheControl: opts.CacheControl, ContentDisposition: opts.ContentDisposition, ContentEncoding: opts.ContentEncoding,
		ContentLanguage: opts.ContentLanguage, ContentType: contentType, DisableContentTypeDetection: true,
		ContentMD5: opts.ContentMD5, Metadata: opts.Metadata, BeforeWrite: opts.BeforeWrite, IfNotExist: opts.IfNotExist,
	}
	if wo.BufferSize == 0 {
		wo.BufferSize = u.up.PartSize
	}
	if wo.MaxConcurrency == 0 {
		wo.MaxConcurrency = u.up.Concurrency
	}
	w, err := u.b.NewWriter(ctx, key, wo)
	if err != nil {
		return nil, inner(err)
	}
	return &uploadWriter{w: w}, nil
}

// uploadWriter is a driver.Writer over a *blob.Writer.
type uploadWriter struct{ w *blob.Writer }

func (w *uploadWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	return n, inner(err)
}
func (w *uploadWriter) Close() error { return inner(w.w.Close()) }

func (u *uploadBucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	return inner(u.b.Copy(ctx, dstKey, srcKey, &blob.CopyOptions{BeforeCopy: opts.BeforeCopy}))
}

func (u *uploadBucket) Delete(ctx context.Context, key string, _ *driver.DeleteOptions) error {
	return inner(u.b.Delete(ctx, key))
}

func (u *uploadBucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	s, err := u.b.SignedURL(ctx, key, &blob.SignedURLOptions{
		Expiry: opts.Expiry, Method: opts.Method, ContentType: opts.ContentType,
		EnforceAbsentContentType: opts.EnforceAbsentContentType, BeforeSign: opts.BeforeSign,
	})
	return s, inner(err)
}

func (u *uploadBucket) Close() error { return u.b.Close() }
