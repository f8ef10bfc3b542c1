package liberator_test

import (
	"fmt"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// A gate from text, as a flag or an environment variable gives it, checked
// against the changes of a day whose dump lost a column and 90% of a
// table's rows.
func ExampleParseGate() {
	gate, err := liberator.ParseGate("strict,on-added-column=fail")
	if err != nil {
		fmt.Println(err)
		return
	}
	prev := &liberator.Manifest{ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 23}, Tables: []liberator.TableManifest{
		{Database: "liberator", Table: "PCN_IC", Rows: 600, Columns: []liberator.ColumnExport{
			{Name: "id", MySQLType: "int", ParquetType: "INT32"},
			{Name: "notes", MySQLType: "text", ParquetType: "BYTE_ARRAY STRING", Nullable: true},
		}},
	}}
	cur := []liberator.TableExport{{Table: "liberator.PCN_IC", Rows: 60, Columns: []liberator.ColumnExport{
		{Name: "id", MySQLType: "int(11)", ParquetType: "INT32"},
	}}}
	for _, v := range gate.Check(liberator.Compare(prev, cur)) {
		fmt.Println(v.Action, v.Rule+":", v.Message)
	}
	// Output:
	// fail on-removed-column: table liberator.PCN_IC: column notes removed (was text, BYTE_ARRAY STRING)
	// fail max-row-drop: table liberator.PCN_IC lost 90.0% of its rows (600 → 60), more than max-row-drop 50%
}
