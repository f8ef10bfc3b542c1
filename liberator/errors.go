package liberator

import (
	"errors"
	"fmt"
)

// Error kinds. Every error the module returns wraps one of these with %w
// (through an *Error), so callers decide with errors.Is whether to retry:
//
//	if errors.Is(err, ErrNotReady) { /* check again later */ }
//
// Backends outside this module map their own failures onto these kinds with
// NewError and Errorf, as gocloud.dev drivers map theirs onto gcerrors codes.

// Kind is a class of failure that callers test with errors.Is.
type Kind struct{ name string }

func (k *Kind) Error() string { return k.name }

var (
	// ErrNotReady: the resource is still being created or processed; try later.
	ErrNotReady = &Kind{"not ready"}
	// ErrThrottled: a quota or rate limit was hit; try later.
	ErrThrottled = &Kind{"throttled or over quota"}
	// ErrInvalid: the input is wrong and retrying will not help.
	ErrInvalid = &Kind{"invalid input"}
	// ErrNotFound: the named resource does not exist.
	ErrNotFound = &Kind{"not found"}
	// ErrAlreadyExists: the resource exists already (used for idempotency).
	ErrAlreadyExists = &Kind{"already exists"}
	// ErrTerminal: the operation failed for good (failed snapshot, FAILED
	// export, deadline passed); do not retry.
	ErrTerminal = &Kind{"terminal failure"}
	// ErrTransient: a temporary failure (network, 5xx); retrying may help.
	ErrTransient = &Kind{"transient failure"}
)

// Error is an error of a given kind with an operation and a subject (table,
// key, line, snapshot id) so messages say what failed, where and why.
type Error struct {
	Kind *Kind  // one of the kinds above
	Op   string // what was being done, e.g. "land", "scan"
	What string // the subject: a key, table, line or id
	Err  error  // the cause, may be nil
}

func (e *Error) Error() string {
	msg := e.Op
	if e.What != "" {
		if msg != "" {
			msg += " "
		}
		msg += e.What
	}
	if e.Err != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.Err.Error()
	} else if e.Kind != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.Kind.Error()
	}
	return msg
}

// Unwrap lets errors.Is see both the kind and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// NewError returns an *Error of kind k.
func NewError(k *Kind, op, what string, err error) error {
	return &Error{Kind: k, Op: op, What: what, Err: err}
}

// Errorf returns an *Error of kind k whose cause is a formatted message.
func Errorf(k *Kind, op, what, format string, args ...any) error {
	return &Error{Kind: k, Op: op, What: what, Err: fmt.Errorf(format, args...)}
}

// Retryable reports whether err is of a kind worth retrying later.
func Retryable(err error) bool {
	return errors.Is(err, ErrNotReady) || errors.Is(err, ErrThrottled) || errors.Is(err, ErrTransient)
}
