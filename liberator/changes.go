package liberator

import (
	"fmt"
	"slices"
	"strings"
)

// Changes is what changed in an import against the last published import
// of the same database, as Compare finds it. The Pipeline computes it on
// every run whose Lander implements History (Result.Changes, the
// "changes" field of every manifest the run writes, and one log line),
// and its Gate may stop the run on it.
type Changes struct {
	// Since is the import date of the last published import; zero on a
	// first import.
	Since Date `json:"since,omitzero"`
	// SinceExportID is the export that import published.
	SinceExportID string `json:"since_export_id,omitempty"`
	// First is true when no import of the database was published before:
	// every table is added and nothing else is compared.
	First bool `json:"first_import,omitempty"`
	// Tables lists every table of either import, sorted by name.
	Tables []TableChange `json:"tables"`
	// Gate is the gate's verdict, when a gate is set (Config.Gate).
	Gate *GateReport `json:"gate,omitempty"`
}

// TableStatus says whether a table is new, gone or in both imports.
type TableStatus string

// Table statuses.
const (
	TableAdded   TableStatus = "added"
	TableRemoved TableStatus = "removed"
	TableKept    TableStatus = "kept"
)

// TableChange is one table's change since the last import.
type TableChange struct {
	// Table is "database.table".
	Table  string      `json:"table"`
	Status TableStatus `json:"status"`
	// OldRows and NewRows are the row counts of the last import and of
	// this one; -1 when not known or the table is not in that import.
	OldRows int64 `json:"old_rows"`
	NewRows int64 `json:"new_rows"`
	// RowDelta is NewRows - OldRows when both are known.
	RowDelta int64 `json:"row_delta,omitempty"`
	// RowPercent is RowDelta as a percentage of OldRows, when both are
	// known and OldRows > 0.
	RowPercent *float64 `json:"row_percent,omitempty"`
	// Emptied is true when the table had rows and has none now.
	Emptied bool `json:"emptied,omitempty"`
	// Columns lists the column changes of a kept table (see ColumnChange).
	Columns []ColumnChange `json:"columns,omitempty"`
	// SchemaUnknown is true for a kept table whose columns one of the
	// imports did not record (a manifest written before schemas were
	// recorded, or an export whose Parquet footers could not be read):
	// its columns are not compared.
	SchemaUnknown bool `json:"schema_unknown,omitempty"`
	// OldColumns and NewColumns count the table's columns in each import
	// (0 when not known or absent).
	OldColumns int `json:"old_columns,omitempty"`
	NewColumns int `json:"new_columns,omitempty"`
}

// ColumnChangeKind names a kind of column change.
type ColumnChangeKind string

// Column change kinds.
const (
	// ColumnAdded: a column with a name the last import did not have, not
	// taken for a rename.
	ColumnAdded ColumnChangeKind = "added"
	// ColumnRemoved: a column the last import had and this one lacks.
	ColumnRemoved ColumnChangeKind = "removed"
	// ColumnRenamed: an old column is gone and a new one with the same
	// MySQL and Parquet types sits in its place, between the same
	// surviving neighbours ("renamed-looking": a dump cannot say it was
	// an ALTER … RENAME COLUMN).
	ColumnRenamed ColumnChangeKind = "renamed"
	// ColumnRetyped: same name, another MySQL or Parquet type.
	ColumnRetyped ColumnChangeKind = "retyped"
	// ColumnNullability: same name, NULL allowed where it was not, or the
	// reverse.
	ColumnNullability ColumnChangeKind = "nullability"
)

// ColumnChange is one column's change. Old is the column in the last
// import (not set for ColumnAdded), New the column now (not set for
// ColumnRemoved).
type ColumnChange struct {
	Kind ColumnChangeKind `json:"kind"`
	// Position is the 1-based position of New, or of Old for a removed
	// column.
	Position int          `json:"position"`
	Old      ColumnExport `json:"old,omitzero"`
	New      ColumnExport `json:"new,omitzero"`
}

// String describes the change for people, naming the column, and old and
// new types or names:
// "column fine_amount retyped decimal(8,2) → varchar(12) (Parquet INT32
// DECIMAL(8,2) → BYTE_ARRAY STRING)".
func (c ColumnChange) String() string {
	switch c.Kind {
	case ColumnAdded:
		return fmt.Sprintf("column %s added (%s) at position %d", c.New.Name, typeText(c.New), c.Position)
	case ColumnRemoved:
		return fmt.Sprintf("column %s removed (was %s)", c.Old.Name, typeText(c.Old))
	case ColumnRenamed:
		return fmt.Sprintf("column %s renamed to %s? (same position %d and type %s)", c.Old.Name, c.New.Name, c.Position, typeText(c.New))
	case ColumnRetyped:
		s := fmt.Sprintf("column %s retyped %s → %s", c.New.Name, orUnknownType(c.Old.MySQLType), orUnknownType(c.New.MySQLType))
		if c.Old.MySQLType == "" && c.New.MySQLType == "" {
			s = fmt.Sprintf("column %s retyped", c.New.Name)
		}
		if c.Old.ParquetType != c.New.ParquetType {
			s += fmt.Sprintf(" (Parquet %s → %s)", c.Old.ParquetType, c.New.ParquetType)
		} else {
			s += fmt.Sprintf(" (Parquet %s unchanged)", c.New.ParquetType)
		}
		return s
	case ColumnNullability:
		if c.New.Nullable {
			return fmt.Sprintf("column %s became nullable (was NOT NULL)", c.New.Name)
		}
		return fmt.Sprintf("column %s became NOT NULL (was nullable)", c.New.Name)
	}
	return fmt.Sprintf("column %s%s: %s", c.Old.Name, c.New.Name, c.Kind)
}

