//go:build linux

package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// The names the testdata events use.
const (
	dumpBucket    = "dev-liberator-data-storage"
	exportBucket  = "dev-dp-rds-export-storage"
	landingBucket = "dev-landing-zone"
	snapshotID    = "sql-to-parquet-26-11-24-031500"
	partition     = "parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/"
	parquetKey    = "liberator/liberator.PCN_IC/1/part-00000-0b4f1a9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b-c000.gz.parquet"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "handlers", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// functionEnv is the environment of every function: static credentials,
// no shared config or instance metadata, the pipeline's and dump-uploaded's
// configuration, and every AWS service's endpoint from endpoints (service
// name → URL, e.g. "SQS").
func functionEnv(queueURL string, endpoints map[string]string) map[string]string {
	env := map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"LIBERATOR_S3_PATH_STYLE": "true",
		"LIBERATOR_DB_INSTANCE":   "liberator-db", "LIBERATOR_EXPORT_BUCKET": exportBucket,
		"LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/rds-export", "LIBERATOR_EXPORT_KMS_KEY_ID": "arn:aws:kms:eu-west-2:123456789012:key/abc",
		"LIBERATOR_LANDING_BUCKET": landingBucket, "LIBERATOR_QUEUE_URL": queueURL,
		"LIBERATOR_DUMP_BUCKET": dumpBucket, "LIBERATOR_ECS_CLUSTER": "liberator",
		"LIBERATOR_ECS_TASK_DEFINITION": "liberator-to-rds-snapshot:7", "LIBERATOR_ECS_CONTAINER": "restore",
		"LIBERATOR_ECS_SUBNETS": "subnet-0a1b2c3d",
	}
	for svc, url := range endpoints {
		env["AWS_ENDPOINT_URL_"+svc] = url
	}
	return env
}

// snsRecord is an SQS record carrying RDS-EVENT-0042 for snapshot id in its
// SNS envelope.
func snsRecord(msgID, id string) events.SQSMessage {
	n := awstest.RDSNotification{EventID: "RDS-EVENT-0042", SourceID: id, SourceARN: awstest.SnapshotARN(id), Message: "Manual snapshot created"}
	return events.SQSMessage{MessageId: msgID, Body: n.SNSEnvelope("arn:aws:sns:eu-west-2:123456789012:rds-events"), EventSource: "aws:sqs", AWSRegion: "eu-west-2"}
}

