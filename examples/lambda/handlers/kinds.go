package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// kinds lists the liberator error kinds with the names the entry points
// give them, in the order KindOf tests them: an error that wraps several
// kinds is named by the first, so a verdict on the run (Terminal, Invalid)
// wins over the cause it wraps.
var kinds = []struct {
	kind *liberator.Kind
	name string
}{
	{liberator.ErrTerminal, "Terminal"},
	{liberator.ErrInvalid, "Invalid"},
	{liberator.ErrNotFound, "NotFound"},
	{liberator.ErrAlreadyExists, "AlreadyExists"},
	{liberator.ErrThrottled, "Throttled"},
	{liberator.ErrNotReady, "NotReady"},
	{liberator.ErrTransient, "Transient"},
}

// UnknownKind is KindName of an error that wraps no liberator kind.
const UnknownKind = "Unknown"

// KindOf returns the liberator error kind err wraps (tested in the order
// Terminal, Invalid, NotFound, AlreadyExists, Throttled, NotReady,
// Transient). An error that wraps none but ends in a canceled or expired
// context is ErrTransient: the work was interrupted, not refused. KindOf
// returns nil for a nil error and for an error of no known kind.
func KindOf(err error) *liberator.Kind {
	if err == nil {
		return nil
	}
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return k.kind
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return liberator.ErrTransient
	}
	return nil
}

// KindName names err's kind as the entry points report it: "Terminal",
// "Invalid", "NotFound", "AlreadyExists", "Throttled", "NotReady",
// "Transient", or UnknownKind. It is "" for a nil error. It is the
// errorType Lambda reports for a failed invocation (see ForLambda) and the
// "kind" field of every warn and error log line that carries an error.
func KindName(err error) string {
	if err == nil {
		return ""
	}
	k := KindOf(err)
	for _, x := range kinds {
		if x.kind == k {
			return x.name
		}
	}
	return UnknownKind
}

// Retryable reports whether err is worth trying again later: its kind is
// NotReady, Throttled or Transient (which includes an interrupted context,
// see KindOf).
func Retryable(err error) bool {
	switch KindOf(err) {
	case liberator.ErrNotReady, liberator.ErrThrottled, liberator.ErrTransient:
		return true
	}
	return false
}

// retryable is Retryable; kept short for the handlers' code.
func retryable(err error) bool { return Retryable(err) }

// LambdaError returns err as the Lambda runtime reports it: a
// messages.InvokeResponse_Error whose Type (the invocation's "errorType")
// is KindName(err) and whose Message is err's text on one line. Without it
// the runtime names the error's Go type ("wrapError"), which tells an
// operator nothing. It returns nil for a nil error.
func LambdaError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Type: KindName(err), Message: oneLine(err.Error())}
}

// ForLambda adapts an Invoke method (Steps.Invoke, DumpUploaded.Invoke) for
// lambda.Start. The returned lambda.Handler hands the payload to invoke as
// it came, so a payload that is not JSON is refused by invoke (logged, kind
// Invalid) rather than by the runtime library; the result is encoded as
// JSON, and an error reaches Lambda through LambdaError, so the
// invocation's errorType is the error's kind, which CloudWatch metric
// filters and Lambda destinations can route on.
func ForLambda(invoke func(context.Context, json.RawMessage) (any, error)) lambda.Handler {
	return lambdaHandler(invoke)
}

type lambdaHandler func(context.Context, json.RawMessage) (any, error)

// Invoke runs the handler on one payload.
func (f lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := f(ctx, payload)
	if err != nil {
		return nil, LambdaError(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, LambdaError(fmt.Errorf("encode response: %v: %w", err, liberator.ErrInvalid))
	}
	return b, nil
}

// oneLine flattens s to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