// Name returns the column's name now, or its old name if it was removed.
func (c ColumnChange) Name() string {
	if c.Kind == ColumnRemoved {
		return c.Old.Name
	}
	return c.New.Name
}

// typeText is "mysql, PARQUET" or the Parquet type alone when the MySQL
// type is not known (RDS exports), with ", NOT NULL" for a required column.
func typeText(c ColumnExport) string {
	s := c.ParquetType
	if c.MySQLType != "" {
		s = c.MySQLType + ", " + s
	}
	if !c.Nullable {
		s += ", NOT NULL"
	}
	return s
}

func orUnknownType(s string) string {
	if s == "" {
		return "(MySQL type unknown)"
	}
	return s
}

// Compare compares the tables of an export (cur, as ExportInfo.Tables or a
// TableReader reports them) with the last published import of the same
// database (prev, as History.LastPublished returns it; nil when there is
// none). It is a pure function of its arguments.
//
// Tables are matched by "database.table". For a table in both, columns are
// matched by name (case-sensitive, as Parquet names them): a type change
// is ColumnRetyped (MySQL types compared case-insensitively, ignoring
// integer display widths such as int(11) vs int, and only when both are
// known), a nullability change ColumnNullability. An unmatched old column
// whose place (after the same matched column, the k-th unmatched one
// there) holds an unmatched new column of the same types is ColumnRenamed;
// the other unmatched ones are ColumnRemoved and ColumnAdded. Row counts are compared when both are known (not -1).
func Compare(prev *Manifest, cur []TableExport) Changes {
	var ch Changes
	old := map[string]TableExport{}
	if prev == nil {
		ch.First = true
	} else {
		ch.Since, ch.SinceExportID = prev.ImportDate, prev.ExportID
		for _, tm := range prev.Tables {
			old[tm.Database+"."+tm.Table] = TableExport{Table: tm.Database + "." + tm.Table, Rows: tm.Rows, Bytes: tm.Bytes, Columns: tm.Columns}
		}
	}
	seen := map[string]bool{}
	for _, t := range cur {
		if seen[t.Table] {
			continue
		}
		seen[t.Table] = true
		o, ok := old[t.Table]
		if !ok {
			ch.Tables = append(ch.Tables, TableChange{Table: t.Table, Status: TableAdded, OldRows: -1, NewRows: t.Rows, NewColumns: len(t.Columns)})
			continue
		}
		ch.Tables = append(ch.Tables, compareTable(o, t))
	}
	for name, o := range old {
		if !seen[name] {
			ch.Tables = append(ch.Tables, TableChange{Table: name, Status: TableRemoved, OldRows: o.Rows, NewRows: -1, OldColumns: len(o.Columns)})
		}
	}
	slices.SortFunc(ch.Tables, func(a, b TableChange) int { return strings.Compare(a.Table, b.Table) })
	return ch
}

// compareTable compares one table present in both imports.
func compareTable(o, n TableExport) TableChange {
	tc := TableChange{Table: n.Table, Status: TableKept, OldRows: o.Rows, NewRows: n.Rows, OldColumns: len(o.Columns), NewColumns: len(n.Columns)}
	if o.Rows >= 0 && n.Rows >= 0 {
		tc.RowDelta = n.Rows - o.Rows
		if o.Rows > 0 {
			p := 100 * float64(tc.RowDelta) / float64(o.Rows)
			tc.RowPercent = &p
			tc.Emptied = n.Rows == 0
		}
	}
	if len(o.Columns) == 0 || len(n.Columns) == 0 {
		tc.SchemaUnknown = true
		return tc
	}
	tc.Columns = compareColumns(o.Columns, n.Columns)
	return tc
}

