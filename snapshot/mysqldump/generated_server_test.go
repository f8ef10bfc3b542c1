package mysqldump

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
)

// TestGeneratedAgainstServer restores a dump whose INSERTs leave the
// generated columns out (as mysqldump writes them) into a real server and
// compares the values the server computes with those Scan computes, column
// by column. JSON-typed results are left to TestScanGeneratedColumns:
// MariaDB, unlike MySQL, does not normalise JSON.
func TestGeneratedAgainstServer(t *testing.T) {
	dsn := mysqltest.DSN(t)
	prefix := mysqltest.Prefix(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := prefix + "gen"
	create := "CREATE TABLE `g` (`id` int NOT NULL, `price` decimal(8,2), `qty` int, `rate` double, `first` varchar(9), `last` varchar(9),\n" +
		" `born` date, `seen` datetime(6), `doc` longtext,\n" +
		" `total` decimal(10,2) GENERATED ALWAYS AS ((`price` * `qty`)) STORED, `each_` decimal(12,4) AS ((`price` / 3)) VIRTUAL,\n" +
		" `q` int AS ((`qty` DIV 4)) VIRTUAL, `r` int AS ((`qty` % 4)) VIRTUAL, `half` int AS ((`qty` / 2)) VIRTUAL,\n" +
		" `neg` bigint AS (-(`qty`) * 3 + 1) VIRTUAL, `f` double AS ((`rate` * 2)) VIRTUAL, `s` varchar(20) AS (concat(`qty` * 2, `price` + 1)) VIRTUAL,\n" +
		" `full` varchar(20) AS (concat(`first`,' ',`last`)) VIRTUAL, `ws` varchar(40) AS (concat_ws('-',`first`,`last`,`born`)) VIRTUAL,\n" +
		" `y` int AS (year(`born`)) VIRTUAL, `m` int AS (month(`born`)) VIRTUAL, `dm` int AS (dayofmonth(`born`)) VIRTUAL,\n" +
		" `d2` date AS (date(`seen`)) VIRTUAL, `h` int AS (hour(`seen`)) VIRTUAL,\n" +
		" `mi` int AS (minute(`seen`)) VIRTUAL, `dow` int AS (dayofweek(`born`)) VIRTUAL, `wd` int AS (weekday(`born`)) VIRTUAL,\n" +
		" `doy` int AS (dayofyear(`born`)) VIRTUAL, `qu` int AS (quarter(`born`)) VIRTUAL,\n" +
		" `nm` varchar(20) AS (json_unquote(json_extract(`doc`,'$.name'))) VIRTUAL, `tg` varchar(20) AS (json_unquote(json_extract(`doc`,'$.tags[1]'))) VIRTUAL,\n" +
		" `n` int AS (json_extract(`doc`,'$.n') + 1) VIRTUAL,\n" +
		" PRIMARY KEY (`id`))"
	insert := "INSERT INTO `g` (`id`, `price`, `qty`, `rate`, `first`, `last`, `born`, `seen`, `doc`) VALUES " +
		"(1,12.50,7,0.1,'Ada','Lovelace','1815-12-10','2026-11-24 03:15:00.123456','{\"name\": \"Zoë\", \"tags\": [\"a\", \"b\"], \"n\": 41}')," +
		"(2,NULL,-5,1e300,'Bo',NULL,'2024-02-29',NULL,'{\"name\": null}')," +
		"(3,1.00,0,-2.5,NULL,'X','1999-12-31','1999-12-31 23:59:59.000001',NULL)," +
		"(4,-0.05,3,1.5,'Ü','ß','2000-01-01','2000-01-01 00:00:00','[1]')"
	for _, q := range []string{"CREATE DATABASE `" + name + "`", "USE `" + name + "`", create, insert} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rows, err := conn.QueryContext(ctx, "SELECT * FROM `g` ORDER BY `id`")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var server [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		server = append(server, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rec := &valuesRecorder{}
	if _, err := scanBytesWith([]byte(create+";\n"+insert+";\n"), rec); err != nil {
		t.Fatal(err)
	}
	var scanned [][]string
	for _, r := range rec.rows {
		row := make([]string, len(r))
		for i, v := range r {
			switch {
			case v == "NULL":
				row[i] = v
			case strings.HasPrefix(v, "n:"):
				row[i] = v[2:]
			default:
				row[i], _ = strconv.Unquote(v[2:])
			}
		}
		scanned = append(scanned, row)
	}
	// The generated columns only (the others are the dump's text), the
	// double as a number (the text protocol prints it its own way).
	gen := func(rows [][]string) [][]string {
		var out [][]string
		for _, r := range rows {
			var g []string
			for i, c := range rec.table.Columns {
				if !c.Generated {
					continue
				}
				v := r[i]
				if f, err := strconv.ParseFloat(v, 64); err == nil && c.Type == "double" {
					v = strconv.FormatFloat(f, 'g', -1, 64)
				}
				g = append(g, c.Name+"="+v)
			}
			out = append(out, g)
		}
		return out
	}
	if diff := cmp.Diff(gen(server), gen(scanned)); diff != "" {
		t.Errorf("server (-) and Scan (+) differ:\n%s", diff)
	}
	if len(server) != 4 {
		t.Errorf("%d rows", len(server))
	}
}
