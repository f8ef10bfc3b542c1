package mysqldump

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScanGeneratedColumns checks the values Scan computes for generated
// columns a dump leaves out, against what MySQL 8.4 stores: world_x's
// countryinfo (a STORED NOT NULL key extracted from JSON and a constant
// JSON column, exactly as mysqldump 8.0.19 wrote them), JSON extraction
// with -> and ->>, exact and float arithmetic, CONCAT and date functions.
// An expression of another form leaves the column Missing.
func TestScanGeneratedColumns(t *testing.T) {
	const worldX = "CREATE TABLE `countryinfo` (\n" +
		"  `doc` json DEFAULT NULL,\n" +
		"  `_id` varbinary(32) GENERATED ALWAYS AS (json_unquote(json_extract(`doc`,_utf8mb4'$._id'))) STORED NOT NULL,\n" +
		"  `_json_schema` json GENERATED ALWAYS AS (_utf8mb4'{\"type\":\"object\"}') VIRTUAL,\n" +
		"  PRIMARY KEY (`_id`)\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
		"INSERT INTO `countryinfo` (`doc`) VALUES ('{\\\"GNP\\\": 828, \\\"_id\\\": \\\"00005de917d80000000000000000\\\", \\\"Code\\\": \\\"ABW\\\", \\\"Name\\\": \\\"Aruba\\\", \\\"IndepYear\\\": null}');\n"
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"world_x countryinfo", worldX, []string{`countryinfo@7: s:"{\"GNP\": 828, \"_id\": \"00005de917d80000000000000000\", \"Code\": \"ABW\", \"Name\": \"Aruba\", \"IndepYear\": null}"|s:"00005de917d80000000000000000"|s:"{\"type\": \"object\"}"`}},
		{"JSON operators", "CREATE TABLE `j` (`doc` json, `name` varchar(20) AS (`doc`->>'$.name'), `tags` json AS (`doc`->'$.tags'),\n" +
			" `first` varchar(9) AS (json_unquote(json_extract(`doc`, '$.tags[0]'))), `lastn` int AS (`doc`->>'$.n[last]'),\n" +
			" `both` json AS (json_extract(`doc`, '$.name', '$.nope', '$.\"odd key\"')), `none` varchar(5) AS (`doc`->>'$.nope'));\n" +
			"INSERT INTO `j` (`doc`) VALUES ('{\"name\": \"Zoë \\\\\"Z\\\\\"\", \"tags\": [\"a\", \"b\"], \"n\": [1, 2, 30], \"odd key\": {\"z\": 1, \"a\": true}}'),(NULL);\n",
			[]string{`j@4: s:"{\"name\": \"Zoë \\\"Z\\\"\", \"tags\": [\"a\", \"b\"], \"n\": [1, 2, 30], \"odd key\": {\"z\": 1, \"a\": true}}"|s:"Zoë \"Z\""|s:"[\"a\", \"b\"]"|s:"a"|n:30|s:"[\"Zoë \\\"Z\\\"\", {\"a\": true, \"z\": 1}]"|NULL`,
				`j@4: NULL|NULL|NULL|NULL|NULL|NULL|NULL`}},
		{"arithmetic", "CREATE TABLE `a` (`price` decimal(8,2), `qty` int, `rate` double,\n" +
			" `total` decimal(10,2) AS ((`price` * `qty`)) STORED, `each` decimal(12,4) AS ((`price` / 3)), `q` int AS (`qty` DIV 4),\n" +
			" `r` int AS ((`qty` % 4)), `neg` int AS (-(`qty`)), `half` int AS ((`qty` / 2)), `f` double AS ((`rate` * 2)), `s` varchar(20) AS ((`qty` / 3)));\n" +
			"INSERT INTO `a` (`price`, `qty`, `rate`) VALUES (12.50,7,0.1),(NULL,-5,1e300),(1.00,0,-2.5);\n",
			[]string{`a@4: n:12.50|n:7|n:0.1|n:87.50|n:4.1667|n:1|n:3|n:-7|n:4|n:0.2|s:"2.3333"`,
				`a@4: NULL|n:-5|n:1e300|NULL|NULL|n:-1|n:-1|n:5|n:-3|n:2e300|s:"-1.6667"`,
				`a@4: n:1.00|n:0|n:-2.5|n:0.00|n:0.3333|n:0|n:0|n:0|n:0|n:-5|s:"0.0000"`}},
		{"concat and dates", "CREATE TABLE `p` (`first` varchar(9), `last` varchar(9), `born` date, `seen` datetime(6),\n" +
			" `full` varchar(20) AS (concat(`first`,_utf8mb4' ',`last`)), `ws` varchar(20) AS (concat_ws('-',`first`,NULL,`last`,`born`)),\n" +
			" `y` year AS (year(`born`)), `m` tinyint AS (month(`born`)), `d` tinyint AS (dayofmonth(`born`)), `day` date AS (cast_me),\n" +
			" `dd` date AS (date(`seen`)), `h` tinyint AS (hour(`seen`)), `dow` tinyint AS (dayofweek(`born`)), `wd` tinyint AS (weekday(`born`)),\n" +
			" `doy` smallint AS (dayofyear(`born`)), `qq` tinyint AS (quarter(`born`)), `lc` varchar(9) AS (lcase(`first`)));\n" +
			"INSERT INTO `p` (`first`, `last`, `born`, `seen`) VALUES ('Ada','Lovelace','1815-12-10','2026-11-24 03:15:00.123456'),('Bo',NULL,'0000-00-00',NULL);\n",
			[]string{`p@6: s:"Ada"|s:"Lovelace"|s:"1815-12-10"|s:"2026-11-24 03:15:00.123456"|s:"Ada Lovelace"|s:"Ada-Lovelace-1815-12-10"|n:1815|n:12|n:10|MISSING|s:"2026-11-24"|n:3|n:1|n:6|n:344|n:4|MISSING`,
				`p@6: s:"Bo"|NULL|s:"0000-00-00"|NULL|NULL|s:"Bo-0000-00-00"|n:0|n:0|n:0|MISSING|NULL|NULL|NULL|NULL|NULL|n:0|MISSING`}},
		{"values the dump holds are kept", "CREATE TABLE `k` (`a` int, `b` int AS ((`a` + 1)) PERSISTENT);\nINSERT INTO `k` VALUES (1,5);\n",
			[]string{`k@2: n:1|n:5`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bufSize := range []int{11, 0} {
				rec, _, err := scanString(t, tc.sql, ScanOptions{BufferSize: bufSize})
				if err != nil {
					t.Fatalf("buf %d: %v", bufSize, err)
				}
				if diff := cmp.Diff(tc.want, rec.rows); diff != "" {
					t.Errorf("buf %d rows (-want +got):\n%s", bufSize, diff)
				}
			}
		})
	}
}