// compareColumns matches columns by name, then takes an unmatched old
// column and an unmatched new one in the same place, between the same
// matched neighbours (the k-th unmatched old and new columns after the
// same matched column), with the same types for a rename.
func compareColumns(oc, nc []ColumnExport) []ColumnChange {
	newAt := make(map[string]int, len(nc))
	for i, c := range nc {
		if _, dup := newAt[c.Name]; !dup {
			newAt[c.Name] = i
		}
	}
	oldAt := make(map[string]int, len(oc))
	for i, c := range oc {
		if _, dup := oldAt[c.Name]; !dup {
			oldAt[c.Name] = i
		}
	}
	matched := func(name string) bool { _, a := oldAt[name]; _, b := newAt[name]; return a && b }
	// place names where an unmatched column sits: after which matched
	// column (by name; "" at the start), and which unmatched one it is.
	type place struct {
		after string
		k     int
	}
	places := func(cols []ColumnExport) []place {
		out := make([]place, len(cols))
		after, k := "", 0
		for i, c := range cols {
			if matched(c.Name) {
				after, k = c.Name, 0
				continue
			}
			out[i] = place{after, k}
			k++
		}
		return out
	}
	oldPlace, newPlace := places(oc), places(nc)
	newIn := map[place]int{}
	for j, c := range nc {
		if !matched(c.Name) {
			newIn[newPlace[j]] = j
		}
	}
	used := make([]bool, len(nc))
	var out []ColumnChange
	for i, o := range oc {
		if j, ok := newAt[o.Name]; ok {
			used[j] = true
			n := nc[j]
			if !sameType(o, n) {
				out = append(out, ColumnChange{Kind: ColumnRetyped, Position: j + 1, Old: o, New: n})
			}
			if o.Nullable != n.Nullable {
				out = append(out, ColumnChange{Kind: ColumnNullability, Position: j + 1, Old: o, New: n})
			}
			continue
		}
		if j, ok := newIn[oldPlace[i]]; ok && !used[j] && sameType(o, nc[j]) {
			used[j] = true
			out = append(out, ColumnChange{Kind: ColumnRenamed, Position: j + 1, Old: o, New: nc[j]})
			if o.Nullable != nc[j].Nullable {
				out = append(out, ColumnChange{Kind: ColumnNullability, Position: j + 1, Old: o, New: nc[j]})
			}
			continue
		}
		out = append(out, ColumnChange{Kind: ColumnRemoved, Position: i + 1, Old: o})
	}
	for j, n := range nc {
		if !used[j] {
			out = append(out, ColumnChange{Kind: ColumnAdded, Position: j + 1, New: n})
		}
	}
	return out
}

// sameType reports whether two columns have the same Parquet type and,
// when both MySQL types are known, the same MySQL type (see normalType).
func sameType(a, b ColumnExport) bool {
	if a.ParquetType != b.ParquetType {
		return false
	}
	if a.MySQLType == b.MySQLType || a.MySQLType == "" || b.MySQLType == "" {
		return true
	}
	return normalType(a.MySQLType) == normalType(b.MySQLType)
}

// normalType lower-cases a MySQL type, collapses spaces and drops the
// display width of integer types ("INT(11) UNSIGNED" → "int unsigned"),
// which MySQL 8 no longer shows and which changes no value.
func normalType(t string) string {
	t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	for _, base := range []string{"tinyint", "smallint", "mediumint", "integer", "int", "bigint"} {
		rest, ok := strings.CutPrefix(t, base+"(")
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, ')'); i > 0 && allDigits(rest[:i]) {
			return base + rest[i+1:]
		}
	}
	return t
}

// Counts counts the changes by kind.
func (c Changes) Counts() ChangeCounts {
	var n ChangeCounts
	for _, t := range c.Tables {
		switch t.Status {
		case TableAdded:
			n.TablesAdded++
		case TableRemoved:
			n.TablesRemoved++
		}
		if t.Emptied {
			n.TablesEmptied++
		}
		for _, col := range t.Columns {
			switch col.Kind {
			case ColumnAdded:
				n.ColumnsAdded++
			case ColumnRemoved:
				n.ColumnsRemoved++
			case ColumnRenamed:
				n.ColumnsRenamed++
			case ColumnRetyped:
				n.ColumnsRetyped++
			case ColumnNullability:
				n.NullabilityChanged++
			}
		}
	}
	return n
}

// ChangeCounts counts a Changes' changes by kind.
type ChangeCounts struct {
	TablesAdded        int `json:"tables_added"`
	TablesRemoved      int `json:"tables_removed"`
	TablesEmptied      int `json:"tables_emptied"`
	ColumnsAdded       int `json:"columns_added"`
	ColumnsRemoved     int `json:"columns_removed"`
	ColumnsRenamed     int `json:"columns_renamed"`
	ColumnsRetyped     int `json:"columns_retyped"`
	NullabilityChanged int `json:"nullability_changed"`
}

// Schema reports whether any table or column was added, removed,
// renamed, retyped or changed nullability.
func (n ChangeCounts) Schema() bool {
	return n.TablesAdded+n.TablesRemoved+n.ColumnsAdded+n.ColumnsRemoved+n.ColumnsRenamed+n.ColumnsRetyped+n.NullabilityChanged > 0
}
