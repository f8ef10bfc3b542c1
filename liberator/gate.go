package liberator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Action is what a gate rule does with a change it matches.
type Action string

// Actions. The zero Action is ActionOff.
const (
	// ActionOff: the change is reported in Changes only.
	ActionOff Action = ""
	// ActionWarn: the change is also listed as a warning of the gate.
	ActionWarn Action = "warn"
	// ActionFail: the change stops the run before anything is published.
	ActionFail Action = "fail"
)

func (a Action) String() string {
	if a == ActionOff {
		return "off"
	}
	return string(a)
}

// Gate decides, from the Changes of a run, whether the run may publish
// (Config.Gate; the zero Gate is off and stops nothing).
//
// A run the gate stops publishes nothing for its date (no _SUCCESS, no
// workflow run), keeps its export, and ends with a *GateError naming every
// failed rule. Sending its GateError.Resume message (the run's export_check
// message with Message.AcceptChanges set) publishes that same export
// without converting it again. A first import (no earlier published
// import) always passes.
//
// The rules, as ParseGate names them:
//
//	on-added-table=off|warn|fail         a table the last import did not have
//	on-removed-table=off|warn|fail       a table the last import had
//	on-added-column=off|warn|fail        a new column (not a rename)
//	on-removed-column=off|warn|fail      a column removed, renamed-looking or retyped
//	on-nullability-change=off|warn|fail  a column that became nullable or NOT NULL
//	max-row-drop=50%                     fail a table that lost more than 50% of its rows
//	fail-on-empty-table                  fail a table that had rows and has none
type Gate struct {
	AddedTables   Action `json:"on_added_table,omitempty"`
	RemovedTables Action `json:"on_removed_table,omitempty"`
	AddedColumns  Action `json:"on_added_column,omitempty"`
	// RemovedColumns applies to removed, renamed-looking and retyped
	// columns: each breaks a reader of the old column.
	RemovedColumns     Action `json:"on_removed_column,omitempty"`
	NullabilityChanges Action `json:"on_nullability_change,omitempty"`
	// MaxRowDrop, when above 0, fails a table whose row count fell by more
	// than this fraction (0.5 = 50%) since the last import.
	MaxRowDrop float64 `json:"max_row_drop,omitempty"`
	// FailOnEmptyTable fails a table that had rows and has none.
	FailOnEmptyTable bool `json:"fail_on_empty_table,omitempty"`
}

// StrictGate is the "strict" preset: fail on removed tables, removed,
// renamed-looking or retyped columns, a row drop over 50% and a table that
// became empty; added tables and columns and nullability changes only warn.
func StrictGate() Gate {
	return Gate{
		AddedTables: ActionWarn, RemovedTables: ActionFail,
		AddedColumns: ActionWarn, RemovedColumns: ActionFail, NullabilityChanges: ActionWarn,
		MaxRowDrop: 0.5, FailOnEmptyTable: true,
	}
}

// Enabled reports whether any rule is set.
func (g Gate) Enabled() bool { return g != Gate{} }

// Validate checks the actions and MaxRowDrop (0 to 1), with an error
// wrapping ErrInvalid naming the bad setting.
func (g Gate) Validate() error {
	for _, r := range g.rules() {
		switch *r.action {
		case ActionOff, ActionWarn, ActionFail:
		default:
			return Errorf(ErrInvalid, "gate", r.name, "unknown action %q (want off, warn or fail)", string(*r.action))
		}
	}
	if !(g.MaxRowDrop >= 0 && g.MaxRowDrop <= 1) {
		return Errorf(ErrInvalid, "gate", "max-row-drop", "want 0%% to 100%%, got %v", g.MaxRowDrop)
	}
	return nil
}

type actionRule struct {
	name   string
	action *Action
}

func (g *Gate) rules() []actionRule {
	return []actionRule{
		{RuleAddedTable, &g.AddedTables}, {RuleRemovedTable, &g.RemovedTables},
		{RuleAddedColumn, &g.AddedColumns}, {RuleRemovedColumn, &g.RemovedColumns},
		{RuleNullabilityChange, &g.NullabilityChanges},
	}
}

// String returns the settings in ParseGate's syntax: "off", "strict", or
// the rules that are not off, comma-separated
// ("on-removed-table=fail,max-row-drop=50%,fail-on-empty-table").
func (g Gate) String() string {
	if g == StrictGate() {
		return "strict"
	}
	var parts []string
	for _, r := range g.rules() {
		if *r.action != ActionOff {
			parts = append(parts, r.name+"="+r.action.String())
		}
	}
	if g.MaxRowDrop > 0 {
		parts = append(parts, RuleMaxRowDrop+"="+strconv.FormatFloat(g.MaxRowDrop*100, 'f', -1, 64)+"%")
	}
	if g.FailOnEmptyTable {
		parts = append(parts, RuleEmptyTable)
	}
	if len(parts) == 0 {
		return "off"
	}
	return strings.Join(parts, ",")
}

