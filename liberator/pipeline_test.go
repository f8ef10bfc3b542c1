package liberator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/pubsubscheduler"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/snapshot/fakesnap"
)

const dumpKey = "parking/liberator_dump_20261124.zip"

var (
	date     = liberator.Date{Year: 2026, Month: 11, Day: 24}
	snapID   = "sql-to-parquet-26-11-24-031500" // SnapshotID(t0)
	runKey   = "20261124/" + snapID
	runID    = "20261124/" + dumpKey
	twoTable = map[string][][]byte{"PCN_IC": {[]byte("pcn-0"), []byte("pcn-1")}, "VRM": {[]byte("vrm-0")}}
)

// env is a pipeline on fakes, memblob buckets and the real blob Lander, on
// virtual time.
type env struct {
	clk     *liberator.VirtualClock
	exports *blob.Bucket // export bucket
	lake    *blob.Bucket // landing bucket (fault-injecting)
	lakeF   *faultblob.Faults
	snap    *fakesnap.Snapshotter
	exp     *fakeexport.Exporter
	wf      *fakeglue.Workflow
	sched   *liberator.MemScheduler
	p       *liberator.Pipeline
	logs    *bytes.Buffer
}

type envOptions struct {
	snap  fakesnap.Options
	exp   fakeexport.Options
	sched liberator.MemSchedulerOptions
	retry liberator.RetryPolicy
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{clk: liberator.NewVirtualClock(t0), exports: memblob.OpenBucket(nil), logs: &bytes.Buffer{}}
	e.lake, e.lakeF = faultblob.Wrap(memblob.OpenBucket(nil))
	t.Cleanup(func() { e.exports.Close(); e.lake.Close() })
	o.snap.Clock = e.clk
	e.snap = fakesnap.New(o.snap)
	o.exp.Bucket = e.exports
	if o.exp.Tables == nil {
		o.exp.Tables = twoTable
	}
	e.exp = fakeexport.New(o.exp)
	e.wf = fakeglue.New(fakeglue.Options{Clock: e.clk})
	e.sched = liberator.NewMemScheduler(e.clk, o.sched)
	e.p = e.pipeline(t, e.exp, o.retry)
	return e
}

// pipeline composes a pipeline on e's parts with exporter exp.
func (e *env) pipeline(t *testing.T, exp liberator.Exporter, retry liberator.RetryPolicy) *liberator.Pipeline {
	t.Helper()
	discard := slog.New(slog.DiscardHandler)
	lander, err := bloblander.New(e.exports, e.lake, bloblander.Options{Clock: e.clk, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	p, err := liberator.New(liberator.Config{
		Snapshotter: e.snap, Exporter: exp, Lander: lander, Workflow: e.wf,
		Scheduler: e.sched, Clock: e.clk, Retry: retry,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) run(t *testing.T, received time.Time) (liberator.Result, error) {
	t.Helper()
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: "mem://", Key: dumpKey}, liberator.Date{}, false, received)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return e.p.Run(ctx, m)
}

func lakeKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	// The landing zone's partitions and their manifests and markers (the
	// date leases under _liberator/leases/ are not data).
	for _, prefix := range []string{partition.ControlRoot, "parking/"} {
		it := b.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("list lake: %v", err)
			}
			keys = append(keys, obj.Key)
		}
	}
	return keys
}

func partPrefix(table string) string {
	return partition.TablePrefix("parking", partition.TableRef{Database: "liberator", Table: table}, date)
}

// landingKey is where part i of table in export id lands.
func landingKey(exportID, table string, i int) string {
	return partPrefix(table) + fmt.Sprintf("part-%05d-%s-c000.gz.parquet", i, fakeexport.PartUUID(exportID, table, i))
}

// published lists the keys of a fully published partition of every table.
func published(exportID string, tables map[string][][]byte) []string {
	var keys []string
	for table, files := range tables {
		for i := range files {
			keys = append(keys, landingKey(exportID, table, i))
		}
		keys = append(keys, partition.ControlLayout.ManifestKey(partPrefix(table)), partition.ControlLayout.MarkerKey(partPrefix(table)))
	}
	sort.Strings(keys)
	return keys
}

