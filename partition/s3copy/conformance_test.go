package s3copy_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

// landerHarness runs the Lander suite on S3: the partition Lander over
// s3blob buckets opened with s3copy.OpenBucket against gofakes3, with key
// faults injected on the wire (500 InternalError). sameBucket puts the
// export and the landing zone in one bucket (server-side copies).
//
// serverSide gives the Lander of two buckets a server-side copier
// (Copier.Pair, bloblander.Options.Copy); its S3 endpoint is found from
// the export bucket MakeBuckets opened.
type landerHarness struct {
	sameBucket bool
	serverSide bool
	endpoints  *sync.Map // export *blob.Bucket → *awstest.S3
}

func (h landerHarness) MakeBuckets(ctx context.Context, t *testing.T) (export, landing *blob.Bucket, faults conformance.KeyFaults) {
	f := awstest.NewS3(liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)))
	t.Cleanup(f.Close)
	open := func(name string) *blob.Bucket {
		if err := f.CreateBucket(name); err != nil {
			t.Fatal(err)
		}
		b, err := s3copy.OpenBucket(ctx, f.Config(), name, pathStyle)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	export = open("dev-liberator-export")
	if h.endpoints != nil {
		h.endpoints.Store(export, f)
	}
	landing = export
	if !h.sameBucket {
		landing = open("dev-liberator-landing-zone")
	}
	return export, landing, f
}

func (h landerHarness) MakeLander(ctx context.Context, t *testing.T, export, landing *blob.Bucket, prefix string) liberator.Lander {
	opts := bloblander.Options{
		Prefix: prefix,
		Clock:  liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)),
		Logger: slog.New(slog.DiscardHandler),
	}
	if h.serverSide {
		f, ok := h.endpoints.Load(export)
		if !ok {
			t.Fatal("no S3 endpoint for the export bucket")
		}
		c, err := s3copy.New(f.(*awstest.S3).Config(), s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl}, pathStyle)
		if err != nil {
			t.Fatal(err)
		}
		opts.Copy = c.Pair("dev-liberator-export", "dev-liberator-landing-zone")
	}
	l, err := bloblander.New(export, landing, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLanderConformanceOnS3(t *testing.T) {
	t.Run("TwoBuckets", func(t *testing.T) { conformance.RunLanderTests(t, landerHarness{}) })
	t.Run("OneBucket", func(t *testing.T) { conformance.RunLanderTests(t, landerHarness{sameBucket: true}) })
	t.Run("TwoBucketsServerSide", func(t *testing.T) {
		conformance.RunLanderTests(t, landerHarness{serverSide: true, endpoints: &sync.Map{}})
	})
}
