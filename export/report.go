package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// InfoFile is the content of export_info_<id>.json at the export root. It is written last: its presence with Status COMPLETE means every
// part of the export is in place.
type InfoFile struct {
	ExportTaskIdentifier string    `json:"exportTaskIdentifier"`
	SnapshotID           string    `json:"snapshotIdentifier"`
	Source               string    `json:"source"`
	Status               string    `json:"status"`
	PercentProgress      int       `json:"percentProgress"`
	TotalExtractedGB     float64   `json:"totalExtractedDataInGB"`
	SQLBytes             int64     `json:"sqlBytes"`
	TaskStartTime        time.Time `json:"taskStartTime"`
	TaskEndTime          time.Time `json:"taskEndTime"`
	FailureCause         string    `json:"failureCause,omitempty"`
	Prefix               string    `json:"prefix"`
	Codec                Codec     `json:"codec"`
	// DumpHeader is the dump's "-- MySQL dump …" line; DumpCompleted tells
	// whether its "-- Dump completed" trailer was read.
	DumpHeader    string `json:"dumpHeader,omitempty"`
	DumpCompleted bool   `json:"dumpCompleted"`
	// RowCounts per "db.table".
	RowCounts map[string]int64 `json:"rowCounts,omitempty"`
	// TablesReport is the name of the per-table report file.
	TablesReport string `json:"tablesReport,omitempty"`
}

// TablesReportFile is the content of
// export_tables_info_<id>_from_1_to_<n>.json (n tables).
type TablesReportFile struct {
	PerTableStatus []TableReport `json:"perTableStatus"`
	// Skipped lists views, triggers and routines the dump defines; they are
	// not tables and are not exported.
	Skipped []mysqldump.Skipped `json:"skipped,omitempty"`
}

// TableReport is one table's entry of the tables report.
type TableReport struct {
	// Target is "db.table".
	Target string `json:"target"`
	Status string `json:"status"`
	// Line is the line of the CREATE TABLE in the dump.
	Line   int        `json:"line"`
	Rows   int64      `json:"rows"`
	Bytes  int64      `json:"bytes"`
	SizeGB float64    `json:"sizeGB"`
	Files  []PartInfo `json:"files"`
	// ZeroDatesNulled counts, per column, zero or partial-zero dates
	// written as NULL.
	ZeroDatesNulled map[string]int64 `json:"zeroDatesNulled,omitempty"`
	// MissingNulled counts, per column, rows whose INSERT held no value
	// (generated VIRTUAL columns), written as NULL.
	MissingNulled map[string]int64 `json:"missingValuesNulled,omitempty"`
	// ForcedOptional names NOT NULL columns written OPTIONAL, and why.
	ForcedOptional map[string]string `json:"forcedOptional,omitempty"`
	Warnings       []string          `json:"warnings,omitempty"`
	// Columns is the type mapping applied.
	Columns             []ColumnReport `json:"columns"`
	ExtractionStartTime time.Time      `json:"extractionStartTime"`
	ExtractionEndTime   time.Time      `json:"extractionEndTime"`
}

// ColumnReport is one column's type mapping.
type ColumnReport struct {
	Name         string `json:"columnName"`
	OriginalType string `json:"originalType"`
	// ExportedType is the Parquet physical and logical type
	// ("FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)", "BYTE_ARRAY STRING").
	ExportedType string `json:"expectedExportedType"`
	Optional     bool   `json:"optional"`
}

// InfoFileName returns "export_info_<id>.json".
func InfoFileName(id string) string { return "export_info_" + id + ".json" }

// TablesFileName returns "export_tables_info_<id>_from_1_to_<n>.json".
func TablesFileName(id string, n int) string {
	return fmt.Sprintf("export_tables_info_%s_from_1_to_%d.json", id, n)
}

