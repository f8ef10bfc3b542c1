package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// DefaultAttemptTimeout is the longest one attempt of an AWS call waits to
// connect and for the response's headers when LIBERATOR_AWS_ATTEMPT_TIMEOUT
// is not set.
const DefaultAttemptTimeout = 10 * time.Second

// AttemptShare bounds an attempt by the time its context has left: an
// attempt waits at most a third of it, so a connection that is accepted
// and never answered leaves time for the SDK's retry and for the records
// after it.
const AttemptShare = 3

// LoadAWSConfig is config.LoadDefaultConfig for the configured region
// (credentials, retries, AWS_CA_BUNDLE and AWS_ENDPOINT_URL_* as the SDK
// reads them) with its HTTP client under an AttemptTransport whose Max is
// cfg.AttemptTimeout, so every attempt of every AWS call times out. Every
// entry point builds its clients from it.
func LoadAWSConfig(ctx context.Context, cfg Config) (aws.Config, error) {
	c, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	c.HTTPClient = WithAttemptTimeout(c.HTTPClient, cfg.AttemptTimeout)
	return c, nil
}

// WithAttemptTimeout returns an HTTP client for the AWS SDK that sends
// through client (the SDK's default one if nil), keeping its transport, TLS
// and redirect settings, under an AttemptTransport whose Max is most (0
// means DefaultAttemptTimeout).
func WithAttemptTimeout(client aws.HTTPClient, most time.Duration) *http.Client {
	if client == nil {
		client = awshttp.NewBuildableClient()
	}
	return &http.Client{
		Transport: &AttemptTransport{Base: doer{client}, Max: most},
		// client follows the redirects the SDK allows; this one returns
		// what it gets.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// doer sends requests with an HTTP client as a RoundTripper.
type doer struct{ c aws.HTTPClient }

func (d doer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err // the caller's http.Client adds its own
	}
	return resp, err
}

// AttemptTransport is an http.RoundTripper that limits how long each
// request waits to connect and for its response's headers: Max, or a
// third of the time its context has left (AttemptShare) if that is less.
// For the AWS SDK each request is one attempt of a call (the SDK retries
// by sending the request again), so an endpoint that accepts connections
// but never answers fails an attempt with an *AttemptTimeoutError, which
// the SDK retries as a timeout, instead of holding the call until the
// context ends. Reading the response body is not limited: S3 objects are
// streamed for as long as the caller's context allows.
type AttemptTransport struct {
	// Base sends the requests (default http.DefaultTransport).
	Base http.RoundTripper
	// Max is the longest wait (default DefaultAttemptTimeout).
	Max time.Duration
}

// AttemptTimeoutError is the error of a request that got no response
// headers in time. It is a timeout (Timeout and Temporary are true), which
// the AWS SDK retries.
type AttemptTimeoutError struct {
	// After is how long the attempt waited.
	After time.Duration
}

// Error says how long the attempt waited.
func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("no response within %s (attempt timeout)", e.After.Round(time.Millisecond))
}

// Timeout reports true: the attempt timed out.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// Temporary reports true: another attempt may succeed.
func (e *AttemptTimeoutError) Temporary() bool { return true }

var errAttemptTimedOut = errors.New("attempt timed out")

// limit returns how long a request with context ctx may wait.
func (t *AttemptTransport) limit(ctx context.Context) time.Duration {
	d := t.Max
	if d <= 0 {
		d = DefaultAttemptTimeout
	}
	if deadline, ok := ctx.Deadline(); ok {
		if share := time.Until(deadline) / AttemptShare; share < d {
			d = share
		}
	}
	return d
}

// RoundTrip sends req and waits at most the limit for the response's
// headers.
func (t *AttemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	parent := req.Context()
	d := t.limit(parent)
	if d <= 0 {
		return base.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(parent)
	timer := time.AfterFunc(d, func() { cancel(errAttemptTimedOut) })
	resp, err := base.RoundTrip(req.WithContext(ctx))
	fired := !timer.Stop()
	timedOut := fired && parent.Err() == nil && errors.Is(context.Cause(ctx), errAttemptTimedOut)
	if err != nil {
		cancel(nil)
		if timedOut {
			return nil, &AttemptTimeoutError{After: d}
		}
		return nil, err
	}
	if timedOut {
		// The headers came as the timer fired: the body can no longer be
		// read, so the attempt failed all the same.
		resp.Body.Close()
		cancel(nil)
		return nil, &AttemptTimeoutError{After: d}
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// cancelOnClose releases the attempt's context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
