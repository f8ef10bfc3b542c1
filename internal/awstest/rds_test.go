package awstest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestRDSSnapshotLifecycle(t *testing.T) {
	ctx := context.Background()
	f := NewRDS(liberator.NewVirtualClock(t0))
	defer f.Close()
	f.AddInstance("db1")
	f.SnapshotDescribes = 2
	c := rds.NewFromConfig(f.Config())

	out, err := c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("db1"), DBSnapshotIdentifier: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.DBSnapshot.Status); got != "creating" {
		t.Errorf("status %q", got)
	}
	if got, want := aws.ToString(out.DBSnapshot.DBSnapshotArn), SnapshotARN("s1"); got != want {
		t.Errorf("arn %q want %q", got, want)
	}
	if !aws.ToTime(out.DBSnapshot.SnapshotCreateTime).Equal(t0) {
		t.Errorf("time %v", out.DBSnapshot.SnapshotCreateTime)
	}
	var statuses []string
	for i := 0; i < 3; i++ {
		d, err := c.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("s1")})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, aws.ToString(d.DBSnapshots[0].Status))
	}
	if diff := cmp.Diff([]string{"creating", "creating", "available"}, statuses); diff != "" {
		t.Error(diff)
	}
	_, err = c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("db1"), DBSnapshotIdentifier: aws.String("s1")})
	var ae *types.DBSnapshotAlreadyExistsFault
	if !errors.As(err, &ae) {
		t.Errorf("second create: %v, want DBSnapshotAlreadyExistsFault", err)
	}
	_, err = c.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("nope")})
	var nf *types.DBSnapshotNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("delete missing: %v, want DBSnapshotNotFoundFault", err)
	}
	f.FailNext("DescribeDBSnapshots", 1, Fault{Code: CodeThrottling, Message: "Rate exceeded"})
	_, err = c.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != CodeThrottling {
		t.Errorf("throttled describe: %v", err)
	}
}

func TestRDSDescribePagination(t *testing.T) {
	ctx := context.Background()
	f := NewRDS(liberator.NewVirtualClock(t0))
	defer f.Close()
	for i := 0; i < 45; i++ {
		f.PutSnapshot(Snapshot{ID: fmt.Sprintf("s%02d", i), Instance: "db1"})
	}
	f.PutSnapshot(Snapshot{ID: "other", Instance: "db2"})
	c := rds.NewFromConfig(f.Config())
	var ids []string
	pages := 0
	p := rds.NewDescribeDBSnapshotsPaginator(c, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("db1"), MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.DBSnapshots {
			ids = append(ids, aws.ToString(s.DBSnapshotIdentifier))
		}
	}
	if pages != 3 || len(ids) != 45 {
		t.Errorf("pages %d ids %d, want 3 and 45", pages, len(ids))
	}
	_, err := c.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{MaxRecords: aws.Int32(10)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != CodeInvalidParameterValue {
		t.Errorf("MaxRecords 10: %v", err)
	}
}

func TestRDSExportLifecycle(t *testing.T) {
	ctx := context.Background()
	f := NewRDS(liberator.NewVirtualClock(t0))
	defer f.Close()
	f.PutSnapshot(Snapshot{ID: "s1", Instance: "db1"})
	f.MaxActiveExports = 1
	c := rds.NewFromConfig(f.Config())
	in := &rds.StartExportTaskInput{
		ExportTaskIdentifier: aws.String("e1"), SourceArn: aws.String(SnapshotARN("s1")),
		S3BucketName: aws.String("bkt"), S3Prefix: aws.String("exp"), IamRoleArn: aws.String("arn:role"),
		KmsKeyId: aws.String("arn:kms"), ExportOnly: []string{"liberator.PCN_IC", "liberator.B"},
	}
	out, err := c.StartExportTask(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"liberator.PCN_IC", "liberator.B"}, out.ExportOnly); diff != "" {
		t.Error(diff)
	}
	if got := aws.ToString(out.Status); got != "STARTING" {
		t.Errorf("status %q", got)
	}
	_, err = c.StartExportTask(ctx, in)
	var ae *types.ExportTaskAlreadyExistsFault
	if !errors.As(err, &ae) {
		t.Errorf("second start: %v", err)
	}
	in2 := *in
	in2.ExportTaskIdentifier = aws.String("e2")
	_, err = c.StartExportTask(ctx, &in2)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != CodeExportQuota {
		t.Errorf("quota: %v", err)
	}
	var statuses []string
	for i := 0; i < 3; i++ {
		d, err := c.DescribeExportTasks(ctx, &rds.DescribeExportTasksInput{ExportTaskIdentifier: aws.String("e1")})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, aws.ToString(d.ExportTasks[0].Status))
	}
	if diff := cmp.Diff([]string{"STARTING", "IN_PROGRESS", "COMPLETE"}, statuses); diff != "" {
		t.Error(diff)
	}
	_, err = c.DescribeExportTasks(ctx, &rds.DescribeExportTasksInput{ExportTaskIdentifier: aws.String("nope")})
	var nf *types.ExportTaskNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("describe missing: %v", err)
	}
}