// ParseGate parses gate settings as a flag or an environment variable
// gives them: comma-separated items, each a preset ("off", "strict") or a
// rule (see Gate) as name=value, applied in order, so later items override
// earlier ones:
//
//	strict
//	strict,max-row-drop=20%,on-added-column=fail
//	on-removed-table=fail,max-row-drop=50%,fail-on-empty-table
//
// max-row-drop takes a percentage ("50%", "0%" or "off" for none);
// fail-on-empty-table alone means true, or takes true or false. An empty
// string is "off". Errors wrap ErrInvalid and name the item.
func ParseGate(s string) (Gate, error) {
	var g Gate
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if err := g.Set(item); err != nil {
			return Gate{}, err
		}
	}
	return g, nil
}

// Set applies one ParseGate item to g (a preset or name=value).
func (g *Gate) Set(item string) error {
	const op = "parse gate"
	name, value, hasValue := strings.Cut(strings.TrimSpace(item), "=")
	name, value = strings.ToLower(strings.TrimSpace(name)), strings.ToLower(strings.TrimSpace(value))
	what := strconv.Quote(item)
	switch name {
	case "off", "none":
		if !hasValue {
			*g = Gate{}
			return nil
		}
	case "strict":
		if !hasValue {
			*g = StrictGate()
			return nil
		}
	case RuleMaxRowDrop:
		p, err := parsePercent(value)
		if err != nil {
			return NewError(ErrInvalid, op, what, err)
		}
		g.MaxRowDrop = p
		return nil
	case RuleEmptyTable:
		if !hasValue {
			value = "true"
		}
		b, err := strconv.ParseBool(value)
		if err != nil {
			return Errorf(ErrInvalid, op, what, "want true or false")
		}
		g.FailOnEmptyTable = b
		return nil
	}
	for _, r := range g.rules() {
		if r.name != name {
			continue
		}
		switch a := Action(value); {
		case value == "off" || value == "ignore":
			*r.action = ActionOff
		case a == ActionWarn || a == ActionFail:
			*r.action = a
		default:
			return Errorf(ErrInvalid, op, what, "want %s=off, warn or fail", r.name)
		}
		return nil
	}
	return Errorf(ErrInvalid, op, what, "unknown setting (want off, strict, on-added-table, on-removed-table, on-added-column, on-removed-column, on-nullability-change, max-row-drop or fail-on-empty-table)")
}

// parsePercent parses "50%" (or "off") as a fraction in [0, 1].
func parsePercent(s string) (float64, error) {
	if s == "off" || s == "none" || s == "0" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		return 0, fmt.Errorf("want a percentage such as 50%%")
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
		return 0, fmt.Errorf("want a percentage from 0%% to 100%%")
	}
	return f / 100, nil
}

// Rule names of Violation.Rule, as ParseGate names the settings.
const (
	RuleAddedTable        = "on-added-table"
	RuleRemovedTable      = "on-removed-table"
	RuleAddedColumn       = "on-added-column"
	RuleRemovedColumn     = "on-removed-column"
	RuleNullabilityChange = "on-nullability-change"
	RuleMaxRowDrop        = "max-row-drop"
	RuleEmptyTable        = "fail-on-empty-table"
)

// Violation is one change a gate rule matched.
type Violation struct {
	// Rule is the setting that matched (RuleRemovedColumn, …).
	Rule   string `json:"rule"`
	Action Action `json:"action"`
	// Table is "database.table"; Column the column's name (its old name
	// for a removed or renamed column), if the rule is about a column.
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
	// Old and New describe the table or column before and after (types,
	// names or row counts); either is empty when absent.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Message says it all in one line, naming the table and column.
	Message string `json:"message"`
}

func (v Violation) String() string { return v.Message }

// GateVerdict is the gate's decision on a run.
type GateVerdict string

// Verdicts.
const (
	// GatePassed: no rule failed (warnings may be listed).
	GatePassed GateVerdict = "passed"
	// GateStopped: a rule failed; nothing was published.
	GateStopped GateVerdict = "stopped"
	// GateAccepted: a rule failed, but the run was told to accept the
	// changes (Message.AcceptChanges) and published.
	GateAccepted GateVerdict = "accepted"
)

// GateReport is a gate's verdict on a run's Changes.
type GateReport struct {
	// Settings are the gate's settings (Gate.String).
	Settings string      `json:"settings"`
	Verdict  GateVerdict `json:"verdict"`
	// Violations lists every rule matched, failures and warnings, in
	// table order.
	Violations []Violation `json:"violations,omitempty"`
}

