package liberator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
)

var (
	driftDay1 = liberator.Date{Year: 2026, Month: 11, Day: 23}
	driftDay2 = liberator.Date{Year: 2026, Month: 11, Day: 24}
)

// driftEnv is the embedded pipeline over in-memory buckets, on a virtual
// clock, with a recording workflow and the pipeline's log in a buffer.
type driftEnv struct {
	dir              string
	exports, landing *blob.Bucket
	clk              *liberator.VirtualClock
	wf               *fakeglue.Workflow
	snap             liberator.Snapshotter
	exp              liberator.Exporter
	lander           *bloblander.Lander
	logs             bytes.Buffer
}

func newDriftEnv(t *testing.T) *driftEnv {
	t.Helper()
	e := &driftEnv{dir: t.TempDir(), exports: memblob.OpenBucket(nil), landing: memblob.OpenBucket(nil),
		clk: liberator.NewVirtualClock(time.Date(2026, 11, 23, 3, 15, 0, 0, time.UTC))}
	t.Cleanup(func() { e.exports.Close(); e.landing.Close() })
	e.wf = fakeglue.New(fakeglue.Options{Clock: e.clk})
	snap, err := embeddedsnap.New(embeddedsnap.Options{Store: e.exports, Prefix: "_snapshots/", Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	e.snap = snap
	e.exp = embeddedexport.New(e.exports, embeddedexport.Options{Export: export.Options{Clock: e.clk}})
	if e.lander, err = bloblander.New(e.exports, e.landing, bloblander.Options{Clock: e.clk, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return e
}

// pipeline returns a pipeline of e with gate g.
func (e *driftEnv) pipeline(t *testing.T, g liberator.Gate) *liberator.Pipeline {
	t.Helper()
	p, err := liberator.New(liberator.Config{Snapshotter: e.snap, Exporter: e.exp, Lander: e.lander, Workflow: e.wf,
		Clock: e.clk, Gate: g, Logger: slog.New(slog.NewJSONHandler(&e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run writes the dump of tables for date d and runs it through p.
func (e *driftEnv) run(t *testing.T, p *liberator.Pipeline, d liberator.Date, tables []dumpTable) (liberator.Result, error) {
	t.Helper()
	path := filepath.Join(e.dir, "liberator_dump_"+d.Compact()+".sql")
	if err := os.WriteFile(path, []byte(mariadbDump("liberator", tables)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(24 * time.Hour)
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: path}, d, false, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p.Run(context.Background(), m)
}

// bucketState returns every key of b under prefix with its body.
func bucketState(t *testing.T, b *blob.Bucket, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := b.ReadAll(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(body)
	}
}

// changeLines lists a Changes' changes one per line, the way the tests
// name them: "table T added", "T: column c removed", "T: rows 600 → 60".
func changeLines(ch *liberator.Changes) []string {
	if ch == nil {
		return []string{"(not compared)"}
	}
	var out []string
	if ch.First {
		out = append(out, "first import")
	}
	for _, t := range ch.Tables {
		switch t.Status {
		case liberator.TableAdded, liberator.TableRemoved:
			out = append(out, fmt.Sprintf("table %s %s", t.Table, t.Status))
			continue
		}
		for _, c := range t.Columns {
			out = append(out, t.Table+": "+c.String())
		}
		if t.RowDelta != 0 {
			out = append(out, fmt.Sprintf("%s: rows %d → %d", t.Table, t.OldRows, t.NewRows))
		}
		if t.Emptied {
			out = append(out, t.Table+": emptied")
		}
	}
	return out
}

func violationLines(vs []liberator.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s %s %s %s", v.Action, v.Rule, v.Table, v.Column))
	}
	return out
}

// TestChangesAndGate runs pairs of days through the embedded pipeline: the
// second day's dump has one kind of change, its run a gate. A stopped run
// leaves the landing zone (the first day's partitions included) as it was
// and starts no workflow run; a passed one publishes with the changes in
// its manifests.
func TestChangesAndGate(t *testing.T) {
	strict := liberator.StrictGate()
	gate := func(s string) liberator.Gate {
		g, err := liberator.ParseGate(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	const pcn, audit, vehicles = "liberator.PCN_IC", "liberator.audit", "liberator.vehicles"
	tests := []struct {
		name    string
		day2    []dumpTable
		gate    liberator.Gate
		changes []string
		// violations as "action rule table column"; stopped if any fails.
		violations []string
		stopped    bool
	}{
		{
			name: "nothing changed", day2: day1(), gate: strict,
		},
		{
			name: "table added: strict warns",
			day2: append(day1(), dumpTable{"zones", []dumpCol{idCol(), makeCol()}, 3}),
			gate: strict, changes: []string{"table liberator.zones added"},
			violations: []string{"warn on-added-table liberator.zones "},
		},
		{
			name: "table removed: strict fails", day2: day1()[:3], gate: strict,
			changes:    []string{"table liberator.vehicles removed"},
			violations: []string{"fail on-removed-table liberator.vehicles "}, stopped: true,
		},
		{
			name: "table removed: passes with on-removed-table=warn",
			day2: day1()[:3], gate: gate("strict,on-removed-table=warn"),
			changes:    []string{"table liberator.vehicles removed"},
			violations: []string{"warn on-removed-table liberator.vehicles "},
		},
		{
			name: "column added: strict warns",
			day2: edit(day1(), "vehicles", func(t *dumpTable) { t.cols = append(t.cols, notesCol()) }),
			gate: strict, changes: []string{vehicles + ": column notes added (text, BYTE_ARRAY STRING) at position 4"},
			violations: []string{"warn on-added-column liberator.vehicles notes"},
		},
		{
			name: "column added: on-added-column=fail fails",
			day2: edit(day1(), "vehicles", func(t *dumpTable) { t.cols = append(t.cols, notesCol()) }),
			gate: gate("on-added-column=fail"), changes: []string{vehicles + ": column notes added (text, BYTE_ARRAY STRING) at position 4"},
			violations: []string{"fail on-added-column liberator.vehicles notes"}, stopped: true,
		},
		{
			name: "column removed: strict fails",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) { withoutCol(t, "notes") }),
			gate: strict, changes: []string{pcn + ": column notes removed (was text, BYTE_ARRAY STRING)"},
			violations: []string{"fail on-removed-column liberator.PCN_IC notes"}, stopped: true,
		},
		{
			name: "column renamed-looking: strict fails on the old name",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) { replaceCol(t, "issued", issuedCol("issued_at")) }),
			gate: strict,
			changes: []string{pcn + ": column issued renamed to issued_at? (same position 4 and type datetime, " +
				"INT64 TIMESTAMP(isAdjustedToUTC=false,unit=MICROS))"},
			violations: []string{"fail on-removed-column liberator.PCN_IC issued"}, stopped: true,
		},
		{
			name: "column retyped: strict fails",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) {
				replaceCol(t, "amount", dumpCol{"amount", "varchar(12) DEFAULT NULL", func(i int) string { return sqlStr(fmt.Sprintf("%d.50", 30+i%90)) }})
			}),
			gate:       strict,
			changes:    []string{pcn + ": column amount retyped decimal(8,2) → varchar(12) (Parquet INT32 DECIMAL(8,2) → BYTE_ARRAY STRING)"},
			violations: []string{"fail on-removed-column liberator.PCN_IC amount"}, stopped: true,
		},
		{
			name: "nullability changed: strict warns",
			day2: edit(day1(), "vehicles", func(t *dumpTable) {
				replaceCol(t, "vrm", dumpCol{"vrm", "varchar(10) DEFAULT NULL", vrmCol().val})
			}),
			gate: strict, changes: []string{vehicles + ": column vrm became nullable (was NOT NULL)"},
			violations: []string{"warn on-nullability-change liberator.vehicles vrm"},
		},
		{
			name: "nullability changed: on-nullability-change=fail fails",
			day2: edit(day1(), "vehicles", func(t *dumpTable) {
				replaceCol(t, "vrm", dumpCol{"vrm", "varchar(10) DEFAULT NULL", vrmCol().val})
			}),
			gate: gate("on-nullability-change=fail"), changes: []string{vehicles + ": column vrm became nullable (was NOT NULL)"},
			violations: []string{"fail on-nullability-change liberator.vehicles vrm"}, stopped: true,
		},
		{
			name: "90% of the rows lost: strict fails",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) { t.n = 60 }),
			gate: strict, changes: []string{pcn + ": rows 600 → 60"},
			violations: []string{"fail max-row-drop liberator.PCN_IC "}, stopped: true,
		},
		{
			name: "90% of the rows lost: passes max-row-drop=95%",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) { t.n = 60 }),
			gate: gate("max-row-drop=95%"), changes: []string{pcn + ": rows 600 → 60"},
		},
		{
			name: "rows grew: strict passes",
			day2: edit(day1(), "PCN_IC", func(t *dumpTable) { t.n = 900 }),
			gate: strict, changes: []string{pcn + ": rows 600 → 900"},
		},
		{
			name: "table emptied: fail-on-empty-table fails",
			day2: edit(day1(), "audit", func(t *dumpTable) { t.n = 0 }),
			gate: gate("fail-on-empty-table"), changes: []string{audit + ": rows 5 → 0", audit + ": emptied"},
			violations: []string{"fail fail-on-empty-table liberator.audit "}, stopped: true,
		},
		{
			name: "table emptied: strict fails twice",
			day2: edit(day1(), "audit", func(t *dumpTable) { t.n = 0 }),
			gate: strict, changes: []string{audit + ": rows 5 → 0", audit + ": emptied"},
			violations: []string{"fail max-row-drop liberator.audit ", "fail fail-on-empty-table liberator.audit "}, stopped: true,
		},
		{
			name: "everything changed, gate off: reported and published",
			day2: edit(edit(day1()[:3], "PCN_IC", func(t *dumpTable) { withoutCol(t, "notes"); t.n = 60 }), "audit", func(t *dumpTable) { t.n = 0 }),
			gate: liberator.Gate{},
			changes: []string{pcn + ": column notes removed (was text, BYTE_ARRAY STRING)", pcn + ": rows 600 → 60",
				audit + ": rows 5 → 0", audit + ": emptied", "table liberator.vehicles removed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newDriftEnv(t)
			p := e.pipeline(t, tc.gate)
			first, err := e.run(t, p, driftDay1, day1())
			if err != nil {
				t.Fatalf("day 1: %v", err)
			}
			if diff := cmp.Diff([]string{"first import", "table liberator.PCN_IC added", "table liberator.audit added",
				"table liberator.permits added", "table liberator.vehicles added"}, changeLines(first.Changes)); diff != "" {
				t.Errorf("day 1 changes (-want +got):\n%s", diff)
			}
			if tc.gate.Enabled() && (first.Changes.Gate == nil || first.Changes.Gate.Verdict != liberator.GatePassed || len(first.Changes.Gate.Violations) > 0) {
				t.Errorf("day 1 gate = %+v, want passed with no violation (first import)", first.Changes.Gate)
			}
			landing1 := bucketState(t, e.landing, "")
			res, err := e.run(t, p, driftDay2, tc.day2)
			if diff := cmp.Diff(tc.changes, changeLines(res.Changes), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("day 2 changes (-want +got):\n%s", diff)
			}
			if res.Changes == nil || res.Changes.Since != driftDay1 || res.Changes.SinceExportID != first.ExportID {
				t.Errorf("day 2 compared with %+v, want day 1's import (export %s)", res.Changes, first.ExportID)
			}
			var got []string
			if res.Changes != nil && res.Changes.Gate != nil {
				got = violationLines(res.Changes.Gate.Violations)
			}
			if diff := cmp.Diff(tc.violations, got); diff != "" {
				t.Errorf("gate violations (-want +got):\n%s", diff)
			}
			var gerr *liberator.GateError
			if !tc.stopped {
				if err != nil {
					t.Fatalf("day 2: %v", err)
				}
				checkDay2Published(t, e, res, liberator.GatePassed)
				return
			}
			if !errors.As(err, &gerr) || !errors.Is(err, liberator.ErrGated) || !errors.Is(err, liberator.ErrTerminal) {
				t.Fatalf("day 2: err = %v, want a *GateError (ErrGated, ErrTerminal)", err)
			}
			if res.Changes.Gate.Verdict != liberator.GateStopped {
				t.Errorf("verdict %s, want stopped", res.Changes.Gate.Verdict)
			}
			for _, v := range gerr.Failures {
				if !strings.Contains(err.Error(), v.Message) {
					t.Errorf("error %q does not name the failure %q", err, v.Message)
				}
			}
			// Nothing published for day 2, day 1 untouched, no workflow run;
			// the export is kept.
			if diff := cmp.Diff(landing1, bucketState(t, e.landing, "")); diff != "" {
				t.Errorf("the stopped run changed the landing zone (-before +after):\n%s", diff)
			}
			if n := len(e.wf.Runs()); n != 1 {
				t.Errorf("%d workflow runs, want day 1's only", n)
			}
			if len(bucketState(t, e.exports, gerr.ExportID+"/liberator/")) == 0 || res.Export.Status != liberator.ExportComplete {
				t.Errorf("export %s not kept", gerr.ExportID)
			}
		})
	}
}

// checkDay2Published checks that the day 2 run published every table it
// exported, with the changes (and the verdict) in every manifest, and
// started the workflow.
func checkDay2Published(t *testing.T, e *driftEnv, res liberator.Result, verdict liberator.GateVerdict) {
	t.Helper()
	ctx := context.Background()
	if len(res.Manifest.Tables) != len(res.Export.Tables) {
		t.Errorf("%d tables landed, %d exported", len(res.Manifest.Tables), len(res.Export.Tables))
	}
	for _, tm := range res.Manifest.Tables {
		ok, err := partition.Published(ctx, e.landing, partition.DefaultPrefix, tm.Database, tm.Table, driftDay2)
		if err != nil || !ok {
			t.Errorf("%s not published on day 2: %v", tm.Table, err)
		}
		stored, err := partition.ReadManifest(ctx, e.landing, "", tm.Database, tm.Table, driftDay2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res.Changes, stored.Changes); diff != "" {
			t.Errorf("%s manifest changes (-result +manifest):\n%s", tm.Table, diff)
		}
		if len(stored.Tables) != 1 || len(stored.Tables[0].Columns) == 0 || stored.Tables[0].Rows < 0 || stored.Tables[0].Bytes <= 0 {
			t.Errorf("%s manifest table %+v lacks columns, rows or bytes", tm.Table, stored.Tables)
		}
	}
	if res.Changes.Gate != nil && res.Changes.Gate.Verdict != verdict {
		t.Errorf("verdict %s, want %s", res.Changes.Gate.Verdict, verdict)
	}
	if n := len(e.wf.Runs()); n != 2 {
		t.Errorf("%d workflow runs, want 2", n)
	}
	// The messages (and so the workflow request) carry the manifest
	// without columns and changes; the result has them.
	reqs := e.wf.Requests()
	if len(reqs) == 0 || reqs[len(reqs)-1].Manifest.Changes != nil {
		t.Errorf("workflow request manifest carries changes")
	}
	for i, tm := range reqs[len(reqs)-1].Manifest.Tables {
		if tm.Columns != nil || len(res.Manifest.Tables[i].Columns) == 0 {
			t.Errorf("%s: %d columns in the request's manifest, %d in the result's; want none and some", tm.Table, len(tm.Columns), len(res.Manifest.Tables[i].Columns))
		}
	}
}

// A run restricted to some tables (Config.Tables) compares those tables
// only: the others are not "removed".
func TestChangesTablesRestriction(t *testing.T) {
	e := newDriftEnv(t)
	if _, err := e.run(t, e.pipeline(t, liberator.Gate{}), driftDay1, day1()); err != nil {
		t.Fatal(err)
	}
	p, err := liberator.New(liberator.Config{Snapshotter: e.snap, Exporter: e.exp, Lander: e.lander, Workflow: e.wf,
		Clock: e.clk, Gate: liberator.StrictGate(), Tables: []string{"PCN_IC", "liberator.vehicles"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.run(t, p, driftDay2, edit(day1(), "permits", func(t *dumpTable) { t.n = 0 }))
	if err != nil {
		t.Fatalf("day 2 of PCN_IC and vehicles: %v", err)
	}
	var tables []string
	for _, tc := range res.Changes.Tables {
		tables = append(tables, tc.Table+" "+string(tc.Status))
	}
	if diff := cmp.Diff([]string{"liberator.PCN_IC kept", "liberator.vehicles kept"}, tables); diff != "" {
		t.Errorf("compared tables (-want +got):\n%s", diff)
	}
}

// TestGateOverride stops a run, then sends its GateError.Resume message
// (AcceptChanges): the same export is published without a new snapshot or
// conversion, the verdict is "accepted", and the workflow starts.
func TestGateOverride(t *testing.T) {
	e := newDriftEnv(t)
	p := e.pipeline(t, liberator.StrictGate())
	if _, err := e.run(t, p, driftDay1, day1()); err != nil {
		t.Fatal(err)
	}
	day2 := edit(edit(day1(), "PCN_IC", func(t *dumpTable) { withoutCol(t, "notes"); t.n = 60 }), "vehicles", func(t *dumpTable) {
		replaceCol(t, "make", dumpCol{"make", "int(11) DEFAULT NULL", func(i int) string { return fmt.Sprint(i) }})
	})
	stopped, err := e.run(t, p, driftDay2, day2)
	var gerr *liberator.GateError
	if !errors.As(err, &gerr) {
		t.Fatalf("day 2: %v, want a GateError", err)
	}
	if diff := cmp.Diff([]string{"fail on-removed-column liberator.PCN_IC notes", "fail max-row-drop liberator.PCN_IC ",
		"fail on-removed-column liberator.vehicles make"}, violationLines(gerr.Failures)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if !gerr.Resume.AcceptChanges || gerr.Resume.Step != liberator.StepExportCheck || gerr.Resume.ExportID != stopped.ExportID {
		t.Errorf("Resume = %+v, want export_check of %s with AcceptChanges", gerr.Resume, stopped.ExportID)
	}
	// The resume message survives the queue (JSON) and is logged.
	body, err := gerr.Resume.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.logs.String(), `"resume_message":`) || !strings.Contains(e.logs.String(), `accept_changes`) {
		t.Errorf("log has no resume_message with accept_changes:\n%s", e.logs.String())
	}
	resume, err := liberator.DecodeMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	exportsBefore := bucketState(t, e.exports, "")
	res, err := p.Run(context.Background(), resume)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if res.ExportID != stopped.ExportID || res.SnapshotID != stopped.SnapshotID {
		t.Errorf("resumed run published export %s (snapshot %s), want %s (%s)", res.ExportID, res.SnapshotID, stopped.ExportID, stopped.SnapshotID)
	}
	if diff := cmp.Diff(exportsBefore, bucketState(t, e.exports, "")); diff != "" {
		t.Errorf("the resumed run converted again (export bucket changed, -before +after):\n%s", diff)
	}
	checkDay2Published(t, e, res, liberator.GateAccepted)
	if diff := cmp.Diff(violationLines(gerr.Failures), violationLines(res.Changes.Gate.Failures())); diff != "" {
		t.Errorf("accepted run's failures (-stopped +accepted):\n%s", diff)
	}
}

// The comparison's one log line names the date compared with and counts
// each kind of change.
func TestChangesLogLine(t *testing.T) {
	e := newDriftEnv(t)
	p := e.pipeline(t, liberator.Gate{})
	if _, err := e.run(t, p, driftDay1, day1()); err != nil {
		t.Fatal(err)
	}
	e.logs.Reset()
	day2 := edit(day1(), "PCN_IC", func(t *dumpTable) { withoutCol(t, "notes"); t.n = 60 })
	if _, err := e.run(t, p, driftDay2, day2); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	for l := range strings.SplitSeq(e.logs.String(), "\n") {
		if strings.Contains(l, "changes since the last published import") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]any{"since": "2026-11-23", "columns_removed": 1.0, "tables_removed": 0.0, "columns_retyped": 0.0,
		"row_drops": "liberator.PCN_IC -90.0%", "import_date": "2026-11-24"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log line %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
}

// A gate needs a Lander that knows what it published: liberator.New
// refuses one without, naming the Lander.
func TestGateNeedsHistory(t *testing.T) {
	e := newDriftEnv(t)
	_, err := liberator.New(liberator.Config{Snapshotter: e.snap, Exporter: e.exp, Lander: landOnly{e.lander}, Workflow: e.wf,
		Gate: liberator.StrictGate()})
	if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "landOnly") {
		t.Errorf("New with a gate and a Lander without History: %v, want ErrInvalid naming it", err)
	}
	if _, err := liberator.New(liberator.Config{Snapshotter: e.snap, Exporter: e.exp, Lander: landOnly{e.lander}, Workflow: e.wf}); err != nil {
		t.Errorf("New without a gate: %v", err)
	}
	if _, err := liberator.New(liberator.Config{Snapshotter: e.snap, Exporter: e.exp, Lander: e.lander, Workflow: e.wf,
		Gate: liberator.Gate{MaxRowDrop: 2}}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("New with max-row-drop 200%%: %v, want ErrInvalid", err)
	}
}

// landOnly hides every method of a Lander but Land.
type landOnly struct{ l liberator.Lander }

func (l landOnly) Land(ctx context.Context, req liberator.LandRequest) (liberator.Manifest, error) {
	return l.l.Land(ctx, req)
}
