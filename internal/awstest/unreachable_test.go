package awstest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

// TestPipelineUnreachableEndpoint: a landing zone on an S3 endpoint that
// refuses connections (the real S3 client, a closed loopback port) fails
// the run after RetryPolicy.MaxErrorRetries re-checks, each logged at warn
// level, not at the step's 6-hour deadline; the error names the endpoint
// and says what to check (the endpoint, use_path_style=true). The land
// step's own storage retries stop at once (the SDK retried the request).
func TestPipelineUnreachableEndpoint(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	clk := liberator.NewVirtualClock(t0)
	exports := memblob.OpenBucket(nil)
	defer exports.Close()
	landing, err := s3copy.OpenBucket(ctx, awstest.Config("http://127.0.0.1:1"), "lake-landing", func(o *s3.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	defer landing.Close()
	lander, err := bloblander.New(exports, landing, bloblander.Options{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	retry := liberator.DefaultRetryPolicy()
	p, err := liberator.New(liberator.Config{
		Snapshotter: fakesnap.New(fakesnap.Options{Clock: clk}),
		Exporter:    fakeexport.New(fakeexport.Options{Bucket: exports, Tables: map[string][][]byte{"PCN_IC": {[]byte("PAR1 pcn PAR1")}}}),
		Lander:      lander, Workflow: fakeglue.New(fakeglue.Options{Clock: clk}), Clock: clk, Retry: retry,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(ctx, m)
	if !errors.Is(err, liberator.ErrTerminal) {
		t.Fatalf("Run = %v, want the run ended", err)
	}
	for _, want := range []string{"export_check", "127.0.0.1:1 refuses connections", "use_path_style=true", "gave up after 5 retries"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN msg=\"step will be retried\""); n != retry.MaxErrorRetries {
		t.Errorf("%d retries logged at warn level, want %d:\n%s", n, retry.MaxErrorRetries, logs.String())
	}
	if spent := clk.Now().Sub(t0); spent > time.Hour {
		t.Errorf("the run waited %s (virtual) before failing, want the error retries' backoff, well under the step deadline", spent)
	}
}
