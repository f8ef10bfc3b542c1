package main

import (
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
	return s
}

// printSummary prints s as a table.
func printSummary(w io.Writer, s Summary) {
	fmt.Fprintf(w, "import date %s  snapshot %s  export %s  workflow run %s\n", s.ImportDate, s.SnapshotID, s.ExportID, s.WorkflowRunID)
	fmt.Fprintf(w, "landing %s  raw %s\n\n", s.Landing, s.Raw)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tFILES\tBYTES\tWARNINGS\t")
	for _, t := range s.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", t.Table, t.Rows, t.Files, t.Bytes, len(t.Warnings))
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
	if s.Seconds > 0 {
		mbps := float64(s.SQLBytes) / 1e6 / s.Seconds
		fmt.Fprintf(w, "\n%d rows from %.1f MB of SQL in %.2fs (%.1f MB/s): landed after %.2fs (snapshot %.2fs, export %.2fs, land %.2fs), raw copy %.2fs\n",
			s.Rows, float64(s.SQLBytes)/1e6, s.Seconds, mbps, s.Timings.Landed, s.Timings.Snapshot, s.Timings.Export, s.Timings.Land, s.Timings.Workflow)
	}
}
