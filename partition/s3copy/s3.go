package s3copy

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// ACLBucketOwnerFullControl is the canned ACL production sets on copies
// into the pre-production account's bucket.
const ACLBucketOwnerFullControl = types.ObjectCannedACLBucketOwnerFullControl

// MaxCopyObjectSize is the largest object a single CopyObject can copy
// (5 GiB); larger objects are copied with UploadPartCopy.
const MaxCopyObjectSize int64 = 5 << 30

// DefaultPartSize is the part size of multipart copies (512 MiB, so a
// 5 TiB object stays under 10,000 parts).
const DefaultPartSize int64 = 512 << 20

// OpenBucket opens an S3 bucket as a *blob.Bucket (gocloud.dev's s3blob),
// with an S3 client made from cfg and optFns (for example
// func(o *s3.Options) { o.UsePathStyle = true } for S3-compatible stores).
func OpenBucket(ctx context.Context, cfg aws.Config, bucket string, optFns ...func(*s3.Options)) (*blob.Bucket, error) {
	if bucket == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, "open s3 bucket", "", "bucket name is empty")
	}
	b, err := s3blob.OpenBucket(ctx, s3.NewFromConfig(cfg, optFns...), bucket, nil)
	if err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "open s3 bucket", bucket, err)
	}
	return b, nil
}

// Location is an S3 object.
type Location struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// String returns "s3://bucket/key".
func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Key }

// ParseLocation parses "s3://bucket/key" (a query string, as in gocloud
// bucket URLs "s3://bucket?region=…", is ignored).
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Location{}, liberator.Errorf(liberator.ErrInvalid, "parse s3 location", s, "want s3://bucket/key")
	}
	return Location{Bucket: u.Host, Key: strings.TrimPrefix(u.Path, "/")}, nil
}

// Client is the part of *s3.Client the Copier uses.
type Client interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	CopyObject(ctx context.Context, in *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPartCopy(ctx context.Context, in *s3.UploadPartCopyInput, optFns ...func(*s3.Options)) (*s3.UploadPartCopyOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// Options configure a Copier.
type Options struct {
	// ACL, if set, is the canned ACL of the copies (ACLBucketOwnerFullControl
	// for another account's bucket).
	ACL types.ObjectCannedACL
	// MultipartThreshold: objects larger than this are copied in parts.
	// Default (and maximum) MaxCopyObjectSize.
	MultipartThreshold int64
	// PartSize of multipart copies. Default DefaultPartSize.
	PartSize int64
	// Logger receives a record per copy. Default: discard.
	Logger *slog.Logger
}

// Copier copies objects between S3 buckets server-side.
type Copier struct {
	c    Client
	opts Options
	log  *slog.Logger
}

// New returns a Copier with an S3 client made from cfg.
func New(cfg aws.Config, opts Options, optFns ...func(*s3.Options)) (*Copier, error) {
	return NewFromClient(s3.NewFromConfig(cfg, optFns...), opts)
}

// NewFromClient returns a Copier on c.
func NewFromClient(c Client, opts Options) (*Copier, error) {
	if c == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new s3 copier", "client", "client is nil")
	}
	if opts.MultipartThreshold <= 0 || opts.MultipartThreshold > MaxCopyObjectSize {
		opts.MultipartThreshold = MaxCopyObjectSize
	}
	if opts.PartSize <= 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.PartSize > MaxCopyObjectSize {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new s3 copier", "PartSize", "at most 5 GiB, got %d", opts.PartSize)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Copier{c: c, opts: opts, log: log}, nil
}

func copySource(l Location) string {
	// CopySource is "bucket/key" with the key URL-encoded ('/' kept).
	parts := strings.Split(l.Key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return l.Bucket + "/" + strings.Join(parts, "/")
}

// Copy copies src to dst and returns the number of bytes copied. Objects up
// to the multipart threshold are copied with one CopyObject, larger ones
// with CreateMultipartUpload + UploadPartCopy + CompleteMultipartUpload (the
// upload is aborted if a part fails). A missing source wraps ErrNotFound.
func (c *Copier) Copy(ctx context.Context, src, dst Location) (int64, error) {
	const op = "s3 copy"
	what := src.String() + " to " + dst.String()
	head, err := c.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key)})
	if err != nil {
		return 0, awserr.Wrap(op, what, err)
	}
	size := aws.ToInt64(head.ContentLength)
	if size <= c.opts.MultipartThreshold {
		_, err := c.c.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket:     aws.String(dst.Bucket),
			Key:        aws.String(dst.Key),
			CopySource: aws.String(copySource(src)),
			ACL:        c.opts.ACL,
		})
		if err != nil {
			return 0, awserr.Wrap(op, what, err)
		}
		c.log.InfoContext(ctx, "copied", "src", src.String(), "dst", dst.String(), "bytes", size)
		return size, nil
	}
	if err := c.multipart(ctx, src, dst, size); err != nil {
		return 0, awserr.Wrap(op+" (multipart)", what, err)
	}
	c.log.InfoContext(ctx, "copied in parts", "src", src.String(), "dst", dst.String(), "bytes", size)
	return size, nil
}

