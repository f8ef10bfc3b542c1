package liberator

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// Unreachable reports whether err says that an endpoint could not be
// reached at all: its host name does not resolve, or it refuses
// connections (or no route leads to it). host names the endpoint (the
// request's host, or the address dialled) when the error says. Such an
// error is most often a configuration error rather than a passing fault:
// a wrong endpoint, or, with an S3-compatible server, the bucket name put
// into the host name because the URL lacks use_path_style=true.
//
// The Pipeline retries a step that fails so at most
// RetryPolicy.MaxErrorRetries times, then ends the run with
// UnreachableError's explanation.
func Unreachable(err error) (host string, ok bool) {
	if err == nil {
		return "", false
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		host = dns.Name
	case errors.As(err, &op) && op.Op == "dial" &&
		(errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)):
		if op.Addr != nil {
			host = op.Addr.String()
		}
	default:
		return "", false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	return host, true
}

// UnreachableCause returns the network error in err's chain that makes it
// Unreachable (a *url.Error, or else a *net.OpError or *net.DNSError),
// free of error kinds, or nil: something that aggregates failures as text
// can still wrap it.
func UnreachableCause(err error) error {
	if _, ok := Unreachable(err); !ok {
		return nil
	}
	var ue *url.Error
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &ue):
		return ue
	case errors.As(err, &op):
		return op
	case errors.As(err, &dns):
		return dns
	}
	return nil
}

// UnreachableError returns err explained, if Unreachable(err): what could
// not be reached and what to check, for the people who configured it. It
// returns err itself otherwise.
func UnreachableError(err error) error {
	host, ok := Unreachable(err)
	if !ok {
		return err
	}
	var dns *net.DNSError
	what := "refuses connections"
	if errors.As(err, &dns) {
		what = "does not resolve"
	}
	hint := "check the endpoint configured for it (a bucket URL's endpoint=, AWS_ENDPOINT_URL_*)"
	if first, _, dotted := strings.Cut(host, "."); dotted && errors.As(err, &dns) {
		hint += fmt.Sprintf("; if %q is a bucket name, the client put it in the host name (virtual-host addressing): "+
			"an S3-compatible server needs use_path_style=true (LIBERATOR_S3_PATH_STYLE=true)", first)
	} else {
		hint += "; an S3-compatible server also needs use_path_style=true (LIBERATOR_S3_PATH_STYLE=true)"
	}
	if host == "" {
		host = "(not named)"
	}
	return fmt.Errorf("endpoint %s %s: %s: %w", host, what, hint, err)
}