// TestCompileGeneratedRefuses lists expressions Scan does not evaluate.
func TestCompileGeneratedRefuses(t *testing.T) {
	for _, expr := range []string{"lcase(`a`)", "`a` + `nope`", "json_extract(`a`, '$[*]')", "json_extract(`a`, `b`)", "`a` ->> '$.x' || 'y'", "if(`a`,1,2)"} {
		tbl := &Table{Name: "t", Columns: []Column{{Name: "a", Type: "json"}, {Name: "b", Type: "varchar"}, {Name: "g", Type: "int", Generated: true, Expression: expr}}}
		if _, err := compileGenerated(tbl, 2); err == nil {
			t.Errorf("%s compiled", expr)
		} else if strings.Contains(err.Error(), "not computed") {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

// FuzzGenerated compiles and evaluates arbitrary generation expressions on
// a row: no panic, and an expression that compiles evaluates to a value or
// to "not computed".
func FuzzGenerated(f *testing.F) {
	for _, e := range []string{"json_unquote(json_extract(`doc`,_utf8mb4'$._id'))", "(`n` * 2) / 3", "`doc`->>'$.a[last-1]'",
		"concat_ws('-',`s`,year(`d`),`n` DIV 0)", "dayofweek(`d`) % 7", "-(-`n`)", "json_extract(`doc`,'$.\"k\"','$[0]')"} {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		tbl := &Table{Name: "t", Columns: []Column{{Name: "doc", Type: "json"}, {Name: "n", Type: "decimal", Scale: 2}, {Name: "s", Type: "varchar"},
			{Name: "d", Type: "date"}, {Name: "g", Type: "varchar", Generated: true, Expression: expr}}}
		e, err := compileGenerated(tbl, 4)
		if err != nil {
			return
		}
		row := []Value{{Kind: String, Bytes: []byte(`{"a": [1, "x", {"b": null}], "k": 2.5, "_id": "z"}`)}, {Kind: Number, Bytes: []byte("-12.50")},
			{Kind: String, Bytes: []byte("héllo")}, {Kind: String, Bytes: []byte("2024-02-29")}, {}}
		if v, err := e.eval(&genEval{t: tbl, row: row}); err == nil {
			for _, c := range tbl.Columns[:4] {
				_, _, _ = coerce(&c, v, nil)
			}
		}
	})
}
