package liberator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

func TestParseGate(t *testing.T) {
	strict := liberator.StrictGate()
	tests := []struct {
		in   string
		want liberator.Gate
		text string // want.String()
	}{
		{"", liberator.Gate{}, "off"},
		{"off", liberator.Gate{}, "off"},
		{"strict", strict, "strict"},
		{"on-added-table=warn,on-removed-table=fail,on-added-column=warn,on-removed-column=fail,on-nullability-change=warn,max-row-drop=50%,fail-on-empty-table",
			strict, "strict"},
		{" STRICT , max-row-drop=20% ", func() liberator.Gate { g := strict; g.MaxRowDrop = 0.2; return g }(),
			"on-added-table=warn,on-removed-table=fail,on-added-column=warn,on-removed-column=fail,on-nullability-change=warn,max-row-drop=20%,fail-on-empty-table"},
		{"strict,on-added-column=fail,fail-on-empty-table=false,on-nullability-change=off",
			func() liberator.Gate {
				g := strict
				g.AddedColumns, g.FailOnEmptyTable, g.NullabilityChanges = liberator.ActionFail, false, liberator.ActionOff
				return g
			}(),
			"on-added-table=warn,on-removed-table=fail,on-added-column=fail,on-removed-column=fail,max-row-drop=50%"},
		{"on-removed-table=fail,max-row-drop=50%,fail-on-empty-table",
			liberator.Gate{RemovedTables: liberator.ActionFail, MaxRowDrop: 0.5, FailOnEmptyTable: true},
			"on-removed-table=fail,max-row-drop=50%,fail-on-empty-table"},
		{"on-added-table=warn,on-removed-column=fail", liberator.Gate{AddedTables: liberator.ActionWarn, RemovedColumns: liberator.ActionFail},
			"on-added-table=warn,on-removed-column=fail"},
		{"strict,off", liberator.Gate{}, "off"},
		{"max-row-drop=12.5%", liberator.Gate{MaxRowDrop: 0.125}, "max-row-drop=12.5%"},
		{"strict,max-row-drop=off", func() liberator.Gate { g := strict; g.MaxRowDrop = 0; return g }(),
			"on-added-table=warn,on-removed-table=fail,on-added-column=warn,on-removed-column=fail,on-nullability-change=warn,fail-on-empty-table"},
	}
	for _, tc := range tests {
		got, err := liberator.ParseGate(tc.in)
		if err != nil {
			t.Errorf("ParseGate(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseGate(%q) (-want +got):\n%s", tc.in, diff)
		}
		if s := got.String(); s != tc.text {
			t.Errorf("ParseGate(%q).String() = %q, want %q", tc.in, s, tc.text)
		}
		again, err := liberator.ParseGate(got.String())
		if err != nil || again != got {
			t.Errorf("ParseGate(String()) of %q = %+v, %v; want it back", tc.in, again, err)
		}
	}
}

func TestParseGateErrors(t *testing.T) {
	for _, tc := range []struct{ in, has string }{
		{"strickt", `"strickt": unknown setting`},
		{"on-removed-column=block", `"on-removed-column=block": want on-removed-column=off, warn or fail`},
		{"max-row-drop=50", `"max-row-drop=50": want a percentage such as 50%`},
		{"max-row-drop=150%", `"max-row-drop=150%": want a percentage from 0% to 100%`},
		{"fail-on-empty-table=sometimes", `want true or false`},
		{"strict,on-schema-change=fail", `"on-schema-change=fail": unknown setting`},
	} {
		_, err := liberator.ParseGate(tc.in)
		if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.has) {
			t.Errorf("ParseGate(%q) = %v, want ErrInvalid containing %q", tc.in, err, tc.has)
		}
	}
	for _, g := range []liberator.Gate{{AddedTables: "block"}, {MaxRowDrop: 1.5}, {MaxRowDrop: -0.1}} {
		if err := g.Validate(); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", g, err)
		}
	}
}

