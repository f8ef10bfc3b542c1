package handlers

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

func TestFromEnv(t *testing.T) {
	full := map[string]string{
		"AWS_REGION":                        "eu-west-2",
		"LIBERATOR_LOG_LEVEL":               "debug",
		"LIBERATOR_DUMP_BUCKET":             "dev-liberator-data-storage",
		"LIBERATOR_REPLICA_BUCKET":          "preprod-liberator-data-storage",
		"LIBERATOR_ECS_CLUSTER":             "liberator",
		"LIBERATOR_ECS_TASK_DEFINITION":     "liberator-to-rds-snapshot:7",
		"LIBERATOR_ECS_CONTAINER":           "restore",
		"LIBERATOR_ECS_SUBNETS":             " subnet-a, subnet-b ,",
		"LIBERATOR_ECS_SECURITY_GROUPS":     "sg-1",
		"LIBERATOR_ECS_ASSIGN_PUBLIC_IP":    "true",
		"LIBERATOR_DB_INSTANCE":             "liberator-db",
		"LIBERATOR_EXPORT_BUCKET":           "dev-dp-rds-export-storage",
		"LIBERATOR_EXPORT_ROLE_ARN":         "arn:aws:iam::123456789012:role/rds-export",
		"LIBERATOR_EXPORT_KMS_KEY_ID":       "arn:aws:kms:eu-west-2:123456789012:key/abc",
		"LIBERATOR_LANDING_BUCKET":          "dev-landing-zone",
		"LIBERATOR_QUEUE_URL":               "https://sqs.eu-west-2.amazonaws.com/123456789012/dev-liberator-scheduler",
		"LIBERATOR_BACKDATED_WORKFLOW_NAME": "parking-liberator-backdated-data-workflow",
		"BACKDATED_WORKFLOW_NAME":           "ignored: the new name is set",
		"LIBERATOR_RETRY_INITIAL":           "1m",
		"LIBERATOR_DEADLINE_MARGIN":         "3s",
		"LIBERATOR_AWS_ATTEMPT_TIMEOUT":     "4s",
		"LIBERATOR_MARKERS_IN_PARTITION":    "true",
		"LIBERATOR_KEEP_SNAPSHOTS":          "2",
		"LIBERATOR_GATE":                    "strict,max-row-drop=20%",
		"LIBERATOR_DB_HOST":                 "liberator-db.abc.eu-west-2.rds.amazonaws.com",
		"LIBERATOR_DB_PORT":                 "3307",
		"LIBERATOR_DB_USER":                 "admin",
		"LIBERATOR_DB_PASSWORD":             " secret with spaces ",
		"LIBERATOR_DB_CA_BUNDLE":            "/etc/ssl/rds/global-bundle.pem",
		"DUMP_BUCKET":                       "dev-liberator-data-storage",
		"DUMP_KEY":                          testDumpKey,
	}
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := FromEnv(get(full))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Region: "eu-west-2", LogLevel: slog.LevelDebug,
		DumpBucket: "dev-liberator-data-storage", DumpPrefix: "parking/", ReplicaBucket: "preprod-liberator-data-storage",
		ECS: ECSConfig{
			Cluster: "liberator", TaskDefinition: "liberator-to-rds-snapshot:7", Container: "restore",
			Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-1"}, AssignPublicIP: true, LaunchType: "FARGATE",
		},
		DBInstance: "liberator-db", ExportBucket: "dev-dp-rds-export-storage",
		ExportRoleARN: "arn:aws:iam::123456789012:role/rds-export", ExportKMSKeyID: "arn:aws:kms:eu-west-2:123456789012:key/abc",
		LandingBucket: "dev-landing-zone", LandingPrefix: "parking", WorkflowName: "parking-liberator-data-workflow",
		BackdatedWorkflowName: "parking-liberator-backdated-data-workflow",
		QueueURL:              "https://sqs.eu-west-2.amazonaws.com/123456789012/dev-liberator-scheduler",
		RetryInitial:          time.Minute, KeepSnapshots: 2, MarkersInPartition: true, Gate: wantGate(t, "strict,max-row-drop=20%"),
		DeadlineMargin: 3 * time.Second, AttemptTimeout: 4 * time.Second,
		Restore: RestoreConfig{
			Bucket: "dev-liberator-data-storage", Key: testDumpKey,
			DBHost: "liberator-db.abc.eu-west-2.rds.amazonaws.com", DBPort: 3307, DBUser: "admin",
			DBPassword: " secret with spaces ", DBName: "liberator", CABundle: "/etc/ssl/rds/global-bundle.pem",
		},
		Chain: ChainRDS, Direct: DirectConfig{MaxSize: DefaultDirectMaxSize, KeepExports: DefaultKeepExports},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	for name, check := range map[string]func() error{"dump": c.CheckDumpUploaded, "pipeline": c.CheckPipeline, "restore": c.CheckRestore} {
		if err := check(); err != nil {
			t.Errorf("Check %s on a full config: %v", name, err)
		}
	}
	if got := c.BucketURL("b"); got != "s3://b?region=eu-west-2" {
		t.Errorf("BucketURL = %q", got)
	}
	c.S3PathStyle = true
	if got := c.BucketURL("b"); got != "s3://b?region=eu-west-2&use_path_style=true" {
		t.Errorf("BucketURL with path style = %q", got)
	}
	if got := c.BucketURL("file:///data"); got != "file:///data" {
		t.Errorf("BucketURL of a URL = %q, want it unchanged", got)
	}

	bad := []struct{ key, value string }{
		{"LIBERATOR_DB_PORT", "70000"},
		{"LIBERATOR_ECS_ASSIGN_PUBLIC_IP", "sometimes"},
		{"LIBERATOR_LOG_LEVEL", "loud"},
		{"LIBERATOR_RETRY_MAX", "15"},
		{"LIBERATOR_RETRY_DEADLINE", "-1h"},
		{"LIBERATOR_KEEP_SNAPSHOTS", "-1"},
		{"LIBERATOR_GATE", "lenient"},
		{"LIBERATOR_DEADLINE_MARGIN", "soon"},
		{"LIBERATOR_AWS_ATTEMPT_TIMEOUT", "0s"},
	}
	for _, b := range bad {
		env := map[string]string{b.key: b.value}
		_, err := FromEnv(get(env))
		if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), b.key) || !strings.Contains(err.Error(), b.value) {
			t.Errorf("FromEnv(%s=%s) = %v, want an ErrInvalid naming the variable and value", b.key, b.value, err)
		}
	}

	empty, err := FromEnv(get(nil))
	if err != nil {
		t.Fatal(err)
	}
	if empty.Layout() != partition.ControlLayout || c.Layout() != partition.InPartitionLayout {
		t.Errorf("layouts %s (default) and %s (%s=true), want control and in-partition", empty.Layout(), c.Layout(), EnvMarkersInPartition)
	}
	if empty.KeepSnapshots != liberator.DefaultKeepSnapshots || empty.keepSnapshots() != liberator.DefaultKeepSnapshots {
		t.Errorf("KeepSnapshots by default = %d, want pruning on, keeping %d", empty.KeepSnapshots, liberator.DefaultKeepSnapshots)
	}
	if off := (Config{KeepSnapshots: 0}); off.keepSnapshots() != liberator.KeepAllSnapshots {
		t.Errorf("%s=0 gives KeepSnapshots %d, want liberator.KeepAllSnapshots", EnvKeepSnapshots, off.keepSnapshots())
	}
	for name, tc := range map[string]struct {
		check func() error
		want  []string
	}{
		"dump":     {empty.CheckDumpUploaded, []string{EnvRegion, EnvDumpBucket, EnvECSCluster, EnvECSTaskDefinition, EnvECSContainer}},
		"pipeline": {empty.CheckPipeline, []string{EnvDBInstance, EnvExportBucket, EnvExportRoleARN, EnvExportKMSKey, EnvLandingBucket, EnvQueueURL}},
	} {
		err := tc.check()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Check %s on an empty config = %v, want it to name %s", name, err, w)
			}
		}
	}
}

