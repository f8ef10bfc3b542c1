package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// DecodeUploads reads the uploads that one payload reports, in any shape
// S3 delivers an upload in:
//
//   - an EventBridge event: S3 "Object Created", or CloudTrail PutObject /
//     CompleteMultipartUpload / CopyObject (DecodeUpload), invoking the
//     function directly or as the body of an SQS record (a rule whose
//     target is a queue);
//   - an S3 event notification ({"Records":[{"eventSource":"aws:s3",…}]}),
//     sent to the function, to an SQS queue (the record body) or to an SNS
//     topic; its keys are URL-decoded, as S3 encodes them there; only
//     ObjectCreated:* records count;
//   - an SNS notification whose Message is one of the above, as a
//     subscribed SQS queue receives it (raw delivery off), or an SNS event
//     invoking the function ({"Records":[{"EventSource":"aws:sns",…}]}).
//
// A payload that reports no upload (S3's s3:TestEvent, ObjectRemoved
// records, other detail types, failed CloudTrail calls) returns an error
// wrapping ErrNotAnUpload; one that does not decode, an error wrapping
// liberator.ErrInvalid.
func DecodeUploads(body []byte) ([]Upload, error) {
	var probe struct {
		DetailType *string           `json:"detail-type"`
		Records    []json.RawMessage `json:"Records"`
		Type       string            `json:"Type"`
		Message    *string           `json:"Message"`
		Event      string            `json:"Event"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("decode upload event: %v: %w", err, liberator.ErrInvalid)
	}
	switch {
	case probe.DetailType != nil:
		var ev events.CloudWatchEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return nil, fmt.Errorf("decode EventBridge event: %v: %w", err, liberator.ErrInvalid)
		}
		u, err := DecodeUpload(ev)
		if err != nil {
			return nil, err
		}
		return []Upload{u}, nil
	case probe.Type == "Notification" && probe.Message != nil:
		return DecodeUploads([]byte(*probe.Message))
	case probe.Event == "s3:TestEvent":
		return nil, fmt.Errorf("S3 test event: %w", ErrNotAnUpload)
	case len(probe.Records) > 0:
		return decodeRecords(probe.Records)
	}
	return nil, fmt.Errorf("decode upload event: not an EventBridge event, S3 notification or SNS message (%s): %w",
		prefix(string(body), 80), liberator.ErrInvalid)
}

// decodeRecords reads the records of an S3 event notification or of an SNS
// event.
func decodeRecords(raw []json.RawMessage) ([]Upload, error) {
	var out []Upload
	var skipped []string
	for i, r := range raw {
		var probe struct {
			S3Source  string `json:"eventSource"`
			SNSSource string `json:"EventSource"`
		}
		if err := json.Unmarshal(r, &probe); err != nil {
			return nil, fmt.Errorf("decode record %d: %v: %w", i, err, liberator.ErrInvalid)
		}
		switch {
		case probe.S3Source == "aws:s3":
			var rec events.S3EventRecord
			if err := json.Unmarshal(r, &rec); err != nil {
				return nil, fmt.Errorf("decode S3 notification record %d: %v: %w", i, err, liberator.ErrInvalid)
			}
			action, ok := strings.CutPrefix(rec.EventName, "ObjectCreated:")
			if !ok {
				skipped = append(skipped, rec.EventName)
				continue
			}
			u := Upload{
				Bucket: rec.S3.Bucket.Name, Key: rec.S3.Object.URLDecodedKey, Size: rec.S3.Object.Size,
				Action: s3Action(action), Time: rec.EventTime.UTC(), EventID: rec.ResponseElements["x-amz-request-id"],
			}
			if u.Bucket == "" || u.Key == "" {
				return nil, fmt.Errorf("S3 notification record %d has no bucket or key: %w", i, liberator.ErrInvalid)
			}
			out = append(out, u)
		case probe.SNSSource == "aws:sns":
			var rec events.SNSEventRecord
			if err := json.Unmarshal(r, &rec); err != nil {
				return nil, fmt.Errorf("decode SNS record %d: %v: %w", i, err, liberator.ErrInvalid)
			}
			ups, err := DecodeUploads([]byte(rec.SNS.Message))
			if err != nil {
				if errors.Is(err, ErrNotAnUpload) {
					skipped = append(skipped, err.Error())
					continue
				}
				return nil, err
			}
			out = append(out, ups...)
		default:
			return nil, fmt.Errorf("record %d is neither an S3 nor an SNS record: %w", i, liberator.ErrInvalid)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ObjectCreated record (%s): %w", strings.Join(skipped, ", "), ErrNotAnUpload)
	}
	return out, nil
}

// s3Action names the API call of an ObjectCreated:<action> notification
// as CloudTrail and Upload.Action name it.
func s3Action(a string) string {
	switch a {
	case "Put":
		return "PutObject"
	case "Post":
		return "PostObject"
	case "Copy":
		return "CopyObject"
	}
	return a // CompleteMultipartUpload
}

// isSQSEvent reports whether a payload is an SQS event: records whose
// eventSource is aws:sqs.
func isSQSEvent(raw []byte) bool {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	return json.Unmarshal(raw, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:sqs"
}