func (c *Copier) multipart(ctx context.Context, src, dst Location, size int64) (err error) {
	part := c.opts.PartSize
	if n := (size + part - 1) / part; n > 10000 {
		part = (size + 9999) / 10000
	}
	up, err := c.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(dst.Bucket), Key: aws.String(dst.Key), ACL: c.opts.ACL,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Use a fresh context: the caller's may be what failed.
			_, aerr := c.c.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
				Bucket: aws.String(dst.Bucket), Key: aws.String(dst.Key), UploadId: up.UploadId,
			})
			if aerr != nil {
				c.log.WarnContext(ctx, "abort multipart upload failed", "dst", dst.String(), "err", aerr)
			}
		}
	}()
	var parts []types.CompletedPart
	for n, off := int32(1), int64(0); off < size; n, off = n+1, off+part {
		end := min(off+part, size) - 1
		out, err := c.c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: aws.String(dst.Bucket), Key: aws.String(dst.Key), UploadId: up.UploadId,
			PartNumber:      aws.Int32(n),
			CopySource:      aws.String(copySource(src)),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
		})
		if err != nil {
			return fmt.Errorf("part %d (bytes %d-%d): %w", n, off, end, err)
		}
		if out.CopyPartResult == nil {
			return fmt.Errorf("part %d: no CopyPartResult", n)
		}
		parts = append(parts, types.CompletedPart{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = c.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(dst.Bucket), Key: aws.String(dst.Key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}

// Replicator copies uploaded dumps into another bucket (the pre-production
// account's), keeping the key's path below SourcePrefix under DestPrefix.
type Replicator struct {
	// Copier does the copies; give it ACL ACLBucketOwnerFullControl for a
	// bucket of another account.
	Copier *Copier
	// DestBucket is the bucket copied into.
	DestBucket string
	// SourcePrefix is cut from the source key ("parking/"); DestPrefix is
	// put in front ("parking/"). Both may be empty.
	SourcePrefix, DestPrefix string
}

// Replicate copies dump (whose Bucket is "s3://bucket…" or a bare bucket
// name) and returns where it was copied.
func (r *Replicator) Replicate(ctx context.Context, dump liberator.DumpRef) (Location, error) {
	const op = "replicate dump"
	if r.Copier == nil || r.DestBucket == "" {
		return Location{}, liberator.Errorf(liberator.ErrInvalid, op, dump.Key, "replicator needs a Copier and a DestBucket")
	}
	bucket := dump.Bucket
	if strings.HasPrefix(bucket, "s3://") {
		l, err := ParseLocation(bucket)
		if err != nil {
			return Location{}, err
		}
		bucket = l.Bucket
	}
	if bucket == "" || strings.Contains(bucket, "://") || dump.Key == "" {
		return Location{}, liberator.Errorf(liberator.ErrInvalid, op, dump.Key, "dump %q/%q is not an S3 object", dump.Bucket, dump.Key)
	}
	rel, ok := strings.CutPrefix(dump.Key, r.SourcePrefix)
	if !ok {
		return Location{}, liberator.Errorf(liberator.ErrInvalid, op, dump.Key, "key is not under %q", r.SourcePrefix)
	}
	dst := Location{Bucket: r.DestBucket, Key: r.DestPrefix + rel}
	if _, err := r.Copier.Copy(ctx, Location{Bucket: bucket, Key: dump.Key}, dst); err != nil {
		return Location{}, err
	}
	return dst, nil
}
