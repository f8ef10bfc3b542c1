package liberator_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/glue/localglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
)

// The embedded default: a zipped mysqldump to landing-zone Parquet with no
// server and no cloud account. Buckets are in memory here; use fileblob or
// s3blob buckets in a service.
func Example_embedded() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "liberator-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	dump := filepath.Join(dir, "liberator_dump_20261124.sql")
	sql := "CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `vrm` varchar(8) DEFAULT NULL,\n  `issued` datetime DEFAULT NULL\n);\n" +
		"INSERT INTO `PCN_IC` VALUES (1,'WK11ABC','2026-11-23 09:15:00'),(2,NULL,'0000-00-00 00:00:00');\n"
	if err := os.WriteFile(dump, []byte(sql), 0o644); err != nil {
		log.Fatal(err)
	}

	exports, landing, raw := memblob.OpenBucket(nil), memblob.OpenBucket(nil), memblob.OpenBucket(nil)
	snap, err := embeddedsnap.New(embeddedsnap.Options{Store: exports})
	if err != nil {
		log.Fatal(err)
	}
	exp := embeddedexport.New(exports, embeddedexport.Options{Export: export.Options{Database: "liberator"}})
	lander, err := bloblander.New(exports, landing, bloblander.Options{Prefix: "parking"})
	if err != nil {
		log.Fatal(err)
	}
	wf, err := localglue.New(landing, raw, localglue.Options{})
	if err != nil {
		log.Fatal(err)
	}
	p, err := liberator.New(liberator.Config{Snapshotter: snap, Exporter: exp, Lander: lander, Workflow: wf})
	if err != nil {
		log.Fatal(err)
	}
	received := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	first, err := liberator.NewRunMessage(liberator.DumpRef{Key: dump}, liberator.Date{}, false, received)
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.Run(ctx, first)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot", res.SnapshotID)
	for _, t := range res.Manifest.Tables {
		fmt.Println(t.Prefix, len(t.Objects), "file(s)")
	}
	ok, err := partition.Published(ctx, landing, "parking", "liberator", "PCN_IC", res.ImportDate)
	fmt.Println("published:", ok, err)
	// Output:
	// snapshot sql-to-parquet-26-11-24-031500
	// parking/liberator/liberator.PCN_IC/import_year=2026/import_month=11/import_day=24/import_date=20261124/ 1 file(s)
	// published: true <nil>
}
