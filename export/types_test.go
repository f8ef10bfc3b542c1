package export

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// leafShape is what the file's schema says of a column.
type leafShape struct {
	Physical string
	Length   int
	Logical  string
	Optional bool
}

// shapeOf reads a leaf's shape from the file's own schema elements (so
// it sees what is on disk, not what the reader infers).
func shapeOf(f *parquet.File, name string) leafShape {
	for _, el := range f.Metadata().Schema {
		if el.Name != name {
			continue
		}
		typ, _ := el.Type.Get()
		n, _ := el.TypeLength.Get()
		if typ != format.FixedLenByteArray {
			n = 0 // parquet-go records the bit width of other types too
		}
		rep, _ := el.RepetitionType.Get()
		return leafShape{Physical: typ.String(), Length: int(n), Logical: el.LogicalType.String(), Optional: rep == format.Optional}
	}
	return leafShape{}
}

func TestTypeMapping(t *testing.T) {
	big300k := strings.Repeat("liberator ☃ ", 300*1024/14+1)
	geom := "\xe6\x10\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40"
	tests := []struct {
		name  string
		col   mysqldump.Column
		in    []mysqldump.Value
		want  []any
		shape leafShape
	}{
		{"tinyint", mysqldump.Column{Type: "tinyint"}, []mysqldump.Value{num("-128"), num("127"), null, str("12")},
			[]any{int32(-128), int32(127), nil, int32(12)}, leafShape{"INT32", 0, "", true}},
		{"tinyint_unsigned", mysqldump.Column{Type: "tinyint", Unsigned: true, NotNull: true}, []mysqldump.Value{num("0"), num("255")},
			[]any{int32(0), int32(255)}, leafShape{"INT32", 0, "", false}},
		{"bool_stays_int", mysqldump.Column{Type: "tinyint", Length: 1}, []mysqldump.Value{num("2"), num("-1"), num("1")},
			[]any{int32(2), int32(-1), int32(1)}, leafShape{"INT32", 0, "", true}},
		{"smallint", mysqldump.Column{Type: "smallint"}, []mysqldump.Value{num("-32768"), num("32767")},
			[]any{int32(-32768), int32(32767)}, leafShape{"INT32", 0, "", true}},
		{"smallint_unsigned", mysqldump.Column{Type: "smallint", Unsigned: true}, []mysqldump.Value{num("65535"), num("0")},
			[]any{int32(65535), int32(0)}, leafShape{"INT32", 0, "", true}},
		{"mediumint", mysqldump.Column{Type: "mediumint"}, []mysqldump.Value{num("-8388608"), num("8388607")},
			[]any{int32(-8388608), int32(8388607)}, leafShape{"INT32", 0, "", true}},
		{"mediumint_unsigned", mysqldump.Column{Type: "mediumint", Unsigned: true}, []mysqldump.Value{num("16777215")},
			[]any{int64(16777215)}, leafShape{"INT64", 0, "", true}},
		{"int", mysqldump.Column{Type: "int"}, []mysqldump.Value{num("-2147483648"), num("2147483647"), num("12.5"), num("-12.5"), str(" 7 ")},
			[]any{int32(-2147483648), int32(2147483647), int32(13), int32(-13), int32(7)}, leafShape{"INT32", 0, "", true}},
		{"int_unsigned", mysqldump.Column{Type: "int", Unsigned: true}, []mysqldump.Value{num("4294967295"), num("0"), hexv(0x01, 0x00)},
			[]any{int64(4294967295), int64(0), int64(256)}, leafShape{"INT64", 0, "", true}},
		{"bigint", mysqldump.Column{Type: "bigint", NotNull: true}, []mysqldump.Value{num("-9223372036854775808"), num("9223372036854775807"), num("1e3")},
			[]any{int64(-9223372036854775808), int64(9223372036854775807), int64(1000)}, leafShape{"INT64", 0, "", false}},
		{"bigint_unsigned", mysqldump.Column{Type: "bigint", Unsigned: true}, []mysqldump.Value{num("18446744073709551615"), num("0"), num("9223372036854775808"), null, hexv(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), str("42")},
			[]any{exporttest.Twos("18446744073709551615", 9), exporttest.Twos("0", 9), exporttest.Twos("9223372036854775808", 9), nil, exporttest.Twos("18446744073709551615", 9), exporttest.Twos("42", 9)}, leafShape{"FIXED_LEN_BYTE_ARRAY", 9, "DECIMAL(20,0)", true}},
		{"year", mysqldump.Column{Type: "year"}, []mysqldump.Value{num("2155"), num("1901"), num("0"), str("2026"), num("26"), str("70"), str("00")},
			[]any{int32(2155), int32(1901), int32(0), int32(2026), int32(2026), int32(1970), int32(2000)}, leafShape{"INT32", 0, "", true}},
		{"decimal_5_2", mysqldump.Column{Type: "decimal", Precision: 5, Scale: 2}, []mysqldump.Value{num("3.5"), num("-999.99"), str("12.345"), num("-0.005"), num("0.00")},
			[]any{int32(350), int32(-99999), int32(1235), int32(-1), int32(0)}, leafShape{"INT32", 0, "DECIMAL(5,2)", true}},
		{"decimal_18_4_negative", mysqldump.Column{Type: "decimal", Precision: 18, Scale: 4}, []mysqldump.Value{num("-12345678901234.5678"), num("99999999999999.9999")},
			[]any{int64(-123456789012345678), int64(999999999999999999)}, leafShape{"INT64", 0, "DECIMAL(18,4)", true}},
		{"decimal_38_10", mysqldump.Column{Type: "decimal", Precision: 38, Scale: 10}, []mysqldump.Value{
			num("-1234567890123456789012345678.0123456789"), num("9999999999999999999999999999.9999999999"), num("-9999999999999999999999999999.9999999999"), num("0.0000000001")},
			[]any{exporttest.Twos("-12345678901234567890123456780123456789", 16), exporttest.Twos("99999999999999999999999999999999999999", 16),
				exporttest.Twos("-99999999999999999999999999999999999999", 16), exporttest.Twos("1", 16)},
			leafShape{"FIXED_LEN_BYTE_ARRAY", 16, "DECIMAL(38,10)", true}},
		{"decimal_20_0", mysqldump.Column{Type: "decimal", Precision: 20, Scale: 0}, []mysqldump.Value{num("-99999999999999999999")},
			[]any{exporttest.Twos("-99999999999999999999", 9)}, leafShape{"FIXED_LEN_BYTE_ARRAY", 9, "DECIMAL(20,0)", true}},
		{"decimal_65_30", mysqldump.Column{Type: "decimal", Precision: 65, Scale: 30}, []mysqldump.Value{
			num("12345678901234567890123456789012345.123456789012345678901234567890"), num("-0.000000000000000000000000000001"), num("5"), str("1.5e2")},
			[]any{"12345678901234567890123456789012345.123456789012345678901234567890", "-0.000000000000000000000000000001",
				"5.000000000000000000000000000000", "150.000000000000000000000000000000"},
			leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"float", mysqldump.Column{Type: "float"}, []mysqldump.Value{num("3.14159"), num("-0"), num("0"), num("1e-05"), null},
			[]any{exporttest.Dbl(3.14159), exporttest.Dbl(exporttest.NegZero()), exporttest.Dbl(0), exporttest.Dbl(1e-05), nil}, leafShape{"DOUBLE", 0, "", true}},
		{"double", mysqldump.Column{Type: "double"}, []mysqldump.Value{num("1.7976931348623157e308"), num("-0"), num("-2.2250738585072014e-308")},
			[]any{exporttest.Dbl(1.7976931348623157e308), exporttest.Dbl(exporttest.NegZero()), exporttest.Dbl(-2.2250738585072014e-308)}, leafShape{"DOUBLE", 0, "", true}},
		{"varchar", mysqldump.Column{Type: "varchar", Length: 255}, []mysqldump.Value{str("a\x00b"), str("🅿️ parking 🚗"), str(""), null, num("12")},
			[]any{"a\x00b", "🅿️ parking 🚗", "", nil, "12"}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"longtext_300k", mysqldump.Column{Type: "longtext"}, []mysqldump.Value{str(big300k)},
			[]any{big300k}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"char_not_null", mysqldump.Column{Type: "char", Length: 3, NotNull: true}, []mysqldump.Value{str("abc")},
			[]any{"abc"}, leafShape{"BYTE_ARRAY", 0, "STRING", false}},
		{"enum", mysqldump.Column{Type: "enum", Elements: []string{"a", "b", "c"}}, []mysqldump.Value{str("b"), num("3"), null},
			[]any{"b", "c", nil}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"set", mysqldump.Column{Type: "set", Elements: []string{"a", "b", "c"}}, []mysqldump.Value{str("a,c"), num("6"), str("")},
			[]any{"a,c", "b,c", ""}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"json", mysqldump.Column{Type: "json"}, []mysqldump.Value{str(`{"bay": 12, "zone": "Ω"}`)},
			[]any{`{"bay": 12, "zone": "Ω"}`}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"blob", mysqldump.Column{Type: "blob"}, []mysqldump.Value{str("\x00\x01\xff\x00"), hexv(0xde, 0xad, 0x00), null},
			[]any{"\x00\x01\xff\x00", "\xde\xad\x00", nil}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"binary_pads", mysqldump.Column{Type: "binary", Length: 4}, []mysqldump.Value{str("ab"), hexv(1, 2, 3, 4)},
			[]any{"ab\x00\x00", "\x01\x02\x03\x04"}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"varbinary", mysqldump.Column{Type: "varbinary", Length: 16}, []mysqldump.Value{str("\x00")},
			[]any{"\x00"}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"geometry", mysqldump.Column{Type: "geometry"}, []mysqldump.Value{hexv([]byte(geom)...), str(geom)},
			[]any{geom, geom}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"point", mysqldump.Column{Type: "point", NotNull: true}, []mysqldump.Value{hexv([]byte(geom)...)},
			[]any{geom}, leafShape{"BYTE_ARRAY", 0, "", false}},
		{"bit1", mysqldump.Column{Type: "bit", Length: 1}, []mysqldump.Value{bitv(1), bitv(0), str("\x01"), num("1")},
			[]any{"\x01", "\x00", "\x01", "\x01"}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"bit12", mysqldump.Column{Type: "bit", Length: 12}, []mysqldump.Value{bitv(0x0a, 0xaa), bitv(0x05), hexv(0x0f, 0xff)},
			[]any{"\x0a\xaa", "\x00\x05", "\x0f\xff"}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"bit64", mysqldump.Column{Type: "bit", Length: 64}, []mysqldump.Value{hexv(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), bitv(1)},
			[]any{"\xff\xff\xff\xff\xff\xff\xff\xff", "\x00\x00\x00\x00\x00\x00\x00\x01"}, leafShape{"BYTE_ARRAY", 0, "", true}},
		{"date", mysqldump.Column{Type: "date", NotNull: true}, []mysqldump.Value{str("2026-11-24"), str("0000-00-00"), str("2026-00-15"), str("1000-01-01"), num("20240229")},
			[]any{"2026-11-24", nil, nil, "1000-01-01", "2024-02-29"}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"time", mysqldump.Column{Type: "time", Length: 6}, []mysqldump.Value{str("-838:59:59"), str("12:00:00.250000"), str("838:59:59.000000"), str("1:02:03"), null},
			[]any{"-838:59:59", "12:00:00.250000", "838:59:59.000000", "01:02:03", nil}, leafShape{"BYTE_ARRAY", 0, "STRING", true}},
		{"datetime6", mysqldump.Column{Type: "datetime", Length: 6}, []mysqldump.Value{
			str("2026-11-24 03:15:00.123456"), str("0000-00-00 00:00:00"), str("1969-12-31 23:59:59.999999"), str("9999-12-31 23:59:59.999999"), str("1000-01-01 00:00:00"), str("2026-11-24 03:15:00.5")},
			[]any{exporttest.Micros(2026, 11, 24, 3, 15, 0, 123456), nil, int64(-1), exporttest.Micros(9999, 12, 31, 23, 59, 59, 999999), exporttest.Micros(1000, 1, 1, 0, 0, 0, 0), exporttest.Micros(2026, 11, 24, 3, 15, 0, 500000)},
			leafShape{"INT64", 0, "TIMESTAMP(isAdjustedToUTC=false,unit=MICROS)", true}},
		{"timestamp", mysqldump.Column{Type: "timestamp", NotNull: true}, []mysqldump.Value{str("2038-01-19 03:14:07"), str("1970-01-01 00:00:01"), str("0000-00-00 00:00:00")},
			[]any{int64(2147483647000000), int64(1000000), nil}, leafShape{"INT64", 0, "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", true}},
		{"virtual_generated", mysqldump.Column{Type: "int", NotNull: true, Generated: true, Virtual: true}, []mysqldump.Value{missing, missing},
			[]any{nil, nil}, leafShape{"INT32", 0, "", true}},
		{"stored_generated", mysqldump.Column{Type: "int", Generated: true}, []mysqldump.Value{num("5")},
			[]any{int32(5)}, leafShape{"INT32", 0, "", true}},
		{"stored_generated_not_null_omitted", mysqldump.Column{Type: "int", NotNull: true, Generated: true}, []mysqldump.Value{missing, num("6")},
			[]any{nil, int32(6)}, leafShape{"INT32", 0, "", true}},
	}
	zeroCounts := map[string]int64{"date": 2, "datetime6": 1, "timestamp": 1}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col := tc.col
			col.Name = "c_" + tc.name
			tbl := &mysqldump.Table{Name: "T_" + tc.name, Columns: []mysqldump.Column{{Name: "id", Type: "int", NotNull: true}, col}, Line: 3}
			var rows [][]mysqldump.Value
			var want [][]any
			for i, v := range tc.in {
				rows = append(rows, []mysqldump.Value{num(string(rune('0' + i))), v})
				want = append(want, []any{int32(i), tc.want[i]})
			}
			e, bucket := newTestExporter(t, rowsOf(tbl, rows...), nil)
			info, err := e.StartExport(context.Background(), exportReq("exp-1"))
			if err != nil {
				t.Fatal(err)
			}
			if info.Status != liberator.ExportComplete {
				t.Fatalf("status %s: %s", info.Status, info.FailureCause)
			}
			prefix := "exp-1/liberator/liberator." + tbl.Name + "/1/"
			got := exporttest.ReadRows(t, bucket, prefix)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			keys := exporttest.ListKeys(t, bucket)
			var part string
			for _, k := range keys {
				if strings.HasPrefix(k, prefix) {
					part = k
				}
			}
			f := exporttest.ReadParquet(t, bucket, part)
			fields := f.Schema().Fields()
			if diff := cmp.Diff([]string{"id", col.Name}, []string{fields[0].Name(), fields[1].Name()}); diff != "" {
				t.Errorf("column names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.shape, shapeOf(f, col.Name)); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
			// the report counts the zero dates
			rep := readTablesReport(t, bucket, "exp-1")
			var gotZero int64
			if len(rep.PerTableStatus) == 1 {
				gotZero = rep.PerTableStatus[0].ZeroDatesNulled[col.Name]
			}
			if wantZero := zeroCounts[tc.name]; gotZero != wantZero {
				t.Errorf("zero dates counted = %d, want %d", gotZero, wantZero)
			}
		})
	}
}

