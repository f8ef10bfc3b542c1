package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

var testECS = ECSConfig{
	Cluster:        "liberator",
	TaskDefinition: "liberator-to-rds-snapshot:7",
	Container:      "restore",
	Subnets:        []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"},
	SecurityGroups: []string{"sg-0123456789abcdef0"},
	LaunchType:     "FARGATE",
}

var uploadTime = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func newDumpHandler(ecsSrv *ecsServer) *DumpUploaded {
	cfg := Config{Region: "eu-west-2"}
	return &DumpUploaded{
		Bucket:    testDumpBucket,
		Prefix:    "parking/",
		BucketURL: cfg.BucketURL,
		Launcher:  ECSLauncher{Client: ecsSrv.client(), Config: testECS},
		Logger:    quietLogger(),
	}
}

// TestDumpUploaded feeds the dump-uploaded handler the S3 and CloudTrail
// events in testdata and checks the ECS task it runs.
func TestDumpUploaded(t *testing.T) {
	type want struct {
		key     string // dump key launched; "" = ignored
		date    liberator.Date
		ignored string // substring of the reason
	}
	ct := func(t *testing.T, ev events.CloudWatchEvent, field string, v any) events.CloudWatchEvent {
		return withDetail(t, ev, field, v)
	}
	tests := []struct {
		name string
		file string
		edit func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent
		want want
	}{
		{name: "S3 Object Created", file: "eventbridge-s3-object-created.json", want: want{key: testDumpKey, date: testDate}},
		{name: "CloudTrail PutObject", file: "cloudtrail-putobject.json", want: want{key: testDumpKey, date: testDate}},
		{name: "CloudTrail CompleteMultipartUpload", file: "cloudtrail-completemultipartupload.json", want: want{key: testDumpKey, date: testDate}},
		{name: "CloudTrail CopyObject, old YYMMDD name", file: "cloudtrail-copyobject.json", want: want{key: "parking/liberator_dump_261124.zip", date: testDate}},
		{name: "key outside the prefix", file: "eventbridge-s3-object-created-other-prefix.json", want: want{ignored: "outside prefix"}},
		{
			name: "key in a folder under the prefix",
			file: "eventbridge-s3-object-created.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "object", map[string]any{"key": "parking/archive/liberator_dump_20261124.zip", "size": 5576})
			},
			want: want{ignored: "not directly under"},
		},
		{
			name: "another bucket",
			file: "eventbridge-s3-object-created.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "bucket", map[string]any{"name": "staging-liberator-data-storage"})
			},
			want: want{ignored: "not the dump bucket"},
		},
		{
			name: "impossible date in the dump name",
			file: "eventbridge-s3-object-created.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "object", map[string]any{"key": "parking/liberator_dump_20261131.zip", "size": 5576})
			},
			want: want{ignored: "20261131"},
		},
		{
			name: "not a dump",
			file: "eventbridge-s3-object-created.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "object", map[string]any{"key": "parking/README.txt", "size": 12})
			},
			want: want{ignored: "README.txt"},
		},
		{
			name: "CloudTrail PutObject that was denied",
			file: "cloudtrail-putobject.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "errorCode", "AccessDenied")
			},
			want: want{ignored: "AccessDenied"},
		},
		{
			name: "CloudTrail GetObject",
			file: "cloudtrail-putobject.json",
			edit: func(t *testing.T, ev events.CloudWatchEvent) events.CloudWatchEvent {
				return ct(t, ev, "eventName", "GetObject")
			},
			want: want{ignored: "GetObject"},
		},
		{name: "an RDS event", file: "eventbridge-rds-event-0042.json", want: want{ignored: "aws.rds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newECSServer(t)
			h := newDumpHandler(srv)
			ev := loadEventBridge(t, tc.file)
			if tc.edit != nil {
				ev = tc.edit(t, ev)
			}
			res, err := h.Handle(context.Background(), ev)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			runs := srv.runTasks()
			if tc.want.key == "" {
				if len(runs) != 0 || !strings.Contains(res.Ignored, tc.want.ignored) {
					t.Fatalf("got %d RunTask calls, ignored %q; want none, ignored because of %q", len(runs), res.Ignored, tc.want.ignored)
				}
				return
			}
			if len(runs) != 1 {
				t.Fatalf("got %d RunTask calls (ignored: %q), want 1", len(runs), res.Ignored)
			}
			wantMsg, err := liberator.NewRunMessage(liberator.DumpRef{
				Bucket: "s3://dev-liberator-data-storage?region=eu-west-2", Key: tc.want.key, Size: res.Message.Dump.Size,
			}, liberator.Date{}, false, uploadTime)
			if err != nil {
				t.Fatal(err)
			}
			if wantMsg.ImportDate != tc.want.date {
				t.Fatalf("date %s, want %s", wantMsg.ImportDate, tc.want.date)
			}
			r := runs[0]
			env := r.env()
			gotMsg, err := liberator.DecodeMessage([]byte(env[EnvMessage]))
			if err != nil {
				t.Fatalf("container env %s: %v", EnvMessage, err)
			}
			if diff := cmp.Diff(wantMsg, gotMsg); diff != "" {
				t.Errorf("message passed to the task (-want +got):\n%s", diff)
			}
			if env[EnvTaskBucket] != wantMsg.Dump.Bucket || env[EnvTaskKey] != tc.want.key {
				t.Errorf("container env %v lacks the dump location", env)
			}
			if r.Cluster != "liberator" || r.TaskDefinition != "liberator-to-rds-snapshot:7" || r.Count != 1 ||
				r.LaunchType != "FARGATE" || r.StartedBy != "liberator/20261124" || r.ClientToken != ClientToken(wantMsg) ||
				r.Overrides.ContainerOverrides[0].Name != "restore" {
				t.Errorf("RunTask request %+v does not match the configuration", r)
			}
			vpc := r.NetworkConfiguration.AwsvpcConfiguration
			if diff := cmp.Diff(testECS.Subnets, vpc.Subnets); diff != "" || vpc.AssignPublicIP != "DISABLED" || len(vpc.SecurityGroups) != 1 {
				t.Errorf("network configuration %+v (subnets diff %s)", vpc, diff)
			}
			if !strings.HasPrefix(res.Task, "arn:aws:ecs:eu-west-2:123456789012:task/liberator/") {
				t.Errorf("task %q, want the ARN ECS returned", res.Task)
			}
		})
	}
}

