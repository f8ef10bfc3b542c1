package lease_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

// backends are the stores the lease must work on: memory, a directory
// (opened as the CLI opens its lake) and S3 through the real client
// against gofakes3.
var backends = []struct {
	name string
	open func(t *testing.T) *blob.Bucket
}{
	{"memblob", func(t *testing.T) *blob.Bucket { return memblob.OpenBucket(nil) }},
	{"fileblob", func(t *testing.T) *blob.Bucket {
		b, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}},
	{"s3", func(t *testing.T) *blob.Bucket {
		f := awstest.NewS3(liberator.NewVirtualClock(start))
		t.Cleanup(f.Close)
		b, err := f.Bucket(context.Background(), "dev-liberator-landing-zone")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}},
}

// Runs that contend for one date's lease hold it one at a time, on every
// store; with a long enough wait every run gets its turn.
func TestMutualExclusion(t *testing.T) {
	const runs, rounds = 5, 4
	for _, be := range backends {
		for _, wait := range []time.Duration{0, 100 * time.Hour} {
			t.Run(fmt.Sprintf("%s/wait=%s", be.name, wait), func(t *testing.T) {
				ctx := context.Background()
				b := be.open(t)
				t.Cleanup(func() { b.Close() })
				vc := liberator.NewVirtualClock(start) // one time line for all runs
				var inFlight, peak, held, refused atomic.Int32
				var wg sync.WaitGroup
				for r := range runs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range rounds {
							o := lease.Options{Run: fmt.Sprint("run-", r), Clock: vc, Logger: quiet(),
								TTL: 1000 * time.Hour, Wait: wait, Poll: 10 * time.Millisecond}
							l, err := lease.Acquire(ctx, b, scope, o)
							var he *lease.HeldError
							if errors.As(err, &he) {
								refused.Add(1)
								continue
							}
							if err != nil {
								t.Error(err)
								return
							}
							held.Add(1)
							n := inFlight.Add(1)
							for {
								p := peak.Load()
								if n <= p || peak.CompareAndSwap(p, n) {
									break
								}
							}
							// Work on the date while holding the lease.
							if err := l.Check(ctx); err != nil {
								t.Error(err)
							}
							if err := b.WriteAll(ctx, fmt.Sprintf("work/%d-%d", r, i), []byte("x"), nil); err != nil {
								t.Error(err)
							}
							inFlight.Add(-1)
							if err := l.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
								t.Error(err)
							}
						}
					}()
				}
				wg.Wait()
				if p := peak.Load(); p != 1 {
					t.Errorf("%d runs held the lease at once", p)
				}
				if wait > 0 && (held.Load() != runs*rounds || refused.Load() != 0) {
					t.Errorf("held %d, refused %d; want all %d held with a long wait", held.Load(), refused.Load(), runs*rounds)
				}
				if held.Load() == 0 {
					t.Error("no run held the lease")
				}
				var left []string
				for _, k := range keys(t, b, dir) {
					if k != dir+"last.json" && !(wait == 0 && len(k) > len(dir)+8 && k[len(dir):len(dir)+8] == "waiting/") {
						left = append(left, k)
					}
				}
				if len(left) > 0 {
					t.Errorf("lease objects left: %q", left)
				}
			})
		}
	}
}

// IfNotExist is atomic on memblob and on S3 (gofakes3 v1.2.0 honours
// If-None-Match: * through s3blob): of writers racing to create one key,
// exactly one succeeds and the others get FailedPrecondition.
func TestConditionalCreate(t *testing.T) {
	for _, be := range backends {
		if be.name == "fileblob" {
			continue // see TestFileblobIfNotExistIsNotAtomic
		}
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			b := be.open(t)
			for round := range 20 {
				wins := createRace(ctx, t, b, fmt.Sprint("k", round), 6)
				if wins != 1 {
					t.Fatalf("round %d: %d writers created the key", round, wins)
				}
			}
		})
	}
}

// TestFileblobIfNotExistIsNotAtomic documents why the lease does not rely
// on conditional writes: fileblob checks that the key does not exist and
// then renames its temporary file over it, so racing writers can all
// succeed. The test logs how often that happened; it fails only if a
// conditional write stops refusing an existing key.
func TestFileblobIfNotExistIsNotAtomic(t *testing.T) {
	ctx := context.Background()
	b, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true})
	if err != nil {
		t.Fatal(err)
	}
	multi := 0
	const rounds = 200
	for round := range rounds {
		if createRace(ctx, t, b, fmt.Sprint("k", round), 6) > 1 {
			multi++
		}
	}
	t.Logf("fileblob: %d of %d rounds had more than one writer succeed with IfNotExist", multi, rounds)
	err = b.WriteAll(ctx, "k0", []byte("again"), &blob.WriterOptions{IfNotExist: true})
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("sequential IfNotExist write over an existing key: %v, want FailedPrecondition", err)
	}
}

// createRace has n writers create key with IfNotExist at once and returns
// how many succeeded.
func createRace(ctx context.Context, t *testing.T, b *blob.Bucket, key string, n int) int {
	t.Helper()
	var wins atomic.Int32
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			err := b.WriteAll(ctx, key, []byte{byte(i)}, &blob.WriterOptions{IfNotExist: true})
			switch {
			case err == nil:
				wins.Add(1)
			case gcerrors.Code(err) != gcerrors.FailedPrecondition:
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	close(startGun)
	wg.Wait()
	return int(wins.Load())
}
