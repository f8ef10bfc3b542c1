package bloblander_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
)

// serverCopier is a bloblander.ServerCopier between two memblob buckets:
// it records each copy and fails the first fails[key] calls for a source
// key with the error given.
type serverCopier struct {
	src, dst *blob.Bucket
	mu       sync.Mutex
	calls    []string
	fails    map[string][]error
}

func (c *serverCopier) CopyKey(ctx context.Context, srcKey, dstKey string) error {
	c.mu.Lock()
	c.calls = append(c.calls, srcKey+" -> "+dstKey)
	var err error
	if q := c.fails[srcKey]; len(q) > 0 {
		err, c.fails[srcKey] = q[0], q[1:]
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	b, err := c.src.ReadAll(ctx, srcKey)
	if err != nil {
		return err
	}
	return c.dst.WriteAll(ctx, dstKey, b, nil)
}

// TestLandServerCopier: with Options.Copy, a Lander of two buckets copies
// every object through the ServerCopier (and publishes the same bytes); a
// retryable failure is retried, a terminal one leaves the table
// unpublished; a Lander of one bucket never calls it.
func TestLandServerCopier(t *testing.T) {
	const id = "exp-1"
	files := map[string]string{
		id + "/liberator/liberator.PCN_IC/1/part-00000-a-c000.gz.parquet": "pcn",
		id + "/liberator/liberator.vrm/1/part-00000-b-c000.gz.parquet":    "vrm",
	}
	pcnSrc, vrmSrc := id+"/liberator/liberator.PCN_IC/1/part-00000-a-c000.gz.parquet", id+"/liberator/liberator.vrm/1/part-00000-b-c000.gz.parquet"
	tests := []struct {
		name       string
		sameBucket bool
		fails      map[string][]error
		wantCalls  int
		wantTables []string // published
		wantErr    *liberator.Kind
	}{
		{name: "two buckets", wantCalls: 2, wantTables: []string{"PCN_IC", "vrm"}},
		{name: "retryable failure retried", fails: map[string][]error{pcnSrc: {liberator.Errorf(liberator.ErrThrottled, "s3 copy", pcnSrc, "SlowDown")}},
			wantCalls: 3, wantTables: []string{"PCN_IC", "vrm"}},
		{name: "terminal failure", fails: map[string][]error{vrmSrc: {liberator.Errorf(liberator.ErrTerminal, "s3 copy", vrmSrc, "AccessDenied")}},
			wantCalls: 2, wantTables: []string{"PCN_IC"}, wantErr: liberator.ErrTerminal},
		{name: "one bucket", sameBucket: true, wantCalls: 0, wantTables: []string{"PCN_IC", "vrm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			src := memblob.OpenBucket(nil)
			dst := memblob.OpenBucket(nil)
			if tt.sameBucket {
				dst = src
			}
			put(t, src, files)
			c := &serverCopier{src: src, dst: dst, fails: tt.fails}
			l, _ := newLander(t, src, dst, bloblander.Options{Copy: c})
			m, err := l.Land(ctx, liberator.LandRequest{ExportID: id, ImportDate: day})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Land: %v, want kind %v", err, tt.wantErr)
			}
			if len(c.calls) != tt.wantCalls {
				t.Errorf("%d server copies %q, want %d", len(c.calls), c.calls, tt.wantCalls)
			}
			var got []string
			for _, tm := range m.Tables {
				got = append(got, tm.Table)
				if b, err := dst.ReadAll(ctx, tm.Objects[0].Key); err != nil || string(b) != files[tm.Objects[0].Source] {
					t.Errorf("%s: landed %q, %v", tm.Table, b, err)
				}
			}
			if diff := cmp.Diff(tt.wantTables, got); diff != "" {
				t.Errorf("published tables (-want +got):\n%s", diff)
			}
		})
	}
}
