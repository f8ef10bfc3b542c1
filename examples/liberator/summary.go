package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Summary is what run prints at the end (as a table, or as JSON).
type Summary struct {
	Dump          string         `json:"dump"`
	ImportDate    string         `json:"import_date"`
	Backend       string         `json:"backend"`
	SnapshotID    string         `json:"snapshot_id"`
	ExportID      string         `json:"export_id"`
	WorkflowRunID string         `json:"workflow_run_id"`
	Export        string         `json:"export"`
	Landing       string         `json:"landing"`
	Raw           string         `json:"raw"`
	Tables        []TableSummary `json:"tables"`
	Skipped       []string       `json:"skipped,omitempty"`
	Rows          int64          `json:"rows"`
	Files         int            `json:"files"`
	Bytes         int64          `json:"bytes"`
	SQLBytes      int64          `json:"sql_bytes"`
	Seconds       float64        `json:"seconds"`
	Timings       Timings        `json:"timings"`
	// Published is false when the gate stopped the run: Tables are then
	// the export's, nothing was landed.
	Published bool `json:"published"`
	// Changes is what changed since the last published import, with the
	// gate's verdict.
	Changes *liberator.Changes `json:"changes,omitempty"`
	// Publish is the command that publishes a stopped run's export anyway.
	Publish string `json:"publish_command,omitempty"`
}

// TableSummary is one landed table.
type TableSummary struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
	// Warnings from the export report, including zero dates made NULL.
	Warnings        []string         `json:"warnings,omitempty"`
	ZeroDatesNulled map[string]int64 `json:"zero_dates_nulled,omitempty"`
	Landing         string           `json:"landing"`
	Raw             string           `json:"raw,omitempty"`
}

// summarize builds the summary from the run's result alone: the manifest
// (what was landed), the export's tables report (rows, warnings, skipped
// objects, SQL read) and the workflow run's outputs (where each table went
// in the raw zone).
func summarize(res liberator.Result) Summary {
	s := Summary{
		ImportDate: res.ImportDate.String(), SnapshotID: res.SnapshotID,
		ExportID: res.ExportID, WorkflowRunID: res.WorkflowRunID,
		Skipped: res.Export.Skipped, SQLBytes: res.Export.SQLBytes,
	}
	byTable := map[string]liberator.TableExport{}
	for _, t := range res.Export.Tables {
		byTable[t.Table] = t
	}
	for _, tm := range res.Manifest.Tables {
		ts := TableSummary{Table: tm.Database + "." + tm.Table, Rows: tm.Rows, Files: len(tm.Objects), Landing: tm.Prefix}
		ts.Raw = res.Workflow.Outputs[ts.Table]
		for _, o := range tm.Objects {
			ts.Bytes += o.Size
		}
		if tr, ok := byTable[ts.Table]; ok {
			if ts.Rows < 0 {
				ts.Rows = tr.Rows
			}
			ts.Warnings = append(ts.Warnings, tr.Warnings...)
			ts.ZeroDatesNulled = tr.ZeroDatesNulled
		}
		s.Tables = append(s.Tables, ts)
		s.Rows += max(ts.Rows, 0)
		s.Files += ts.Files
		s.Bytes += ts.Bytes
	}
	s.Published = len(res.Manifest.Tables) > 0
	s.Changes = res.Changes
	if !s.Published {
		// Stopped before landing: what the export holds.
		for _, tr := range res.Export.Tables {
			ts := TableSummary{Table: tr.Table, Rows: tr.Rows, Bytes: tr.Bytes, Warnings: tr.Warnings, ZeroDatesNulled: tr.ZeroDatesNulled}
			s.Tables = append(s.Tables, ts)
			s.Rows += max(ts.Rows, 0)
			s.Bytes += ts.Bytes
		}
	}
	return s
}

// printSummary prints s as a table.
func printSummary(w io.Writer, s Summary) {
	wr := s.WorkflowRunID
	if wr == "" {
		wr = "-"
	}
	fmt.Fprintf(w, "import date %s  snapshot %s  export %s  workflow run %s\n", s.ImportDate, s.SnapshotID, s.ExportID, wr)
	fmt.Fprintf(w, "landing %s  raw %s\n\n", s.Landing, s.Raw)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	delta := rowDeltas(s.Changes)
	if delta != nil {
		fmt.Fprintf(tw, "TABLE\tROWS\tFILES\tBYTES\tWARNINGS\tROWS SINCE %s\t\n", s.Changes.Since)
	} else {
		fmt.Fprintln(tw, "TABLE\tROWS\tFILES\tBYTES\tWARNINGS\t")
	}
	for _, t := range s.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t", t.Table, t.Rows, t.Files, t.Bytes, len(t.Warnings))
		if delta != nil {
			fmt.Fprintf(tw, "%s\t", delta[t.Table])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\t\n", s.Rows, s.Files, s.Bytes)
	tw.Flush()
	var warn []string
	for _, t := range s.Tables {
		for _, m := range t.Warnings {
			warn = append(warn, t.Table+": "+m)
		}
	}
	if len(warn) > 0 {
		fmt.Fprintf(w, "\nwarnings:\n  %s\n", strings.Join(warn, "\n  "))
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "\nskipped (not tables): %s\n", strings.Join(s.Skipped, ", "))
	}
	printChanges(w, s)
	if s.Seconds > 0 && !s.Published && s.Changes != nil {
		fmt.Fprintf(w, "\n%d rows from %.1f MB of SQL in %.2fs: converted, then stopped before landing\n", s.Rows, float64(s.SQLBytes)/1e6, s.Seconds)
	} else if s.Seconds > 0 {
		mbps := float64(s.SQLBytes) / 1e6 / s.Seconds
		fmt.Fprintf(w, "\n%d rows from %.1f MB of SQL in %.2fs (%.1f MB/s): landed after %.2fs (snapshot %.2fs, export %.2fs, land %.2fs), raw copy %.2fs\n",
			s.Rows, float64(s.SQLBytes)/1e6, s.Seconds, mbps, s.Timings.Landed, s.Timings.Snapshot, s.Timings.Export, s.Timings.Land, s.Timings.Workflow)
	}
}

