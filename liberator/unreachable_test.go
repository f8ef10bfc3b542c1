package liberator_test

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestUnreachable: an endpoint that does not resolve or refuses
// connections is told from other failures, named, and explained (the
// endpoint, and use_path_style for a bucket name put in the host name).
func TestUnreachable(t *testing.T) {
	refused := &url.Error{Op: "Put", URL: "http://127.0.0.1:1/bucket/key", Err: &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	virtualHost := &url.Error{Op: "Get", URL: "http://lake-landing.minio:9000/?list-type=2", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "lake-landing.minio", IsNotFound: true}}}
	tests := []struct {
		name     string
		err      error
		wantHost string
		wantOK   bool
		wantSays []string
	}{
		{"connection refused", fmt.Errorf("operation error S3: PutObject: %w", refused), "127.0.0.1:1", true,
			[]string{"endpoint 127.0.0.1:1 refuses connections", "endpoint=", "use_path_style=true"}},
		{"bucket in the host name", fmt.Errorf("operation error S3: ListObjectsV2: %w", virtualHost), "lake-landing.minio:9000", true,
			[]string{"does not resolve", `"lake-landing" is a bucket name`, "use_path_style=true"}},
		{"refused, no URL", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, "", true, []string{"(not named) refuses"}},
		{"reset mid-request", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, "", false, nil},
		{"a service error", liberator.Errorf(liberator.ErrThrottled, "op", "x", "SlowDown"), "", false, nil},
		{"nil", nil, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, ok := liberator.Unreachable(tt.err)
			if host != tt.wantHost || ok != tt.wantOK {
				t.Errorf("Unreachable = %q, %v; want %q, %v", host, ok, tt.wantHost, tt.wantOK)
			}
			explained := liberator.UnreachableError(tt.err)
			if !tt.wantOK {
				if explained != tt.err || liberator.UnreachableCause(tt.err) != nil {
					t.Errorf("UnreachableError changed a reachable failure: %v", explained)
				}
				return
			}
			for _, s := range tt.wantSays {
				if !strings.Contains(explained.Error(), s) {
					t.Errorf("%q does not say %q", explained, s)
				}
			}
			if !errors.Is(explained, tt.err) || liberator.UnreachableCause(tt.err) == nil {
				t.Errorf("explanation does not wrap the error, or no cause found")
			}
		})
	}
}
