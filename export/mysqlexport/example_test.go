package mysqlexport_test

import (
	"context"
	"fmt"

	"gocloud.dev/blob/fileblob"

	"github.com/dataplatform/liberator-ingestion/export/mysqlexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// Restore a dump into a MySQL-compatible server as a snapshot, then export
// it to Parquet in the RDS export layout under /tmp/exports.
func ExampleNewBackend() {
	bucket, err := fileblob.OpenBucket("/tmp/exports", &fileblob.Options{CreateDir: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bucket.Close()
	b, err := mysqlexport.NewBackend(mysqlexport.BackendConfig{
		MySQL: mysqlsnap.Config{
			DSN: "admin:secret@tcp(liberator.abc.eu-west-2.rds.amazonaws.com:3306)/",
			// The RDS CA bundle: the connection is verified against it.
			TLSCAFile: "/etc/ssl/rds/global-bundle.pem",
		},
		Bucket: bucket,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	ctx := context.Background()
	snap, err := b.Snapshotter.CreateSnapshot(ctx, liberator.SnapshotRequest{
		ID:   "sql-to-parquet-26-11-24-031500",
		Dump: liberator.DumpRef{Key: "/data/liberator_dump_20261124.zip"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := b.Exporter.StartExport(ctx, liberator.ExportRequest{ID: snap.ID, Snapshot: snap})
	fmt.Println(info.Status, err)
}
