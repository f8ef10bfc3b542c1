package liberator_test

import (
	"fmt"
	"testing"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// BenchmarkCompare compares two imports of tables × columns where every
// tenth column of every table changed (removed, retyped or added): the
// time per column (ns/column) stays flat as the schema grows, so the cost
// is linear in the schema's size.
func BenchmarkCompare(b *testing.B) {
	for _, size := range []struct{ tables, columns int }{{50, 20}, {500, 200}, {2000, 400}} {
		b.Run(fmt.Sprintf("tables=%d/columns=%d", size.tables, size.columns), func(b *testing.B) {
			prev := &liberator.Manifest{ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 23}}
			var cur []liberator.TableExport
			for i := range size.tables {
				tm := liberator.TableManifest{Database: "liberator", Table: fmt.Sprintf("T%04d", i), Rows: 1000}
				te := liberator.TableExport{Table: "liberator." + tm.Table, Rows: 900}
				for j := range size.columns {
					c := liberator.ColumnExport{Name: fmt.Sprintf("c%04d", j), MySQLType: "int(11)", ParquetType: "INT32", Nullable: true}
					tm.Columns = append(tm.Columns, c)
					switch j % 30 {
					case 0: // removed
						continue
					case 10: // retyped
						c.MySQLType, c.ParquetType = "bigint", "INT64"
					case 20: // added
						c.Name += "_new"
					}
					te.Columns = append(te.Columns, c)
				}
				prev.Tables = append(prev.Tables, tm)
				cur = append(cur, te)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ch := liberator.Compare(prev, cur)
				if len(ch.Tables) != size.tables {
					b.Fatal(len(ch.Tables))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size.tables*size.columns), "ns/column")
		})
	}
}
