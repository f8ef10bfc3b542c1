package faultblob

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/blob/drivertest"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

// harness runs gocloud's driver conformance suite on the wrapper with no
// faults: the pass-through must behave like the bucket it wraps.
type harness struct{ inner *blob.Bucket }

func (h *harness) MakeDriver(context.Context) (driver.Bucket, error) {
	return &bucket{inner: h.inner, faults: &Faults{}}, nil
}
func (h *harness) MakeDriverForNonexistentBucket(context.Context) (driver.Bucket, error) {
	return nil, nil
}
func (h *harness) HTTPClient() *http.Client         { return nil }
func (h *harness) SupportsCopy() bool               { return true }
func (h *harness) SupportsNonSlashDelimiters() bool { return true }
func (h *harness) Close()                           {}

func TestDriverConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("drivertest in -short")
	}
	drivertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (drivertest.Harness, error) {
		return &harness{inner: memblob.OpenBucket(nil)}, nil
	}, nil)
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *Faults)
		ops   func(b *blob.Bucket) []error
		want  []bool // which ops failed
		code  gcerrors.ErrorCode
	}{
		{
			name:  "nth copy",
			setup: func(f *Faults) { f.FailNth(OpCopy, 2) },
			ops: func(b *blob.Bucket) []error {
				return []error{
					b.Copy(ctx, "c1", "a", nil), b.Copy(ctx, "c2", "a", nil), b.Copy(ctx, "c3", "a", nil),
				}
			},
			want: []bool{false, true, false},
			code: gcerrors.Internal,
		},
		{
			name:  "key times",
			setup: func(f *Faults) { f.FailKeyTimes("a", 2) },
			ops: func(b *blob.Bucket) []error {
				_, e1 := b.ReadAll(ctx, "a")
				e2 := b.Copy(ctx, "b", "a", nil) // touches a as source
				_, e3 := b.Attributes(ctx, "a")
				e4 := b.Copy(ctx, "b", "a", nil)
				return []error{e1, e2, e3, e4}
			},
			want: []bool{true, true, false, false},
			code: gcerrors.Internal,
		},
		{
			name:  "key always with code",
			setup: func(f *Faults) { f.Add(Rule{Key: "a", Code: gcerrors.PermissionDenied}) },
			ops: func(b *blob.Bucket) []error {
				_, e1 := b.Attributes(ctx, "a")
				e2 := b.Delete(ctx, "a")
				e3 := b.WriteAll(ctx, "a", []byte("x"), nil)
				e4 := b.WriteAll(ctx, "z", []byte("x"), nil)
				return []error{e1, e2, e3, e4}
			},
			want: []bool{true, true, true, false},
			code: gcerrors.PermissionDenied,
		},
		{
			name:  "list op",
			setup: func(f *Faults) { f.FailOp(OpListPaged) },
			ops: func(b *blob.Bucket) []error {
				_, _, e1 := b.ListPage(ctx, blob.FirstPageToken, 10, nil)
				_, e2 := b.Attributes(ctx, "a")
				return []error{e1, e2}
			},
			want: []bool{true, false},
			code: gcerrors.Internal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := memblob.OpenBucket(nil)
			if err := inner.WriteAll(ctx, "a", []byte("abc"), nil); err != nil {
				t.Fatal(err)
			}
			b, f := Wrap(inner)
			tt.setup(f)
			errs := tt.ops(b)
			var got []bool
			for _, err := range errs {
				got = append(got, err != nil)
				if err != nil {
					if !errors.Is(err, ErrInjected) {
						t.Errorf("error %v is not ErrInjected", err)
					}
					if c := gcerrors.Code(err); c != tt.code {
						t.Errorf("code %v, want %v", c, tt.code)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failed ops (-want +got):\n%s", diff)
			}
			n := 0
			for _, w := range tt.want {
				if w {
					n++
				}
			}
			if f.Injected() != n {
				t.Errorf("Injected() = %d, want %d", f.Injected(), n)
			}
		})
	}
}

