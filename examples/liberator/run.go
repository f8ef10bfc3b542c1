package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/glue/localglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"gocloud.dev/blob"
)

// runConfig holds the run subcommand's flags.
type runConfig struct {
	sourceDatabase                     string
	dump, lake, date, database, prefix string
	exportURL, landingURL, rawURL      string
	backend, dsn, maxSQL, cpuProfile   string
	memLimit, workflow, codec          string
	read                               mysqldump.ReadOptions
	json, quiet, verbose, keepSnapshot bool
	markersInPartition                 bool
	gate                               gateOptions
	leaseWait, keepExports             string
}

func (c *runConfig) flags(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	fs.StringVar(&c.dump, "dump", "", "the dump to load: liberator_dump_YYYYMMDD.zip, .sql.gz or .sql (required)")
	fs.StringVar(&c.lake, "lake", "", "lake directory: DIR/export, DIR/landing and DIR/raw are used (created if missing)")
	fs.StringVar(&c.date, "date", "", "import date YYYY-MM-DD (default: the date in the dump's name)")
	fs.StringVar(&c.database, "database", "liberator", "database name in the export and landing layout")
	fs.StringVar(&c.prefix, "prefix", partition.DefaultPrefix, "key prefix of the landing and raw zones")
	fs.StringVar(&c.exportURL, "export", "", "export bucket URL (s3://…, mem://, file:///…); overrides DIR/export")
	fs.StringVar(&c.landingURL, "landing", "", "landing zone bucket URL; overrides DIR/landing")
	fs.StringVar(&c.rawURL, "raw", "", "raw zone bucket URL; overrides DIR/raw")
	fs.StringVar(&c.workflow, "workflow", "local", "after landing: local (copy landing to raw with import_timestamp, like the Glue job) or none (stop at the landed partition, e.g. when Glue runs elsewhere)")
	fs.StringVar(&c.codec, "codec", string(export.DefaultCodec), "Parquet codec of the export and landing files: gz (as RDS exports), snappy (fastest), zstd or none")
	fs.StringVar(&c.backend, "backend", "embedded", "snapshot/export backend: embedded (no server) or mysql")
	fs.StringVar(&c.dsn, "mysql-dsn", "", "MySQL DSN for --backend mysql, e.g. root@tcp(127.0.0.1:3306)/")
	fs.StringVar(&c.sourceDatabase, "source-database", "", "the database to land from a dump of several (mysqldump --databases); default: the dump's only user database (system databases are never landed)")
	fs.BoolVar(&c.keepSnapshot, "keep-snapshot", false, "with --backend mysql, keep the snapshot database on the server after a run that landed or that the gate stopped (default: drop it; the export holds the data)")
	fs.StringVar(&c.maxSQL, "max-sql", "64GiB", "refuse dumps whose SQL passes this size (zip bombs are also refused past a 1000:1 ratio)")
	fs.StringVar(&c.memLimit, "memory-limit", "200MiB", "soft limit of the Go heap (runtime/debug.SetMemoryLimit); \"off\" for none; the GOMEMLIMIT environment variable takes precedence")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file")
	fs.BoolVar(&c.json, "json", false, "print the summary as JSON")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&c.verbose, "verbose", false, "log every pipeline step (and errors as they happen) to stderr")
	fs.StringVar(&c.leaseWait, "lease-wait", "10m", "how long to wait while another run imports the same date (then fail); 0 fails at once")
	fs.BoolVar(&c.markersInPartition, "markers-in-partition", false, "keep each partition's _manifest.json and _SUCCESS in the partition folder (the older layout) instead of under _liberator/partitions/ in the zone's bucket, where no crawler of the zone's prefix reads them")
	fs.StringVar(&c.keepExports, "keep-exports", "3", "after the run, keep the exports of the last N runs (and the one the date is published from) in the export zone; 0 keeps all")
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	var c runConfig
	fs := newFlags("run", "run --dump FILE --lake DIR [--date YYYY-MM-DD] [--database liberator] [--prefix parking] [--json]\n"+
		"       [--export URL --landing URL --raw URL] [--backend embedded|mysql --mysql-dsn DSN]\n"+
		"       [--gate strict] [--on-removed-column fail …] [--max-row-drop 50%] [--fail-on-empty-table]\n"+
		"   or: run --accept-changes --export-id ID --date YYYY-MM-DD --lake DIR\n\n"+
		"Converts the dump to Parquet (RDS export layout in the export zone), lands it\n"+
		"in the landing zone under the import date's partition, then copies it to the\n"+
		"raw zone with an import_timestamp column.\n\n"+
		"Every run reports what changed since the last published import of the\n"+
		"database. A gate (off by default) stops a run whose changes break its rules\n"+
		"before anything is published: the export is kept, the exit status is 3 and\n"+
		"the message names each rule, table and column, and the command that\n"+
		"publishes that export anyway (--accept-changes --export-id ID).", stdout)
	c.flags(fs)
	c.gate.flags(fs.FlagSet)
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if c.memLimit != "off" && os.Getenv("GOMEMLIMIT") == "" {
		n, err := parseSize(c.memLimit)
		if err != nil {
			return fail(stderr, fmt.Errorf("run: --memory-limit: %w", err))
		}
		// The GC works harder near the limit instead of letting the heap
		// grow to twice the live data: peak RSS stays flat with dump size.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(n))
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return fail(stderr, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(stderr, err)
		}
		defer pprof.StopCPUProfile()
	}
	s, err := runPipeline(ctx, c, stderr)
	var gerr *liberator.GateError
	if errors.As(err, &gerr) {
		return gated(c, s, gerr, stdout, stderr)
	}
	if err != nil {
		return fail(stderr, err)
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	printSummary(stdout, s)
	return 0
}