// TestCheckRestoreDump (issue 15, defect 3): the ECS task needs
// LIBERATOR_MESSAGE, or DUMP_BUCKET and DUMP_KEY together. A key without a
// bucket used to pass and be opened as a local file.
func TestCheckRestoreDump(t *testing.T) {
	pipeline := Config{
		Region: "eu-west-2", DBInstance: "liberator-db", ExportBucket: "x", ExportRoleARN: "arn:aws:iam::123456789012:role/export",
		ExportKMSKeyID: "k", LandingBucket: "l", QueueURL: "https://sqs.eu-west-2.amazonaws.com/123456789012/q",
	}
	db := RestoreConfig{DBHost: "h", DBPort: 3306, DBUser: "admin", DBPassword: "p", DBName: "liberator", CABundle: "/ca.pem"}
	tests := []struct {
		name        string
		message     string
		bucket, key string
		wantNamed   string // "" = accepted
	}{
		{name: "message", message: `{"version":1}`},
		{name: "bucket and key", bucket: testDumpBucket, key: testDumpKey},
		{name: "key without bucket", key: testDumpKey, wantNamed: EnvTaskBucket},
		{name: "bucket without key", bucket: testDumpBucket, wantNamed: EnvTaskKey},
		{name: "neither", wantNamed: EnvMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := pipeline
			c.Restore = db
			c.Restore.Message, c.Restore.Bucket, c.Restore.Key = tc.message, tc.bucket, tc.key
			err := c.CheckRestore()
			if tc.wantNamed == "" {
				if err != nil {
					t.Fatalf("CheckRestore = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, liberator.ErrInvalid) || !strings.HasPrefix(err.Error(), "config "+tc.wantNamed+":") {
				t.Fatalf("CheckRestore = %v, want an ErrInvalid naming %s first", err, tc.wantNamed)
			}
		})
	}
}

// TestFromEnvDirect reads the direct chain's settings: the chain, sizes
// with units, the memory limit from the Lambda function's memory unless
// set, the upload bounds, and where the export goes (its own bucket, or the
// landing bucket under DefaultInLandingExportPrefix); bad values are
// refused naming the variable.
func TestFromEnvDirect(t *testing.T) {
	base := map[string]string{"AWS_REGION": "eu-west-2", "LIBERATOR_DUMP_BUCKET": "d", "LIBERATOR_LANDING_BUCKET": "landing"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name       string
		env        func(string) string
		want       DirectConfig
		wantChain  string
		wantExport [2]string // bucket, prefix
	}{
		{name: "defaults", env: with(), wantChain: ChainRDS, want: DirectConfig{MaxSize: DefaultDirectMaxSize, KeepExports: DefaultKeepExports},
			wantExport: [2]string{"landing", DefaultInLandingExportPrefix}},
		{name: "lambda of 2 GB", env: with("LIBERATOR_CHAIN", "Direct", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048",
			"LIBERATOR_EXPORT_BUCKET", "exports", "LIBERATOR_EXPORT_PREFIX", "/direct/"),
			wantChain:  ChainDirect,
			want:       DirectConfig{MaxSize: DefaultDirectMaxSize, FunctionMemory: 2048 << 20, MemoryLimit: 1536 << 20, KeepExports: DefaultKeepExports},
			wantExport: [2]string{"exports", "direct/"}},
		{name: "everything set", env: with("LIBERATOR_CHAIN", "direct", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024",
			"LIBERATOR_MEMORY_LIMIT", "600MiB", "LIBERATOR_DIRECT_MAX_SIZE", "1.5GB", "LIBERATOR_UPLOAD_PART_SIZE", "16MiB",
			"LIBERATOR_UPLOAD_CONCURRENCY", "2", "LIBERATOR_ROW_GROUP_BYTES", "8MiB", "LIBERATOR_EVENT", `{"x":1}`, "LIBERATOR_KEEP_EXPORTS", "0",
			"LIBERATOR_EXPORT_BUCKET", "landing", "LIBERATOR_EXPORT_PREFIX", "stage"),
			wantChain: ChainDirect,
			want: DirectConfig{MaxSize: 3 << 29, MemoryLimit: 600 << 20, FunctionMemory: 1 << 30, UploadPartSize: 16 << 20,
				UploadConcurrency: 2, RowGroupBytes: 8 << 20, Event: `{"x":1}`},
			wantExport: [2]string{"landing", "stage/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Chain != tc.wantChain {
				t.Errorf("chain %q, want %q", c.Chain, tc.wantChain)
			}
			if diff := cmp.Diff(tc.want, c.Direct); diff != "" {
				t.Errorf("direct config (-want +got):\n%s", diff)
			}
			b, p := c.DirectExport()
			if diff := cmp.Diff(tc.wantExport, [2]string{b, p}); diff != "" {
				t.Errorf("export bucket and prefix (-want +got):\n%s", diff)
			}
			if err := c.CheckDirect(); err != nil {
				t.Errorf("CheckDirect: %v", err)
			}
		})
	}
	for _, b := range []struct{ key, value string }{
		{"LIBERATOR_CHAIN", "glue"},
		{"LIBERATOR_DIRECT_MAX_SIZE", "big"},
		{"LIBERATOR_MEMORY_LIMIT", "-1GB"},
		{"LIBERATOR_UPLOAD_PART_SIZE", "1MiB"},
		{"LIBERATOR_UPLOAD_CONCURRENCY", "0"},
		{"LIBERATOR_KEEP_EXPORTS", "-1"},
		{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"},
	} {
		_, err := FromEnv(with(b.key, b.value))
		if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), b.key) {
			t.Errorf("FromEnv(%s=%s) = %v, want an ErrInvalid naming the variable", b.key, b.value, err)
		}
	}
	c, _ := FromEnv(func(string) string { return "" })
	err := c.CheckDirect()
	for _, w := range []string{EnvRegion, EnvDumpBucket, EnvLandingBucket} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("CheckDirect on an empty config = %v, want it to name %s", err, w)
		}
	}
}

