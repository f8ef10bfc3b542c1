package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// ErrNotAnUpload is returned by DecodeUpload for an event that does not
// report a new object: another detail-type, another API call, or a
// CloudTrail record of a call that failed. Callers ignore such events.
var ErrNotAnUpload = errors.New("not an object upload event")

// Upload is a new object reported by S3 through EventBridge.
type Upload struct {
	// Bucket is the bucket name and Key the object key.
	Bucket string
	Key    string
	// Size in bytes when the event says it, else 0.
	Size int64
	// Action is the S3 API call that made the object: PutObject,
	// CompleteMultipartUpload or CopyObject.
	Action string
	// Time is when the object was written (the event's time).
	Time time.Time
	// EventID is the EventBridge event id, for logs.
	EventID string
}

// The EventBridge detail types the dump-uploaded handler reads.
const (
	DetailTypeObjectCreated = "Object Created"
	DetailTypeCloudTrail    = "AWS API Call via CloudTrail"
)

// s3ObjectCreated is the detail of an S3 "Object Created" event.
type s3ObjectCreated struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	} `json:"object"`
	Reason string `json:"reason"`
}

// cloudTrailS3 is the part of a CloudTrail record (the detail of an "AWS API
// Call via CloudTrail" event) that names the object written.
type cloudTrailS3 struct {
	EventSource       string `json:"eventSource"`
	EventName         string `json:"eventName"`
	ErrorCode         string `json:"errorCode"`
	RequestParameters struct {
		BucketName string `json:"bucketName"`
		Key        string `json:"key"`
	} `json:"requestParameters"`
	AdditionalEventData struct {
		BytesTransferredIn float64 `json:"bytesTransferredIn"`
	} `json:"additionalEventData"`
}

// DecodeUpload reads an EventBridge event from S3: an "Object Created" event
// (S3's EventBridge notifications) or an "AWS API Call via CloudTrail" event
// for PutObject, CompleteMultipartUpload or CopyObject (CloudTrail data
// events). Other events, and CloudTrail records of calls that failed, return
// ErrNotAnUpload; an event of the right kind without a bucket or key returns
// an error wrapping liberator.ErrInvalid.
//
// The key is used as the event gives it, not URL-decoded: AWS documents URL
// encoding ("red flower.jpg" → "red+flower.jpg") for the S3 notification
// format sent to SQS, SNS and Lambda, which this function does not read; the
// EventBridge detail's object.key and CloudTrail's requestParameters.key are
// not documented as encoded.
func DecodeUpload(ev events.CloudWatchEvent) (Upload, error) {
	if ev.Source != "aws.s3" {
		return Upload{}, fmt.Errorf("source %q: %w", ev.Source, ErrNotAnUpload)
	}
	u := Upload{Time: ev.Time.UTC(), EventID: ev.ID}
	switch ev.DetailType {
	case DetailTypeObjectCreated:
		var d s3ObjectCreated
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			return Upload{}, fmt.Errorf("decode %q event %s: %v: %w", ev.DetailType, ev.ID, err, liberator.ErrInvalid)
		}
		u.Bucket, u.Key, u.Size, u.Action = d.Bucket.Name, d.Object.Key, d.Object.Size, d.Reason
		if u.Action == "" {
			u.Action = "PutObject"
		}
	case DetailTypeCloudTrail:
		var d cloudTrailS3
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			return Upload{}, fmt.Errorf("decode %q event %s: %v: %w", ev.DetailType, ev.ID, err, liberator.ErrInvalid)
		}
		switch d.EventName {
		case "PutObject", "CompleteMultipartUpload", "CopyObject":
		default:
			return Upload{}, fmt.Errorf("CloudTrail event %q: %w", d.EventName, ErrNotAnUpload)
		}
		if d.ErrorCode != "" {
			return Upload{}, fmt.Errorf("CloudTrail %s failed with %s: %w", d.EventName, d.ErrorCode, ErrNotAnUpload)
		}
		u.Bucket, u.Key, u.Action = d.RequestParameters.BucketName, d.RequestParameters.Key, d.EventName
		if d.EventName == "PutObject" {
			u.Size = int64(d.AdditionalEventData.BytesTransferredIn)
		}
	default:
		return Upload{}, fmt.Errorf("detail-type %q: %w", ev.DetailType, ErrNotAnUpload)
	}
	if u.Bucket == "" || u.Key == "" {
		return Upload{}, fmt.Errorf("%q event %s has no bucket or key: %w", ev.DetailType, ev.ID, liberator.ErrInvalid)
	}
	return u, nil
}