func columnReports(plans []ColumnPlan, cols []mysqldump.Column) []ColumnReport {
	out := make([]ColumnReport, len(plans))
	for i, p := range plans {
		orig := p.Type
		if i < len(cols) && cols[i].Definition != "" {
			orig = cols[i].Definition
		}
		out[i] = ColumnReport{Name: p.Name, OriginalType: orig, ExportedType: p.ExportedType(), Optional: p.Optional}
	}
	return out
}

// ExportedType names the column's Parquet type as the tables report does
// (ColumnReport.ExportedType): physical type, with its length for
// FIXED_LEN_BYTE_ARRAY, and logical type: "FIXED_LEN_BYTE_ARRAY(9)
// DECIMAL(20,0)", "BYTE_ARRAY STRING", "INT32".
func (c *ColumnPlan) ExportedType() string {
	t := c.Node.Type()
	s := t.Kind().String()
	if t.Kind() == parquet.FixedLenByteArray {
		s += fmt.Sprintf("(%d)", t.Length())
	}
	if lt := t.LogicalType(); lt != nil && lt.String() != "" {
		s += " " + lt.String()
	}
	return s
}

// exportInfo is what f (and rep, the tables report of a COMPLETE export,
// when given) says of the export.
func (f *InfoFile) exportInfo(rep *TablesReportFile) liberator.ExportInfo {
	info := liberator.ExportInfo{
		ID: f.ExportTaskIdentifier, SnapshotID: f.SnapshotID, Status: liberator.ExportStatus(f.Status),
		Prefix: f.Prefix, PercentProgress: f.PercentProgress, ExtractedGB: f.TotalExtractedGB,
		FailureCause: f.FailureCause, RowCounts: f.RowCounts, SQLBytes: f.SQLBytes,
	}
	if rep == nil {
		return info
	}
	for _, s := range rep.Skipped {
		info.Skipped = append(info.Skipped, fmt.Sprintf("%s %s (line %d)", s.Kind, s.Name, s.Line))
	}
	for _, t := range rep.PerTableStatus {
		te := liberator.TableExport{Table: t.Target, Rows: t.Rows, Bytes: t.Bytes, ZeroDatesNulled: t.ZeroDatesNulled, Warnings: t.Warnings}
		for _, c := range t.Columns {
			te.Columns = append(te.Columns, liberator.ColumnExport{
				Name: c.Name, MySQLType: declaredType(c.OriginalType), ParquetType: c.ExportedType, Nullable: c.Optional,
			})
		}
		info.Tables = append(info.Tables, te)
	}
	return info
}

// declaredType returns the type of a column definition as declared:
// "int(10) unsigned" of "`a` int(10) unsigned NOT NULL DEFAULT '0'". A
// definition that does not start with a quoted name is returned as it is.
func declaredType(def string) string {
	rest, ok := afterName(def)
	if !ok {
		return def
	}
	i := 0
	for i < len(rest) && (isWordByte(rest[i])) {
		i++
	}
	if i < len(rest) && rest[i] == '(' {
		i = closeParen(rest, i)
	}
	end := i
	for {
		j := i
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		k := j
		for k < len(rest) && isWordByte(rest[k]) {
			k++
		}
		switch w := strings.ToLower(rest[j:k]); w {
		case "unsigned", "signed", "zerofill":
			i, end = k, k
			continue
		}
		return rest[:end]
	}
}

// afterName returns def after its leading `quoted` name and spaces.
func afterName(def string) (string, bool) {
	if !strings.HasPrefix(def, "`") {
		return "", false
	}
	for i := 1; i < len(def); i++ {
		if def[i] != '`' {
			continue
		}
		if i+1 < len(def) && def[i+1] == '`' { // a doubled backquote
			i++
			continue
		}
		return strings.TrimLeft(def[i+1:], " "), true
	}
	return "", false
}

// closeParen returns the index after the ')' closing the '(' at s[i],
// skipping quoted ENUM and SET elements; len(s) if it is not closed.
func closeParen(s string, i int) int {
	var quote byte
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ')':
			return i + 1
		}
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