func sqsEvent(t *testing.T, records ...events.SQSMessage) []byte {
	t.Helper()
	b, err := json.Marshal(events.SQSEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invokeError is a failed invocation as the emulator answers it.
type invokeError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func decodeError(t *testing.T, answer string) invokeError {
	t.Helper()
	var e invokeError
	if err := json.Unmarshal([]byte(answer), &e); err != nil || e.Type == "" {
		t.Fatalf("answer %q is not a function error", answer)
	}
	return e
}

func failureIDs(t *testing.T, answer string) []string {
	t.Helper()
	var resp events.SQSEventResponse
	if err := json.Unmarshal([]byte(answer), &resp); err != nil || !strings.Contains(answer, "batchItemFailures") {
		t.Fatalf("answer %q is not an SQS batch response", answer)
	}
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// checkLogs fails t for every JSON line of f's output that repeats a key.
func checkLogs(t *testing.T, f *function) []awstest.LogLine {
	t.Helper()
	lines := awstest.ParseLogLines(f.out.Bytes())
	for _, l := range lines {
		if len(l.Duplicates) > 0 {
			t.Errorf("%s logged %q with %v twice: %s", f.name, l.Msg(), l.Duplicates, l.Raw)
		}
	}
	return lines
}

// handlerFailures returns the warn and error lines the handler logs about
// a record's or an event's fate (the library's own lines, such as the
// pipeline's "step will be retried" for a call it re-schedules, are other
// failures).
func handlerFailures(lines []awstest.LogLine) []awstest.LogLine {
	var out []awstest.LogLine
	for _, l := range awstest.AtLeastWarn(lines) {
		for _, p := range []string{"record ", "event ", "launching restore failed", "invocation refused"} {
			if strings.HasPrefix(l.Msg(), p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// checkLoggedOnce fails t if one error is logged at warn or error level
// twice.
func checkLoggedOnce(t *testing.T, lines []awstest.LogLine) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range awstest.AtLeastWarn(lines) {
		key := l.Str("message_id") + "|" + l.Str("event_id") + "|" + l.Str("err")
		if seen[key] {
			t.Errorf("failure logged twice: %s", l.Raw)
		}
		seen[key] = true
	}
}

// local is a set of local AWS endpoints for the functions.
type local struct {
	s3      *awstest.S3
	rds     *awstest.RDS
	sqs     *awstest.SQS
	glue    *awstest.Glue
	ecs     *awstest.ECS
	queue   string
	landing *blob.Bucket
}

func newLocal(t *testing.T) *local {
	t.Helper()
	real := liberator.RealClock{}
	l := &local{s3: awstest.NewS3(real), rds: awstest.NewRDS(real), sqs: awstest.NewSQS(real), glue: awstest.NewGlue(real), ecs: awstest.NewECS()}
	for _, c := range []func(){l.s3.Close, l.rds.Close, l.sqs.Close, l.glue.Close, l.ecs.Close} {
		t.Cleanup(c)
	}
	ctx := context.Background()
	exports, err := l.s3.Bucket(ctx, exportBucket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exports.Close() })
	if l.landing, err = l.s3.Bucket(ctx, landingBucket); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.landing.Close() })
	l.queue = l.sqs.CreateQueue("dev-liberator-scheduler")
	l.glue.AddWorkflow("parking-liberator-data-workflow", 1)
	l.rds.AddInstance("liberator-db")
	l.rds.OnExportComplete = awstest.WriteExport(map[string]*blob.Bucket{exportBucket: exports}, map[string][]byte{parquetKey: []byte("PAR1 rows PAR1")})
	return l
}

func (l *local) env() map[string]string {
	return functionEnv(l.queue, map[string]string{"S3": l.s3.URL(), "RDS": l.rds.URL(), "SQS": l.sqs.URL(), "GLUE": l.glue.URL(), "ECS": l.ecs.URL()})
}

func (l *local) exists(t *testing.T, key string) bool {
	t.Helper()
	ok, err := l.landing.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestEmulatorSampleEvents runs the project's sample events (handlers'
// testdata) through the three functions against local AWS endpoints: an
// upload launches one ECS task however many rules report it, the snapshot
// event starts the export, the export events land the partition.
func TestEmulatorSampleEvents(t *testing.T) {
	needEmulator(t)
	l := newLocal(t)
	l.rds.PutSnapshot(restored(snapshotID))

	t.Run("dump-uploaded", func(t *testing.T) {
		f := startFunction(t, "dump-uploaded", 30, l.env())
		for _, file := range []string{"eventbridge-s3-object-created.json", "cloudtrail-putobject.json", "eventbridge-s3-object-created-other-prefix.json"} {
			if got, _ := f.invoke(t, testdata(t, file)); got != "null" {
				t.Errorf("%s: answer %q, want null", file, got)
			}
		}
		runs := l.ecs.Requests("RunTask")
		if len(runs) != 2 || l.ecs.Tasks() != 1 || runs[0].Params["overrides.containerOverrides.1.environment.1.name"] != "LIBERATOR_MESSAGE" {
			t.Errorf("RunTask %+v (%d tasks), want two calls starting one task with LIBERATOR_MESSAGE", runs, l.ecs.Tasks())
		}
		checkLogs(t, f)
	})

	t.Run("snapshot-ready", func(t *testing.T) {
		f := startFunction(t, "snapshot-ready", 30, l.env())
		if got, _ := f.invoke(t, testdata(t, "eventbridge-rds-event-0042.json")); got != "null" {
			t.Errorf("EventBridge answer %q, want null", got)
		}
		if got, _ := f.invoke(t, testdata(t, "sqs-sns-rds-event-0042.json")); got != `{"batchItemFailures":[]}` {
			t.Errorf("SQS answer %q, want no failures", got)
		}
		if task, ok := l.rds.Export(snapshotID); !ok || task.S3Bucket != exportBucket {
			t.Errorf("export task %+v (found %v), want one into %s", task, ok, exportBucket)
		}
		checkLogs(t, f)
	})

	t.Run("export-check", func(t *testing.T) {
		f := startFunction(t, "export-check", 30, l.env())
		// The local RDS moves an export on per describe: the first events
		// come early, as they may when EventBridge and the API disagree.
		for i := 0; i < 6 && !l.exists(t, "_liberator/partitions/"+partition+"_SUCCESS"); i++ {
			if got, _ := f.invoke(t, testdata(t, "eventbridge-rds-event-0161.json")); got != "null" {
				t.Fatalf("answer %q, want null", got)
			}
		}
		if !l.exists(t, "_liberator/partitions/"+partition+"_SUCCESS") || !l.exists(t, partition+filepath.Base(parquetKey)) {
			t.Fatal("export-check did not land the partition")
		}
		checkLogs(t, f)
	})
}

// TestEmulatorMalformed sends each function a payload that is not JSON:
// the invocation fails with errorType "Invalid".
func TestEmulatorMalformed(t *testing.T) {
	needEmulator(t)
	l := newLocal(t)
	for _, name := range lambdas {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := startFunction(t, name, 30, l.env())
			got, _ := f.invoke(t, []byte(`{"Records": [`))
			if e := decodeError(t, got); e.Type != "Invalid" || !strings.Contains(e.Message, "decode") {
				t.Errorf("answer %+v, want errorType Invalid saying what did not decode", e)
			}
			lines := checkLogs(t, f)
			if n := len(awstest.AtLeastWarn(lines)); n != 1 {
				t.Errorf("%d warn or error lines, want 1:\n%s", n, f.out.Bytes())
			}
		})
	}
}

// TestEmulatorPartialBatch sends snapshot-ready a batch of three records:
// the first starts its export but its next message cannot be queued (SQS
// fails once), the second is a truncated body, the third succeeds. Only
// the first is listed for redelivery; each is logged with its message id.
func TestEmulatorPartialBatch(t *testing.T) {
	needEmulator(t)
	l := newLocal(t)
	for _, id := range []string{"sql-to-parquet-26-11-24-031500", "sql-to-parquet-26-11-25-031500"} {
		l.rds.PutSnapshot(restored(id))
	}
	l.sqs.FailNext("SendMessageBatch", 1, awstest.Fault{Code: "InternalError", Status: 500})
	env := l.env()
	env["AWS_MAX_ATTEMPTS"] = "1"
	f := startFunction(t, "snapshot-ready", 30, env)
	truncated := snsRecord("rec-2", "sql-to-parquet-26-11-24-031500")
	truncated.Body = truncated.Body[:len(truncated.Body)/2]
	got, _ := f.invoke(t, sqsEvent(t, snsRecord("rec-1", "sql-to-parquet-26-11-24-031500"), truncated, snsRecord("rec-3", "sql-to-parquet-26-11-25-031500")))
	if diff := cmp.Diff([]string{"rec-1"}, failureIDs(t, got)); diff != "" {
		t.Errorf("batchItemFailures (-want +got):\n%s", diff)
	}
	for _, id := range []string{"sql-to-parquet-26-11-24-031500", "sql-to-parquet-26-11-25-031500"} {
		if _, ok := l.rds.Export(id); !ok {
			t.Errorf("no export of %s", id)
		}
	}
	if q := l.sqs.Messages(l.queue); len(q) != 1 {
		t.Errorf("queue holds %d messages, want the third record's export check", len(q))
	}
	lines := checkLogs(t, f)
	type line struct{ ID, Level, Kind string }
	var warn []line
	for _, l := range awstest.AtLeastWarn(lines) {
		warn = append(warn, line{l.Str("message_id"), l.Level(), l.Str("kind")})
	}
	if diff := cmp.Diff([]line{{"rec-1", "WARN", "Transient"}, {"rec-2", "ERROR", "Invalid"}}, warn); diff != "" {
		t.Errorf("warn and error lines (-want +got):\n%s", diff)
	}
}

// TestEmulatorBlackHole is issue 15's acceptance test: with a 10-second
// function timeout and every AWS endpoint a black hole (a loopback
// listener that accepts and never answers), an SQS batch of three RDS
// events gets, before the timeout, a batchItemFailures response listing
// all three, and a direct EventBridge invocation gets a retryable error
// whose errorType names the kind. dump-uploaded and export-check, with a
// 3-second timeout, also answer with a retryable error.
func TestEmulatorBlackHole(t *testing.T) {
	needEmulator(t)
	bh, err := awstest.NewBlackHole()
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	env := functionEnv(bh.URL()+"/123456789012/dev-liberator-scheduler",
		map[string]string{"S3": bh.URL(), "RDS": bh.URL(), "SQS": bh.URL(), "GLUE": bh.URL(), "ECS": bh.URL()})

	var mu sync.Mutex
	var figures []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		figures = append(figures, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
	}
	t.Cleanup(func() {
		for _, f := range figures {
			t.Log(f)
		}
	})

	t.Run("group", func(t *testing.T) {
		t.Run("SQS batch of three RDS events", func(t *testing.T) {
			t.Parallel()
			f := startFunction(t, "snapshot-ready", 10, env)
			ids := []string{"b-1", "b-2", "b-3"}
			got, took := f.invoke(t, sqsEvent(t,
				snsRecord(ids[0], "sql-to-parquet-26-11-24-031500"),
				snsRecord(ids[1], "sql-to-parquet-26-11-25-031500"),
				snsRecord(ids[2], "sql-to-parquet-26-11-26-031500")))
			report("snapshot-ready, 10 s timeout, SQS batch of 3: answered in %s: %s", took.Round(10*time.Millisecond), got)
			if strings.Contains(got, "Task timed out") {
				t.Fatalf("the function timed out: %s", got)
			}
			if diff := cmp.Diff(ids, failureIDs(t, got)); diff != "" {
				t.Errorf("batchItemFailures (-want +got):\n%s", diff)
			}
			lines := checkLogs(t, f)
			checkLoggedOnce(t, lines)
			for _, id := range ids {
				w := awstest.LinesWith(handlerFailures(lines), "message_id", id)
				if len(w) != 1 || w[0].Str("kind") != "Transient" || w[0].Level() != "WARN" {
					t.Errorf("record %s: the handler's warn and error lines %v, want one warning of kind Transient", id, w)
				}
			}
		})
		direct := []struct {
			name, function, file string
			timeout              int
		}{
			{"EventBridge RDS-EVENT-0042", "snapshot-ready", "eventbridge-rds-event-0042.json", 10},
			{"EventBridge RDS-EVENT-0161", "export-check", "eventbridge-rds-event-0161.json", 3},
			{"EventBridge S3 Object Created", "dump-uploaded", "eventbridge-s3-object-created.json", 3},
		}
		for _, tc := range direct {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				f := startFunction(t, tc.function, tc.timeout, env)
				got, took := f.invoke(t, testdata(t, tc.file))
				report("%s, %d s timeout, %s: answered in %s: %s", tc.function, tc.timeout, tc.name, took.Round(10*time.Millisecond), got)
				e := decodeError(t, got)
				if e.Type != "Transient" {
					t.Errorf("errorType %q (%s), want Transient", e.Type, e.Message)
				}
				lines := checkLogs(t, f)
				checkLoggedOnce(t, lines)
				if w := handlerFailures(lines); len(w) != 1 || w[0].Str("kind") != "Transient" || w[0].Str("event_id") == "" || w[0].Str("run_id") == "" {
					t.Errorf("the handler's warn and error lines %v, want one with the event and run ids and kind Transient", w)
				}
			})
		}
	})
	if bh.Accepted() == 0 {
		t.Error("no function reached the black hole")
	}
}

// restored is the snapshot id as the restore task leaves it: available and
// tagged with its run (the dump of the snapshot id's date).
func restored(id string) awstest.Snapshot {
	d, err := liberator.DateFromSnapshotID(id)
	if err != nil {
		panic(err)
	}
	key := "parking/liberator_dump_" + d.Compact() + ".zip"
	return awstest.Snapshot{ID: id, Instance: "liberator-db", Status: "available",
		Tags: awstest.RunTags(liberator.RunLabel{RunID: liberator.RunID(d, key), ImportDate: d, DumpKey: key})}
}
