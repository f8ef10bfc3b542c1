// Package s3copy is the Amazon S3 side of the landing zone: it opens the
// export, landing and raw buckets on S3 as gocloud.dev/blob buckets
// (OpenBucket, through s3blob), and copies objects between two S3 buckets
// server-side, which blob.Bucket.Copy cannot do (it copies within one
// bucket).
//
// A Copier copies with one CopyObject up to the 5 GiB limit and with a
// multipart UploadPartCopy above it, optionally setting a canned ACL such as
// bucket-owner-full-control for copies into another account's bucket; a
// Replicator uses one to copy uploaded dumps to the pre-production account,
// and Copier.Pair binds one to an export and a landing bucket as the
// server-side copier of a bloblander.Lander (bloblander.Options.Copy), so
// that landing copies never pass through the process. New makes a Copier
// from an aws.Config, NewFromClient from an S3 client (tests use a fake).
//
// OpenBucketWith opens a bucket whose writers upload under Uploads: the
// part size and the parts in flight of each multipart upload, so that a
// writer holds at most SingleUploadLimit + (Concurrency+1) × PartSize bytes
// of buffers, whatever code writes through it.
//
// Everything takes an aws.Config or a client from the caller; nothing here
// reads credentials or environment itself.
package s3copy
