package localglue

import (
	"context"
	"log/slog"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/conformance"
)

type localHarness struct{}

func (localHarness) MakeWorkflow(ctx context.Context, t *testing.T) liberator.Workflow {
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	t.Cleanup(func() { landing.Close(); raw.Close() })
	l, err := New(landing, raw, Options{Clock: liberator.NewVirtualClock(start), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// MakeWorkflows returns Workflows on one landing and raw bucket, as
// several processes sharing a lake.
func (localHarness) MakeWorkflows(ctx context.Context, t *testing.T, n int) []liberator.Workflow {
	landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	t.Cleanup(func() { landing.Close(); raw.Close() })
	clk := liberator.NewVirtualClock(start)
	var out []liberator.Workflow
	for range n {
		l, err := New(landing, raw, Options{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// The local workflow passes the shared Workflow conformance suite.
func TestLocalConformance(t *testing.T) { conformance.RunWorkflowTests(t, localHarness{}) }
