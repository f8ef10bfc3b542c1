package handlers

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestProductionWiring runs the snapshot-ready and export-check handlers as
// their mains build them (SetupSteps: FromEnv, config.LoadDefaultConfig,
// the RDS, S3, Glue and SQS backends) against local AWS endpoints, named by
// the SDK's AWS_ENDPOINT_URL_<SERVICE> variables. The RDS events fed in are
// the ones the local RDS emits, rendered as EventBridge events.
func TestProductionWiring(t *testing.T) {
	ctx := context.Background()
	real := liberator.RealClock{}
	s3srv, rdsSrv, glueSrv, sqsSrv := awstest.NewS3(real), awstest.NewRDS(real), awstest.NewGlue(real), awstest.NewSQS(real)
	for _, c := range []func(){s3srv.Close, rdsSrv.Close, glueSrv.Close, sqsSrv.Close} {
		t.Cleanup(c)
	}
	exportBucket, err := s3srv.Bucket(ctx, "dev-dp-rds-export-storage")
	if err != nil {
		t.Fatal(err)
	}
	defer exportBucket.Close()
	landing, err := s3srv.Bucket(ctx, "dev-landing-zone")
	if err != nil {
		t.Fatal(err)
	}
	defer landing.Close()
	queue := sqsSrv.CreateQueue("dev-liberator-scheduler")
	glueSrv.AddWorkflow("parking-liberator-data-workflow", 1)
	rdsSrv.PutSnapshot(awstest.Snapshot{ID: testSnapshotID, Instance: "liberator-db", Status: "available"})
	rdsSrv.OnExportComplete = awstest.WriteExport(
		map[string]*blob.Bucket{"dev-dp-rds-export-storage": exportBucket},
		map[string][]byte{"liberator/liberator.PCN_IC/1/part-00000-0b4f1a9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b-c000.gz.parquet": []byte("PAR1 rows PAR1")},
	)
	var mu sync.Mutex // OnEvent runs on the server's goroutine
	var emitted []awstest.RDSNotification
	rdsSrv.OnEvent = func(n awstest.RDSNotification) { mu.Lock(); emitted = append(emitted, n); mu.Unlock() }

	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_MAX_ATTEMPTS": "1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
		"AWS_ENDPOINT_URL_RDS": rdsSrv.URL(), "AWS_ENDPOINT_URL_S3": s3srv.URL(), "AWS_ENDPOINT_URL_GLUE": glueSrv.URL(), "AWS_ENDPOINT_URL_SQS": sqsSrv.URL(),
		"LIBERATOR_S3_PATH_STYLE": "true", "LIBERATOR_LOG_LEVEL": "error",
		"LIBERATOR_DB_INSTANCE": "liberator-db", "LIBERATOR_EXPORT_BUCKET": "dev-dp-rds-export-storage",
		"LIBERATOR_EXPORT_ROLE_ARN": "arn:aws:iam::123456789012:role/rds-export", "LIBERATOR_EXPORT_KMS_KEY_ID": "arn:aws:kms:eu-west-2:123456789012:key/abc",
		"LIBERATOR_LANDING_BUCKET": "dev-landing-zone", "LIBERATOR_QUEUE_URL": queue,
	} {
		t.Setenv(k, v)
	}
	snapReady, err := SetupSteps(ctx, os.Getenv, SnapshotReadyEvents(), false)
	if err != nil {
		t.Fatalf("SetupSteps(snapshot-ready): %v", err)
	}
	exportCheck, err := SetupSteps(ctx, os.Getenv, ExportCheckEvents(), true)
	if err != nil {
		t.Fatalf("SetupSteps(export-check): %v", err)
	}

	// snapshot-ready: RDS-EVENT-0042 → StartExportTask.
	if _, err := snapReady.Invoke(ctx, json.RawMessage(readTestdata(t, "eventbridge-rds-event-0042.json"))); err != nil {
		t.Fatalf("snapshot-ready: %v", err)
	}
	task, ok := rdsSrv.Export(testExportID)
	if !ok || task.S3Bucket != "dev-dp-rds-export-storage" || task.IamRoleArn != "arn:aws:iam::123456789012:role/rds-export" || task.SourceArn != awstest.SnapshotARN(testSnapshotID) {
		t.Fatalf("export task %+v (found %v), want one of the snapshot into the export bucket", task, ok)
	}

	// export-check: invoked with RDS-EVENT-0161 until the export completes
	// (the local RDS moves an export on per describe; the first events come
	// early, as they may when EventBridge and the API disagree), then with
	// the events the local RDS emitted.
	event := func(n awstest.RDSNotification) json.RawMessage { return json.RawMessage(n.EventBridge()) }
	first := awstest.RDSNotification{EventID: "RDS-EVENT-0161", SourceID: testSnapshotID, SourceARN: awstest.SnapshotARN(testSnapshotID), Message: "early"}
	if _, err := exportCheck.Invoke(ctx, event(first)); err != nil {
		t.Fatalf("export-check (early event): %v", err)
	}
	for i := 0; i < 5 && !exists(t, landing, testMarker); i++ {
		if _, err := exportCheck.Invoke(ctx, event(first)); err != nil {
			t.Fatalf("export-check: %v", err)
		}
	}
	mu.Lock()
	late := emitted
	mu.Unlock()
	if len(late) != 1 || late[0].EventID != "RDS-EVENT-0161" {
		t.Fatalf("local RDS emitted %+v, want RDS-EVENT-0161", late)
	}
	if _, err := exportCheck.Invoke(ctx, event(late[0])); err != nil {
		t.Fatalf("export-check (emitted 0161): %v", err)
	}
	if !exists(t, landing, testMarker) || !exists(t, landing, testPartition+"part-00000-0b4f1a9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b-c000.gz.parquet") {
		t.Fatal("export-check did not land the partition")
	}
	// The export and landing buckets differ: the copy stayed on S3 (the
	// function reads only each file's footer, for the change report, as
	// RDS reports no tables).
	if cp := s3srv.Requests("CopyObject"); len(cp) != 1 || cp[0].Params["Acl"] != "bucket-owner-full-control" {
		t.Errorf("landing copies %+v, want one CopyObject with ACL bucket-owner-full-control", cp)
	}

	// The landed message is on the scheduler queue; deliver it as the event
	// source mapping does.
	var landed []events.SQSMessage
	for _, m := range sqsSrv.Messages(queue) {
		msg, err := liberator.DecodeMessage([]byte(m.Body))
		if err == nil && msg.Step == liberator.StepLanded {
			landed = append(landed, events.SQSMessage{MessageId: m.ID, Body: m.Body})
		}
	}
	if len(landed) != 2 {
		t.Fatalf("%d landed messages queued, want 2 (one per completed check): %+v", len(landed), sqsSrv.Messages(queue))
	}
	out, err := exportCheck.Invoke(ctx, mustJSON(t, events.SQSEvent{Records: landed}))
	if err != nil {
		t.Fatal(err)
	}
	if resp := out.(events.SQSEventResponse); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch failures %+v", resp.BatchItemFailures)
	}
	runs := glueSrv.Runs() // both landed messages: one run
	if len(runs) != 1 || runs[0].Workflow != "parking-liberator-data-workflow" || runs[0].Properties["import_date"] != "20261124" {
		t.Fatalf("Glue runs %+v, want one of the workflow with import_date 20261124", runs)
	}
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
