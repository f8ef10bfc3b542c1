package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

var nextDate = liberator.Date{Year: 2026, Month: time.November, Day: 25}

const nextDumpKey = "parking/liberator_dump_20261125.zip"

// wantPublished maps every table of st to exportID.
func wantPublished(st dumpgen.Stats, exportID string) map[string]string {
	out := map[string]string{}
	for _, t := range st.Tables {
		out[t.Name] = exportID
	}
	return out
}

// parquetGets sums the bytes of Parquet objects the S3 server sent in
// GetObject answers: the bytes that passed through the process.
func (w *directWorld) parquetGets() int64 {
	var n int64
	for k, b := range w.s3.SentBytes("GetObject") {
		if partition.IsParquet(k) {
			n += b
		}
	}
	return n
}

// parquetWrites counts the Parquet objects written (PutObject or a
// multipart upload's start) under prefix in the export bucket.
func (w *directWorld) parquetWrites(prefix string) int {
	n := 0
	for _, r := range w.s3.Requests("PutObject", "CreateMultipartUpload") {
		if strings.HasPrefix(r.Params["Key"], prefix) && partition.IsParquet(r.Params["Key"]) {
			n++
		}
	}
	return n
}

// TestDirectChainEndToEnd (issue 13, acceptance 1): the direct chain's
// Lambda, built as its main builds it, against the in-process S3 and the
// local Glue and SQS servers through the real SDK clients: an upload's S3
// notification on the queue → the dump converted from S3 → every table's
// partition landed with _manifest.json and _SUCCESS → one Glue run with
// import_date. The export goes to its own bucket (landing copies
// server-side, ACL bucket-owner-full-control) or into the landing bucket
// (copies within it); no Parquet byte passes through the function.
// Then the same upload's other events (S3 notification again and through
// SNS, EventBridge, CloudTrail) start nothing: no conversion, no copy, the
// same partitions, one Glue run.
func TestDirectChainEndToEnd(t *testing.T) {
	for _, inLanding := range []bool{false, true} {
		t.Run(fmt.Sprintf("export in landing bucket %v", inLanding), func(t *testing.T) {
			ctx := context.Background()
			w := newDirectWorld(t, directWorldOptions{inLanding: inLanding})
			dump, st := genDump(t, 200, 1)
			w.upload(testDumpKey, dump)

			if failed := w.deliver(ctx, w.notification(testDumpKey, len(dump))); len(failed) != 0 {
				t.Fatalf("records returned for redelivery: %v\n%s", failed, w.logs.Bytes())
			}
			if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
				t.Fatalf("published partitions (-want +got):\n%s\n%s", diff, w.logs.Bytes())
			}
			for _, ts := range st.Tables {
				m, err := partition.ReadManifest(ctx, w.landing, "parking", "liberator", ts.Name, testDate)
				if err != nil {
					t.Fatal(err)
				}
				if got := m.Tables[0].Rows; got != ts.Rows {
					t.Errorf("%s: manifest says %d rows, the dump has %d", ts.Name, got, ts.Rows)
				}
			}
			runs := w.glue.Runs()
			if len(runs) != 1 {
				t.Fatalf("%d Glue runs, want 1", len(runs))
			}
			wantProps := map[string]string{"import_date": "20261124", "liberator_run_key": testRunKey}
			if diff := cmp.Diff(wantProps, runs[0].Properties); diff != "" {
				t.Errorf("Glue run properties (-want +got):\n%s", diff)
			}

			// One line of figures, also Embedded Metric Format.
			lines := w.statsLines()
			if len(lines) != 1 {
				t.Fatalf("%d figures lines, want 1", len(lines))
			}
			l := lines[0]
			if l["converted"] != true || l["rows"] != float64(st.Rows) || l["sql_bytes"] != float64(st.Bytes) || l["where"] != WhereLambda {
				t.Errorf("figures %v, want converted, %d rows, %d SQL bytes, in the lambda", l, st.Rows, st.Bytes)
			}
			if l["peak_heap_bytes"].(float64) <= 0 || l["mb_per_s"].(float64) <= 0 || l["output_bytes"].(float64) <= 0 {
				t.Errorf("figures %v: peak heap, MB/s and output bytes must be > 0", l)
			}
			emf, _ := json.Marshal(l["_aws"])
			if !strings.Contains(string(emf), `"Namespace":"Liberator"`) || !strings.Contains(string(emf), `{"Name":"rows","Unit":"Count"}`) {
				t.Errorf("_aws %s is not the EMF metadata of the figures", emf)
			}
			if !w.logged("converting the dump here: within the size this function converts") {
				t.Error("the log does not say the dump was converted in the function")
			}

			// The landing copies stayed on S3.
			exportBucket, exportPrefix := directExportBucket, ""
			if inLanding {
				exportBucket, exportPrefix = directLandingBucket, DefaultInLandingExportPrefix
			}
			if n := w.parquetGets(); n != 0 {
				t.Errorf("%d bytes of Parquet passed through the function in GetObject answers, want 0", n)
			}
			copies := 0
			for _, r := range w.s3.Requests("CopyObject") {
				if r.Params["Bucket"] != directLandingBucket {
					continue
				}
				copies++
				if !strings.Contains(r.Params["Copy-Source"], exportBucket) {
					t.Errorf("landing copy from %q, want from %s", r.Params["Copy-Source"], exportBucket)
				}
				if !inLanding && r.Params["Acl"] != "bucket-owner-full-control" {
					t.Errorf("cross-bucket landing copy with ACL %q, want bucket-owner-full-control", r.Params["Acl"])
				}
			}
			written := w.parquetWrites(exportPrefix + testExportID + "/")
			if copies != written || written < len(st.Tables) {
				t.Errorf("%d landing copies of %d Parquet files written (%d tables)", copies, written, len(st.Tables))
			}

			// Replays and the upload's other events start nothing.
			before := len(w.s3.Requests())
			if failed := w.deliver(ctx, w.notification(testDumpKey, len(dump)), sqsBodyOf(t, "sqs-sns-s3-notification.json")); len(failed) != 0 {
				t.Fatalf("replayed records returned for redelivery: %v", failed)
			}
			for _, name := range []string{"eventbridge-s3-object-created.json", "cloudtrail-putobject.json", "cloudtrail-completemultipartupload.json"} {
				if _, err := w.h.Invoke(ctx, readTestdata(t, name)); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if n := len(w.glue.Runs()); n != 1 {
				t.Errorf("%d Glue runs after the replays, want 1", n)
			}
			if got := w.parquetWrites(exportPrefix + testExportID + "/"); got != written {
				t.Errorf("%d Parquet files written after the replays, want the first run's %d", got, written)
			}
			for _, r := range w.s3.Requests()[before:] {
				lease := strings.HasPrefix(r.Params["Key"], "_liberator/leases/") // the date's lease, taken and released
				if !lease && (r.Op == "CopyObject" || r.Op == "DeleteObject" || r.Op == "DeleteObjects") {
					t.Errorf("a replay sent %s %s", r.Op, r.Params["Key"])
				}
			}
			if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
				t.Errorf("published partitions after the replays (-want +got):\n%s", diff)
			}
			lines = w.statsLines()
			if len(lines) != 6 {
				t.Fatalf("%d figures lines after 5 replays, want 6", len(lines))
			}
			for _, l := range lines[1:] {
				if l["converted"] != false || l["sql_bytes"] != float64(0) {
					t.Errorf("a replay converted: %v", l)
				}
			}
		})
	}
}

