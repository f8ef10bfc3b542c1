// Package errkind holds the error kinds shared by every package of the
// module. Callers use the re-exported values in package liberator.
package errkind

import (
	"errors"
	"fmt"
)

// Kind is a class of failure that callers test with errors.Is.
type Kind struct{ name string }

func (k *Kind) Error() string { return k.name }

// The kinds. Each package wraps one of these with %w so callers can decide
// whether to retry.
var (
	// NotReady: the resource is still being created or processed; try later.
	NotReady = &Kind{"not ready"}
	// Throttled: a quota or rate limit was hit; try later.
	Throttled = &Kind{"throttled or over quota"}
	// Invalid: the input is wrong and retrying will not help.
	Invalid = &Kind{"invalid input"}
	// NotFound: the named resource does not exist.
	NotFound = &Kind{"not found"}
	// AlreadyExists: the resource exists already (used for idempotency).
	AlreadyExists = &Kind{"already exists"}
	// Terminal: the operation failed for good (failed snapshot, FAILED
	// export, deadline passed); do not retry.
	Terminal = &Kind{"terminal failure"}
	// Transient: a temporary failure (network, 5xx); retrying may help.
	Transient = &Kind{"transient failure"}
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

// New returns an *Error of kind k.
func New(k *Kind, op, what string, err error) error {
	return &Error{Kind: k, Op: op, What: what, Err: err}
}

// Newf returns an *Error of kind k whose cause is a formatted message.
func Newf(k *Kind, op, what, format string, args ...any) error {
	return &Error{Kind: k, Op: op, What: what, Err: fmt.Errorf(format, args...)}
}

// Retryable reports whether err is of a kind worth retrying later.
func Retryable(err error) bool {
	return errors.Is(err, NotReady) || errors.Is(err, Throttled) || errors.Is(err, Transient)
}
