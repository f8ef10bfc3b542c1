package handlers

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestDecodeUploads reads every shape an upload arrives in: the EventBridge
// and CloudTrail events, the S3 notification (direct, in an SQS record, in
// an SNS envelope in an SQS record, in an SNS event), with keys
// URL-decoded; payloads that report no upload are ErrNotAnUpload, ones
// that do not decode ErrInvalid.
func TestDecodeUploads(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	dump := Upload{Bucket: testDumpBucket, Key: testDumpKey, Size: 5576, Action: "PutObject", Time: t0}
	sqsBody := func(name string) []byte {
		var ev events.SQSEvent
		if err := json.Unmarshal(readTestdata(t, name), &ev); err != nil {
			t.Fatal(err)
		}
		return []byte(ev.Records[0].Body)
	}
	notification := readTestdata(t, "s3-notification-objectcreated.json")
	snsEvent, _ := json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns", SNS: events.SNSEntity{Type: "Notification", Message: string(notification)}}}})
	encoded := []byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:CompleteMultipartUpload","eventTime":"2026-11-24T03:15:00Z",
		"s3":{"bucket":{"name":"b"},"object":{"key":"parking/liberator+dump+%282%29.zip","size":7}}}]}`)
	tests := []struct {
		name    string
		body    []byte
		want    []Upload
		wantErr error
	}{
		{name: "EventBridge Object Created", body: readTestdata(t, "eventbridge-s3-object-created.json"),
			want: []Upload{{Bucket: testDumpBucket, Key: testDumpKey, Size: 5576, Action: "PutObject", Time: t0, EventID: "17793124-05d4-b198-2fde-7ededc63b103"}}},
		{name: "CloudTrail CompleteMultipartUpload", body: readTestdata(t, "cloudtrail-completemultipartupload.json")},
		{name: "S3 notification", body: notification, want: []Upload{withEventID(dump, "N4N7GDK58NMKJ12R")}},
		{name: "S3 notification in SQS", body: sqsBody("sqs-s3-notification.json"), want: []Upload{withEventID(dump, "N4N7GDK58NMKJ12R")}},
		{name: "S3 notification in SNS in SQS", body: sqsBody("sqs-sns-s3-notification.json"), want: []Upload{withEventID(dump, "N4N7GDK58NMKJ12R")}},
		{name: "SNS event", body: snsEvent, want: []Upload{withEventID(dump, "N4N7GDK58NMKJ12R")}},
		{name: "URL-encoded key", body: encoded,
			want: []Upload{{Bucket: "b", Key: "parking/liberator dump (2).zip", Size: 7, Action: "CompleteMultipartUpload", Time: t0}}},
		{name: "S3 test event", body: []byte(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-24T03:15:00.000Z","Bucket":"b","RequestId":"x","HostId":"y"}`), wantErr: ErrNotAnUpload},
		{name: "object removed", body: []byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`), wantErr: ErrNotAnUpload},
		{name: "RDS event", body: readTestdata(t, "eventbridge-rds-event-0042.json"), wantErr: ErrNotAnUpload},
		{name: "not JSON", body: []byte(`{"Records":[`), wantErr: liberator.ErrInvalid},
		{name: "unknown JSON", body: []byte(`{"hello":"world"}`), wantErr: liberator.ErrInvalid},
		{name: "record of another service", body: []byte(`{"Records":[{"eventSource":"aws:dynamodb"}]}`), wantErr: liberator.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeUploads(tc.body)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("DecodeUploads = %v, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil { // CloudTrail: checked by TestDecodeUpload; here the key
				if len(got) != 1 || got[0].Key != testDumpKey || got[0].Action != "CompleteMultipartUpload" {
					t.Errorf("got %+v", got)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("uploads (-want +got):\n%s", diff)
			}
		})
	}
}

func withEventID(u Upload, id string) Upload {
	u.EventID = id
	return u
}