// warnOnly passes on warnings only: errors end the run and are said once,
// as its one-line reason.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l == slog.LevelWarn && h.Handler.Enabled(ctx, l)
}
func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }
func (h warnOnly) WithGroup(name string) slog.Handler    { return warnOnly{h.Handler.WithGroup(name)} }

// runClock is the clock of runs: the wall clock (tests run on a virtual
// one).
var runClock liberator.Clock = liberator.RealClock{}

// runPipeline runs the whole pipeline for one dump and returns the summary,
// in four steps: check the flags (checkRun), build the pipeline on the
// chosen backends (buildPipeline), run one import (runImport), and
// summarize the result.
func runPipeline(ctx context.Context, c runConfig, stderr io.Writer) (Summary, error) {
	in, err := checkRun(&c)
	if err != nil {
		return Summary{}, err
	}
	clk := runClock
	// Failures are reported once, as the one-line reason; warnings (every
	// retry among them) go to stderr, --quiet or not; --verbose logs every
	// step too.
	var logger *slog.Logger
	if c.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else {
		logger = slog.New(warnOnly{slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})})
	}
	c.read.Logger = logger
	lk, err := openLake(ctx, c.lake, c.exportURL, c.landingURL, c.rawURL, logger)
	if err != nil {
		return Summary{}, fmt.Errorf("run: %w", err)
	}
	defer lk.Close()
	remote := lk.remote()
	if in.bucket != "" {
		// The dump's bucket, opened here so that the SDK's log lines are
		// the run's and its endpoint is checked with the zones'.
		b, err := openBucket(ctx, in.bucket, logger)
		if err != nil {
			return Summary{}, fmt.Errorf("run: --dump %s: %w", in.path, err)
		}
		defer b.Close()
		c.read.Buckets = map[string]*blob.Bucket{in.bucket: b}
		remote["dump bucket "+in.bucket] = b
	}
	if err := checkReachable(ctx, remote, clk, logger); err != nil {
		return Summary{}, fmt.Errorf("run: %w", err)
	}
	prog := newProgress(stderr, clk, c.quiet)
	rp, err := buildPipeline(ctx, c, lk, clk, logger, prog)
	if err != nil {
		return Summary{}, err
	}
	defer rp.close()
	start := clk.Now()
	if !c.quiet {
		fmt.Fprintf(stderr, "converting %s (%.1f MB) for import date %s\n", filepath.Base(in.path), float64(in.size)/1e6, in.date)
	}
	res, err := rp.runImport(ctx, in, start)
	rp.afterRun(ctx, lk, in.date, res)
	var gerr *liberator.GateError
	if err != nil && !errors.As(err, &gerr) {
		return Summary{}, err
	}
	s := summarize(res)
	if gerr != nil {
		s.Publish = publishCommand(c, in.date, gerr.ExportID)
	}
	s.Dump, s.Backend = in.path, c.backend
	s.Export, s.Landing, s.Raw = lk.exportURL, lk.landingURL, lk.rawURL
	s.Seconds = clk.Now().Sub(start).Seconds()
	s.Timings = rp.timer.timings()
	if n := prog.sqlBytes.Load(); s.SQLBytes == 0 {
		s.SQLBytes = n // the MySQL exporter reads the server, not the dump
	}
	return s, err
}

// runInput is the checked input of a run: the dump and its import date.
type runInput struct {
	path    string
	bucket  string // the dump's bucket URL (--dump s3://…); "" for a file
	key     string // its key in the bucket
	size    int64
	modTime time.Time
	date    liberator.Date
}

