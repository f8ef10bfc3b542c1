package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// The direct chain's buckets in the tests.
const (
	directExportBucket  = "dev-liberator-direct-export"
	directLandingBucket = "dev-landing-zone"
	directReplicaBucket = "pre-liberator-data-storage"
)

// directWorld is the direct chain as its Lambda builds it (FromEnv,
// LoadAWSConfig, NewDirect), every AWS client the real aws-sdk-go-v2 one,
// against the in-process S3 (gofakes3), the local Glue, SQS and ECS
// protocol servers, named by the SDK's AWS_ENDPOINT_URL_<SERVICE>
// variables. Uploads get their Last-Modified from s3clk; the upload queue
// (S3 notifications) runs on sqsclk.
type directWorld struct {
	t              testing.TB
	s3             *awstest.S3
	glue           *awstest.Glue
	sqs            *awstest.SQS
	ecs            *awstest.ECS
	s3clk, sqsclk  *liberator.VirtualClock
	dumps, exports *blob.Bucket
	landing        *blob.Bucket
	queue          string
	cfg            Config
	h              *Direct
	logs           *syncBuffer
}

type directWorldOptions struct {
	inLanding bool     // no export bucket: the export goes into the landing bucket
	env       []string // more environment, key value pairs
	// s3URL, if set, is an S3 endpoint of another process (startS3Apart)
	// used instead of an in-process one; the world's s3 is then nil.
	s3URL string
}

func newDirectWorld(t testing.TB, o directWorldOptions) *directWorld {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	w := &directWorld{t: t, s3clk: liberator.NewVirtualClock(t0), sqsclk: liberator.NewVirtualClock(t0), logs: &syncBuffer{}}
	s3URL := o.s3URL
	if s3URL == "" {
		w.s3 = awstest.NewS3(w.s3clk)
		t.Cleanup(w.s3.Close)
		s3URL = w.s3.URL()
	}
	w.glue = awstest.NewGlue(liberator.RealClock{})
	w.sqs = awstest.NewSQS(w.sqsclk)
	w.ecs = awstest.NewECS()
	t.Cleanup(func() { w.glue.Close(); w.sqs.Close(); w.ecs.Close() })
	w.glue.AddWorkflow("parking-liberator-data-workflow", 0)
	w.queue = w.sqs.CreateQueue("dev-liberator-dump-uploads")
	client := s3.NewFromConfig(awstest.Config(s3URL), func(o *s3.Options) { o.UsePathStyle = true })
	open := func(name string) *blob.Bucket {
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyExists") {
			t.Fatal(err)
		}
		b, err := s3blob.OpenBucket(ctx, client, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	w.dumps, w.landing = open(testDumpBucket), open(directLandingBucket)
	open(directReplicaBucket)
	w.exports = w.landing
	env := map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_MAX_ATTEMPTS": "1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"AWS_ENDPOINT_URL_S3": s3URL, "AWS_ENDPOINT_URL_GLUE": w.glue.URL(), "AWS_ENDPOINT_URL_SQS": w.sqs.URL(), "AWS_ENDPOINT_URL_ECS": w.ecs.URL(),
		"LIBERATOR_S3_PATH_STYLE": "true", "LIBERATOR_CHAIN": "direct",
		"LIBERATOR_DUMP_BUCKET": testDumpBucket, "LIBERATOR_LANDING_BUCKET": directLandingBucket,
		"LIBERATOR_EXPORT_BUCKET": "", "LIBERATOR_ECS_CLUSTER": "", "LIBERATOR_REPLICA_BUCKET": "", "LIBERATOR_DIRECT_MAX_SIZE": "",
	}
	if !o.inLanding {
		env["LIBERATOR_EXPORT_BUCKET"] = directExportBucket
		w.exports = open(directExportBucket)
	}
	for i := 0; i+1 < len(o.env); i += 2 {
		env[o.env[i]] = o.env[i+1]
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.cfg = cfg
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, closeAll, err := NewDirect(ctx, cfg, awsCfg, WhereLambda, liberator.RealClock{}, NewLogger(w.logs, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeAll() })
	w.h = h
	return w
}

// genDump returns a generated zipped dump of rows rows per table.
func genDump(t testing.TB, rows int64, seed int64) ([]byte, dumpgen.Stats) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "d.zip")
	st, err := dumpgen.WriteZip(p, dumpgen.Options{Seed: seed, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

// upload puts a dump in the dump bucket (PutObject through the SDK) and
// moves the S3 clock on, so the next upload has a later Last-Modified.
func (w *directWorld) upload(key string, body []byte) {
	w.t.Helper()
	if err := w.dumps.WriteAll(context.Background(), key, body, nil); err != nil {
		w.t.Fatal(err)
	}
	w.s3clk.Advance(time.Hour)
}

// notification is the S3 event notification of key as S3 sends it.
func (w *directWorld) notification(key string, size int) string {
	enc := strings.ReplaceAll(key, " ", "+")
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-2","eventTime":%q,`+
		`"eventName":"ObjectCreated:Put","responseElements":{"x-amz-request-id":"REQ%d"},`+
		`"s3":{"s3SchemaVersion":"1.0","bucket":{"name":%q},"object":{"key":%q,"size":%d}}}]}`,
		w.s3clk.Now().Format(time.RFC3339Nano), size, testDumpBucket, enc, size)
}

// eventBridge is the EventBridge "Object Created" event of key.
func (w *directWorld) eventBridge(key string, size int) json.RawMessage {
	ev := loadEventBridge(w.t, "eventbridge-s3-object-created.json")
	ev = withDetail(w.t, ev, "object", map[string]any{"key": key, "size": size})
	ev.ID = fmt.Sprintf("eb-%s-%d", filepath.Base(key), size)
	b, err := json.Marshal(ev)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// deliver sends bodies to the upload queue, then runs the function on it
// as Lambda's SQS event source mapping does, through the real SQS client:
// receive a batch, invoke, delete the records not listed in
// batchItemFailures. It returns the ids of the failed records.
func (w *directWorld) deliver(ctx context.Context, bodies ...string) []string {
	w.t.Helper()
	for _, b := range bodies {
		if !w.sqs.Inject(w.queue, b) {
			w.t.Fatal("no queue")
		}
	}
	return w.drain(ctx)
}

// drain runs the function on every visible record of the queue.
func (w *directWorld) drain(ctx context.Context) []string {
	w.t.Helper()
	c := sqs.NewFromConfig(awstest.Config(w.sqs.URL()))
	var failed []string
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(w.queue), MaxNumberOfMessages: 10})
		if err != nil {
			w.t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return failed
		}
		ev := events.SQSEvent{}
		receipts := map[string]*string{}
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: aws.ToString(m.Body), EventSource: "aws:sqs", AWSRegion: "eu-west-2"})
			receipts[id] = m.ReceiptHandle
		}
		resp, err := w.h.Invoke(ctx, mustJSON(w.t, ev))
		if err != nil {
			w.t.Fatalf("SQS invocation: %v", err)
		}
		bad := map[string]bool{}
		for _, f := range resp.(events.SQSEventResponse).BatchItemFailures {
			bad[f.ItemIdentifier] = true
			failed = append(failed, f.ItemIdentifier)
		}
		for id, r := range receipts {
			if bad[id] {
				continue
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(w.queue), ReceiptHandle: r}); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

