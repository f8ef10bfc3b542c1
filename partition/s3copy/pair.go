package s3copy

import "context"

// Pair is a Copier bound to a source and a destination bucket: the
// server-side copier of a bloblander.Lander whose export and landing
// buckets differ (bloblander.Options.Copy), so that landing copies stay on
// S3 instead of passing through the process.
type Pair struct {
	c        *Copier
	src, dst string
}

// Pair returns c bound to the bucket named src (copied from) and the one
// named dst (copied into).
func (c *Copier) Pair(src, dst string) Pair { return Pair{c: c, src: src, dst: dst} }

// CopyKey copies srcKey of the source bucket to dstKey of the destination
// bucket with Copy (CopyObject, or UploadPartCopy above the multipart
// threshold, with the Copier's ACL). Its errors carry the liberator error
// kind of the S3 error (a missing source wraps ErrNotFound, SlowDown
// ErrThrottled, a 5xx ErrTransient).
func (p Pair) CopyKey(ctx context.Context, srcKey, dstKey string) error {
	_, err := p.c.Copy(ctx, Location{Bucket: p.src, Key: srcKey}, Location{Bucket: p.dst, Key: dstKey})
	return err
}
