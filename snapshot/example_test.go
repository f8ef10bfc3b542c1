package snapshot_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

const dump = "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `pcn` varchar(20) NOT NULL,\n  `amount` decimal(10,2) DEFAULT NULL\n);\n" +
	"INSERT INTO `PCN_IC` VALUES (1,'AB12345',65.00),(2,'it\\'s',NULL);\n" +
	"/*!50001 CREATE VIEW `v` AS SELECT 1 AS `id`*/;\n"

// printer is a snapshot.Handler that prints what it is given.
type printer struct{}

func (printer) CreateTable(t *snapshot.Table) error {
	fmt.Printf("table %s:", t.Name)
	for _, c := range t.Columns {
		fmt.Printf(" %s %s", c.Name, c.Type)
	}
	fmt.Println()
	return nil
}

func (printer) Row(t *snapshot.Table, vals []snapshot.Value, line int) error {
	fmt.Printf("row of %s at line %d:", t.Name, line)
	for _, v := range vals {
		if v.Kind == snapshot.Null {
			fmt.Print(" NULL")
		} else {
			fmt.Printf(" %q", v.Bytes)
		}
	}
	fmt.Println()
	return nil
}

func (printer) Skip(s snapshot.Skipped) { fmt.Printf("skipped %s %s\n", s.Kind, s.Name) }

func ExampleScan() {
	st, err := snapshot.Scan(context.Background(), strings.NewReader(dump), printer{}, snapshot.ScanOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Rows, "rows")
	// Output:
	// table PCN_IC: id int pcn varchar amount decimal
	// row of PCN_IC at line 8: "1" "AB12345" "65.00"
	// row of PCN_IC at line 8: "2" "it's" NULL
	// skipped view v
	// 2 rows
}

func ExampleStatementReader() {
	sr := snapshot.NewStatementReader(strings.NewReader(dump), snapshot.ReaderOptions{})
	for {
		st, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("line %d: %s %s (version %d)\n", st.Line, st.Kind, st.Name, st.Version)
	}
	// Output:
	// line 2: SET  (version 40101)
	// line 3: CREATE TABLE PCN_IC (version 0)
	// line 8: INSERT PCN_IC (version 0)
	// line 9: CREATE VIEW v (version 50001)
}

func ExampleNewEmbedded() {
	ctx := context.Background()
	dumps, store := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	defer dumps.Close()
	defer store.Close()
	_ = dumps.WriteAll(ctx, "parking/liberator_dump_20261124.sql", []byte(dump), nil)

	snaps, err := snapshot.NewEmbedded(snapshot.EmbeddedOptions{
		Store: store,
		Clock: liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)),
		// mem:// buckets cannot be reopened by URL: hand over the open one.
		Read: snapshot.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := snaps.CreateSnapshot(ctx, liberator.SnapshotRequest{
		ID:   "sql-to-parquet-26-11-24-031500",
		Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "parking/liberator_dump_20261124.sql"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.ID, info.Status, info.Created.Format(time.RFC3339))
	fmt.Println(info.Source)

	// The exporter reopens the dump from the snapshot's Source.
	d, err := snapshot.OpenSource(ctx, info.Source, snapshot.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	fmt.Println(d.Format, d.Size)
	// Output:
	// sql-to-parquet-26-11-24-031500 available 2026-11-24T03:15:00Z
	// mem://dumps#parking/liberator_dump_20261124.sql
	// sql 316
}
