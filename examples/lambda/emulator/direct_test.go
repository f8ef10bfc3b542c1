//go:build linux

package emulator

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	lakepartition "github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// TestEmulatorDirect runs the direct chain's function (examples/lambda/direct,
// built as the Makefile builds it) under aws-lambda-rie as a 2 GB function,
// its S3 and Glue endpoints local: the sample S3 "Object Created" event of
// an uploaded dump converts it from S3 and lands every table with
// _SUCCESS, starts one Glue run, and the function logs its memory limit
// (3/4 of the function's memory) and one figures line in CloudWatch
// Embedded Metric Format; the SQS-delivered S3 notification of the same
// upload, next, starts nothing more.
func TestEmulatorDirect(t *testing.T) {
	needEmulator(t)
	ctx := context.Background()
	l := newLocal(t)
	l.glue.AddWorkflow("parking-liberator-data-workflow", 0)
	dumps, err := l.s3.Bucket(ctx, dumpBucket)
	if err != nil {
		t.Fatal(err)
	}
	defer dumps.Close()
	path := filepath.Join(t.TempDir(), "d.zip")
	st, err := dumpgen.WriteZip(path, dumpgen.Options{Seed: 9, Rows: 50})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := dumps.WriteAll(ctx, "parking/liberator_dump_20261124.zip", body, nil); err != nil {
		t.Fatal(err)
	}
	env := l.env()
	env["LIBERATOR_CHAIN"] = "direct"
	env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "2048"
	delete(env, "LIBERATOR_ECS_CLUSTER")
	f := startFunction(t, "direct", 60, env)

	if got, _ := f.invoke(t, testdata(t, "eventbridge-s3-object-created.json")); got != "null" {
		t.Fatalf("answer %q, want null\n%s", got, f.out.Bytes())
	}
	date := liberator.Date{Year: 2026, Month: 11, Day: 24}
	for _, tbl := range st.Tables {
		if ok, err := lakepartition.Published(ctx, l.landing, "parking", "liberator", tbl.Name, date); err != nil || !ok {
			t.Errorf("%s not published: %v", tbl.Name, err)
		}
	}
	sqsEv := testdata(t, "sqs-s3-notification.json")
	if got, _ := f.invoke(t, sqsEv); got != `{"batchItemFailures":[]}` {
		t.Errorf("SQS answer %q, want no batch item failures", got)
	}
	if runs := l.glue.Runs(); len(runs) != 1 || runs[0].Properties["import_date"] != "20261124" {
		t.Errorf("Glue runs %+v, want one with import_date 20261124", runs)
	}
	lines := checkLogs(t, f)
	var limit, figures []awstest.LogLine
	for _, ln := range lines {
		switch ln.Msg() {
		case "memory limit":
			limit = append(limit, ln)
		case "direct run done: dump converted", "direct run done: export found, nothing converted":
			figures = append(figures, ln)
		}
	}
	if len(limit) != 1 || limit[0].Str("memory_limit_bytes") != "1.610612736e+09" {
		t.Errorf("memory limit lines %v, want one of 1536 MiB", limit)
	}
	if len(figures) != 2 || figures[0].Str("converted") != "true" || figures[1].Str("converted") != "false" {
		t.Fatalf("figures lines %v, want a conversion then a replay", figures)
	}
	var emf struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Rows  float64 `json:"rows"`
		Chain string  `json:"chain"`
		Where string  `json:"where"`
	}
	if err := json.Unmarshal([]byte(figures[0].Raw), &emf); err != nil {
		t.Fatal(err)
	}
	m := emf.AWS.CloudWatchMetrics
	if emf.AWS.Timestamp == 0 || len(m) != 1 || m[0].Namespace != "Liberator" || len(m[0].Metrics) < 6 || emf.Rows != float64(st.Rows) || emf.Chain != "direct" || emf.Where != "lambda" {
		t.Errorf("figures line is not the EMF of the run: %s", figures[0].Raw)
	}
}