func TestPageCapResetAndCorrupt(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	b, f := Wrap(inner)
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
		if err := b.WriteAll(ctx, k, []byte("12345"), nil); err != nil {
			t.Fatal(err)
		}
	}
	f.SetMaxPageSize(2)
	objs, next, err := b.ListPage(ctx, blob.FirstPageToken, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	// blob.ListPage fills its page from several driver pages of 2.
	if len(objs) != 5 || len(next) != 0 || f.Count(OpListPaged) != 3 {
		t.Errorf("got %d objects, next %q, %d driver pages; want 5, none, 3", len(objs), next, f.Count(OpListPaged))
	}

	f.Add(Rule{Key: "w", Corrupt: true, Times: 1})
	if err := b.WriteAll(ctx, "w", []byte("12345"), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Copy(ctx, "c", "k1", nil); err != nil {
		t.Fatal(err)
	}
	f.Add(Rule{Op: OpCopy, Corrupt: true})
	if err := b.Copy(ctx, "c2", "k1", nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range []string{"w", "c", "c2"} {
		body, err := inner.ReadAll(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got[k] = string(body)
	}
	if diff := cmp.Diff(map[string]string{"w": "1234", "c": "12345", "c2": "1234"}, got); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}

	f.FailKey("k1")
	f.Reset()
	if _, err := b.ReadAll(ctx, "k1"); err != nil {
		t.Errorf("after Reset: %v", err)
	}
	if f.Injected() != 0 {
		t.Errorf("Injected() = %d, want 0", f.Injected())
	}
}

func TestHold(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	if err := inner.WriteAll(ctx, "a", []byte("abc"), nil); err != nil {
		t.Fatal(err)
	}
	b, f := Wrap(inner)
	release := f.Hold(OpAttributes)
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := b.Attributes(ctx, "a"); errs <- err }()
	}
	for i := 0; f.InFlight(OpAttributes) < 2; i++ {
		if i > 1e7 {
			release()
			t.Fatalf("InFlight = %d, want 2 held calls", f.InFlight(OpAttributes))
		}
		runtime.Gosched()
	}
	if _, err := b.ReadAll(ctx, "a"); err != nil { // other ops are not held
		t.Errorf("ReadAll while Attributes held: %v", err)
	}
	release()
	release() // idempotent
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("held Attributes: %v", err)
		}
	}
	if got := []int{f.InFlight(OpAttributes), f.MaxInFlight(OpAttributes)}; !cmp.Equal(got, []int{0, 2}) {
		t.Errorf("InFlight, MaxInFlight = %v, want [0 2]", got)
	}
}

// At runs its hook on the chosen call and lets the call go on; Crash fails
// every call after it.
func TestAtAndCrash(t *testing.T) {
	ctx := context.Background()
	b, f := Wrap(memblob.OpenBucket(nil))
	var hooked []string
	under := func(prefix string) func(Op, string) bool {
		return func(op Op, key string) bool {
			return op == OpNewTypedWriter && strings.HasPrefix(key, prefix)
		}
	}
	f.At(under("p/"), 2, func() { hooked = append(hooked, "second write under p/"); f.Crash() })
	for _, k := range []string{"q/a", "p/a", "q/b", "p/b", "p/c"} {
		err := b.WriteAll(ctx, k, []byte("x"), nil)
		if want := k == "p/c"; (err != nil) != want {
			t.Errorf("write %s: %v, want failure %v", k, err, want)
		}
	}
	if len(hooked) != 1 {
		t.Errorf("hook ran %d times, want once", len(hooked))
	}
	// The crash fails reads and deletes too, as a dead process does nothing.
	if _, err := b.ReadAll(ctx, "p/a"); !errors.Is(err, ErrInjected) {
		t.Errorf("read after Crash: %v, want an injected fault", err)
	}
	if err := b.Delete(ctx, "p/a"); !errors.Is(err, ErrInjected) {
		t.Errorf("delete after Crash: %v, want an injected fault", err)
	}
	f.Reset()
	if _, err := b.ReadAll(ctx, "p/b"); err != nil {
		t.Errorf("read after Reset: %v", err)
	}
}