// TestDirectDuplicateEventsAtOnce (issue 13, acceptance 1): two deliveries
// of one upload at the same time (S3's EventBridge event and CloudTrail's)
// convert it once: the second finds the export or the landing in progress
// and fails retryably, or finds them done; once every failed delivery has
// been retried, the date is published from one export, written once, and
// Glue ran once.
func TestDirectDuplicateEventsAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{})
	dump, st := genDump(t, 300, 2)
	w.upload(testDumpKey, dump)
	payloads := []json.RawMessage{readTestdata(t, "eventbridge-s3-object-created.json"), readTestdata(t, "cloudtrail-putobject.json")}
	errs := make([]error, len(payloads))
	var wg sync.WaitGroup
	for i, p := range payloads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.h.Invoke(ctx, p)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		for try := 0; err != nil && try < 3; try++ {
			if !Retryable(err) {
				t.Fatalf("duplicate %d failed for good: %v", i, err)
			}
			_, err = w.h.Invoke(ctx, payloads[i]) // Lambda's retry
		}
		if err != nil {
			t.Fatalf("duplicate %d still failing: %v", i, err)
		}
	}
	if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
		t.Errorf("published partitions (-want +got):\n%s", diff)
	}
	if n := len(w.glue.Runs()); n != 1 {
		t.Errorf("%d Glue runs, want 1", n)
	}
	var exports []string
	for _, k := range keys(t, w.exports, "") {
		if strings.HasSuffix(k, ".parquet") {
			exports = append(exports, k)
		}
	}
	if got := w.parquetWrites(testExportID + "/"); got != len(exports) {
		t.Errorf("%d Parquet writes for %d files in the export: converted more than once", got, len(exports))
	}
	converted := 0
	for _, l := range w.statsLines() {
		if l["converted"] == true {
			converted++
		}
	}
	if converted != 1 {
		t.Errorf("%d invocations converted the dump, want 1", converted)
	}
}

