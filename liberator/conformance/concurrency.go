package conformance

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// The concurrency cases of the Lander and Workflow suites: runs of one
// import date, as duplicate events, redelivered messages and overlapping
// retries start them, in one process or several.

// concurrentRuns is how many runs the concurrency cases start at once.
const concurrentRuns = 4

// retryBusy calls fn until it returns an error that is not retryable (or
// none), at most maxPolls times: a run refused because another run holds
// the date (an error wrapping liberator.ErrNotReady or another retryable
// kind) is tried again, as a pipeline does after its backoff.
func retryBusy[T any](t *testing.T, what string, fn func() (T, error)) (T, error) {
	t.Helper()
	var (
		v   T
		err error
	)
	for range DefaultMaxPolls {
		if v, err = fn(); err == nil || !liberator.Retryable(err) {
			return v, err
		}
	}
	t.Fatalf("%s: still refused after %d tries: %v", what, DefaultMaxPolls, err)
	return v, err
}

// testConcurrentLandsOfOneExport lands one export from several Landers
// (processes) at once: every Land returns the export's manifest (a Land
// refused while another holds the date is tried again) and the
// partitions hold that export exactly.
func testConcurrentLandsOfOneExport(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	writeAll(ctx, t, export, exportFiles("exp-1/", "x"))
	want := expectedManifest("exp-1", "exp-1/", listAll(ctx, t, export, "exp-1/"), nil)
	req := liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate}
	landers := make([]liberator.Lander, concurrentRuns)
	for i := range landers {
		landers[i] = h.MakeLander(ctx, t, export, landing, landerPrefix)
	}
	got := make([]liberator.Manifest, concurrentRuns)
	errs := make([]error, concurrentRuns)
	var wg sync.WaitGroup
	for i, l := range landers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = l.Land(ctx, req)
		}()
	}
	wg.Wait()
	for i, l := range landers {
		if errs[i] != nil && liberator.Retryable(errs[i]) {
			got[i], errs[i] = retryBusy(t, "Land", func() (liberator.Manifest, error) { return l.Land(ctx, req) })
		}
		if errs[i] != nil {
			t.Fatalf("Land %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(want, got[i], ignoreVersion); diff != "" {
			t.Errorf("Land %d manifest (-want +got):\n%s", i, diff)
		}
	}
	checkPublished(ctx, t, export, landing, want)
}

// testConcurrentLandsOfOneDate lands several exports of one date at once
// (and one of another date): whatever the order, every published
// partition holds exactly one export's files, with its manifest; a Land
// refused while another holds the date is tried again, and every Land
// ends with a manifest of one of the exports.
func testConcurrentLandsOfOneDate(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	type run struct {
		req liberator.LandRequest
		m   liberator.Manifest
		err error
	}
	var runs []*run
	for i := range concurrentRuns {
		id := fmt.Sprintf("exp-%d", i+1)
		// Same file names in every export, other bytes: a partition that
		// mixed two exports would not match either.
		writeAll(ctx, t, export, exportFiles(id+"/", id))
		runs = append(runs, &run{req: liberator.LandRequest{ExportID: id, ExportPrefix: id + "/", ImportDate: landerDate}})
	}
	other := liberator.Date{Year: landerDate.Year, Month: landerDate.Month, Day: landerDate.Day + 1}
	writeAll(ctx, t, export, exportFiles("exp-other/", "other"))
	runs = append(runs, &run{req: liberator.LandRequest{ExportID: "exp-other", ExportPrefix: "exp-other/", ImportDate: other}})
	var wg sync.WaitGroup
	for _, r := range runs {
		l := h.MakeLander(ctx, t, export, landing, landerPrefix)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.m, r.err = l.Land(ctx, r.req)
			if r.err != nil && liberator.Retryable(r.err) {
				r.m, r.err = retryBusy(t, "Land", func() (liberator.Manifest, error) { return l.Land(ctx, r.req) })
			}
		}()
	}
	wg.Wait()
	exports := map[string]bool{}
	for _, r := range runs {
		exports[r.req.ExportID] = true
	}
	for _, r := range runs {
		if r.err != nil {
			t.Fatalf("Land %s: %v", r.req.ExportID, r.err)
		}
		if !exports[r.m.ExportID] || r.m.ImportDate != r.req.ImportDate {
			t.Errorf("Land %s returned a manifest of export %q for %s", r.req.ExportID, r.m.ExportID, r.m.ImportDate)
		}
	}
	// The date's partitions: one export each, as their manifests say.
	for _, ref := range []partition.TableRef{pcn(), vrm()} {
		stored, err := partition.ReadManifest(ctx, landing, landerPrefix, ref.Database, ref.Table, landerDate)
		if err != nil {
			t.Fatalf("manifest of %s: %v", ref, err)
		}
		if !exports[stored.ExportID] || stored.ExportID == "exp-other" {
			t.Errorf("%s is published from %q", ref, stored.ExportID)
		}
		checkPublished(ctx, t, export, landing, stored)
	}
	want := expectedManifestOn(other, "exp-other", "exp-other/", listAll(ctx, t, export, "exp-other/"), nil)
	checkPublished(ctx, t, export, landing, want)
}

// testConcurrentStartsOfOneRunKey starts one run key from several
// Workflows sharing one state (as duplicate events start it in several
// processes) at once: every Start (a refused one tried again) returns the
// same run.
func testConcurrentStartsOfOneRunKey(t *testing.T, h MultiWorkflowHarness) {
	ctx := testContext(t)
	workflows := h.MakeWorkflows(ctx, t, concurrentRuns)
	workflows = append(workflows, workflows[0]) // and twice in one process
	req := workflowReq("20261124/exp-1")
	runs := make([]liberator.WorkflowRun, len(workflows))
	errs := make([]error, len(workflows))
	var wg sync.WaitGroup
	for i, w := range workflows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = w.Start(ctx, req)
		}()
	}
	wg.Wait()
	for i, w := range workflows {
		if errs[i] != nil && liberator.Retryable(errs[i]) {
			runs[i], errs[i] = retryBusy(t, "Start", func() (liberator.WorkflowRun, error) { return w.Start(ctx, req) })
		}
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		checkRun(t, fmt.Sprintf("Start %d", i), runs[i], req)
		if runs[i].ID != runs[0].ID {
			t.Errorf("Start %d returned run %s, Start 0 run %s: one run key started two runs", i, runs[i].ID, runs[0].ID)
		}
	}
	// Afterwards every Workflow finds that one run.
	for i, w := range workflows {
		got, err := w.GetRun(ctx, runs[0].ID)
		if err != nil {
			t.Fatalf("GetRun %d: %v", i, err)
		}
		checkRun(t, fmt.Sprintf("GetRun %d", i), got, req)
		again, err := retryBusy(t, "Start", func() (liberator.WorkflowRun, error) { return w.Start(ctx, req) })
		if err != nil || again.ID != runs[0].ID {
			t.Errorf("Start %d afterwards = %s, %v; want run %s", i, again.ID, err, runs[0].ID)
		}
	}
}

// MultiWorkflowHarness is implemented by a WorkflowHarness that can make
// several Workflows sharing one state, as several processes would (the
// same buckets, the same Glue account); RunWorkflowTests then runs the
// case ConcurrentStartsOfOneRunKey, which starts one run key from each at
// once and wants one run.
type MultiWorkflowHarness interface {
	WorkflowHarness
	// MakeWorkflows returns n Workflows with no runs that share their
	// state. The harness cleans up (t.Cleanup).
	MakeWorkflows(ctx context.Context, t *testing.T, n int) []liberator.Workflow
}