// changesOfEveryKind has one change of every kind since 2026-11-23.
func changesOfEveryKind() liberator.Changes {
	prev := prevManifest(
		tm("GONE", 7, cID),
		tm("PCN", 600, cID, cVRM, cAmount, cIssued),
		tm("EMPTIED", 5, cID),
		tm("GREW", 10, cID),
	)
	cur := []liberator.TableExport{
		te("NEW", 3, cID),
		te("PCN", 60, col("id", "int(11)", "INT32", true), col("amount", "varchar(12)", "BYTE_ARRAY STRING", true),
			col("issued_at", "datetime", cIssued.ParquetType, true), col("note", "text", "BYTE_ARRAY STRING", true)),
		te("EMPTIED", 0, cID),
		te("GREW", 20, cID),
	}
	return liberator.Compare(prev, cur)
}

func TestGateCheck(t *testing.T) {
	ch := changesOfEveryKind()
	v := func(rule string, a liberator.Action, table, column, old, new, msg string) liberator.Violation {
		return liberator.Violation{Rule: rule, Action: a, Table: table, Column: column, Old: old, New: new, Message: msg}
	}
	all := map[string]liberator.Violation{
		"added table":   v(liberator.RuleAddedTable, "", "liberator.NEW", "", "", "3 rows", "table liberator.NEW added (3 rows)"),
		"removed table": v(liberator.RuleRemovedTable, "", "liberator.GONE", "", "7 rows", "", "table liberator.GONE removed (had 7 rows)"),
		"nullability": v(liberator.RuleNullabilityChange, "", "liberator.PCN", "id", "NOT NULL", "nullable",
			"table liberator.PCN: column id became nullable (was NOT NULL)"),
		"removed column": v(liberator.RuleRemovedColumn, "", "liberator.PCN", "vrm", "varchar(10), BYTE_ARRAY STRING", "",
			"table liberator.PCN: column vrm removed (was varchar(10), BYTE_ARRAY STRING)"),
		"retyped column": v(liberator.RuleRemovedColumn, "", "liberator.PCN", "amount", "decimal(8,2), INT32 DECIMAL(8,2)", "varchar(12), BYTE_ARRAY STRING",
			"table liberator.PCN: column amount retyped decimal(8,2) → varchar(12) (Parquet INT32 DECIMAL(8,2) → BYTE_ARRAY STRING)"),
		"renamed column": v(liberator.RuleRemovedColumn, "", "liberator.PCN", "issued", "issued", "issued_at",
			"table liberator.PCN: column issued renamed to issued_at? (same position 3 and type datetime, INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))"),
		"added column": v(liberator.RuleAddedColumn, "", "liberator.PCN", "note", "", "text, BYTE_ARRAY STRING",
			"table liberator.PCN: column note added (text, BYTE_ARRAY STRING) at position 4"),
		"row drop": v(liberator.RuleMaxRowDrop, liberator.ActionFail, "liberator.PCN", "", "600 rows", "60 rows",
			"table liberator.PCN lost 90.0% of its rows (600 → 60), more than max-row-drop 50%"),
		"emptied row drop": v(liberator.RuleMaxRowDrop, liberator.ActionFail, "liberator.EMPTIED", "", "5 rows", "0 rows",
			"table liberator.EMPTIED lost 100.0% of its rows (5 → 0), more than max-row-drop 50%"),
		"emptied": v(liberator.RuleEmptyTable, liberator.ActionFail, "liberator.EMPTIED", "", "5 rows", "0 rows",
			"table liberator.EMPTIED became empty (had 5 rows)"),
	}
	with := func(a liberator.Action, names ...string) []liberator.Violation {
		var out []liberator.Violation
		for _, n := range names {
			x, ok := all[n]
			if !ok {
				t.Fatalf("no violation %q", n)
			}
			if x.Action == "" {
				x.Action = a
			}
			out = append(out, x)
		}
		return out
	}
	tests := []struct {
		name string
		gate liberator.Gate
		want []liberator.Violation
	}{
		{"off", liberator.Gate{}, nil},
		{"added tables warn", liberator.Gate{AddedTables: liberator.ActionWarn}, with(liberator.ActionWarn, "added table")},
		{"removed tables fail", liberator.Gate{RemovedTables: liberator.ActionFail}, with(liberator.ActionFail, "removed table")},
		{"added columns fail", liberator.Gate{AddedColumns: liberator.ActionFail}, with(liberator.ActionFail, "added column")},
		{"removed, renamed, retyped columns fail", liberator.Gate{RemovedColumns: liberator.ActionFail},
			with(liberator.ActionFail, "removed column", "retyped column", "renamed column")},
		{"nullability warn", liberator.Gate{NullabilityChanges: liberator.ActionWarn}, with(liberator.ActionWarn, "nullability")},
		{"max row drop 50%", liberator.Gate{MaxRowDrop: 0.5}, with(liberator.ActionFail, "emptied row drop", "row drop")},
		{"max row drop 95%: only the emptied table", liberator.Gate{MaxRowDrop: 0.95}, []liberator.Violation{func() liberator.Violation {
			x := all["emptied row drop"]
			x.Message = strings.Replace(x.Message, "50%", "95%", 1)
			return x
		}()}},
		{"fail on empty table", liberator.Gate{FailOnEmptyTable: true}, with(liberator.ActionFail, "emptied")},
		{"strict", liberator.StrictGate(), append(append(append(
			with(liberator.ActionFail, "emptied row drop", "emptied"),
			with(liberator.ActionFail, "removed table")...),
			with(liberator.ActionWarn, "added table", "nullability")...),
			with(liberator.ActionFail, "removed column", "retyped column", "renamed column")...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.gate.Check(ch)
			if tc.name == "strict" {
				// Strict also warns on the added column and fails on the
				// row drop of PCN, after its column rules.
				tc.want = append(tc.want, with(liberator.ActionWarn, "added column")...)
				tc.want = append(tc.want, all["row drop"])
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// A first import passes every gate, however strict.
func TestGateFirstImportPasses(t *testing.T) {
	ch := liberator.Compare(nil, []liberator.TableExport{te("PCN", 0, cID), te("NEW", 3, cID)})
	g := liberator.Gate{AddedTables: liberator.ActionFail, AddedColumns: liberator.ActionFail, MaxRowDrop: 0.01, FailOnEmptyTable: true}
	if v := g.Check(ch); len(v) != 0 {
		t.Errorf("first import: %v, want no violation", v)
	}
}

func TestGateError(t *testing.T) {
	ch := changesOfEveryKind()
	fails := liberator.GateReport{Violations: liberator.StrictGate().Check(ch)}.Failures()
	err := error(&liberator.GateError{RunID: "r", ExportID: "exp-24", ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 24},
		Since: ch.Since, Failures: fails})
	if !errors.Is(err, liberator.ErrGated) || !errors.Is(err, liberator.ErrTerminal) || errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("GateError kinds: Is(ErrGated) %v, Is(ErrTerminal) %v", errors.Is(err, liberator.ErrGated), errors.Is(err, liberator.ErrTerminal))
	}
	want := "gate stopped import 2026-11-24 before publishing (export exp-24 kept, nothing published): 7 rules failed since 2026-11-23: " +
		"table liberator.EMPTIED lost 100.0% of its rows (5 → 0), more than max-row-drop 50%; " +
		"table liberator.EMPTIED became empty (had 5 rows); " +
		"table liberator.GONE removed (had 7 rows); " +
		"table liberator.PCN: column vrm removed (was varchar(10), BYTE_ARRAY STRING); " +
		"table liberator.PCN: column amount retyped decimal(8,2) → varchar(12) (Parquet INT32 DECIMAL(8,2) → BYTE_ARRAY STRING); " +
		"table liberator.PCN: column issued renamed to issued_at? (same position 3 and type datetime, INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)); " +
		"table liberator.PCN lost 90.0% of its rows (600 → 60), more than max-row-drop 50%"
	if err.Error() != want {
		t.Errorf("Error():\n got %s\nwant %s", err, want)
	}
}
