package embeddedsnap_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

const dump = "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `pcn` varchar(20) NOT NULL,\n  `amount` decimal(10,2) DEFAULT NULL\n);\n" +
	"INSERT INTO `PCN_IC` VALUES (1,'AB12345',65.00),(2,'it\\'s',NULL);\n" +
	"/*!50001 CREATE VIEW `v` AS SELECT 1 AS `id`*/;\n"

func ExampleNew() {
	ctx := context.Background()
	dumps, store := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	defer dumps.Close()
	defer store.Close()
	_ = dumps.WriteAll(ctx, "parking/liberator_dump_20261124.sql", []byte(dump), nil)

	snaps, err := embeddedsnap.New(embeddedsnap.Options{
		Store: store,
		Clock: liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)),
		// mem:// buckets cannot be reopened by URL: hand over the open one.
		Read: mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}},
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
	fmt.Println(info.Kind, info.Dump.Bucket, info.Dump.Key)

	// The exporter reopens the dump the snapshot names.
	d, err := mysqldump.Open(ctx, info.Dump, mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	fmt.Println(d.Format, d.Size)
	// Output:
	// sql-to-parquet-26-11-24-031500 available 2026-11-24T03:15:00Z
	// dump mem://dumps parking/liberator_dump_20261124.sql
	// sql 316
}