// keys returns every key of b under prefix, sorted.
func keys(t testing.TB, b *blob.Bucket, prefix string) []string {
	t.Helper()
	var out []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			sort.Strings(out)
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
}

// published returns, per table, the export id of the published partition
// of date (tables without _SUCCESS are left out).
func (w *directWorld) published(date liberator.Date) map[string]string {
	w.t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range append(keys(w.t, w.landing, "parking/liberator/"), keys(w.t, w.landing, partition.ControlRoot+"parking/liberator/")...) {
		if !strings.HasSuffix(k, "/import_date="+date.Compact()+"/"+partition.ManifestName) {
			continue
		}
		prefix := strings.TrimSuffix(k, partition.ManifestName)
		if !exists(w.t, w.landing, prefix+partition.MarkerName) {
			continue
		}
		m, err := partition.ReadManifestKey(ctx, w.landing, k)
		if err != nil {
			w.t.Fatal(err)
		}
		out[m.Tables[0].Table] = m.ExportID
	}
	return out
}

// statsLines returns the figures lines (LogStats) logged so far.
func (w *directWorld) statsLines() []map[string]any {
	var out []map[string]any
	for _, l := range awstest.ParseLogLines(w.logs.Bytes()) {
		if strings.HasPrefix(l.Msg(), "direct run done") {
			out = append(out, l.Fields)
		}
	}
	return out
}

// logged reports whether a line with message msg was logged.
func (w *directWorld) logged(msg string) bool {
	for _, l := range awstest.ParseLogLines(w.logs.Bytes()) {
		if strings.HasPrefix(l.Msg(), msg) {
			return true
		}
	}
	return false
}
