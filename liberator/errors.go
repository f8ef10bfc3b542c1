package liberator

import "github.com/dataplatform/liberator-ingestion/internal/errkind"

// Error kinds. Every error the module returns wraps one of these with %w, so
// callers decide with errors.Is whether to retry:
//
//	if errors.Is(err, liberator.ErrNotReady) { /* check again later */ }
var (
	// ErrNotReady: a snapshot or export is still being made; try later.
	ErrNotReady = errkind.NotReady
	// ErrThrottled: a rate limit or quota (e.g. 5 concurrent RDS exports)
	// was hit; try later.
	ErrThrottled = errkind.Throttled
	// ErrInvalid: bad input (a dump, a key, a date); never retried.
	ErrInvalid = errkind.Invalid
	// ErrNotFound: the named snapshot, export, run or object does not exist.
	ErrNotFound = errkind.NotFound
	// ErrAlreadyExists: the resource exists; idempotent callers treat it as done.
	ErrAlreadyExists = errkind.AlreadyExists
	// ErrTerminal: failed for good (failed snapshot, FAILED/CANCELED export,
	// retry deadline passed); never retried.
	ErrTerminal = errkind.Terminal
	// ErrTransient: a temporary failure; retried with backoff.
	ErrTransient = errkind.Transient
)

// Error is the concrete error type; use errors.As to read its fields.
type Error = errkind.Error
