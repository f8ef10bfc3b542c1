package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// InspectTable is one table of inspect's output.
type InspectTable struct {
	Name    string          `json:"name"`
	Line    int             `json:"line"`
	Rows    int64           `json:"rows"`
	Columns []InspectColumn `json:"columns"`
}

// InspectColumn is one column with its MySQL and Parquet types.
type InspectColumn struct {
	Name    string `json:"name"`
	MySQL   string `json:"mysql"`
	Parquet string `json:"parquet"`
	NotNull bool   `json:"not_null,omitempty"`
}

// Inspection is inspect's JSON output.
type Inspection struct {
	Dump   string `json:"dump"`
	Header string `json:"header,omitempty"`
	// Database is the dump's database whose tables are listed; Databases
	// all the user databases the dump creates tables in.
	Database  string         `json:"database,omitempty"`
	Databases []string       `json:"databases,omitempty"`
	SQLBytes  int64          `json:"sql_bytes"`
	Completed bool           `json:"completed"`
	Tables    []InspectTable `json:"tables"`
	Skipped   []string       `json:"skipped,omitempty"`
}

// inspector is the mysqldump.Handler of inspect.
type inspector struct {
	tables []InspectTable
	index  map[string]int
}

func (in *inspector) CreateTable(t *mysqldump.Table) error {
	it := InspectTable{Name: t.Name, Line: t.Line}
	_, plans, err := export.SchemaFor(t, export.SchemaOptions{})
	if err != nil {
		return err
	}
	for i, c := range t.Columns {
		ic := InspectColumn{Name: c.Name, MySQL: mysqlType(c), NotNull: c.NotNull}
		if i < len(plans) {
			ic.Parquet = parquetType(&plans[i])
		}
		it.Columns = append(it.Columns, ic)
	}
	if j, ok := in.index[t.Name]; ok {
		in.tables[j] = it // re-created: the last definition wins
		return nil
	}
	in.index[t.Name] = len(in.tables)
	in.tables = append(in.tables, it)
	return nil
}

// DropTable implements mysqldump.TableDropper: a table the dump drops (a
// view's stand-in) is not listed.
func (in *inspector) DropTable(t *mysqldump.Table) error {
	j, ok := in.index[t.Name]
	if !ok {
		return nil
	}
	in.tables = append(in.tables[:j], in.tables[j+1:]...)
	delete(in.index, t.Name)
	for name, k := range in.index {
		if k > j {
			in.index[name] = k - 1
		}
	}
	return nil
}

func (in *inspector) Row(t *mysqldump.Table, vals []mysqldump.Value, line int) error { return nil }
func (in *inspector) Skip(s mysqldump.Skipped)                                       {}

// mysqlType renders a column's type as SHOW CREATE TABLE would.
func mysqlType(c mysqldump.Column) string {
	s := c.Type
	switch {
	case len(c.Elements) > 0:
		q := make([]string, len(c.Elements))
		for i, e := range c.Elements {
			q[i] = "'" + strings.ReplaceAll(e, "'", "''") + "'"
		}
		s += "(" + strings.Join(q, ",") + ")"
	case c.Type == "decimal":
		s += "(" + strconv.Itoa(c.Precision) + "," + strconv.Itoa(c.Scale) + ")"
	case c.Length > 0:
		s += "(" + strconv.Itoa(c.Length) + ")"
	}
	if c.Unsigned {
		s += " unsigned"
	}
	if c.Zerofill {
		s += " zerofill"
	}
	if c.Generated {
		if c.Virtual {
			s += " (generated, virtual)"
		} else {
			s += " (generated, stored)"
		}
	}
	return s
}

// parquetType renders a column plan's Parquet type as the export report
// names it, and "optional" unless required.
func parquetType(p *export.ColumnPlan) string {
	if p.Optional {
		return p.ExportedType() + " optional"
	}
	return p.ExportedType()
}

func inspectCmd(args []string, stdout, stderr io.Writer) int {
	var dump, source string
	var asJSON bool
	fs := newFlags("inspect", "inspect --dump FILE [--source-database NAME] [--json]\n\n"+
		"Lists the dump's tables, their columns with MySQL and Parquet types, and\n"+
		"row counts. Writes nothing.", stdout)
	fs.StringVar(&dump, "dump", "", "the dump: .zip, .sql.gz or .sql (required)")
	fs.StringVar(&source, "source-database", "", "the database to list, for a dump of several (mysqldump --databases); system databases are never listed")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if dump == "" {
		return fail(stderr, fmt.Errorf("inspect: --dump FILE is required"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ins, err := inspect(ctx, dump, source)
	if err != nil {
		return fail(stderr, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ins); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	fmt.Fprintf(stdout, "%s: %d tables, %.1f MB of SQL\n", ins.Dump, len(ins.Tables), float64(ins.SQLBytes)/1e6)
	if ins.Database != "" {
		fmt.Fprintf(stdout, "database %s (user databases: %s)\n", ins.Database, strings.Join(ins.Databases, ", "))
	}
	if ins.Header != "" {
		fmt.Fprintf(stdout, "%s\n", ins.Header)
	}
	for _, t := range ins.Tables {
		fmt.Fprintf(stdout, "\n%s: %d rows (CREATE TABLE at line %d)\n", t.Name, t.Rows, t.Line)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLUMN\tMYSQL\tPARQUET")
		for _, c := range t.Columns {
			my := c.MySQL
			if c.NotNull {
				my += " not null"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, my, c.Parquet)
		}
		tw.Flush()
	}
	if len(ins.Skipped) > 0 {
		fmt.Fprintf(stdout, "\nskipped (not tables): %s\n", strings.Join(ins.Skipped, ", "))
	}
	if !ins.Completed {
		fmt.Fprintln(stdout, "\nnote: no \"-- Dump completed\" trailer; the dump may be cut off")
	}
	return 0
}

// inspect scans a dump without writing anything.
func inspect(ctx context.Context, path, source string) (Inspection, error) {
	rc, err := openDump(ctx, path)
	if err != nil {
		return Inspection{}, fmt.Errorf("inspect: %w", err)
	}
	defer rc.Close()
	in := &inspector{index: map[string]int{}}
	st, err := mysqldump.Scan(ctx, rc, in, mysqldump.ScanOptions{SourceDatabase: source})
	if err != nil {
		return Inspection{}, fmt.Errorf("inspect: %w", err)
	}
	ins := Inspection{Dump: path, Header: st.Header, SQLBytes: st.Bytes, Completed: st.Completed, Tables: in.tables,
		Database: st.Database, Databases: st.Databases}
	for i := range ins.Tables {
		ins.Tables[i].Rows = st.RowsByTable[ins.Tables[i].Name]
	}
	for _, s := range st.Skipped {
		ins.Skipped = append(ins.Skipped, fmt.Sprintf("%s %s (line %d)", s.Kind, s.Name, s.Line))
	}
	return ins, nil
}
