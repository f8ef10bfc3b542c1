package conformance

import (
	"context"
	"io"
	"testing"
	"time"

	"gocloud.dev/blob"
)

// Timeout bounds every suite's subtest, so a broken implementation fails
// instead of hanging. It is a safety net, not a timing assertion: correct
// implementations on a virtual clock finish in milliseconds.
var Timeout = 30 * time.Second

// DefaultMaxPolls bounds the polls of an asynchronous operation when the
// fixture gives no MaxPolls.
const DefaultMaxPolls = 1000

// testContext returns a context canceled at Timeout or at the end of t.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// poll calls check until it reports done, calling advance between calls,
// at most maxPolls times.
func poll(ctx context.Context, t *testing.T, what string, maxPolls int, advance func(context.Context), check func() (bool, error)) {
	t.Helper()
	if maxPolls <= 0 {
		maxPolls = DefaultMaxPolls
	}
	for i := 0; i < maxPolls; i++ {
		done, err := check()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if done {
			return
		}
		if err := ctx.Err(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if advance != nil {
			advance(ctx)
		}
	}
	t.Fatalf("%s: not done after %d polls", what, maxPolls)
}

// listAll returns every object under prefix as key -> size.
func listAll(ctx context.Context, t *testing.T, b *blob.Bucket, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("list %q: %v", prefix, err)
		}
		out[o.Key] = o.Size
	}
}

// readAll returns every object under prefix as key -> body.
func readAll(ctx context.Context, t *testing.T, b *blob.Bucket, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k := range listAll(ctx, t, b, prefix) {
		body, err := b.ReadAll(ctx, k)
		if err != nil {
			t.Fatalf("read %q: %v", k, err)
		}
		out[k] = string(body)
	}
	return out
}

func writeAll(ctx context.Context, t *testing.T, b *blob.Bucket, files map[string]string) {
	t.Helper()
	for k, v := range files {
		if err := b.WriteAll(ctx, k, []byte(v), nil); err != nil {
			t.Fatalf("write %q: %v", k, err)
		}
	}
}