// badSQLZip returns a zipped dump named for date whose SQL breaks after the
// first tables: a row with too few values for its table.
func badSQLZip(t *testing.T, name string) []byte {
	t.Helper()
	var sql bytes.Buffer
	st, err := dumpgen.Write(&sql, dumpgen.Options{Seed: 3, Rows: 100})
	if err != nil {
		t.Fatal(err)
	}
	last := st.Tables[len(st.Tables)-1].Name
	broken := strings.Replace(sql.String(), "INSERT INTO `"+last+"` VALUES (", "INSERT INTO `"+last+"` VALUES (1),(", 1)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	f, err := zw.Create(strings.TrimSuffix(name, ".zip") + ".sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(broken)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// TestDirectCorruptDump (issue 13, acceptance 1): a corrupt dump lands
// nothing and leaves the previous import intact: a truncated zip uploaded
// again for a published date fails at the snapshot (Invalid), a dump whose
// SQL breaks after some tables fails its export (Terminal, its written
// parts deleted). Neither is redelivered; the published date keeps its
// partitions and export, the new date gets no partition, Glue runs once.
func TestDirectCorruptDump(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{})
	good, st := genDump(t, 100, 1)
	w.upload(testDumpKey, good)
	if failed := w.deliver(ctx, w.notification(testDumpKey, len(good))); len(failed) != 0 {
		t.Fatalf("good dump: records returned %v", failed)
	}
	tests := []struct {
		name     string
		key      string
		body     []byte
		wantKind string
	}{
		{"truncated zip, published date", testDumpKey, good[:len(good)/2], "Invalid"},
		{"bad SQL, next date", nextDumpKey, badSQLZip(t, "liberator_dump_20261125.zip"), "Terminal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.upload(tc.key, tc.body)
			runID := ""
			if failed := w.deliver(ctx, w.notification(tc.key, len(tc.body))); len(failed) != 0 {
				t.Errorf("a corrupt dump was returned for redelivery: %v", failed)
			}
			var found bool
			for _, l := range awstest.ParseLogLines(w.logs.Bytes()) {
				if l.Level() == "ERROR" && l.Str("key") == tc.key && l.Str("kind") == tc.wantKind {
					found, runID = true, l.Str("run_id")
				}
			}
			if !found {
				t.Errorf("no error line of kind %s for %s:\n%s", tc.wantKind, tc.key, w.logs.Bytes())
			}
			if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
				t.Errorf("the published date changed (-want +got):\n%s", diff)
			}
			if got := w.published(nextDate); len(got) != 0 {
				t.Errorf("the corrupt dump's date has published partitions %v", got)
			}
			for _, k := range keys(t, w.landing, "parking/") {
				if strings.Contains(k, "import_date=20261125/") {
					t.Errorf("landed for the corrupt dump: %s", k)
				}
			}
			if n := len(w.glue.Runs()); n != 1 {
				t.Errorf("%d Glue runs, want 1", n)
			}
			if runID == "" {
				return
			}
			// The failed export kept no Parquet file.
			for _, k := range keys(t, w.exports, "") {
				if partition.IsParquet(k) && !strings.HasPrefix(k, testExportID+"/") {
					t.Errorf("a failed export left %s", k)
				}
			}
		})
	}
}

