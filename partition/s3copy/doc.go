// Package awss3 opens the export, landing and raw buckets on Amazon S3
// through gocloud.dev/blob's s3blob, and copies objects between two S3
// buckets server-side (which blob.Bucket.Copy cannot: it copies within one
// bucket): CopyObject up to 5 GiB, a multipart UploadPartCopy above, with an
// optional canned ACL such as "bucket-owner-full-control" for copies into
// another account's bucket. Replicator copies uploaded dumps to the
// pre-production account.
//
// Everything takes an aws.Config from the caller; nothing here reads
// credentials or environment itself.
package s3copy
