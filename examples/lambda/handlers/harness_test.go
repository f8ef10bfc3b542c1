package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/fault"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

// The run the testdata files describe.
const (
	testDumpBucket = "dev-liberator-data-storage"
	testDumpKey    = "parking/liberator_dump_20261124.zip"
	testSnapshotID = "sql-to-parquet-26-11-24-031500"
	testExportID   = testSnapshotID
	testRunKey     = "20261124/" + testExportID
	testPartition  = "parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/"
)

var testDate = liberator.Date{Year: 2026, Month: time.November, Day: 24}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// world is a pipeline on fakes: fake snapshotter, exporter and workflow;
// the real blob Lander between an export bucket and a landing bucket served
// by gofakes3 (awstest.S3); a scheduler that is either the in-memory one or
// the SQS one against the local SQS server.
type world struct {
	clk     *liberator.VirtualClock
	s3      *awstest.S3
	export  *blob.Bucket
	landing *blob.Bucket
	snap    *fakesnap.Snapshotter
	exp     *fakeexport.Exporter
	wf      *fakeglue.Workflow
	mem     *liberator.MemScheduler // when not on SQS
	sqs     *awstest.SQS            // when on SQS
	queue   string
	faults  *fault.Injector // on the scheduler: op "Schedule", key run id
	p       *liberator.Pipeline
}

type worldOptions struct {
	start   time.Time
	onSQS   bool
	exports fakeexport.Options
	logger  *slog.Logger // the pipeline's; default quietLogger()
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clk: liberator.NewVirtualClock(o.start), s3: awstest.NewS3(liberator.RealClock{}), faults: &fault.Injector{}}
	t.Cleanup(w.s3.Close)
	var err error
	if w.export, err = w.s3.Bucket(ctx, "dev-dp-rds-export-storage"); err != nil {
		t.Fatal(err)
	}
	if w.landing, err = w.s3.Bucket(ctx, "dev-landing-zone"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.export.Close(); w.landing.Close() })
	w.snap = fakesnap.New(fakesnap.Options{Clock: w.clk})
	eo := o.exports
	eo.Bucket = w.export
	if eo.Tables == nil {
		eo.Tables = map[string][][]byte{"PCN_IC": {[]byte("PAR1 part zero PAR1"), []byte("PAR1 part one PAR1")}}
		eo.Rows = map[string]int64{"PCN_IC": 2}
	}
	w.exp = fakeexport.New(eo)
	w.wf = fakeglue.New(fakeglue.Options{Clock: w.clk})
	lander := w.lander(t)
	var sched liberator.Scheduler
	if o.onSQS {
		w.sqs = awstest.NewSQS(w.clk)
		t.Cleanup(w.sqs.Close)
		w.queue = w.sqs.CreateQueue("dev-liberator-scheduler")
		s, err := sqsscheduler.NewFromClient(ctx, sqs.NewFromConfig(w.sqs.Config()), sqsscheduler.Options{QueueURL: w.queue, Clock: w.clk, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		sched = s
	} else {
		w.mem = liberator.NewMemScheduler(w.clk, liberator.MemSchedulerOptions{})
		sched = w.mem
	}
	log := o.logger
	if log == nil {
		log = quietLogger()
	}
	w.p, err = liberator.New(liberator.Config{
		Snapshotter: w.snap, Exporter: w.exp, Lander: lander, Workflow: w.wf,
		Scheduler: faultScheduler{Scheduler: sched, faults: w.faults},
		Clock:     w.clk, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// lander returns the blob Lander from the export to the landing bucket.
func (w *world) lander(t *testing.T) *bloblander.Lander {
	t.Helper()
	l, err := bloblander.New(w.export, w.landing, bloblander.Options{Clock: w.clk, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// faultScheduler is a Scheduler whose Schedule calls can be made to fail
// (op "Schedule", keyed by run id).
type faultScheduler struct {
	liberator.Scheduler
	faults *fault.Injector
}

func (s faultScheduler) Schedule(ctx context.Context, m liberator.Message, d time.Duration) error {
	if err := s.faults.Check("Schedule", m.RunID); err != nil {
		return err
	}
	return s.Scheduler.Schedule(ctx, m, d)
}

// addSnapshot stores an available snapshot of the testdata run.
func (w *world) addSnapshot(id string) liberator.SnapshotInfo {
	info := liberator.SnapshotInfo{
		ID: id, Status: liberator.SnapshotAvailable, Created: w.clk.Now().UTC(),
		Kind: liberator.SnapshotRDS, ARN: "arn:aws:rds:eu-west-2:123456789012:snapshot:" + id,
	}
	w.snap.Add(info)
	return info
}

// startExport starts the export of a stored snapshot, as the snapshot step
// did earlier.
func (w *world) startExport(t *testing.T, id string) {
	t.Helper()
	info := w.addSnapshot(id)
	if _, err := w.exp.StartExport(context.Background(), liberator.ExportRequest{ID: liberator.ExportID(id), Snapshot: info}); err != nil {
		t.Fatal(err)
	}
}

// pending returns the scheduled messages (in-memory scheduler), or the
// queued ones (SQS).
func (w *world) pending(t *testing.T) []liberator.Message {
	t.Helper()
	if w.mem != nil {
		return w.mem.Pending()
	}
	var out []liberator.Message
	for _, m := range w.sqs.Messages(w.queue) {
		msg, err := liberator.DecodeMessage([]byte(m.Body))
		if err != nil {
			t.Fatalf("queued message %s: %v", m.ID, err)
		}
		out = append(out, msg)
	}
	return out
}

// steps returns the pipeline's handler for the given RDS events.
func (w *world) steps(ev map[string]liberator.Step) *Steps {
	return &Steps{Pipeline: w.p, Events: ev, Clock: w.clk, Logger: quietLogger()}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadEventBridge(t testing.TB, name string) events.CloudWatchEvent {
	t.Helper()
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(readTestdata(t, name), &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func loadSQS(t *testing.T, name string) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	if err := json.Unmarshal(readTestdata(t, name), &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// sqsRecord wraps a message as the SQS event source mapping delivers it.
func sqsRecord(t *testing.T, id string, m liberator.Message) events.SQSMessage {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, Body: string(b), EventSource: "aws:sqs", AWSRegion: "eu-west-2"}
}

// withDetail returns ev with detail field key set to value.
func withDetail(t testing.TB, ev events.CloudWatchEvent, key string, value any) events.CloudWatchEvent {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		t.Fatal(err)
	}
	d[key] = value
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	ev.Detail = b
	return ev
}

// exists reports whether key is in b.
func exists(t testing.TB, b *blob.Bucket, key string) bool {
	t.Helper()
	ok, err := b.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
