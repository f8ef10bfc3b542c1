package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
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

// summarize builds the summary from the run's result and the export report.
func summarize(ctx context.Context, res liberator.Result, exp *blob.Bucket, rawPrefix string) Summary {
	s := Summary{
		ImportDate: res.ImportDate.String(), SnapshotID: res.SnapshotID,
		ExportID: res.ExportID, WorkflowRunID: res.WorkflowRunID,
	}
	rep, info := readReport(ctx, exp, res.ExportID)
	if info != nil {
		s.SQLBytes = info.SQLBytes
	}
	byTable := map[string]export.TableReport{}
	if rep != nil {
		for _, t := range rep.PerTableStatus {
			byTable[t.Target] = t
		}
		for _, sk := range rep.Skipped {
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s %s (line %d)", sk.Kind, sk.Name, sk.Line))
		}
	}
	for _, tm := range res.Manifest.Tables {
		ts := TableSummary{Table: tm.Database + "." + tm.Table, Rows: tm.Rows, Files: len(tm.Objects), Landing: tm.Prefix}
		if rawPrefix != "" {
			ts.Raw = partition.RawPrefix(rawPrefix, tm.Database, tm.Table, res.ImportDate)
		}
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

// readReport reads the export's info and tables report (both backends write
// exports at "<id>/" in the export bucket); nil if absent.
func readReport(ctx context.Context, exp *blob.Bucket, id string) (*export.TablesReportFile, *export.ExportInfoFile) {
	if exp == nil || id == "" {
		return nil, nil
	}
	root := id + "/"
	b, err := exp.ReadAll(ctx, root+export.InfoFileName(id))
	if err != nil {
		return nil, nil
	}
	var info export.ExportInfoFile
	if json.Unmarshal(b, &info) != nil {
		return nil, nil
	}
	if info.TablesReport == "" {
		return nil, &info
	}
	b, err = exp.ReadAll(ctx, root+info.TablesReport)
	if err != nil {
		return nil, &info
	}
	var rep export.TablesReportFile
	if json.Unmarshal(b, &rep) != nil {
		return nil, &info
	}
	return &rep, &info
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