func TestNullInEveryNullableColumn(t *testing.T) {
	types := []mysqldump.Column{
		{Type: "tinyint"}, {Type: "tinyint", Unsigned: true}, {Type: "smallint"}, {Type: "smallint", Unsigned: true},
		{Type: "mediumint"}, {Type: "mediumint", Unsigned: true}, {Type: "int"}, {Type: "int", Unsigned: true},
		{Type: "bigint"}, {Type: "bigint", Unsigned: true}, {Type: "year"},
		{Type: "decimal", Precision: 5, Scale: 2}, {Type: "decimal", Precision: 18, Scale: 4},
		{Type: "decimal", Precision: 38, Scale: 10}, {Type: "decimal", Precision: 65, Scale: 30},
		{Type: "float"}, {Type: "double"}, {Type: "bit", Length: 12}, {Type: "binary", Length: 4}, {Type: "varbinary", Length: 9},
		{Type: "tinyblob"}, {Type: "blob"}, {Type: "mediumblob"}, {Type: "longblob"}, {Type: "geometry"}, {Type: "point"},
		{Type: "linestring"}, {Type: "polygon"}, {Type: "multipoint"}, {Type: "multilinestring"}, {Type: "multipolygon"},
		{Type: "geometrycollection"}, {Type: "char", Length: 3}, {Type: "varchar", Length: 9}, {Type: "tinytext"},
		{Type: "text"}, {Type: "mediumtext"}, {Type: "longtext"}, {Type: "enum", Elements: []string{"a"}},
		{Type: "set", Elements: []string{"a"}}, {Type: "json"}, {Type: "date"}, {Type: "time"}, {Type: "datetime"}, {Type: "timestamp"},
	}
	tbl := &mysqldump.Table{Name: "nulls"}
	var row []mysqldump.Value
	var want []any
	var wantOptional []bool
	for i, c := range types {
		c.Name = fmt.Sprintf("c%02d_%s", i, c.Type)
		tbl.Columns = append(tbl.Columns, c)
		row = append(row, null)
		want = append(want, nil)
		wantOptional = append(wantOptional, true)
	}
	e, bucket := newTestExporter(t, rowsOf(tbl, row), nil)
	info, err := e.StartExport(context.Background(), exportReq("n"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %s %s", err, info.Status, info.FailureCause)
	}
	got := exporttest.ReadRows(t, bucket, "n/liberator/liberator.nulls/")
	if diff := cmp.Diff([][]any{want}, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	var gotOptional []bool
	keys := exporttest.ListKeys(t, bucket)
	f := exporttest.ReadParquet(t, bucket, keys[len(keys)-1])
	for _, c := range tbl.Columns {
		gotOptional = append(gotOptional, shapeOf(f, c.Name).Optional)
	}
	if diff := cmp.Diff(wantOptional, gotOptional); diff != "" {
		t.Errorf("optional (-want +got):\n%s", diff)
	}
}
