package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestNewAWSPipeline builds the production pipeline from a full
// configuration (no AWS call is made while building) and refuses an
// incomplete one.
func TestNewAWSPipeline(t *testing.T) {
	ctx := context.Background()
	cfg := Config{
		Region: "eu-west-2", DBInstance: "liberator-db",
		ExportBucket: "dev-dp-rds-export-storage", ExportRoleARN: "arn:aws:iam::123456789012:role/rds-export",
		ExportKMSKeyID: "arn:aws:kms:eu-west-2:123456789012:key/abc", LandingBucket: "dev-landing-zone",
		LandingPrefix: "parking", WorkflowName: "parking-liberator-data-workflow",
		QueueURL: "https://sqs.eu-west-2.amazonaws.com/123456789012/dev-liberator-scheduler", KeepSnapshots: 1,
	}
	awsCfg := awstest.Config("http://127.0.0.1:1") // never dialled
	p, err := NewAWSPipeline(ctx, cfg, awsCfg, NoRestore, liberator.RealClock{}, quietLogger())
	if err != nil {
		t.Fatalf("NewAWSPipeline: %v", err)
	}
	if p.Scheduler() == nil {
		t.Error("pipeline has no scheduler")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	cfg.ExportKMSKeyID = ""
	if _, err := NewAWSPipeline(ctx, cfg, awsCfg, NoRestore, liberator.RealClock{}, quietLogger()); !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), EnvExportKMSKey) {
		t.Errorf("NewAWSPipeline without a KMS key = %v, want an ErrInvalid naming %s", err, EnvExportKMSKey)
	}
	if err := NoRestore.Restore(ctx, liberator.DumpRef{Key: testDumpKey}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("NoRestore = %v, want ErrInvalid", err)
	}
}