// TestDirectDeadlineMidConversion (issue 13, acceptance 1): the function's
// deadline comes while the dump converts (the S3 server stalls the dump's
// download after 60% of it, once the first tables are written): the
// invocation answers before its deadline with a Transient error naming the
// margin, and leaves nothing marked complete (no export info, lock or
// part, no _SUCCESS, no Glue run). The retry converts and lands the date.
func TestDirectDeadlineMidConversion(t *testing.T) {
	w := newDirectWorld(t, directWorldOptions{})
	dump, st := genDump(t, 3000, 4)
	w.upload(testDumpKey, dump)
	w.s3.StallAfter(func(op, bucket, key string) bool {
		return op == "GetObject" && bucket == testDumpBucket && key == testDumpKey
	}, int64(len(dump))*6/10)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := w.h.Invoke(ctx, readTestdata(t, "eventbridge-s3-object-created.json"))
	if ctx.Err() != nil {
		t.Fatalf("the invocation answered after its deadline: %v", ctx.Err())
	}
	if KindName(err) != "Transient" || !strings.Contains(err.Error(), "deadline margin") {
		t.Fatalf("Invoke = %v, want a Transient error naming the deadline margin", err)
	}
	if got := keys(t, w.exports, testExportID+"/"); len(got) != 0 {
		t.Errorf("the interrupted export left %q", got)
	}
	for _, k := range keys(t, w.landing, "") { // partition folders and _liberator/partitions/
		if strings.HasSuffix(k, partition.MarkerName) {
			t.Errorf("marked complete after the interruption: %s", k)
		}
	}
	if n := len(w.glue.Runs()); n != 0 {
		t.Errorf("%d Glue runs after the interruption, want 0", n)
	}
	if len(w.statsLines()) != 0 {
		t.Error("figures logged for an interrupted run")
	}
	if w.parquetWrites(testExportID+"/") == 0 {
		t.Errorf("no Parquet part was written before the deadline: the test did not interrupt a conversion in progress\n%s", w.logs.Bytes())
	}

	w.s3.StallAfter(nil, 0)
	if _, err := w.h.Invoke(context.Background(), readTestdata(t, "eventbridge-s3-object-created.json")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
		t.Errorf("published partitions after the retry (-want +got):\n%s", diff)
	}
	if n := len(w.glue.Runs()); n != 1 {
		t.Errorf("%d Glue runs after the retry, want 1", n)
	}
}

