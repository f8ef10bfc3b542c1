package export_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// SchemaFor maps a table as the dump scanner reports it to a Parquet
// schema and a plan per column.
func ExampleSchemaFor() {
	table := &mysqldump.Table{Name: "PCN_IC", Columns: []mysqldump.Column{
		{Name: "id", Type: "bigint", Unsigned: true, NotNull: true},
		{Name: "amount", Type: "decimal", Precision: 8, Scale: 2},
		{Name: "issued", Type: "datetime", NotNull: true},
		{Name: "notes", Type: "text"},
	}}
	schema, plans, err := export.SchemaFor(table, export.SchemaOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plans {
		if p.ForcedOptional != "" {
			fmt.Printf("%v (%s)\n", p, p.ForcedOptional)
			continue
		}
		fmt.Println(p)
	}
	fmt.Print(schema)
	// Output:
	// PCN_IC.id uint64 REQUIRED
	// PCN_IC.amount decimal32 OPTIONAL
	// PCN_IC.issued datetime OPTIONAL (zero dates become NULL)
	// PCN_IC.notes string OPTIONAL
	// message PCN_IC {
	// 	required fixed_len_byte_array(9) id (DECIMAL(20,0));
	// 	optional int32 amount (DECIMAL(8,2));
	// 	optional int64 issued (TIMESTAMP(isAdjustedToUTC=false,unit=MICROS));
	// 	optional binary notes (STRING);
	// }
}

// Decode converts the scanner's literals exactly: decimals through their
// digits, datetimes to microseconds, zero dates to NULL.
func ExampleDecode() {
	_, plans, _ := export.SchemaFor(&mysqldump.Table{Name: "T", Columns: []mysqldump.Column{
		{Name: "amount", Type: "decimal", Precision: 8, Scale: 2},
		{Name: "issued", Type: "datetime", Length: 6},
	}}, export.SchemaOptions{})
	number := func(s string) mysqldump.Value { return mysqldump.Value{Kind: mysqldump.Number, Bytes: []byte(s)} }
	quoted := func(s string) mysqldump.Value { return mysqldump.Value{Kind: mysqldump.String, Bytes: []byte(s)} }
	for _, in := range []struct {
		plan export.ColumnPlan
		lit  mysqldump.Value
	}{{plans[0], number("-12.345")}, {plans[1], quoted("2026-11-24 03:15:00.5")}, {plans[1], quoted("0000-00-00 00:00:00")}, {plans[0], number("1e6")}} {
		v, err := export.Decode(in.plan, in.lit)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s -> %v\n", in.lit.Bytes, v)
	}
	// Output:
	// -12.345 -> -1235
	// 2026-11-24 03:15:00.5 -> 1795490100500000
	// 0000-00-00 00:00:00 -> <null>
	// decode T.amount: value "1e6" out of range for DECIMAL(8,2)
}

// memSource is a RowSource of one table held in memory.
type memSource struct {
	table *mysqldump.Table
	rows  [][]mysqldump.Value
}

func (*memSource) ReadsSnapshots() []liberator.SnapshotKind {
	return []liberator.SnapshotKind{liberator.SnapshotDump}
}

func (s *memSource) Rows(ctx context.Context, req export.RowsRequest, h mysqldump.Handler) (export.SourceStats, error) {
	if err := h.CreateTable(s.table); err != nil {
		return export.SourceStats{}, err
	}
	for i, row := range s.rows {
		if err := h.Row(s.table, row, i+1); err != nil {
			return export.SourceStats{}, err
		}
	}
	return export.SourceStats{}, nil
}

// New converts the rows of any RowSource; packages embeddedexport and
// mysqlexport supply the dump and database sources.
func ExampleNew() {
	src := &memSource{
		table: &mysqldump.Table{Name: "PCN_IC", Columns: []mysqldump.Column{
			{Name: "id", Type: "int", NotNull: true},
			{Name: "vrm", Type: "varchar", Length: 12},
		}},
		rows: [][]mysqldump.Value{
			{{Kind: mysqldump.Number, Bytes: []byte("1")}, {Kind: mysqldump.String, Bytes: []byte("AB12CDE")}},
			{{Kind: mysqldump.Number, Bytes: []byte("2")}, {Kind: mysqldump.Null}},
		},
	}
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	exp := export.New(bucket, src, export.Options{
		Clock:   liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)),
		NewUUID: func() string { return "5f0c" },
	})
	info, err := exp.StartExport(context.Background(), liberator.ExportRequest{
		ID:       "sql-to-parquet-26-11-24-031500",
		Snapshot: liberator.SnapshotInfo{ID: "sql-to-parquet-26-11-24-031500", Dump: liberator.DumpRef{Key: "in-memory"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Status, info.RowCounts)
	for _, t := range info.Tables {
		for _, c := range t.Columns {
			fmt.Printf("%s.%s: %s -> %s\n", t.Table, c.Name, c.MySQLType, c.ParquetType)
		}
	}
	iter := bucket.List(nil)
	for {
		obj, err := iter.Next(context.Background())
		if err == io.EOF {
			break
		}
		fmt.Println(obj.Key)
	}
	// Output:
	// COMPLETE map[liberator.PCN_IC:2]
	// liberator.PCN_IC.id: int -> INT32
	// liberator.PCN_IC.vrm: varchar -> BYTE_ARRAY STRING
	// sql-to-parquet-26-11-24-031500/export_info_sql-to-parquet-26-11-24-031500.json
	// sql-to-parquet-26-11-24-031500/export_tables_info_sql-to-parquet-26-11-24-031500_from_1_to_1.json
	// sql-to-parquet-26-11-24-031500/liberator/liberator.PCN_IC/1/part-00000-5f0c-c000.gz.parquet
}