// Failures returns the violations whose action is ActionFail.
func (r GateReport) Failures() []Violation {
	var out []Violation
	for _, v := range r.Violations {
		if v.Action == ActionFail {
			out = append(out, v)
		}
	}
	return out
}

// Check returns every change of c a rule of g matches, in c's table order.
// A first import matches nothing.
func (g Gate) Check(c Changes) []Violation {
	if c.First {
		return nil
	}
	var out []Violation
	add := func(a Action, v Violation) {
		if a != ActionOff {
			v.Action = a
			out = append(out, v)
		}
	}
	for _, t := range c.Tables {
		switch t.Status {
		case TableAdded:
			add(g.AddedTables, Violation{Rule: RuleAddedTable, Table: t.Table, New: rowsText(t.NewRows),
				Message: fmt.Sprintf("table %s added (%s)", t.Table, rowsText(t.NewRows))})
			continue
		case TableRemoved:
			add(g.RemovedTables, Violation{Rule: RuleRemovedTable, Table: t.Table, Old: rowsText(t.OldRows),
				Message: fmt.Sprintf("table %s removed (had %s)", t.Table, rowsText(t.OldRows))})
			continue
		}
		for _, col := range t.Columns {
			v := Violation{Table: t.Table, Column: col.Name(), Message: "table " + t.Table + ": " + col.String()}
			switch col.Kind {
			case ColumnAdded:
				v.Rule, v.New = RuleAddedColumn, typeText(col.New)
				add(g.AddedColumns, v)
			case ColumnRemoved:
				v.Rule, v.Old = RuleRemovedColumn, typeText(col.Old)
				add(g.RemovedColumns, v)
			case ColumnRenamed:
				v.Rule, v.Column, v.Old, v.New = RuleRemovedColumn, col.Old.Name, col.Old.Name, col.New.Name
				add(g.RemovedColumns, v)
			case ColumnRetyped:
				v.Rule, v.Old, v.New = RuleRemovedColumn, typeText(col.Old), typeText(col.New)
				add(g.RemovedColumns, v)
			case ColumnNullability:
				v.Rule, v.Old, v.New = RuleNullabilityChange, nullText(col.Old.Nullable), nullText(col.New.Nullable)
				add(g.NullabilityChanges, v)
			}
		}
		if g.MaxRowDrop > 0 && t.RowPercent != nil && -*t.RowPercent > g.MaxRowDrop*100 {
			add(ActionFail, Violation{Rule: RuleMaxRowDrop, Table: t.Table, Old: rowsText(t.OldRows), New: rowsText(t.NewRows),
				Message: fmt.Sprintf("table %s lost %.1f%% of its rows (%d → %d), more than max-row-drop %s",
					t.Table, -*t.RowPercent, t.OldRows, t.NewRows, strconv.FormatFloat(g.MaxRowDrop*100, 'f', -1, 64)+"%")})
		}
		if g.FailOnEmptyTable && t.Emptied {
			add(ActionFail, Violation{Rule: RuleEmptyTable, Table: t.Table, Old: rowsText(t.OldRows), New: rowsText(t.NewRows),
				Message: fmt.Sprintf("table %s became empty (had %s)", t.Table, rowsText(t.OldRows))})
		}
	}
	return out
}

func rowsText(n int64) string {
	if n < 0 {
		return "rows unknown"
	}
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

func nullText(nullable bool) string {
	if nullable {
		return "nullable"
	}
	return "NOT NULL"
}

// ErrGated is the kind of the error of a run the gate stopped (a
// *GateError, which also wraps ErrTerminal: the run must not be retried
// as it is).
var ErrGated = &Kind{"stopped by the gate"}

// GateError is the error of a run the gate stopped before publishing. It
// wraps ErrGated and ErrTerminal.
type GateError struct {
	RunID    string
	ExportID string
	// ImportDate is the run's date; Since the last published import's.
	ImportDate Date
	Since      Date
	// Failures are the violations whose action is ActionFail.
	Failures []Violation
	// Resume is the message that publishes this export anyway: the run's
	// export_check message with AcceptChanges set. Schedule (or Process)
	// it; a queue-driven deployment sends its JSON (Resume.Encode) to the
	// pipeline's queue.
	Resume Message
}

func (e *GateError) Error() string {
	msgs := make([]string, len(e.Failures))
	for i, v := range e.Failures {
		msgs[i] = v.Message
	}
	return fmt.Sprintf("gate stopped import %s before publishing (export %s kept, nothing published): %d %s failed since %s: %s",
		e.ImportDate, e.ExportID, len(e.Failures), plural(len(e.Failures), "rule", "rules"), e.Since, strings.Join(msgs, "; "))
}

// Unwrap returns ErrGated and ErrTerminal.
func (e *GateError) Unwrap() []error { return []error{ErrGated, ErrTerminal} }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