// rowDeltas returns each table's row change since the last import as the
// summary table shows it ("-540 (-90.0%)", "+3", "new"), or nil when there
// is no earlier import.
func rowDeltas(ch *liberator.Changes) map[string]string {
	if ch == nil || ch.First {
		return nil
	}
	out := map[string]string{}
	for _, t := range ch.Tables {
		switch {
		case t.Status == liberator.TableAdded:
			out[t.Table] = "new table"
		case t.OldRows < 0 || t.NewRows < 0:
			out[t.Table] = "?"
		case t.RowPercent != nil && t.RowDelta != 0:
			out[t.Table] = fmt.Sprintf("%+d (%+.1f%%)", t.RowDelta, *t.RowPercent)
		case t.RowDelta != 0:
			out[t.Table] = fmt.Sprintf("%+d", t.RowDelta)
		default:
			out[t.Table] = "="
		}
	}
	return out
}

// printChanges prints the "changes since" block: tables added and
// removed, column changes, emptied tables, and the gate's verdict with
// each rule it matched.
func printChanges(w io.Writer, s Summary) {
	ch := s.Changes
	if ch == nil {
		return
	}
	if ch.First {
		fmt.Fprintf(w, "\nchanges: first import (no earlier published import): %d tables, all new\n", len(ch.Tables))
	} else {
		var lines []string
		for _, t := range ch.Tables {
			switch t.Status {
			case liberator.TableAdded:
				lines = append(lines, fmt.Sprintf("table %s added (%d rows, %d columns)", t.Table, t.NewRows, t.NewColumns))
				continue
			case liberator.TableRemoved:
				lines = append(lines, fmt.Sprintf("table %s removed (had %d rows)", t.Table, t.OldRows))
				continue
			}
			for _, c := range t.Columns {
				lines = append(lines, t.Table+": "+c.String())
			}
			if t.Emptied {
				lines = append(lines, fmt.Sprintf("%s: became empty (had %d rows)", t.Table, t.OldRows))
			}
			if t.SchemaUnknown {
				lines = append(lines, t.Table+": columns not compared (an import did not record them)")
			}
		}
		fmt.Fprintf(w, "\nchanges since %s (export %s):", ch.Since, ch.SinceExportID)
		if len(lines) == 0 {
			fmt.Fprint(w, " no table or column added, removed or changed; rows above\n")
		} else {
			fmt.Fprintf(w, "\n  %s\n", strings.Join(lines, "\n  "))
		}
	}
	g := ch.Gate
	if g == nil {
		return
	}
	fails := len(g.Failures())
	fmt.Fprintf(w, "\ngate %s: %s (%d failed, %d warnings)\n", g.Settings, g.Verdict, fails, len(g.Violations)-fails)
	for _, v := range g.Violations {
		subject := v.Table
		if v.Column != "" {
			subject += "." + v.Column
		}
		switch v.Rule {
		case liberator.RuleMaxRowDrop, liberator.RuleEmptyTable:
			subject += fmt.Sprintf(" (%s → %s)", v.Old, v.New)
		}
		fmt.Fprintf(w, "  %-4s  %-21s  %s\n", strings.ToUpper(string(v.Action)), v.Rule, subject)
	}
	if !s.Published && s.Publish != "" {
		fmt.Fprintf(w, "\nnothing published for %s; export %s kept. To publish it anyway:\n  %s\n", s.ImportDate, s.ExportID, s.Publish)
	}
}

// gated reports a run the gate stopped: the summary on stdout (the
// report), one line on stderr naming every failed rule and the command
// that publishes the export anyway, and exit status exitGated.
func gated(c runConfig, s Summary, gerr *liberator.GateError, stdout, stderr io.Writer) int {
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fail(stderr, err)
		}
	} else {
		printSummary(stdout, s)
	}
	fail(stderr, fmt.Errorf("%w; to publish this export anyway: %s", gerr, s.Publish))
	return exitGated
}