// wantManifest is the manifest of a landing of tables from exportID, the
// first import of the database: every table is added.
func wantManifest(exportID string, tables map[string][][]byte, rows map[string]int64) liberator.Manifest {
	m := liberator.Manifest{Version: 1, ExportID: exportID, ImportDate: date, Changes: &liberator.Changes{First: true}}
	for _, table := range []string{"PCN_IC", "VRM"} {
		files, ok := tables[table]
		if !ok {
			continue
		}
		tm := liberator.TableManifest{Database: "liberator", Table: table, Prefix: partPrefix(table), Rows: -1}
		if n, ok := rows[table]; ok {
			tm.Rows = n
		}
		for i, f := range files {
			tm.Objects = append(tm.Objects, liberator.Object{
				Key:    landingKey(exportID, table, i),
				Source: fmt.Sprintf("%s/liberator/liberator.%s/1/part-%05d-%s-c000.gz.parquet", exportID, table, i, fakeexport.PartUUID(exportID, table, i)),
				Size:   int64(len(f)),
			})
			tm.Bytes += int64(len(f))
		}
		m.Tables = append(m.Tables, tm)
		m.Changes.Tables = append(m.Changes.Tables, liberator.TableChange{Table: "liberator." + table, Status: liberator.TableAdded, OldRows: -1, NewRows: tm.Rows})
	}
	return m
}

// slim is m as the run's messages (and so the workflow request) carry it.
func slim(m liberator.Manifest) liberator.Manifest {
	m.Changes = nil
	return m
}

func wantRun(id, exportID string) liberator.WorkflowRun {
	return liberator.WorkflowRun{ID: id, RunKey: "20261124/" + exportID, Status: "RUNNING", Properties: map[string]string{"import_date": "20261124"}}
}

var ignoreStarted = cmpopts.IgnoreFields(liberator.WorkflowRun{}, "Started")

