package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var recordsTime = time.Date(2026, 11, 24, 5, 30, 0, 0, time.UTC)

// testMessage returns a message of the testdata run at step, started (and
// for dump_uploaded, received) at now.
func testMessage(t *testing.T, step liberator.Step, now time.Time) liberator.Message {
	t.Helper()
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "s3://" + testDumpBucket, Key: testDumpKey}, liberator.Date{}, false, uploadTime)
	if err != nil {
		t.Fatal(err)
	}
	m.Step = step
	m.StepStarted = now
	if step != liberator.StepDumpUploaded {
		m.SnapshotID = testSnapshotID
	}
	if step == liberator.StepExportCheck || step == liberator.StepLanded {
		m.ExportID = testExportID
	}
	return m
}

// logged is what the tests compare of a warn or error line.
type logged struct {
	ID, Level, Msg, Kind, RunID, Step string
}

// TestEveryFailureLoggedOnce feeds the export-check handler one SQS record
// per case and checks, from the JSON logs of the handler and of the
// pipeline (both through NewLogger, as in production), that every failure
// is logged exactly once at warn or error level, with the record's message
// id, the run id and step when known, and the error's kind, whether or not
// the record is retried; that retryable failures, and only they, are
// listed in BatchItemFailures; and that each record gets one line of its
// own from the handler.
func TestEveryFailureLoggedOnce(t *testing.T) {
	const id = "a8c1f0d2-0000-4000-8000-000000000001"
	runID := "20261124/" + testDumpKey
	body := func(t *testing.T, m liberator.Message) string {
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string // returns the body
		want  []logged                                                      // warn and error lines
		retry bool                                                          // listed in BatchItemFailures
	}{
		{
			// Issue 15, defect 2: this failure was not logged at all.
			name: "restore launch throttled: retried, logged at warn",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				ecs.failNext = []ecsFault{{"ThrottlingException", 400}}
				return body(t, testMessage(t, liberator.StepDumpUploaded, recordsTime))
			},
			want:  []logged{{id, "WARN", "record failed: returned for redelivery", "Throttled", runID, "dump_uploaded"}},
			retry: true,
		},
		{
			name: "restore launch refused: dropped, logged at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				ecs.failNext = []ecsFault{{"ClientException", 400}}
				return body(t, testMessage(t, liberator.StepDumpUploaded, recordsTime))
			},
			want: []logged{{id, "ERROR", "record dropped: run failed", "Invalid", runID, "dump_uploaded"}},
		},
		{
			name: "no restore launcher: dropped, logged at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				h.Launcher = nil
				return body(t, testMessage(t, liberator.StepDumpUploaded, recordsTime))
			},
			want: []logged{{id, "ERROR", "record dropped: run failed", "Invalid", runID, "dump_uploaded"}},
		},
		{
			name: "next step cannot be scheduled: retried, logged at warn",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				w.addSnapshot(testSnapshotID)
				w.faults.FailKey(runID, schedErr)
				return body(t, testMessage(t, liberator.StepSnapshotCheck, recordsTime))
			},
			want:  []logged{{id, "WARN", "record failed: returned for redelivery", "Transient", runID, "snapshot_check"}},
			retry: true,
		},
		{
			// The pipeline logs "run failed" itself; the handler's line
			// about the record is then at info level, not a second error.
			name: "export failed: the run ends, logged once at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				w.startExport(t, testSnapshotID)
				return body(t, testMessage(t, liberator.StepExportCheck, recordsTime))
			},
			want: []logged{{id, "ERROR", "run failed", "Terminal", runID, "export_check"}},
		},
		{
			// Issue 15, defect 5: the message used to say "parse rds event".
			name: "truncated scheduler message: dropped, logged at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				b := body(t, testMessage(t, liberator.StepExportCheck, recordsTime))
				return b[:len(b)/2]
			},
			want: []logged{{id, "ERROR", "record dropped: cannot be decoded", "Invalid", "", ""}},
		},
		{
			name: "unknown message version: dropped, logged at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				m := testMessage(t, liberator.StepExportCheck, recordsTime)
				return strings.Replace(body(t, m), `"version":1`, `"version":9`, 1)
			},
			want: []logged{{id, "ERROR", "record dropped: cannot be decoded", "Invalid", "", ""}},
		},
		{
			// Issue 15, defect 5: HandleSQS's doc says this is an error;
			// it used to be logged at info as "a snapshot the pipeline
			// did not make".
			name: "RDS event without a source: dropped, logged at error",
			setup: func(t *testing.T, w *world, h *Steps, ecs *ecsServer) string {
				h.Events = SnapshotReadyEvents()
				n := awstest.RDSNotification{EventID: "RDS-EVENT-0042", Message: "Manual snapshot created"}
				return n.SNSEnvelope("arn:aws:sns:eu-west-2:123456789012:rds-events")
			},
			want: []logged{{id, "ERROR", "record dropped: cannot be decoded", "Invalid", "", ""}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			log := NewLogger(logs, slog.LevelDebug)
			w := newWorld(t, worldOptions{start: recordsTime, logger: log,
				exports: fakeexport.Options{FailStatus: liberator.ExportFailed, FailureCause: "The IAM role doesn't have access to the S3 bucket"}})
			ecs := newECSServer(t)
			h := &Steps{Pipeline: w.p, Events: ExportCheckEvents(), Clock: w.clk, Logger: log,
				Launcher: ECSLauncher{Client: ecs.client(), Config: testECS}}
			b := tc.setup(t, w, h, ecs)
			resp, err := h.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: id, Body: b}}})
			if err != nil {
				t.Fatal(err)
			}
			var wantIDs []string
			if tc.retry {
				wantIDs = []string{id}
			}
			if diff := cmp.Diff(wantIDs, failureIDs(resp), cmpEmpty); diff != "" {
				t.Errorf("BatchItemFailures (-want +got):\n%s", diff)
			}
			lines := awstest.ParseLogLines(logs.Bytes())
			var got []logged
			for _, l := range awstest.AtLeastWarn(lines) {
				got = append(got, logged{l.Str("message_id"), l.Level(), l.Msg(), l.Str("kind"), l.Str("run_id"), l.Str("step")})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("warn and error lines (-want +got):\n%s\nlogs:\n%s", diff, logs.Bytes())
			}
			own := 0
			for _, l := range lines {
				if len(l.Duplicates) > 0 {
					t.Errorf("line %q repeats %v", l.Msg(), l.Duplicates)
				}
				if l.Str("message_id") != id {
					t.Errorf("line %q lacks the record's message id", l.Msg())
				}
				if handlerLine(l.Msg()) {
					own++
				}
			}
			if own != 1 {
				t.Errorf("the handler logged %d lines about the record, want 1:\n%s", own, logs.Bytes())
			}
			if strings.Contains(tc.name, "truncated") {
				if msg := got[0].Msg; !strings.Contains(lines[len(lines)-1].Str("err"), "decode scheduler message") ||
					strings.Contains(lines[len(lines)-1].Str("err"), "rds") {
					t.Errorf("truncated message logged as %q: %s, want it named a scheduler message", msg, lines[len(lines)-1].Str("err"))
				}
			}
		})
	}
}

