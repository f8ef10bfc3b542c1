package conformance_test

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

// landerHarness runs the Lander suite on one memblob bucket with injected
// faults; a test calls conformance.RunLanderTests(t, landerHarness{}).
type landerHarness struct{}

func (landerHarness) MakeBuckets(ctx context.Context, t *testing.T) (export, landing *blob.Bucket, faults conformance.KeyFaults) {
	b, f := faultblob.Wrap(memblob.OpenBucket(nil))
	t.Cleanup(func() { b.Close() })
	return b, b, f
}

func (landerHarness) MakeLander(ctx context.Context, t *testing.T, export, landing *blob.Bucket, prefix string) liberator.Lander {
	l, err := bloblander.New(export, landing, bloblander.Options{
		Prefix: prefix,
		// Backoff waits on a virtual clock are instant.
		Clock: liberator.NewVirtualClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A harness makes fresh instances for every subtest; the suite does the
// rest. In a _test.go file of the package implementing the contract:
//
//	func TestLanderConformance(t *testing.T) {
//		conformance.RunLanderTests(t, landerHarness{})
//	}
//
// with landerHarness as defined in this file (TestExampleLanderHarness
// runs it).
func ExampleRunLanderTests() {
	var h conformance.LanderHarness = landerHarness{}
	_ = h
}

func TestExampleLanderHarness(t *testing.T) { conformance.RunLanderTests(t, landerHarness{}) }