// checkPublished asserts a successful run: result, landed keys and
// contents, manifest files, markers and the one workflow run.
func checkPublished(t *testing.T, e *env, res liberator.Result, steps int, rows map[string]int64) {
	t.Helper()
	man := wantManifest(snapID, twoTable, rows)
	ctx := context.Background()
	// The result carries the export and workflow run as their backends
	// described them (DescribeExport is not called again: tests count it).
	if res.Export.ID != snapID || res.Export.Status != liberator.ExportComplete {
		t.Errorf("Result.Export = %+v, want export %s COMPLETE", res.Export, snapID)
	}
	run, err := e.wf.GetRun(ctx, "wr_0001")
	if err != nil {
		t.Fatal(err)
	}
	exp := res.Export
	want := liberator.Result{
		RunID: runID, ImportDate: date, SnapshotID: snapID, ExportID: snapID,
		Manifest: man, WorkflowRunID: "wr_0001", Export: exp, Workflow: run, Steps: steps, Changes: man.Changes,
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Result mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(published(snapID, twoTable), lakeKeys(t, e.lake)); diff != "" {
		t.Errorf("landed keys mismatch (-want +got):\n%s", diff)
	}
	if b, err := e.lake.ReadAll(ctx, landingKey(snapID, "PCN_IC", 1)); err != nil || string(b) != "pcn-1" {
		t.Errorf("landed PCN_IC part 1 = %q, %v; want pcn-1", b, err)
	}
	for _, tm := range man.Tables {
		b, err := e.lake.ReadAll(ctx, partition.ControlLayout.ManifestKey(tm.Prefix))
		if err != nil {
			t.Fatalf("read manifest of %s: %v", tm.Table, err)
		}
		var got liberator.Manifest
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		wantFile := liberator.Manifest{Version: 1, ExportID: snapID, ImportDate: date, Tables: []liberator.TableManifest{tm}, Changes: man.Changes}
		if diff := cmp.Diff(wantFile, got); diff != "" {
			t.Errorf("manifest file of %s mismatch (-want +got):\n%s", tm.Table, diff)
		}
	}
	if diff := cmp.Diff([]liberator.WorkflowRun{wantRun("wr_0001", snapID)}, e.wf.Runs(), ignoreStarted); diff != "" {
		t.Errorf("workflow runs mismatch (-want +got):\n%s", diff)
	}
	if reqs := e.wf.Requests(); len(reqs) != 1 || !cmp.Equal(reqs[0].Manifest, slim(man)) || reqs[0].ImportDate != date {
		t.Errorf("workflow request = %+v, want the run's manifest and date", reqs)
	}
	if diff := cmp.Diff([]string{snapID}, e.exp.Tasks()); diff != "" {
		t.Errorf("export tasks mismatch (-want +got):\n%s", diff)
	}
}

func TestPipelineRun(t *testing.T) {
	boom := errors.New("connection reset by peer")
	tests := []struct {
		name  string
		opts  envOptions
		setup func(t *testing.T, e *env)
		// success: steps handled and elapsed virtual time; failure: error.
		steps   int
		elapsed time.Duration
		wantErr []error
		errHas  []string
		// failure: landed keys and workflow runs (nil: none).
		wantKeys func() []string
		check    func(t *testing.T, e *env)
	}{
		{
			name:  "happy path",
			steps: 5, elapsed: 30 * time.Second, // the snapshot is available at once; 30 s before the export check
		},
		{
			name:  "snapshot creating for several polls",
			opts:  envOptions{snap: fakesnap.Options{CreatingPolls: 4}},
			steps: 9, elapsed: (30 + 60 + 120 + 240 + 480 + 30) * time.Second,
		},
		{
			name:  "export STARTING then IN_PROGRESS then COMPLETE",
			opts:  envOptions{exp: fakeexport.Options{StartingPolls: 2, InProgressPolls: 3, Rows: map[string]int64{"PCN_IC": 1200}}},
			steps: 10, elapsed: (30 + 60 + 120 + 240 + 480 + 900) * time.Second,
			check: func(t *testing.T, e *env) {
				if got := e.exp.Faults.Calls(fakeexport.OpDescribeExport); got != 6 {
					t.Errorf("DescribeExport called %d times, want 6", got)
				}
			},
		},
		{
			name:    "export FAILED",
			opts:    envOptions{exp: fakeexport.Options{InProgressPolls: 1, FailStatus: liberator.ExportFailed, FailureCause: "The IAM role lacks s3:PutObject"}},
			wantErr: []error{liberator.ErrTerminal},
			errHas:  []string{"export " + snapID, "FAILED", "The IAM role lacks s3:PutObject"},
		},
		{
			name:    "export CANCELED",
			opts:    envOptions{exp: fakeexport.Options{FailStatus: liberator.ExportCanceled, FailureCause: "canceled by operator"}},
			wantErr: []error{liberator.ErrTerminal},
			errHas:  []string{"export " + snapID, "CANCELED", "canceled by operator"},
		},
		{
			name:    "snapshot failed",
			opts:    envOptions{snap: fakesnap.Options{CreatingPolls: 1, FailReason: "restore refused: DROP TABLE in dump"}},
			wantErr: []error{liberator.ErrTerminal},
			errHas:  []string{"snapshot " + snapID, "restore refused: DROP TABLE in dump"},
			check: func(t *testing.T, e *env) {
				if n := len(e.exp.Requests()); n != 0 {
					t.Errorf("%d exports started for a failed snapshot", n)
				}
			},
		},
		{
			name:  "every message delivered twice",
			opts:  envOptions{sched: liberator.MemSchedulerOptions{Duplicates: 1}, snap: fakesnap.Options{CreatingPolls: 2}, exp: fakeexport.Options{InProgressPolls: 2}},
			steps: 9, elapsed: (30 + 60 + 120 + 30 + 60 + 120) * time.Second,
			check: func(t *testing.T, e *env) {
				if n := len(e.snap.Requests()); n != 1 {
					t.Errorf("%d CreateSnapshot calls, want 1", n)
				}
				if n := len(e.exp.Requests()); n != 1 {
					t.Errorf("%d StartExport calls, want 1", n)
				}
			},
		},
		{
			name: "export check delivered before the snapshot check",
			setup: func(t *testing.T, e *env) {
				early := liberator.Message{
					Version: 1, Step: liberator.StepExportCheck, RunID: runID, Dump: liberator.DumpRef{Bucket: "mem://", Key: dumpKey},
					ImportDate: date, Received: t0, SnapshotID: snapID, ExportID: snapID, StepStarted: t0.Add(-time.Minute), // from an earlier attempt
				}
				if err := e.sched.Schedule(context.Background(), early, 0); err != nil {
					t.Fatal(err)
				}
			},
			// early export check (not found: re-check in 1 min), dump,
			// snapshot check, export check (complete: lands), landed,
			// started.
			steps: 6, elapsed: 30 * time.Second,
			check: func(t *testing.T, e *env) {
				if n := len(e.exp.Requests()); n != 1 {
					t.Errorf("%d StartExport calls, want 1", n)
				}
				// The early message's re-check is still queued. A worker
				// handling it (and what follows) lands nothing new and
				// starts no second workflow run.
				ctx := context.Background()
				before := lakeKeys(t, e.lake)
				left := 0
				for e.sched.Len() > 0 {
					d, err := e.sched.Receive(ctx)
					if err != nil {
						t.Fatal(err)
					}
					left++
					if _, err := e.p.Process(ctx, d.Message); err != nil {
						t.Fatalf("Process(%s): %v", d.Message.Step, err)
					}
					if err := d.Ack(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if left != 3 { // export check, landed, workflow started of the early chain
					t.Errorf("processed %d leftover messages, want 3", left)
				}
				if diff := cmp.Diff(before, lakeKeys(t, e.lake)); diff != "" {
					t.Errorf("leftover messages changed the lake (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff([]liberator.WorkflowRun{wantRun("wr_0001", snapID)}, e.wf.Runs(), ignoreStarted); diff != "" {
					t.Errorf("workflow runs after leftovers mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "retryable backend errors",
			setup: func(t *testing.T, e *env) {
				e.snap.Faults.FailFirst(fakesnap.OpCreateSnapshot, 1, fmt.Errorf("rds: %w", liberator.ErrThrottled))
				e.exp.Faults.FailFirst(fakeexport.OpStartExport, 2, fmt.Errorf("quota: %w", liberator.ErrThrottled))
				e.exp.Faults.FailFirst(fakeexport.OpDescribeExport, 1, boom) // unclassified, within budget
				e.wf.Faults.FailFirst(fakeglue.OpStartWorkflow, 1, fmt.Errorf("glue: %w", liberator.ErrTransient))
			},
			steps: 10, elapsed: (60 + 60 + 120 + 30 + 60 + 60) * time.Second,
		},
		{
			name: "copy fails twice then succeeds",
			setup: func(t *testing.T, e *env) {
				e.lakeF.FailKeyTimes(landingKey(snapID, "PCN_IC", 0), 2)
			},
			steps: 5, elapsed: 30*time.Second + 1500*time.Millisecond, // + the Lander's own backoff
			check: func(t *testing.T, e *env) {
				if n := e.lakeF.Injected(); n != 2 {
					t.Errorf("%d faults injected, want 2", n)
				}
			},
		},
		{
			name: "copy always fails",
			setup: func(t *testing.T, e *env) {
				e.lakeF.FailKey(landingKey(snapID, "PCN_IC", 0))
			},
			wantErr: []error{liberator.ErrTerminal},
			errHas:  []string{"timed out", "export " + snapID, landingKey(snapID, "PCN_IC", 0)},
			wantKeys: func() []string {
				// VRM is published; PCN_IC has neither manifest nor marker,
				// and its part that was copied is removed again.
				return published(snapID, map[string][][]byte{"VRM": twoTable["VRM"]})
			},
		},
		{
			name:    "unclassified errors exhaust the budget",
			setup:   func(t *testing.T, e *env) { e.exp.Faults.FailAlways(fakeexport.OpDescribeExport, boom) },
			wantErr: []error{liberator.ErrTerminal, boom},
			errHas:  []string{"export " + snapID, "gave up after 5 retries", boom.Error()},
		},
		{
			name:    "deadline exceeded",
			opts:    envOptions{snap: fakesnap.Options{CreatingPolls: 1 << 20}},
			wantErr: []error{liberator.ErrTerminal},
			errHas:  []string{"snapshot_check", "snapshot " + snapID, "timed out", "6h0m0s"},
			check: func(t *testing.T, e *env) {
				if got := e.clk.Now().Sub(t0); got != 6*time.Hour {
					t.Errorf("gave up after %s, want exactly the 6h deadline", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			res, err := e.run(t, t0)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				checkPublished(t, e, res, tt.steps, tt.opts.exp.Rows)
				if got := e.clk.Now().Sub(t0); got != tt.elapsed {
					t.Errorf("run took %s of virtual time, want %s", got, tt.elapsed)
				}
			} else {
				if err == nil {
					t.Fatalf("Run succeeded: %+v", res)
				}
				for _, k := range tt.wantErr {
					if !errors.Is(err, k) {
						t.Errorf("Run error %q is not %v", err, k)
					}
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("Run error %q does not contain %q", err, s)
					}
				}
				if errkindRetryable(err) {
					t.Errorf("Run error %q is retryable", err)
				}
				var wantKeys []string
				if tt.wantKeys != nil {
					wantKeys = tt.wantKeys()
					sort.Strings(wantKeys)
				}
				if diff := cmp.Diff(wantKeys, lakeKeys(t, e.lake)); diff != "" {
					t.Errorf("landed keys mismatch (-want +got):\n%s", diff)
				}
				if runs := e.wf.Runs(); len(runs) != 0 {
					t.Errorf("workflow runs started after a failure: %+v", runs)
				}
			}
			if tt.check != nil {
				tt.check(t, e)
			}
			if !strings.Contains(e.logs.String(), `"run_id":"`+runID+`"`) || !strings.Contains(e.logs.String(), `"attempt":0`) {
				t.Errorf("logs lack run_id/attempt:\n%s", e.logs)
			}
		})
	}
}

func errkindRetryable(err error) bool {
	return errors.Is(err, liberator.ErrNotReady) || errors.Is(err, liberator.ErrThrottled) || errors.Is(err, liberator.ErrTransient)
}

func TestPipelineRerunSameDateReplacesFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := e.run(t, t0); err != nil {
		t.Fatalf("first run: %v", err)
	}
	// The same day's dump is uploaded again later with different contents:
	// a new snapshot and export, the same import date.
	newTables := map[string][][]byte{"PCN_IC": {[]byte("pcn-new")}, "VRM": {[]byte("vrm-new-0"), []byte("vrm-new-1")}}
	exp2 := fakeexport.New(fakeexport.Options{Bucket: e.exports, Tables: newTables})
	e.p = e.pipeline(t, exp2, liberator.RetryPolicy{})
	received := t0.Add(5 * time.Hour)
	res, err := e.run(t, received)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	snap2 := liberator.SnapshotID(received)
	if diff := cmp.Diff(published(snap2, newTables), lakeKeys(t, e.lake)); diff != "" {
		t.Errorf("landed keys after re-run mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantManifest(snap2, newTables, nil), res.Manifest); diff != "" {
		t.Errorf("manifest mismatch (-want +got):\n%s", diff)
	}
	want := []liberator.WorkflowRun{wantRun("wr_0001", snapID), wantRun("wr_0002", snap2)}
	if diff := cmp.Diff(want, e.wf.Runs(), ignoreStarted); diff != "" {
		t.Errorf("workflow runs mismatch (-want +got):\n%s", diff)
	}
}

func TestPipelineHandleSteps(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{snap: fakesnap.Options{CreatingPolls: 1}})
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for i := 0; i < 20; i++ {
		out, err := e.p.Handle(ctx, m)
		if err != nil {
			t.Fatalf("Handle(%s): %v", m.Step, err)
		}
		if out.Next == nil {
			break
		}
		steps = append(steps, fmt.Sprintf("%s#%d+%s", out.Next.Step, out.Next.Attempt, out.Delay))
		// Handling the same message again is harmless (idempotent).
		if _, err := e.p.Handle(ctx, m); err != nil {
			t.Fatalf("Handle(%s) again: %v", m.Step, err)
		}
		e.clk.Advance(out.Delay)
		m = *out.Next
	}
	want := []string{"snapshot_check#0+30s", "snapshot_check#1+1m0s", "export_check#0+30s", "landed#0+0s", "workflow_started#0+0s"}
	if diff := cmp.Diff(want, steps); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}
	if n := len(e.wf.Runs()); n != 1 {
		t.Errorf("%d workflow runs, want 1", n)
	}
	if n := len(e.exp.Tasks()); n != 1 {
		t.Errorf("%d export tasks, want 1", n)
	}
	// Messages that cannot be handled.
	for _, bad := range []liberator.Message{
		{Version: 2, Step: liberator.StepLanded, RunID: "r", Dump: liberator.DumpRef{Key: "k"}, ImportDate: date},
		{Version: 1, Step: liberator.StepLanded, RunID: "r", Dump: liberator.DumpRef{Key: "k"}, ImportDate: date}, // no manifest
		{Version: 1, Step: liberator.StepExportCheck, RunID: "r", Dump: liberator.DumpRef{Key: "k"}, ImportDate: date},
		{Version: 1, Step: liberator.StepSnapshotCheck},
	} {
		if _, err := e.p.Handle(ctx, bad); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("Handle(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestNewValidatesConfig(t *testing.T) {
	s := fakesnap.New(fakesnap.Options{})
	w := fakeglue.New(fakeglue.Options{})
	_, err := liberator.New(liberator.Config{Snapshotter: s, Workflow: w})
	if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "Exporter") || !strings.Contains(err.Error(), "Lander") {
		t.Errorf("New without exporter and lander = %v, want ErrInvalid naming both", err)
	}
	b := memblob.OpenBucket(nil)
	defer b.Close()
	l, err := bloblander.New(b, b, bloblander.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := liberator.DefaultRetryPolicy()
	bad.Multiplier = 0.5
	_, err = liberator.New(liberator.Config{Snapshotter: s, Exporter: fakeexport.New(fakeexport.Options{Bucket: b}), Lander: l, Workflow: w, Retry: bad})
	if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "Multiplier") {
		t.Errorf("New with a bad retry policy = %v, want ErrInvalid naming Multiplier", err)
	}
}

func TestPipelineRunOnPubSub(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{snap: fakesnap.Options{CreatingPolls: 2}, exp: fakeexport.Options{InProgressPolls: 1}})
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	lander, err := bloblander.New(e.exports, e.lake, bloblander.Options{Clock: e.clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := liberator.New(liberator.Config{
		Snapshotter: e.snap, Exporter: e.exp, Lander: lander, Workflow: e.wf, Clock: e.clk,
		Scheduler: pubsubscheduler.New(topic, sub, pubsubscheduler.Options{Clock: e.clk}),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	checkPublished(t, e, res, 1+3+2+1+1, nil)
	if got, want := e.clk.Now().Sub(t0), (30+60+120+30+60)*time.Second; got != want {
		t.Errorf("run took %s of virtual time, want %s", got, want)
	}
}

func TestPipelineHandleRetryOutcome(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	m := liberator.Message{
		Version: 1, Step: liberator.StepSnapshotCheck, RunID: runID, Dump: liberator.DumpRef{Key: dumpKey},
		ImportDate: date, Received: t0, SnapshotID: snapID, Attempt: 2, StepStarted: t0,
	}
	e.snap.Faults.FailFirst(fakesnap.OpDescribeSnapshot, 1, fmt.Errorf("rate exceeded: %w", liberator.ErrThrottled))
	out, err := e.p.Handle(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(out.Retried, liberator.ErrThrottled) || out.Next == nil || out.Next.Attempt != 3 || out.Next.Step != liberator.StepSnapshotCheck || out.Delay != 4*time.Minute {
		t.Errorf("Handle = %+v, want a re-check (attempt 3, 4m) with Retried ErrThrottled", out)
	}
	// A snapshot that never existed is waited for (a reordered message)
	// until the deadline, then ends the run.
	e.clk.Advance(6 * time.Hour)
	_, err = e.p.Handle(ctx, m)
	if !errors.Is(err, liberator.ErrTerminal) || !strings.Contains(err.Error(), "no such snapshot") {
		t.Errorf("Handle after the deadline = %v, want ErrTerminal mentioning the not-found cause", err)
	}
}

func TestPipelineProcessBody(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	first, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	body, err := first.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// Due: handled, and its successor scheduled.
	out, err := e.p.ProcessBody(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if out.Next == nil || out.Next.Step != liberator.StepSnapshotCheck {
		t.Fatalf("ProcessBody = %+v, want a snapshot check next", out)
	}
	// Not due: re-scheduled for the rest of its delay, not handled.
	early := *out.Next
	early.NotBefore = t0.Add(40 * time.Minute)
	body, err = early.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err = e.p.ProcessBody(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if out.Delay != 40*time.Minute || out.Next.Step != liberator.StepSnapshotCheck {
		t.Errorf("ProcessBody of an early message = %+v, want it deferred 40m", out)
	}
	var got []string
	for _, m := range e.sched.Pending() {
		got = append(got, fmt.Sprintf("%s@%s", m.Step, m.NotBefore.Sub(t0)))
	}
	if diff := cmp.Diff([]string{"snapshot_check@0s", "snapshot_check@40m0s"}, got); diff != "" {
		t.Errorf("scheduled messages mismatch (-want +got):\n%s", diff)
	}
	if n := len(e.snap.Requests()); n != 1 {
		t.Errorf("%d CreateSnapshot calls, want 1", n)
	}
	if _, err := e.p.ProcessBody(ctx, []byte("{")); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("ProcessBody(garbage) = %v, want ErrInvalid", err)
	}
}

func TestPipelineTablesRestriction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	lander, err := bloblander.New(e.exports, e.lake, bloblander.Options{Clock: e.clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := liberator.New(liberator.Config{
		Snapshotter: e.snap, Exporter: e.exp, Lander: lander, Workflow: e.wf, Clock: e.clk,
		Tables: []string{"liberator.VRM"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	only := map[string][][]byte{"VRM": twoTable["VRM"]}
	if diff := cmp.Diff(published(snapID, only), lakeKeys(t, e.lake)); diff != "" {
		t.Errorf("landed keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantManifest(snapID, only, nil), res.Manifest); diff != "" {
		t.Errorf("manifest mismatch (-want +got):\n%s", diff)
	}
	if reqs := e.exp.Requests(); len(reqs) != 1 || !cmp.Equal(reqs[0].Tables, []string{"liberator.VRM"}) {
		t.Errorf("export requests = %+v, want one restricted to liberator.VRM", reqs)
	}
}

func TestPipelineHandleCanceled(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dumpKey}, liberator.Date{}, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.p.Handle(ctx, m)
	if !errors.Is(err, context.Canceled) || errors.Is(err, liberator.ErrTerminal) || out.Next != nil {
		t.Errorf("Handle on a canceled context = %+v, %v; want context.Canceled only", out, err)
	}
	if n := len(e.snap.Requests()); n != 0 {
		t.Errorf("%d snapshots requested on a canceled context", n)
	}
}

func TestPipelineRunHandlesOtherRuns(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	other := liberator.Message{
		Version: 1, Step: liberator.StepLanded, RunID: "20261123/parking/liberator_dump_20261123.zip",
		Dump: liberator.DumpRef{Key: "parking/liberator_dump_20261123.zip"}, ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 23},
		ExportID: "sql-to-parquet-26-11-23-031500", Manifest: &liberator.Manifest{Version: 1, ExportID: "sql-to-parquet-26-11-23-031500"},
	}
	bad := other
	bad.RunID, bad.Manifest = "broken", nil // fails: logged, does not end this run
	for _, m := range []liberator.Message{other, bad} {
		if err := e.sched.Schedule(ctx, m, 0); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.run(t, t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.WorkflowRunID == "" {
		t.Errorf("run did not finish: %+v", res)
	}
	want := []liberator.WorkflowRun{
		{ID: "wr_0001", RunKey: "20261123/sql-to-parquet-26-11-23-031500", Status: "RUNNING", Properties: map[string]string{"import_date": "20261123"}},
		wantRun("wr_0002", snapID),
	}
	if diff := cmp.Diff(want, e.wf.Runs(), ignoreStarted); diff != "" {
		t.Errorf("workflow runs mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.logs.String(), `"run_id":"broken"`) {
		t.Errorf("the other run's failure was not logged:\n%s", e.logs)
	}
}
