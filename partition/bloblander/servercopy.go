package bloblander

import "context"

// ServerCopier copies one object from a Lander's export bucket to its
// landing bucket on the storage server, so that no byte of the object
// passes through this process. A Lander whose buckets differ uses it
// (Options.Copy) instead of streaming each object through itself. On S3,
// s3copy.Copier.Pair returns one: CopyObject, or UploadPartCopy above
// 5 GiB, from the export bucket, with the copier's canned ACL (such as
// bucket-owner-full-control).
//
// CopyKey must not leave a partial object at dstKey, and its errors should
// carry a liberator error kind (or a gocloud error code) so the Lander
// retries those that are retryable; the Lander checks the copy's size
// afterwards.
type ServerCopier interface {
	CopyKey(ctx context.Context, srcKey, dstKey string) error
}

// copyAcross copies one object between the Lander's two buckets: on the
// server with Options.Copy, else streamed through this process.
func (l *Lander) copyAcross(ctx context.Context, j *copyJob) error {
	if l.server != nil {
		return l.server.CopyKey(ctx, j.src, j.dst)
	}
	return l.stream(ctx, j)
}
