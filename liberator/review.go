package liberator

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// checkGate refuses a gate that is not valid, or that is on with a Lander
// that cannot say what it published before (not a History).
func checkGate(g Gate, l Lander) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if _, ok := l.(History); g.Enabled() && !ok {
		return Errorf(ErrInvalid, "new pipeline", "config.Gate",
			"gate %s needs a Lander that implements liberator.History (finds the last published import); %T does not", g, l)
	}
	return nil
}

// review is the export check's comparison and gate, between a COMPLETE
// export and its landing. It completes info.Tables from the Lander when
// the Exporter reported none (TableReader), compares them with the last
// published import of each database (History), puts the schema and the
// changes into req for the manifest, logs one line, and applies the gate.
// It returns nil Changes when the Lander is no History. A run the gate
// stops gets the Changes and a *GateError.
func (p *Pipeline) review(ctx context.Context, m Message, info *ExportInfo, req *LandRequest) (*Changes, error) {
	if len(info.Tables) == 0 {
		if tr, ok := p.land.(TableReader); ok {
			tables, err := tr.ExportTables(ctx, *req)
			if err != nil {
				return nil, err
			}
			info.Tables = tables
		}
	}
	tables := info.Tables
	if len(tables) == 0 {
		tables = countedTables(info.RowCounts)
	}
	for i, t := range tables {
		if n, ok := info.RowCounts[t.Table]; ok && t.Rows < 0 {
			tables[i].Rows = n
		}
	}
	req.Schema = tables
	h, ok := p.land.(History)
	cur := wantedTables(tables, p.tables)
	if !ok || len(cur) == 0 {
		return nil, nil // nothing to compare with, or nothing to compare
	}
	prev, err := lastPublished(ctx, h, cur, m.ImportDate)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		prev.Tables = slices.DeleteFunc(prev.Tables, func(t TableManifest) bool {
			return !wantTable(p.tables, t.Database, t.Table)
		})
	}
	ch := Compare(prev, cur)
	var stop []Violation
	if p.gate.Enabled() {
		r := &GateReport{Settings: p.gate.String(), Verdict: GatePassed, Violations: p.gate.Check(ch)}
		stop = r.Failures()
		if len(stop) > 0 {
			r.Verdict = GateStopped
			if m.AcceptChanges {
				r.Verdict = GateAccepted
			}
		}
		ch.Gate = r
	}
	req.Changes = &ch
	p.logChanges(ctx, m, ch)
	if len(stop) == 0 || m.AcceptChanges {
		return &ch, nil
	}
	resume := m
	resume.AcceptChanges = true
	resume.Attempt, resume.ErrorRetries = 0, 0
	resume.StepStarted, resume.NotBefore = time.Time{}, time.Time{}
	gerr := &GateError{RunID: m.RunID, ExportID: m.ExportID, ImportDate: m.ImportDate, Since: ch.Since, Failures: stop, Resume: resume}
	if body, err := resume.Encode(); err == nil {
		p.log.ErrorContext(ctx, "gate stopped the run before publishing; send resume_message to publish this export anyway",
			"run_id", m.RunID, "export_id", m.ExportID, "import_date", m.ImportDate.String(), "resume_message", string(body))
	}
	return &ch, gerr
}

// lastPublished merges the last published import of every database of cur
// (normally one); nil when none of them has one.
func lastPublished(ctx context.Context, h History, cur []TableExport, before Date) (*Manifest, error) {
	var dbs []string
	for _, t := range cur {
		db, _, _ := strings.Cut(t.Table, ".")
		if !slices.Contains(dbs, db) {
			dbs = append(dbs, db)
		}
	}
	var out *Manifest
	for _, db := range dbs {
		man, found, err := h.LastPublished(ctx, db, before)
		if err != nil {
			return nil, fmt.Errorf("last published import of %s before %s: %w", db, before, err)
		}
		if !found {
			continue
		}
		if out == nil {
			out = &Manifest{Version: man.Version, ExportID: man.ExportID, ImportDate: man.ImportDate}
		} else if out.ImportDate.Time().Before(man.ImportDate.Time()) {
			out.ImportDate, out.ExportID = man.ImportDate, man.ExportID
		}
		out.Tables = append(out.Tables, man.Tables...)
	}
	return out, nil
}

// countedTables describes the tables of rows (RowCounts) by their row
// counts alone, sorted by name.
func countedTables(rows map[string]int64) []TableExport {
	var out []TableExport
	for name, n := range rows {
		out = append(out, TableExport{Table: name, Rows: n})
	}
	slices.SortFunc(out, func(a, b TableExport) int { return strings.Compare(a.Table, b.Table) })
	return out
}

// wantedTables keeps the tables a run restricted to Config.Tables covers.
func wantedTables(tables []TableExport, want []string) []TableExport {
	if len(want) == 0 {
		return tables
	}
	var out []TableExport
	for _, t := range tables {
		db, name, _ := strings.Cut(t.Table, ".")
		if wantTable(want, db, name) {
			out = append(out, t)
		}
	}
	return out
}

// wantTable reports whether Config.Tables (want) covers db.table: it names
// it as "table" or "db.table", or is empty.
func wantTable(want []string, db, table string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.Contains(want, table) || slices.Contains(want, db+"."+table)
}

// logChanges logs the comparison as one line.
func (p *Pipeline) logChanges(ctx context.Context, m Message, ch Changes) {
	n := ch.Counts()
	attrs := []any{"run_id", m.RunID, "export_id", m.ExportID, "import_date", m.ImportDate.String()}
	if ch.First {
		attrs = append(attrs, "first_import", true, "tables_added", n.TablesAdded)
	} else {
		attrs = append(attrs, "since", ch.Since.String(), "since_export_id", ch.SinceExportID,
			"tables_added", n.TablesAdded, "tables_removed", n.TablesRemoved, "tables_emptied", n.TablesEmptied,
			"columns_added", n.ColumnsAdded, "columns_removed", n.ColumnsRemoved, "columns_renamed", n.ColumnsRenamed,
			"columns_retyped", n.ColumnsRetyped, "nullability_changed", n.NullabilityChanged)
		var drops []string
		for _, t := range ch.Tables {
			if t.RowPercent != nil && *t.RowPercent < 0 {
				drops = append(drops, fmt.Sprintf("%s %.1f%%", t.Table, *t.RowPercent))
			}
		}
		if len(drops) > 0 {
			attrs = append(attrs, "row_drops", strings.Join(drops, ", "))
		}
	}
	level := slog.LevelInfo
	if ch.Gate != nil {
		var v []string
		for _, x := range ch.Gate.Violations {
			v = append(v, string(x.Action)+": "+x.Message)
		}
		attrs = append(attrs, "gate", ch.Gate.Settings, "verdict", string(ch.Gate.Verdict))
		if len(v) > 0 {
			attrs = append(attrs, "violations", strings.Join(v, "; "))
			level = slog.LevelWarn
		}
	}
	p.log.Log(ctx, level, "changes since the last published import", attrs...)
}

// slimManifest returns m without the tables' columns and the changes, for
// messages.
func slimManifest(m Manifest) *Manifest {
	m.Changes = nil
	tables := make([]TableManifest, len(m.Tables))
	for i, t := range m.Tables {
		t.Columns = nil
		tables[i] = t
	}
	m.Tables = tables
	return &m
}