// checkRun checks the run flags (and completes c.read and c.prefix) before
// anything is opened.
func checkRun(c *runConfig) (runInput, error) {
	in, err := checkDump(c)
	if err != nil {
		return runInput{}, err
	}
	if c.date != "" {
		if in.date, err = liberator.ParseDate(c.date); err != nil {
			return runInput{}, fmt.Errorf("run: --date: %w", err)
		}
	} else if in.path == "" {
		return runInput{}, fmt.Errorf("run: --export-id needs the import date: --date YYYY-MM-DD (or the --dump it came from)")
	} else if in.date, err = liberator.DateFromDumpName(filepath.Base(in.path)); err != nil {
		return runInput{}, fmt.Errorf("run: no import date: the dump's name %q has none (want liberator_dump_YYYYMMDD.zip); pass --date YYYY-MM-DD", filepath.Base(in.path))
	}
	n, err := parseSize(c.maxSQL)
	if err != nil {
		return runInput{}, fmt.Errorf("run: --max-sql: %w", err)
	}
	c.read.MaxUncompressed = n
	switch export.Codec(c.codec) {
	case export.CodecGzip, export.CodecSnappy, export.CodecZstd, export.CodecNone:
	default:
		return runInput{}, fmt.Errorf("run: unknown --codec %q (want gz, snappy, zstd or none)", c.codec)
	}
	if c.prefix = strings.Trim(c.prefix, "/"); c.prefix == "" {
		return runInput{}, fmt.Errorf("run: --prefix must not be empty")
	}
	switch c.workflow {
	case "local", "", "none":
	default:
		return runInput{}, fmt.Errorf("run: unknown --workflow %q (want local or none)", c.workflow)
	}
	if _, err := c.gate.gate(); err != nil {
		return runInput{}, err
	}
	return in, nil
}

// checkDump checks --dump (and --export-id, which names a kept export
// instead: the dump, if given, only dates it).
func checkDump(c *runConfig) (runInput, error) {
	if c.gate.export != "" && !c.gate.accept {
		return runInput{}, fmt.Errorf("run: --export-id publishes a kept export: it needs --accept-changes")
	}
	if c.dump == "" && c.gate.export == "" {
		return runInput{}, fmt.Errorf("run: --dump FILE is required")
	}
	if c.lake == "" && (c.exportURL == "" || c.landingURL == "" || c.rawURL == "") {
		return runInput{}, fmt.Errorf("run: --lake DIR is required (or all of --export, --landing and --raw)")
	}
	if c.dump == "" {
		return runInput{}, nil
	}
	if in, ok, err := dumpURL(c.dump); ok || err != nil {
		return in, err // in a bucket: read there, by range reads
	}
	dumpPath, err := filepath.Abs(c.dump)
	if err != nil {
		return runInput{}, err
	}
	if c.gate.export != "" {
		return runInput{path: dumpPath}, nil
	}
	fi, err := os.Stat(dumpPath)
	if err != nil {
		return runInput{}, fmt.Errorf("run: dump: %w", err)
	}
	if fi.IsDir() {
		return runInput{}, fmt.Errorf("run: dump %s is a directory", c.dump)
	}
	return runInput{path: dumpPath, size: fi.Size(), modTime: fi.ModTime()}, nil
}

// runPipe is a pipeline built for one run, with its backends and timer.
type runPipe struct {
	p      *liberator.Pipeline
	be     *backend
	timer  *timer
	c      runConfig
	lander *bloblander.Lander
	prog   *progress
}

func (rp *runPipe) close() { rp.be.close() }

// buildPipeline wires the chosen Snapshotter and Exporter, the blob Lander
// and the workflow (local or none) into a Pipeline that runs in process.
func buildPipeline(ctx context.Context, c runConfig, lk *lake, clk liberator.Clock, logger *slog.Logger, prog *progress) (*runPipe, error) {
	be, err := newBackend(ctx, c, lk, clk, logger, prog)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	fail := func(err error) (*runPipe, error) {
		be.close()
		return nil, err
	}
	lo, err := leaseOptions(c, prog)
	if err != nil {
		return fail(err)
	}
	layout := partition.ControlLayout
	if c.markersInPartition {
		layout = partition.InPartitionLayout
	}
	lander, err := bloblander.New(lk.export, lk.landing, bloblander.Options{Prefix: c.prefix, Clock: clk, Logger: logger, Lease: lo, Layout: layout})
	if err != nil {
		return fail(err)
	}
	var wf liberator.Workflow = noWorkflow{clk}
	if c.workflow != "none" {
		if wf, err = localglue.New(lk.landing, lk.raw, localglue.Options{Prefix: c.prefix, Clock: clk, Logger: logger, Lease: lo, Layout: layout}); err != nil {
			return fail(err)
		}
	}
	tm := &timer{clk: clk, start: clk.Now()}
	gate, err := c.gate.gate()
	if err != nil {
		return fail(err)
	}
	p, err := liberator.New(liberator.Config{
		Snapshotter: timedSnapshotter{be.snap, tm}, Exporter: timedExporter{be.exp, tm},
		Lander: historyLander{timedLander{lander, tm}, lander}, Workflow: timedWorkflow{wf, tm},
		Gate:      gate,
		Scheduler: liberator.NewMemScheduler(clk, liberator.MemSchedulerOptions{}),
		Clock:     clk, Logger: logger,
		Retry: liberator.RetryPolicy{Initial: 2 * time.Second, Multiplier: 2, Max: time.Minute,
			Deadline: 3 * time.Hour, MaxErrorRetries: 3},
	})
	if err != nil {
		return fail(err)
	}
	return &runPipe{p: p, be: be, timer: tm, c: c, lander: lander, prog: prog}, nil
}

