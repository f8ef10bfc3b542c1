package rdsexport_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Start an export of an available snapshot and follow it to COMPLETE. In
// production cfg comes from config.LoadDefaultConfig; here it points at the
// local RDS server.
func ExampleNew() {
	ctx := context.Background()
	rdsServer := awstest.NewRDS(liberator.NewVirtualClock(time.Date(2026, 11, 24, 4, 0, 0, 0, time.UTC)))
	defer rdsServer.Close()
	snapID := "sql-to-parquet-26-11-24-031500"
	rdsServer.PutSnapshot(awstest.Snapshot{ID: snapID, Instance: "liberator-db"})
	cfg := rdsServer.Config()

	exp, err := rdsexport.New(cfg, rdsexport.Options{
		Bucket:     "dev-liberator-export",
		Prefix:     "exports",
		IAMRoleARN: "arn:aws:iam::123456789012:role/liberator-rds-s3-export",
		KMSKeyID:   "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	snap := liberator.SnapshotInfo{ID: snapID, Status: liberator.SnapshotAvailable, Kind: liberator.SnapshotRDS, ARN: awstest.SnapshotARN(snapID)}
	info, err := exp.StartExport(ctx, liberator.ExportRequest{ID: liberator.ExportID(snapID), Snapshot: snap})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Status, info.Prefix)
	for !info.Status.Terminal() {
		if info, err = exp.DescribeExport(ctx, info.ID); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(info.Status, info.PercentProgress)
	// Output:
	// STARTING exports/sql-to-parquet-26-11-24-031500/
	// COMPLETE 100
}