// TestFromEnvLegacyNames: a task or function deployed with the old chain's
// environment (the ECS task's and the Lambdas' names) is configured the
// same as with the new names, says once per old name which to rename, and
// the new names win where both are set.
func TestFromEnvLegacyNames(t *testing.T) {
	old := map[string]string{
		"AWS_REGION":              "eu-west-2",
		"RDS_INSTANCE_ID":         "dataplatform-stg-liberator-db",
		"MYSQL_HOST":              "liberator-db.abc.eu-west-2.rds.amazonaws.com",
		"MYSQL_USER":              "admin",
		"MYSQL_PASS":              "pw",
		"MYSQL_OTHER_FLAGS":       "--port=3307 --ssl-ca=/etc/ssl/rds/eu-west-2-bundle.pem --max-allowed-packet=1G",
		"BUCKET_NAME":             "dataplatform-stg-liberator-data-storage",
		"IMPORT_DATE_OVERRIDE":    "2026-10-02",
		"S3_BUCKET_NAME":          "dataplatform-stg-dp-rds-export-storage",
		"IAM_ROLE_ARN":            "arn:aws:iam::123456789012:role/rds-export",
		"KMS_KEY_ID":              "arn:aws:kms:eu-west-2:123456789012:key/abc",
		"COPIER_QUEUE_ARN":        "arn:aws:sqs:eu-west-2:123456789012:dataplatform-stg-s3-to-s3-copier",
		"BUCKET_DESTINATION":      "dataplatform-stg-landing-zone",
		"SERVICE_AREA":            "parking",
		"WORKFLOW_NAME":           "stg-parking-liberator-data-workflow",
		"BACKDATED_WORKFLOW_NAME": "stg-parking-liberator-backdated-data-workflow",
	}
	c, err := FromEnv(func(k string) string { return old[k] })
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		DBInstance, DBHost, DBUser, DBPassword, CABundle string
		DBPort                                           int
		DumpBucket, TaskBucket, TaskKey, ImportDate      string
		ExportBucket, ExportRoleARN, ExportKMSKeyID      string
		QueueURL, LandingBucket, LandingPrefix           string
		WorkflowName, BackdatedWorkflowName              string
	}
	want := got{
		DBInstance: "dataplatform-stg-liberator-db", DBHost: "liberator-db.abc.eu-west-2.rds.amazonaws.com", DBUser: "admin", DBPassword: "pw",
		CABundle: "/etc/ssl/rds/eu-west-2-bundle.pem", DBPort: 3307,
		DumpBucket: "dataplatform-stg-liberator-data-storage", TaskBucket: "dataplatform-stg-liberator-data-storage",
		TaskKey: "parking/liberator_dump_261002.zip", ImportDate: "2026-10-02",
		ExportBucket: "dataplatform-stg-dp-rds-export-storage", ExportRoleARN: "arn:aws:iam::123456789012:role/rds-export",
		ExportKMSKeyID: "arn:aws:kms:eu-west-2:123456789012:key/abc",
		QueueURL:       "https://sqs.eu-west-2.amazonaws.com/123456789012/dataplatform-stg-s3-to-s3-copier",
		LandingBucket:  "dataplatform-stg-landing-zone", LandingPrefix: "parking",
		WorkflowName: "stg-parking-liberator-data-workflow", BackdatedWorkflowName: "stg-parking-liberator-backdated-data-workflow",
	}
	r := c.Restore
	if diff := cmp.Diff(want, got{c.DBInstance, r.DBHost, r.DBUser, r.DBPassword, r.CABundle, r.DBPort,
		c.DumpBucket, r.Bucket, r.Key, r.ImportDate, c.ExportBucket, c.ExportRoleARN, c.ExportKMSKeyID,
		c.QueueURL, c.LandingBucket, c.LandingPrefix, c.WorkflowName, c.BackdatedWorkflowName}); diff != "" {
		t.Errorf("config from the old names (-want +got):\n%s", diff)
	}
	if err := c.CheckRestore(); err != nil {
		t.Errorf("CheckRestore with the old ECS task's environment: %v", err)
	}
	var buf strings.Builder
	c.LogDeprecated(slog.New(slog.NewTextHandler(&buf, nil)))
	for _, name := range []string{"RDS_INSTANCE_ID", "MYSQL_HOST", "MYSQL_USER", "MYSQL_PASS", "MYSQL_OTHER_FLAGS", "BUCKET_NAME",
		"IMPORT_DATE_OVERRIDE", "S3_BUCKET_NAME", "IAM_ROLE_ARN", "KMS_KEY_ID", "COPIER_QUEUE_ARN", "BUCKET_DESTINATION",
		"SERVICE_AREA", "WORKFLOW_NAME", "BACKDATED_WORKFLOW_NAME"} {
		if !strings.Contains(buf.String(), "level=WARN msg=\"deprecated environment variable: rename it\" old="+name) {
			t.Errorf("no deprecation line for %s in:\n%s", name, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `ignored="--max-allowed-packet=1G"`) {
		t.Errorf("the ignored client flag is not logged:\n%s", buf.String())
	}

	// The new name wins; nothing deprecated is logged then.
	old[EnvDBInstance] = "new-db"
	c, err = FromEnv(func(k string) string { return old[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DBInstance != "new-db" {
		t.Errorf("DBInstance %q, want the new name's value", c.DBInstance)
	}
	for _, a := range c.Deprecated {
		if a.Old == "RDS_INSTANCE_ID" {
			t.Errorf("RDS_INSTANCE_ID reported as read although %s is set", EnvDBInstance)
		}
	}
}

// wantGate parses a gate setting the test means to be valid.
func wantGate(t *testing.T, s string) liberator.Gate {
	t.Helper()
	g, err := liberator.ParseGate(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