// runImport runs one import of the dump to its end. Snapshot ids are
// idempotency keys: the production id (sql-to-parquet-yy-mm-dd-hhmmss)
// names one second, and a second run in the same second on the same lake
// would get the first run's snapshot and export back. Each CLI run is a new
// import, so its id also carries a digest of the dump and the run's start.
// With --backend mysql the snapshot database is dropped afterwards unless
// --keep-snapshot.
//
// With --accept-changes --export-id the run starts at the export check of
// that kept export (publishMessage): nothing is converted again.
func (rp *runPipe) runImport(ctx context.Context, in runInput, start time.Time) (liberator.Result, error) {
	msg, err := liberator.NewRunMessage(in.ref(), in.date, false, start)
	if rp.c.gate.export != "" {
		msg, err = rp.publishMessage(ctx, in, start)
	}
	if err != nil {
		return liberator.Result{}, err
	}
	msg.AcceptChanges = rp.c.gate.accept
	if msg.SnapshotID == "" {
		h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%s|%d", in.path, in.size, in.modTime.UnixNano(), in.date, start.UnixNano()))
		msg.SnapshotID = liberator.SnapshotID(start) + "-" + hex.EncodeToString(h[:4])
	}
	// The date as this run begins: a run that publishes it from now on,
	// before this one lands, has done it (see bloblander's package doc).
	if mark, merr := rp.lander.Observe(ctx, in.date); merr == nil {
		ctx = lease.ContextWithMark(ctx, mark)
	}
	res, err := rp.p.Run(ctx, msg)
	if rp.c.backend == "mysql" && !rp.c.keepSnapshot && res.SnapshotID != "" {
		// The export holds the data now (landed, or kept by the gate), or
		// the run failed: either way don't leave a database per run on the
		// user's server.
		if derr := rp.be.snap.DeleteSnapshot(context.WithoutCancel(ctx), res.SnapshotID); derr != nil && !errors.Is(derr, liberator.ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("run: dropping snapshot %s failed: %w", res.SnapshotID, derr))
		}
	}
	return res, err
}

// progress prints per-table conversion progress to stderr: rows, rows/s
// and the SQL read rate of the run so far.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	clk      liberator.Clock
	quiet    bool
	start    time.Time
	sqlBytes atomic.Int64 // SQL bytes read from the dump so far
	last     map[string]time.Time
}

func newProgress(w io.Writer, clk liberator.Clock, quiet bool) *progress {
	return &progress{w: w, clk: clk, quiet: quiet, start: clk.Now(), last: map[string]time.Time{}}
}

// note prints a line to stderr unless --quiet.
func (p *progress) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quiet {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}

// sqlRead is mysqldump.ReadOptions.Progress: SQL bytes read so far.
func (p *progress) sqlRead(n int64) { p.sqlBytes.Store(n) }

// table is export.Options.Progress.
func (p *progress) table(tp export.TableProgress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clk.Now()
	if !tp.Done && now.Sub(p.last[tp.Table]) < time.Second {
		return
	}
	p.last[tp.Table] = now
	if p.quiet {
		return
	}
	rowsPerSec := 0.0
	if s := tp.Elapsed.Seconds(); s > 0 {
		rowsPerSec = float64(tp.Rows) / s
	}
	mbps := 0.0
	if s := now.Sub(p.start).Seconds(); s > 0 {
		mbps = float64(p.sqlBytes.Load()) / 1e6 / s
	}
	state := "converting"
	if tp.Done {
		state = "done"
	}
	fmt.Fprintf(p.w, "  %-36s %11d rows %10.0f rows/s  SQL %7.1f MB/s  %s\n", tp.Table, tp.Rows, rowsPerSec, mbps, state)
}

// noWorkflow is the Workflow of --workflow none: it starts nothing.
type noWorkflow struct{ clk liberator.Clock }

func (w noWorkflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	return liberator.WorkflowRun{ID: "none", RunKey: req.RunKey, Status: "SKIPPED", Properties: req.Properties, Started: w.clk.Now()}, nil
}

func (w noWorkflow) GetRun(ctx context.Context, id string) (liberator.WorkflowRun, error) {
	return liberator.WorkflowRun{ID: id, Status: "SKIPPED"}, nil
}