// handlerLine reports whether msg is one of the lines Steps logs about a
// record's fate.
func handlerLine(msg string) bool {
	for _, p := range []string{"record ", "event ", "step handled", "restore launched"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var cmpEmpty = cmp.Transformer("nilEmpty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

// TestStepsLogsNoDuplicateKeys (issue 15, defect 4): with a plain JSON
// handler (no LogHandler to mend them), Steps itself writes no line with a
// key twice. "step failed" for scheduler messages used to carry run_id and
// step twice.
func TestStepsLogsNoDuplicateKeys(t *testing.T) {
	logs := &syncBuffer{}
	w := newWorld(t, worldOptions{start: time.Date(2026, 11, 24, 5, 30, 0, 0, time.UTC), onSQS: true})
	w.startExport(t, testSnapshotID)
	w.addSnapshot("sql-to-parquet-26-11-23-031500")
	w.faults.FailKey("20261123/parking/liberator_dump_20261123.zip", schedErr)
	h := w.steps(ExportCheckEvents())
	h.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := h.HandleSQS(context.Background(), loadSQS(t, "sqs-scheduler-messages.json")); err != nil {
		t.Fatal(err)
	}
	lines := awstest.ParseLogLines(logs.Bytes())
	if len(lines) != 5 {
		t.Errorf("%d lines for 5 records, want one each:\n%s", len(lines), logs.Bytes())
	}
	for _, l := range lines {
		if len(l.Duplicates) > 0 {
			t.Errorf("line %q repeats %v: %s", l.Msg(), l.Duplicates, l.Raw)
		}
	}
}

// TestLogHandler checks the entry points' slog handler: one value per key
// (the last given), the context's ids on every line that lacks them, and
// the error's kind on warn and error lines.
func TestLogHandler(t *testing.T) {
	logs := &syncBuffer{}
	log := NewLogger(logs, slog.LevelDebug)
	ctx := WithLogAttrs(context.Background(), "message_id", "m-1", "run_id", "r-ctx")
	ctx = WithLogAttrs(ctx, "step", "export_check")

	log.With("run_id", "r-1", "attempt", 1).With("run_id", "r-1", "attempt", 2).InfoContext(ctx, "a", "attempt", 3)
	log.WithGroup("g").With("k", 1).InfoContext(ctx, "b", "k", 2, "j", 0)
	log.ErrorContext(ctx, "c", "err", liberator.Errorf(liberator.ErrThrottled, "op", "x", "slow down"))
	log.WarnContext(ctx, "d", "err", liberator.Errorf(liberator.ErrTerminal, "op", "x", "gone"), "kind", "mine")
	log.InfoContext(context.Background(), "e", slog.Group("", slog.String("inline", "v")))

	type line struct {
		Msg    string
		Fields map[string]any
	}
	var got []line
	for _, l := range awstest.ParseLogLines(logs.Bytes()) {
		if len(l.Duplicates) > 0 {
			t.Errorf("line %q repeats %v", l.Msg(), l.Duplicates)
		}
		msg, f := l.Msg(), l.Fields
		delete(f, "time")
		delete(f, "level")
		delete(f, "msg")
		got = append(got, line{msg, f})
	}
	ids := func(m map[string]any) map[string]any {
		for k, v := range map[string]any{"message_id": "m-1", "run_id": "r-ctx", "step": "export_check"} {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
		return m
	}
	want := []line{
		{"a", ids(map[string]any{"run_id": "r-1", "attempt": 3.0})},
		{"b", ids(map[string]any{"g": map[string]any{"k": 2.0, "j": 0.0}})},
		{"c", ids(map[string]any{"err": "op x: slow down", "kind": "Throttled"})},
		{"d", ids(map[string]any{"err": "op x: gone", "kind": "mine"})},
		{"e", map[string]any{"inline": "v"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

// TestLogHandlerRaw checks the output is still what slog's JSON handler
// writes when nothing is merged.
func TestLogHandlerRaw(t *testing.T) {
	var b strings.Builder
	fixed := time.Date(2026, 11, 24, 5, 30, 0, 0, time.UTC)
	h := NewLogHandler(slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			a.Value = slog.TimeValue(fixed)
		}
		return a
	}}))
	slog.New(h).With("run_id", "r").Info("x", "step", "s")
	var got map[string]any
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"time": "2026-11-24T05:30:00Z", "level": "INFO", "msg": "x", "run_id": "r", "step": "s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("line (-want +got):\n%s", diff)
	}
	if !slog.New(NewLogHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))).Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Enabled(warn) at level warn = false")
	}
}
