package blobio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

// blobError returns the error a bucket returns for a read that fails with
// code, through gocloud's own error wrapping.
func blobError(t *testing.T, code gcerrors.ErrorCode) error {
	t.Helper()
	b, faults := faultblob.Wrap(memblob.OpenBucket(nil))
	t.Cleanup(func() { b.Close() })
	faults.Add(faultblob.Rule{Op: faultblob.OpNewRangeReader, Code: code})
	_, err := b.ReadAll(context.Background(), "k")
	if err == nil {
		t.Fatal("injected read succeeded")
	}
	return err
}

func TestKind(t *testing.T) {
	tests := []struct {
		code      gcerrors.ErrorCode
		want      *liberator.Kind
		retryable bool
	}{
		{gcerrors.NotFound, liberator.ErrNotFound, false},
		{gcerrors.InvalidArgument, liberator.ErrTerminal, false},
		{gcerrors.PermissionDenied, liberator.ErrTerminal, false},
		{gcerrors.FailedPrecondition, liberator.ErrTerminal, false},
		{gcerrors.Unimplemented, liberator.ErrTerminal, false},
		{gcerrors.ResourceExhausted, liberator.ErrThrottled, true},
		{gcerrors.Internal, liberator.ErrTransient, true},
		{gcerrors.Unknown, liberator.ErrTransient, true},
		{gcerrors.AlreadyExists, liberator.ErrTransient, true},
		{gcerrors.DeadlineExceeded, liberator.ErrTransient, true},
		{gcerrors.Canceled, liberator.ErrTransient, true},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			err := blobError(t, tt.code)
			if got := blobio.Kind(err); got != tt.want {
				t.Errorf("Kind = %v, want %v", got, tt.want)
			}
			if got := blobio.Retryable(err); got != tt.retryable {
				t.Errorf("Retryable = %v, want %v", got, tt.retryable)
			}
			wrapped := blobio.Error("read", "k", err)
			if !errors.Is(wrapped, tt.want) || !errors.Is(wrapped, faultblob.ErrInjected) {
				t.Errorf("Error = %v, want it to wrap %v and the cause", wrapped, tt.want)
			}
			if got := blobio.IsNotFound(err); got != (tt.code == gcerrors.NotFound) {
				t.Errorf("IsNotFound = %v", got)
			}
		})
	}
}

func TestKindOfOtherErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want *liberator.Kind
	}{
		{"plain", errors.New("size mismatch"), liberator.ErrTransient},
		{"canceled", context.Canceled, liberator.ErrTransient},
		{"deadline", fmt.Errorf("list: %w", context.DeadlineExceeded), liberator.ErrTransient},
		{"kind kept", liberator.Errorf(liberator.ErrInvalid, "read manifest", "k", "bad json"), liberator.ErrInvalid},
		{"wrapped kind kept", fmt.Errorf("unpublish: %w", liberator.Errorf(liberator.ErrNotFound, "read", "k", "gone")), liberator.ErrNotFound},
		// The SDK retried already; an endpoint that cannot be reached is
		// configuration, not retried here (the Pipeline bounds its retries).
		{"connection refused", fmt.Errorf("list: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), liberator.ErrInvalid},
		{"no such host", fmt.Errorf("list: %w", &net.DNSError{Err: "no such host", Name: "bucket.minio", IsNotFound: true}), liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := blobio.Kind(tt.err); got != tt.want {
				t.Errorf("Kind(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if blobio.Retryable(nil) {
		t.Error("Retryable(nil) = true")
	}
}

func TestReaderAt(t *testing.T) {
	ctx := context.Background()
	body := "0123456789abcdefghij"
	tests := []struct {
		name      string
		reads     [][2]int64 // offset, length
		want      []string
		wantOpens int
	}{
		{"sequential reads share one reader", [][2]int64{{0, 4}, {4, 4}, {8, 4}}, []string{"0123", "4567", "89ab"}, 1},
		{"short forward skip reads through", [][2]int64{{0, 2}, {10, 2}}, []string{"01", "ab"}, 1},
		{"backward read reopens", [][2]int64{{10, 2}, {0, 2}}, []string{"ab", "01"}, 2},
		{"read past the end is cut", [][2]int64{{18, 5}}, []string{"ij"}, 1},
		{"read at the end", [][2]int64{{20, 1}}, []string{""}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			defer b.Close()
			if err := b.WriteAll(ctx, "k", []byte(body), nil); err != nil {
				t.Fatal(err)
			}
			r := blobio.NewReaderAt(ctx, b, "k", int64(len(body)), "read")
			defer r.Close()
			var got []string
			for _, rd := range tt.reads {
				p := make([]byte, rd[1])
				n, err := r.ReadAt(p, rd[0])
				if err != nil && err != io.EOF {
					t.Fatal(err)
				}
				got = append(got, string(p[:n]))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reads (-want +got):\n%s", diff)
			}
			if got := r.Opens(); got != tt.wantOpens {
				t.Errorf("Opens = %d, want %d", got, tt.wantOpens)
			}
		})
	}
}

func TestReaderAtError(t *testing.T) {
	ctx := context.Background()
	b, faults := faultblob.Wrap(memblob.OpenBucket(nil))
	defer b.Close()
	if err := b.WriteAll(ctx, "k", []byte("data"), nil); err != nil {
		t.Fatal(err)
	}
	faults.Add(faultblob.Rule{Op: faultblob.OpNewRangeReader, Code: gcerrors.PermissionDenied})
	r := blobio.NewReaderAt(ctx, b, "k", 4, "read dump")
	_, err := r.ReadAt(make([]byte, 2), 0)
	if !errors.Is(err, liberator.ErrTerminal) || !strings.Contains(err.Error(), "read dump") {
		t.Errorf("ReadAt = %v, want ErrTerminal naming the op", err)
	}
	if gcerrors.Code(r.Err()) != gcerrors.PermissionDenied {
		t.Errorf("Err = %v, want the raw PermissionDenied error", r.Err())
	}
}

func TestCountingReader(t *testing.T) {
	c := blobio.NewCountingReader(io.MultiReader(strings.NewReader("hello "), strings.NewReader("world")))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello world" || c.N() != 11 || c.Err() != nil {
		t.Errorf("read %q, N = %d, Err = %v", got, c.N(), c.Err())
	}
	boom := errors.New("boom")
	c = blobio.NewCountingReader(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)))
	_, _ = io.ReadAll(c)
	if c.N() != 2 || !errors.Is(c.Err(), boom) {
		t.Errorf("N = %d, Err = %v; want 2, boom", c.N(), c.Err())
	}
}
