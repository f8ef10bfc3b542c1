package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// StepHandler runs one pipeline step; *liberator.Pipeline is one.
type StepHandler interface {
	Handle(ctx context.Context, m liberator.Message) (liberator.Outcome, error)
}

// DirectRun is what RunDirect did.
type DirectRun struct {
	// Export is the finished export, Manifest the landed partitions and
	// Workflow the started (or found) workflow run.
	Export   liberator.ExportInfo
	Manifest liberator.Manifest
	Workflow liberator.WorkflowRun
	// Steps lists the steps handled, in order.
	Steps []liberator.Step
}

// RunDirect drives the direct chain's run that starts with m in this
// process, one step after the other with no scheduler: the embedded
// snapshot (the dump checked in place), the embedded export (the dump read
// by range reads and converted), the landing and the workflow start. Every
// step is idempotent on ids derived from m, so a run repeated after it
// finished (a replayed or duplicated event) starts nothing twice: the
// snapshot and the export are found, the partitions are already published
// for the export, the workflow run is found by its run key.
//
// A step that is not done yet (another process converts the same export,
// or lands the same date) or that failed with a retryable error returns an
// error of kind ErrNotReady, ErrThrottled or ErrTransient naming the step,
// so that the event is delivered again later; a step that failed for good
// returns the pipeline's error (ErrInvalid, ErrTerminal: a corrupt dump, a
// failed export). If ctx ends, the step in progress is abandoned as the
// pipeline leaves it: nothing marked complete (the export's files are
// deleted, no _SUCCESS is written), so a retry starts over.
func RunDirect(ctx context.Context, p StepHandler, m liberator.Message) (DirectRun, error) {
	var run DirectRun
	for {
		run.Steps = append(run.Steps, m.Step)
		out, err := p.Handle(ctx, m)
		if out.Export != nil {
			run.Export = *out.Export
		}
		if out.Manifest != nil {
			run.Manifest = *out.Manifest
		}
		if out.Workflow != nil {
			run.Workflow = *out.Workflow
		}
		switch {
		case err != nil:
			return run, err
		case out.Next == nil || out.Next.Step == liberator.StepWorkflowStarted:
			if out.Next != nil && run.Workflow.ID == "" {
				run.Workflow.ID = out.Next.WorkflowRunID
			}
			return run, nil
		case out.Next.Step == m.Step:
			return run, notDone(m, out)
		}
		m = *out.Next
	}
}

// notDone is the error of a step the pipeline wants to check again later.
func notDone(m liberator.Message, out liberator.Outcome) error {
	if out.Retried == nil {
		return liberator.Errorf(liberator.ErrNotReady, "direct run", string(m.Step),
			"%s is not done yet (running in another process?): retry later", subjectOf(m))
	}
	kind := liberator.ErrNotReady
	for _, k := range []*liberator.Kind{liberator.ErrThrottled, liberator.ErrTransient} {
		if errors.Is(out.Retried, k) {
			kind = k
		}
	}
	// The cause as text: the kind chosen here is the one that counts.
	return liberator.Errorf(kind, "direct run", string(m.Step), "%s: retry later: %v", subjectOf(m), out.Retried)
}

func subjectOf(m liberator.Message) string {
	switch {
	case m.Step == liberator.StepExportCheck:
		return "export " + m.ExportID
	case m.Step == liberator.StepLanded:
		return "workflow start of " + m.ImportDate.String()
	case m.SnapshotID != "":
		return "snapshot " + m.SnapshotID
	}
	return "dump " + m.Dump.Key
}

// RunStats are the figures of one direct conversion, logged once as a
// structured line that is also CloudWatch Embedded Metric Format (LogStats).
type RunStats struct {
	// Converted is true when this process read the dump (false when it
	// found the export done by an earlier run).
	Converted bool
	// Rows is the rows of the export, Tables its tables.
	Rows   int64
	Tables int
	// DumpBytes is the dump object's size; SQLBytes the SQL this process
	// read from it; OutputBytes the Parquet bytes landed.
	DumpBytes   int64
	SQLBytes    int64
	OutputBytes int64
	// Seconds is the run's wall time; MBPerSecond SQL megabytes (10^6)
	// per second of it.
	Seconds     float64
	MBPerSecond float64
	// PeakHeapBytes is the largest Go heap (live and not yet collected
	// objects) sampled during the run; PeakRSSBytes the process's peak
	// resident set (Linux VmHWM, reset when the run starts where the
	// kernel lets the process, else the process's peak so far; 0 where not
	// known); MemoryLimitBytes the Go soft memory limit in force.
	PeakHeapBytes    uint64
	PeakRSSBytes     uint64
	MemoryLimitBytes int64
}