// TestDirectLargeDumpOnECS: a dump larger than LIBERATOR_DIRECT_MAX_SIZE is
// handed to the ECS task (RunTask with the run's message and
// LIBERATOR_CHAIN=direct; the log says so), once however often the event
// comes; the dump is replicated to pre-production as in the RDS chain; the
// task, with the message from RunTask's overrides, converts and lands it
// with the same code (RunDirectTask).
func TestDirectLargeDumpOnECS(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{env: []string{
		"LIBERATOR_DIRECT_MAX_SIZE", "1KiB", "LIBERATOR_REPLICA_BUCKET", directReplicaBucket,
		"LIBERATOR_ECS_CLUSTER", "liberator", "LIBERATOR_ECS_TASK_DEFINITION", "liberator-direct:3", "LIBERATOR_ECS_CONTAINER", "direct",
		"LIBERATOR_ECS_SUBNETS", "subnet-0a1b2c3d",
	}})
	dump, st := genDump(t, 100, 5)
	w.upload(testDumpKey, dump)
	for range 2 {
		if _, err := w.h.Invoke(ctx, readTestdata(t, "eventbridge-s3-object-created.json")); err != nil {
			t.Fatal(err)
		}
	}
	reqs := w.ecs.Requests("RunTask")
	if len(reqs) != 2 || w.ecs.Tasks() != 1 {
		t.Fatalf("%d RunTask requests starting %d tasks, want 2 starting 1", len(reqs), w.ecs.Tasks())
	}
	env := map[string]string{}
	for k, v := range reqs[0].Params {
		if rest, ok := strings.CutPrefix(k, "overrides.containerOverrides.1.environment."); ok && strings.HasSuffix(rest, ".name") {
			env[v] = reqs[0].Params[strings.TrimSuffix(k, ".name")+".value"]
		}
	}
	if env[EnvChain] != ChainDirect || env[EnvMessage] == "" || reqs[0].Params["taskDefinition"] != "liberator-direct:3" {
		t.Fatalf("RunTask %v, want the direct task definition with the message and %s=direct", reqs[0].Params, EnvChain)
	}
	if !w.logged("dump larger than this function converts: conversion launched on ECS") {
		t.Error("the log does not say the conversion went to ECS")
	}
	if len(w.statsLines()) != 0 || len(keys(t, w.exports, "")) != 0 {
		t.Error("the function converted a dump above its size")
	}
	replica, err := w.s3.Bucket(ctx, directReplicaBucket)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	if b, err := replica.ReadAll(ctx, testDumpKey); err != nil || !bytes.Equal(b, dump) {
		t.Errorf("pre-production copy: %d bytes, %v", len(b), err)
	}
	for _, r := range w.s3.Requests("CopyObject") {
		if r.Params["Bucket"] == directReplicaBucket && r.Params["Acl"] != "bucket-owner-full-control" {
			t.Errorf("pre-production copy with ACL %q", r.Params["Acl"])
		}
	}

	// The task, as ECS runs it with those overrides.
	cfg := w.cfg
	cfg.Restore.Message = env[EnvMessage]
	task, closeTask, err := NewDirect(ctx, cfg, mustAWSConfig(t, cfg), WhereECS, liberator.RealClock{}, NewLogger(w.logs, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer closeTask()
	if err := RunDirectTask(ctx, task, cfg, time.Now()); err != nil {
		t.Fatalf("task: %v", err)
	}
	if diff := cmp.Diff(wantPublished(st, testExportID), w.published(testDate)); diff != "" {
		t.Errorf("published partitions (-want +got):\n%s", diff)
	}
	lines := w.statsLines()
	if len(lines) != 1 || lines[0]["where"] != WhereECS || lines[0]["converted"] != true {
		t.Errorf("figures %v, want one conversion in ECS", lines)
	}
	if n := len(w.glue.Runs()); n != 1 {
		t.Errorf("%d Glue runs, want 1", n)
	}
}

// TestRunDirectTaskInputs: the ECS task takes its dump from
// LIBERATOR_MESSAGE, LIBERATOR_EVENT or DUMP_BUCKET/DUMP_KEY (backdated
// with IMPORT_DATE), and refuses an environment that names none.
func TestRunDirectTaskInputs(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{})
	dump, _ := genDump(t, 50, 6)
	w.upload(testDumpKey, dump)
	w.upload(nextDumpKey, dump)
	backdated := liberator.Date{Year: 2026, Month: time.November, Day: 20}
	tests := []struct {
		name string
		set  func(c *Config)
		date liberator.Date
		want string // export id
	}{
		{"event", func(c *Config) { c.Direct.Event = string(readTestdata(t, "s3-notification-objectcreated.json")) }, testDate, testExportID},
		{"bucket and key", func(c *Config) { c.Restore.Bucket, c.Restore.Key = testDumpBucket, nextDumpKey }, nextDate, "sql-to-parquet-26-11-24-041500"},
		{"backdated", func(c *Config) {
			c.Restore.Bucket, c.Restore.Key, c.Restore.ImportDate = testDumpBucket, nextDumpKey, backdated.String()
		}, backdated, liberator.ExportID(liberator.BackdatedSnapshotID(backdated))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := w.cfg
			tc.set(&cfg)
			if err := RunDirectTask(ctx, w.h, cfg, time.Now()); err != nil {
				t.Fatal(err)
			}
			got := w.published(tc.date)
			if len(got) == 0 {
				t.Fatalf("nothing published for %s", tc.date)
			}
			for tbl, id := range got {
				if id != tc.want {
					t.Errorf("%s published from %s, want %s", tbl, id, tc.want)
				}
			}
		})
	}
	if err := RunDirectTask(ctx, w.h, w.cfg, time.Now()); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("RunDirectTask with no dump named = %v, want ErrInvalid", err)
	}
}

// mustAWSConfig is LoadAWSConfig of cfg.
func mustAWSConfig(t *testing.T, cfg Config) aws.Config {
	t.Helper()
	c, err := LoadAWSConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sqsBodyOf returns the body of the first record of a testdata SQS event.
func sqsBodyOf(t *testing.T, name string) string {
	t.Helper()
	return loadSQS(t, name).Records[0].Body
}
