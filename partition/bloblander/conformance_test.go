package bloblander_test

import (
	"context"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

// landerHarness runs the Lander suite on memblob or fileblob buckets,
// one shared or two separate ones, with faultblob on the landing side.
type landerHarness struct {
	file bool // fileblob instead of memblob
	two  bool // separate export and landing buckets
}

func (h landerHarness) open(t *testing.T) *blob.Bucket {
	if !h.file {
		return memblob.OpenBucket(nil)
	}
	b, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (h landerHarness) MakeBuckets(ctx context.Context, t *testing.T) (export, landing *blob.Bucket, faults conformance.KeyFaults) {
	landing, f := faultblob.Wrap(h.open(t))
	t.Cleanup(func() { landing.Close() })
	export = landing
	if h.two {
		export = h.open(t)
		t.Cleanup(func() { export.Close() })
	}
	return export, landing, f
}

func (h landerHarness) MakeLander(ctx context.Context, t *testing.T, export, landing *blob.Bucket, prefix string) liberator.Lander {
	l, err := bloblander.New(export, landing, bloblander.Options{
		Prefix: prefix, Workers: 4, PageSize: 3, Clock: liberator.NewVirtualClock(start), Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLanderConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    landerHarness
	}{
		{"memblob", landerHarness{}},
		{"fileblob", landerHarness{file: true}},
		{"memblob to memblob", landerHarness{two: true}},
		{"fileblob to fileblob", landerHarness{file: true, two: true}},
	} {
		t.Run(tc.name, func(t *testing.T) { conformance.RunLanderTests(t, tc.h) })
	}
}
