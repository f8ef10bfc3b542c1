package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

const dumpSQL = "-- MySQL dump 10.13\n" +
	"CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `ref` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
	"INSERT INTO `PCN_IC` VALUES (1,'WK12345678'),(2,NULL);\n"

// TestRun runs the task as ECS does, its AWS endpoints the in-process S3
// and the local Glue server (AWS_ENDPOINT_URL_*): DUMP_BUCKET and DUMP_KEY
// convert and land the dump and start the workflow; an environment that
// names no dump, or the RDS chain, is refused before anything is read.
func TestRun(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
	s3 := awstest.NewS3(clk)
	defer s3.Close()
	glue := awstest.NewGlue(clk)
	defer glue.Close()
	glue.AddWorkflow("parking-liberator-data-workflow", 0)
	dumps, err := s3.Bucket(ctx, "dev-liberator-data-storage")
	if err != nil {
		t.Fatal(err)
	}
	defer dumps.Close()
	landing, err := s3.Bucket(ctx, "dev-landing-zone")
	if err != nil {
		t.Fatal(err)
	}
	defer landing.Close()
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	f, _ := zw.Create("liberator_dump_20261124.sql")
	f.Write([]byte(dumpSQL))
	zw.Close()
	if err := dumps.WriteAll(ctx, "parking/liberator_dump_20261124.zip", z.Bytes(), nil); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"AWS_ENDPOINT_URL_S3": s3.URL(), "AWS_ENDPOINT_URL_GLUE": glue.URL(), "LIBERATOR_S3_PATH_STYLE": "true",
		"LIBERATOR_LOG_LEVEL": "error", "LIBERATOR_DUMP_BUCKET": "dev-liberator-data-storage", "LIBERATOR_LANDING_BUCKET": "dev-landing-zone",
	}
	getenv := func(extra ...string) func(string) string {
		m := map[string]string{}
		for k, v := range env {
			m[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for k, v := range env { // the SDK reads its own variables itself
		t.Setenv(k, v)
	}
	tests := []struct {
		name     string
		env      func(string) string
		wantErr  string // "" = success
		wantKind error
	}{
		{"no dump named", getenv(), "LIBERATOR_MESSAGE", liberator.ErrInvalid},
		{"RDS chain", getenv("LIBERATOR_CHAIN", "rds", "DUMP_BUCKET", "dev-liberator-data-storage", "DUMP_KEY", "parking/liberator_dump_20261124.zip"),
			"ecs-restore", liberator.ErrInvalid},
		{"dump by hand", getenv("DUMP_BUCKET", "dev-liberator-data-storage", "DUMP_KEY", "parking/liberator_dump_20261124.zip"), "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(ctx, tc.env)
			if tc.wantErr != "" {
				if !errors.Is(err, tc.wantKind) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("run = %v, want %v naming %s", err, tc.wantKind, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ok, err := partition.Published(ctx, landing, "parking", "liberator", "PCN_IC", liberator.Date{Year: 2026, Month: 11, Day: 24})
			if err != nil || !ok {
				t.Errorf("PCN_IC not published: %v", err)
			}
			if runs := glue.Runs(); len(runs) != 1 || runs[0].Properties["import_date"] != "20261124" {
				t.Errorf("Glue runs %+v, want one with import_date 20261124", runs)
			}
		})
	}
}
