package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// exitGated is the exit status of a run the gate stopped (1 is any other
// failure, 2 a usage error).
const exitGated = 3

// gateEnv is the environment variable holding default gate settings
// (liberator.ParseGate's syntax); flags override it.
const gateEnv = "LIBERATOR_GATE"

// gateOptions are run's gate and override flags.
type gateOptions struct {
	presets []string // --gate values, in order
	rules   []string // fine-grained rules as name=value, in order
	accept  bool     // --accept-changes
	export  string   // --export-id
}

// ruleFlag is a fine-grained gate flag: each use appends "name=value" to
// the rules.
type ruleFlag struct {
	name   string
	rules  *[]string
	isBool bool
}

func (f ruleFlag) String() string { return "" }
func (f ruleFlag) Set(v string) error {
	*f.rules = append(*f.rules, f.name+"="+v)
	return nil
}
func (f ruleFlag) IsBoolFlag() bool { return f.isBool }

type presetFlag struct{ presets *[]string }

func (f presetFlag) String() string     { return "" }
func (f presetFlag) Set(v string) error { *f.presets = append(*f.presets, v); return nil }

func (g *gateOptions) flags(fs *flag.FlagSet) {
	fs.Var(presetFlag{&g.presets}, "gate", "the gate before publishing: off (default), strict (fail on removed tables, removed, renamed or\n"+
		"retyped columns, a row drop over 50% and a table that became empty; added tables and columns and nullability\n"+
		"changes only warn), or `SETTINGS` such as \"strict,max-row-drop=20%\"; the fine-grained flags below override\n"+
		"it (default from $"+gateEnv+")")
	for _, r := range []struct{ name, what string }{
		{"on-added-table", "a table the last import did not have"},
		{"on-removed-table", "a table the last import had"},
		{"on-added-column", "a new column"},
		{"on-removed-column", "a column removed, renamed (same place and type, new name) or retyped"},
		{"on-nullability-change", "a column that became nullable or NOT NULL"},
	} {
		fs.Var(ruleFlag{name: r.name, rules: &g.rules}, r.name, "`off|warn|fail` on "+r.what)
	}
	fs.Var(ruleFlag{name: "max-row-drop", rules: &g.rules}, "max-row-drop", "fail a table that lost more than `PERCENT` of its rows since the last import, e.g. 50%")
	fs.Var(ruleFlag{name: "fail-on-empty-table", rules: &g.rules, isBool: true}, "fail-on-empty-table", "fail a table that had rows and has none")
	fs.BoolVar(&g.accept, "accept-changes", false, "publish even if the gate fails (failures are still reported); with --export-id, publish that kept export without converting again")
	fs.StringVar(&g.export, "export-id", "", "with --accept-changes: the `ID` of the export a stopped run kept (its message names it); needs --date or --dump for the import date")
}

// gate returns the gate the flags set: $LIBERATOR_GATE, then the --gate
// presets, then the fine-grained flags.
func (g gateOptions) gate() (liberator.Gate, error) {
	items := append(append([]string{os.Getenv(gateEnv)}, g.presets...), g.rules...)
	gt, err := liberator.ParseGate(strings.Join(items, ","))
	if err != nil {
		return liberator.Gate{}, fmt.Errorf("run: gate: %w", err)
	}
	return gt, nil
}

// historyLander is the timed Lander with the bloblander's History and
// TableReader, which the timing wrapper hides.
type historyLander struct {
	timedLander
	h interface {
		liberator.History
		liberator.TableReader
	}
}

func (l historyLander) LastPublished(ctx context.Context, db string, before liberator.Date) (liberator.Manifest, bool, error) {
	return l.h.LastPublished(ctx, db, before)
}

func (l historyLander) ExportTables(ctx context.Context, req liberator.LandRequest) ([]liberator.TableExport, error) {
	return l.h.ExportTables(ctx, req)
}

// publishMessage returns the message that publishes the kept export id
// for the run's date without converting again: the run's export_check
// step with AcceptChanges set, as a stopped run's GateError.Resume.
func (rp *runPipe) publishMessage(ctx context.Context, in runInput, start time.Time) (liberator.Message, error) {
	id := rp.c.gate.export
	info, err := rp.be.exp.DescribeExport(ctx, id)
	if errors.Is(err, liberator.ErrNotFound) {
		return liberator.Message{}, fmt.Errorf("run: --export-id %s: no such export in the export zone", id)
	}
	if err != nil {
		return liberator.Message{}, fmt.Errorf("run: --export-id %s: %w", id, err)
	}
	if info.Status != liberator.ExportComplete {
		return liberator.Message{}, fmt.Errorf("run: --export-id %s: export is %s, not COMPLETE", id, info.Status)
	}
	dump := in.path
	if dump == "" {
		dump = "export:" + id
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Key: dump, Size: in.size}, in.date, false, start)
	if err != nil {
		return liberator.Message{}, err
	}
	m.Step, m.SnapshotID, m.ExportID, m.AcceptChanges = liberator.StepExportCheck, info.SnapshotID, id, true
	return m, nil
}

// publishCommand is the command that publishes a stopped run's export.
func publishCommand(c runConfig, date liberator.Date, exportID string) string {
	args := []string{"liberator run --accept-changes --export-id " + exportID, "--date " + date.String()}
	if g, err := c.gate.gate(); err == nil && g.Enabled() {
		args = append(args, "--gate "+g.String()) // to report the verdict: accepted
	}
	if c.lake != "" {
		args = append(args, "--lake "+c.lake)
	}
	for _, f := range []struct{ name, v string }{{"export", c.exportURL}, {"landing", c.landingURL}, {"raw", c.rawURL}} {
		if f.v != "" {
			args = append(args, "--"+f.name+" "+f.v)
		}
	}
	if c.database != "liberator" {
		args = append(args, "--database "+c.database)
	}
	if c.prefix != "parking" {
		args = append(args, "--prefix "+c.prefix)
	}
	if c.workflow == "none" {
		args = append(args, "--workflow none")
	}
	if c.markersInPartition {
		args = append(args, "--markers-in-partition")
	}
	return strings.Join(args, " ")
}