// MetricsNamespace is the CloudWatch namespace of the direct chain's
// metrics.
const MetricsNamespace = "Liberator"

// statsMetrics are the RunStats fields sent as metrics: the log key (also
// the metric's name) and the CloudWatch unit.
var statsMetrics = []struct{ name, unit string }{
	{"rows", "Count"}, {"sql_bytes", "Bytes"}, {"output_bytes", "Bytes"},
	{"seconds", "Seconds"}, {"mb_per_s", "Megabytes/Second"}, {"peak_heap_bytes", "Bytes"},
}

// LogStats logs s as one line at info level: the run's figures as fields
// (rows, sql_bytes, output_bytes, seconds, mb_per_s, peak_heap_bytes, …)
// and an "_aws" field that makes the line CloudWatch Embedded Metric
// Format, so that Lambda's log ingestion turns those fields into metrics
// in namespace MetricsNamespace with dimensions chain and where, with no
// API call.
func LogStats(ctx context.Context, log *slog.Logger, where string, s RunStats, now time.Time) {
	var defs []map[string]string
	for _, m := range statsMetrics {
		defs = append(defs, map[string]string{"Name": m.name, "Unit": m.unit})
	}
	emf := map[string]any{
		"Timestamp": now.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  MetricsNamespace,
			"Dimensions": [][]string{{"chain", "where"}},
			"Metrics":    defs,
		}},
	}
	msg := "direct run done: export found, nothing converted"
	if s.Converted {
		msg = "direct run done: dump converted"
	}
	log.InfoContext(ctx, msg,
		"chain", ChainDirect, "where", where, "converted", s.Converted,
		"rows", s.Rows, "tables", s.Tables, "dump_bytes", s.DumpBytes, "sql_bytes", s.SQLBytes, "output_bytes", s.OutputBytes,
		"seconds", round3(s.Seconds), "mb_per_s", round3(s.MBPerSecond),
		"peak_heap_bytes", s.PeakHeapBytes, "peak_rss_bytes", s.PeakRSSBytes, "memory_limit_bytes", s.MemoryLimitBytes,
		"_aws", emf)
}

func round3(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 3, 64), 64)
	return v
}

// statsOf fills the export's and landing's figures of s from run.
func statsOf(s *RunStats, run DirectRun) {
	for _, n := range run.Export.RowCounts {
		s.Rows += n
	}
	s.Tables = len(run.Manifest.Tables)
	for _, t := range run.Manifest.Tables {
		for _, o := range t.Objects {
			s.OutputBytes += o.Size
		}
	}
	if s.Seconds > 0 {
		s.MBPerSecond = float64(s.SQLBytes) / 1e6 / s.Seconds
	}
}

// memSampler samples the Go heap every interval until stopped and keeps
// the largest value; it resets the process's peak RSS when it starts.
type memSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startMemSampler(interval time.Duration) *memSampler {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux)
	s := &memSampler{stop: make(chan struct{})}
	s.sample()
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *memSampler) sample() {
	m := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	v := m[0].Value.Uint64()
	s.mu.Lock()
	s.peak = max(s.peak, v)
	s.mu.Unlock()
}

// finish stops the sampler and returns the peak heap and the peak RSS.
func (s *memSampler) finish() (heap, rss uint64) {
	s.sample()
	close(s.stop)
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, peakRSS()
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes, or 0
// where /proc does not say.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// conversionNote is where the direct pipeline's exporter notes, for the
// run whose context carries it, that it converted the dump in this process
// and how much SQL it read (withConversionNote, noteConversion).
type conversionNote struct {
	mu        sync.Mutex
	converted bool
	sqlBytes  int64
}

func (n *conversionNote) get() (bool, int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.converted, n.sqlBytes
}

type noteKey struct{}

func withConversionNote(ctx context.Context, n *conversionNote) context.Context {
	return context.WithValue(ctx, noteKey{}, n)
}

// noteConversion records in ctx's note (if any) an export converted in
// this process that read sqlBytes of SQL.
func noteConversion(ctx context.Context, sqlBytes int64) {
	if n, ok := ctx.Value(noteKey{}).(*conversionNote); ok {
		n.mu.Lock()
		n.converted, n.sqlBytes = true, sqlBytes
		n.mu.Unlock()
	}
}

// describeRun is a short text of a run for errors: its id and dump.
func describeRun(m liberator.Message) string {
	return fmt.Sprintf("run %s (%s)", m.RunID, m.Dump.Key)
}
