// Package blobio holds the gocloud.dev/blob helpers every backend shares:
// the one mapping of blob errors onto liberator error kinds, a ReaderAt over
// range reads, and a counting reader.
//
// The error policy (Kind, Error, Retryable) is:
//
//   - NotFound is liberator.ErrNotFound;
//   - InvalidArgument, PermissionDenied, FailedPrecondition and
//     Unimplemented are liberator.ErrTerminal: the request cannot succeed
//     until someone changes the configuration, so it is never retried;
//   - ResourceExhausted is liberator.ErrThrottled;
//   - everything else (network errors, 5xx, a context that ended) is
//     liberator.ErrTransient.
//
// An error that already carries a liberator kind keeps it.
package blobio
