package handlers

import (
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

func TestDecodeUpload(t *testing.T) {
	tests := []struct {
		file    string
		want    Upload
		wantErr error
	}{
		{"eventbridge-s3-object-created.json", Upload{Bucket: testDumpBucket, Key: testDumpKey, Size: 5576, Action: "PutObject", Time: uploadTime, EventID: "17793124-05d4-b198-2fde-7ededc63b103"}, nil},
		{"cloudtrail-putobject.json", Upload{Bucket: testDumpBucket, Key: testDumpKey, Size: 5576, Action: "PutObject", Time: uploadTime, EventID: "6f2b9d4e-3c1a-4f7b-9e2d-8a5c3b1d0e4f"}, nil},
		{"cloudtrail-completemultipartupload.json", Upload{Bucket: testDumpBucket, Key: testDumpKey, Action: "CompleteMultipartUpload", Time: uploadTime, EventID: "0e8c7a61-5b4d-4e2f-8a1c-9d3b2f6e7a50"}, nil},
		{"cloudtrail-copyobject.json", Upload{Bucket: testDumpBucket, Key: "parking/liberator_dump_261124.zip", Action: "CopyObject", Time: uploadTime, EventID: "4a9d2e7f-1b3c-4d5e-8f6a-7b8c9d0e1f2a"}, nil},
		{"eventbridge-rds-event-0042.json", Upload{}, ErrNotAnUpload},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := DecodeUpload(loadEventBridge(t, tc.file))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("DecodeUpload error = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("upload (-want +got):\n%s", diff)
			}
		})
	}
	ev := withDetail(t, loadEventBridge(t, "eventbridge-s3-object-created.json"), "object", map[string]any{"size": 1})
	if _, err := DecodeUpload(ev); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("Object Created without a key: %v, want ErrInvalid", err)
	}
}

// TestDecodeUploadKeyAsGiven checks that keys are used as the event gives
// them: the S3 EventBridge detail and the CloudTrail requestParameters are
// not documented as URL-encoded (only the SQS/SNS/Lambda notification format
// is), so a space, '+' or '%' in a key must not be decoded.
func TestDecodeUploadKeyAsGiven(t *testing.T) {
	const key = "dumps/liberator dump+v2 100%.zip"
	tests := []struct {
		name string
		ev   func(t *testing.T) events.CloudWatchEvent
	}{
		{"Object Created", func(t *testing.T) events.CloudWatchEvent {
			return withDetail(t, loadEventBridge(t, "eventbridge-s3-object-created.json"), "object", map[string]any{"key": key, "size": 1})
		}},
		{"CloudTrail PutObject", func(t *testing.T) events.CloudWatchEvent {
			return withDetail(t, loadEventBridge(t, "cloudtrail-putobject.json"), "requestParameters", map[string]any{"bucketName": testDumpBucket, "key": key})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeUpload(tc.ev(t))
			if err != nil {
				t.Fatal(err)
			}
			if got.Key != key {
				t.Errorf("Key = %q, want %q", got.Key, key)
			}
		})
	}
}