// TestDumpUploadedBothRules checks that when both the S3 and the CloudTrail
// rule fire for one upload (and EventBridge delivers one twice), ECS starts
// a single task: the RunTask client token is the same.
func TestDumpUploadedBothRules(t *testing.T) {
	srv := newECSServer(t)
	h := newDumpHandler(srv)
	for _, f := range []string{"eventbridge-s3-object-created.json", "cloudtrail-putobject.json", "cloudtrail-putobject.json"} {
		if _, err := h.Handle(context.Background(), loadEventBridge(t, f)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if got := len(srv.runTasks()); got != 3 {
		t.Errorf("RunTask calls = %d, want 3", got)
	}
	if got := srv.tasks(); got != 1 {
		t.Errorf("tasks started = %d, want 1", got)
	}
}

// TestDumpUploadedLaunchFailures checks that ECS failures are returned (so
// Lambda retries the event) with the right kind.
func TestDumpUploadedLaunchFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *ecsServer)
		want  error
	}{
		{"throttled", func(s *ecsServer) { s.failNext = []ecsFault{{"ThrottlingException", 400}} }, liberator.ErrThrottled},
		{"server error", func(s *ecsServer) { s.failNext = []ecsFault{{"ServerException", 500}} }, liberator.ErrTransient},
		{"bad task definition", func(s *ecsServer) { s.failNext = []ecsFault{{"ClientException", 400}} }, liberator.ErrInvalid},
		{"no capacity", func(s *ecsServer) { s.noTasks = 1 }, liberator.ErrTransient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newECSServer(t)
			tc.setup(srv)
			_, err := newDumpHandler(srv).Handle(context.Background(), loadEventBridge(t, "eventbridge-s3-object-created.json"))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), testDumpKey) {
				t.Fatalf("Handle error = %v, want one wrapping %v that names the dump", err, tc.want)
			}
			if srv.tasks() != 0 {
				t.Errorf("a task was started")
			}
		})
	}
}

// TestDumpUploadedReplicates checks the copy to the pre-production bucket
// (CopyObject, ACL bucket-owner-full-control) against gofakes3.
func TestDumpUploadedReplicates(t *testing.T) {
	ctx := context.Background()
	s3srv := awstest.NewS3(liberator.RealClock{})
	defer s3srv.Close()
	src, err := s3srv.Bucket(ctx, testDumpBucket)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := s3srv.Bucket(ctx, "preprod-liberator-data-storage")
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	dump := []byte("PK\x03\x04 a zipped dump")
	if err := src.WriteAll(ctx, testDumpKey, dump, nil); err != nil {
		t.Fatal(err)
	}

	srv := newECSServer(t)
	h := newDumpHandler(srv)
	copier, err := s3copy.NewFromClient(s3srv.Client(), s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl})
	if err != nil {
		t.Fatal(err)
	}
	h.Replicator = &s3copy.Replicator{Copier: copier, DestBucket: "preprod-liberator-data-storage"}
	res, err := h.Handle(ctx, loadEventBridge(t, "eventbridge-s3-object-created.json"))
	if err != nil || !res.Replicated || srv.tasks() != 1 {
		t.Fatalf("Handle = %+v, %v; want launched and replicated", res, err)
	}
	got, err := dst.ReadAll(ctx, testDumpKey)
	if err != nil || string(got) != string(dump) {
		t.Fatalf("replica = %q, %v; want the dump", got, err)
	}
	copies := s3srv.Requests("CopyObject")
	if len(copies) != 1 || copies[0].Params["Acl"] != "bucket-owner-full-control" ||
		copies[0].Params["Copy-Source"] != testDumpBucket+"/"+testDumpKey {
		t.Errorf("CopyObject requests %+v, want one from the dump with ACL bucket-owner-full-control", copies)
	}

	// A failed copy is returned so Lambda retries; the launch is not
	// repeated (same client token).
	s3srv.FailNext("CopyObject", 1, awstest.Fault{Code: "SlowDown", Status: 503})
	if _, err := h.Handle(ctx, loadEventBridge(t, "eventbridge-s3-object-created.json")); !retryable(err) {
		t.Fatalf("Handle with a failing copy = %v, want a retryable error", err)
	}
	if srv.tasks() != 1 {
		t.Errorf("tasks started = %d, want still 1", srv.tasks())
	}
}
