package rdsexport_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

const (
	snapID = "sql-to-parquet-26-11-24-031500"
	role   = "arn:aws:iam::123456789012:role/rds-s3-export"
	kms    = "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
)

func setup(t *testing.T, prefix string) (*awstest.RDS, *rdsexport.Exporter, liberator.SnapshotInfo) {
	t.Helper()
	f := awstest.NewRDS(liberator.NewVirtualClock(t0))
	t.Cleanup(f.Close)
	f.PutSnapshot(awstest.Snapshot{ID: snapID, Instance: "liberator-db", Created: t0})
	e, err := rdsexport.New(f.Config(), rdsexport.Options{Bucket: "dev-liberator-export", Prefix: prefix, IAMRoleARN: role, KMSKeyID: kms})
	if err != nil {
		t.Fatal(err)
	}
	return f, e, liberator.SnapshotInfo{ID: snapID, Status: liberator.SnapshotAvailable, Created: t0, Kind: liberator.SnapshotRDS, ARN: awstest.SnapshotARN(snapID)}
}

func TestStartExportPinsRequest(t *testing.T) {
	tests := []struct {
		name       string
		prefix     string
		tables     []string
		wantParams map[string]string
		wantPrefix string
	}{
		{
			name: "no prefix, all tables",
			wantParams: map[string]string{
				"ExportTaskIdentifier": snapID, "SourceArn": "arn:aws:rds:eu-west-2:123456789012:snapshot:" + snapID,
				"S3BucketName": "dev-liberator-export", "IamRoleArn": role, "KmsKeyId": kms,
			},
			wantPrefix: snapID + "/",
		},
		{
			name: "prefix and tables", prefix: "exports/", tables: []string{"PCN_IC", "liberator.Permits"},
			wantParams: map[string]string{
				"ExportTaskIdentifier": snapID, "SourceArn": "arn:aws:rds:eu-west-2:123456789012:snapshot:" + snapID,
				"S3BucketName": "dev-liberator-export", "S3Prefix": "exports", "IamRoleArn": role, "KmsKeyId": kms,
				"ExportOnly.member.1": "liberator.PCN_IC", "ExportOnly.member.2": "liberator.Permits",
			},
			wantPrefix: "exports/" + snapID + "/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e, snap := setup(t, tt.prefix)
			got, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: liberator.ExportID(snapID), Snapshot: snap, Tables: tt.tables})
			if err != nil {
				t.Fatal(err)
			}
			want := liberator.ExportInfo{ID: snapID, SnapshotID: snapID, Status: liberator.ExportStarting, Prefix: tt.wantPrefix}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("StartExport (-want +got):\n%s", diff)
			}
			reqs := f.Requests("StartExportTask")
			if len(reqs) != 1 {
				t.Fatalf("%d StartExportTask requests", len(reqs))
			}
			if diff := cmp.Diff(tt.wantParams, reqs[0].Params); diff != "" {
				t.Errorf("StartExportTask params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExportIDNormalized(t *testing.T) {
	f, e, snap := setup(t, "")
	long := "rds:liberator-db-2026-11-24-03-15-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	f.PutSnapshot(awstest.Snapshot{ID: long, Instance: "liberator-db"})
	snap.ID, snap.ARN = long, awstest.SnapshotARN(long)
	got, err := e.StartExport(context.Background(), liberator.ExportRequest{Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	want := "rds-liberator-db-2026-11-24-03-15-aaaaaaaaaaaaaaaaaaaaaaaaaa"
	if got.ID != want || len(want) != 60 || f.Requests("StartExportTask")[0].Params["ExportTaskIdentifier"] != want {
		t.Errorf("export id %q (len %d), want %q", got.ID, len(got.ID), want)
	}
}

func TestStartExportRefusesInvalidIDs(t *testing.T) {
	tests := []struct{ id, want string }{
		{"1-starts-with-digit", "must begin with a letter"},
		{"ends-with-hyphen-", "must not end with a hyphen"},
		{"double--hyphen", "two consecutive hyphens"},
		{"under_score", "only ASCII letters, digits and hyphens"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			f, e, snap := setup(t, "")
			_, err := e.StartExport(context.Background(), liberator.ExportRequest{ID: tt.id, Snapshot: snap})
			if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalid saying %q", err, tt.want)
			}
			if n := len(f.Requests("StartExportTask")); n != 0 {
				t.Errorf("%d StartExportTask requests for an invalid id", n)
			}
		})
	}
}

func TestStartExportAlreadyExistsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f, e, snap := setup(t, "")
	req := liberator.ExportRequest{ID: snapID, Snapshot: snap}
	if _, err := e.StartExport(ctx, req); err != nil {
		t.Fatal(err)
	}
	got, err := e.StartExport(ctx, req)
	if err != nil {
		t.Fatalf("second StartExport: %v", err)
	}
	if got.ID != snapID || got.Status != liberator.ExportStarting {
		t.Errorf("second StartExport: %+v", got)
	}
	if n := len(f.Requests("DescribeExportTasks")); n != 1 {
		t.Errorf("%d describes after ExportTaskAlreadyExists, want 1", n)
	}
}

func TestStartExportErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *awstest.RDS)
		snap  func(s liberator.SnapshotInfo) liberator.SnapshotInfo
		want  error
	}{
		{"quota of concurrent exports", func(f *awstest.RDS) {
			f.MaxActiveExports = 0
			f.FailNext("StartExportTask", 1, awstest.Fault{Code: awstest.CodeExportQuota})
		}, nil, liberator.ErrThrottled},
		{"throttling", func(f *awstest.RDS) { f.FailNext("StartExportTask", 1, awstest.Fault{Code: awstest.CodeThrottling}) }, nil, liberator.ErrThrottled},
		{"snapshot not available", func(f *awstest.RDS) {
			f.PutSnapshot(awstest.Snapshot{ID: snapID, Instance: "liberator-db", Status: "creating"})
		}, nil, liberator.ErrNotReady},
		{"no ARN", nil, func(s liberator.SnapshotInfo) liberator.SnapshotInfo { s.ARN = ""; return s }, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e, snap := setup(t, "")
			if tt.setup != nil {
				tt.setup(f)
			}
			if tt.snap != nil {
				snap = tt.snap(snap)
			}
			_, err := e.StartExport(ctx, liberator.ExportRequest{ID: snapID, Snapshot: snap})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want kind %v", err, tt.want)
			}
		})
	}
}

func TestQuotaOfFiveConcurrentExports(t *testing.T) {
	ctx := context.Background()
	f, e, _ := setup(t, "")
	var errs []bool
	for i := 0; i < 6; i++ {
		id := snapID + "-" + string(rune('a'+i))
		f.PutSnapshot(awstest.Snapshot{ID: id, Instance: "liberator-db"})
		_, err := e.StartExport(ctx, liberator.ExportRequest{ID: id, Snapshot: liberator.SnapshotInfo{ID: id, Kind: liberator.SnapshotRDS, ARN: awstest.SnapshotARN(id)}})
		errs = append(errs, errors.Is(err, liberator.ErrThrottled))
	}
	if diff := cmp.Diff([]bool{false, false, false, false, false, true}, errs); diff != "" {
		t.Errorf("throttled per start (-want +got):\n%s", diff)
	}
}

func TestDescribeExportLifecycle(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		failCause string
		want      []liberator.ExportInfo
	}{
		{"complete", "", []liberator.ExportInfo{
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportStarting, Prefix: snapID + "/"},
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportInProgress, Prefix: snapID + "/", PercentProgress: 50, ExtractedGB: 1},
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportComplete, Prefix: snapID + "/", PercentProgress: 100, ExtractedGB: 2},
		}},
		{"failed", "The IAM role doesn't have permissions on the bucket", []liberator.ExportInfo{
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportStarting, Prefix: snapID + "/"},
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportInProgress, Prefix: snapID + "/", PercentProgress: 50, ExtractedGB: 1},
			{ID: snapID, SnapshotID: snapID, Status: liberator.ExportFailed, Prefix: snapID + "/", PercentProgress: 50, ExtractedGB: 1,
				FailureCause: "The IAM role doesn't have permissions on the bucket"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e, snap := setup(t, "")
			f.ExportDescribes = 1
			if tt.failCause != "" {
				f.FailNextExport(tt.failCause)
			}
			if _, err := e.StartExport(ctx, liberator.ExportRequest{ID: snapID, Snapshot: snap}); err != nil {
				t.Fatal(err)
			}
			var got []liberator.ExportInfo
			for i := 0; i < 5; i++ {
				d, err := e.DescribeExport(ctx, snapID)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 || !cmp.Equal(got[len(got)-1], d) {
					got = append(got, d)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
		})
	}
	_, e, _ := setup(t, "")
	if _, err := e.DescribeExport(ctx, "missing"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("describe missing: %v", err)
	}
}
