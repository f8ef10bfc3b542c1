package awstest

// What the local RDS writes and tells: an export's files and RDS events.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
	"gocloud.dev/blob"
)

// WriteExport returns an OnExportComplete hook that writes files (keyed by
// their path under the export prefix, e.g.
// "liberator/liberator.PCN_IC/1/part-00000-….gz.parquet") into the bucket
// named by the task's S3Bucket, taken from buckets, and RDS's
// export_info_<id>.json summary at the export root.
func WriteExport(buckets map[string]*blob.Bucket, files map[string][]byte) func(context.Context, ExportTask) error {
	return func(ctx context.Context, t ExportTask) error {
		b, ok := buckets[t.S3Bucket]
		if !ok {
			return fmt.Errorf("The S3 bucket %s doesn't exist", t.S3Bucket)
		}
		keys := slices.Sorted(maps.Keys(files))
		type tableInfo struct {
			Target string `json:"target"`
			Status string `json:"status"`
		}
		var tables []tableInfo
		seen := map[string]bool{}
		for _, k := range keys {
			if err := b.WriteAll(ctx, t.Prefix()+k, files[k], nil); err != nil {
				return err
			}
			parts := strings.Split(k, "/")
			if len(parts) >= 2 && !seen[parts[1]] {
				seen[parts[1]] = true
				tables = append(tables, tableInfo{Target: parts[1], Status: "COMPLETE"})
			}
		}
		sort.Slice(tables, func(i, j int) bool { return tables[i].Target < tables[j].Target })
		info, _ := json.Marshal(map[string]any{
			"exportTaskIdentifier": t.ID,
			"sourceArn":            t.SourceArn,
			"status":               "COMPLETE",
			"tables":               tables,
		})
		return b.WriteAll(ctx, t.Prefix()+"export_info_"+t.ID+".json", info, nil)
	}
}

// RDSNotification is an RDS event as the fake emits it.
type RDSNotification struct {
	EventID   string // "RDS-EVENT-0042"
	SourceID  string // the snapshot id
	SourceARN string
	Message   string
	Time      time.Time
}

// RDSMessage renders n as the JSON an RDS event subscription publishes to
// SNS (the SNS Message string).
func (n RDSNotification) RDSMessage() string {
	b, _ := json.Marshal(map[string]string{
		"Event Source":    "db-snapshot",
		"Event Time":      n.Time.UTC().Format("2006-01-02 15:04:05.000"),
		"Identifier Link": "https://console.aws.amazon.com/rds/home?region=" + Region + "#snapshot:id=" + n.SourceID,
		"Source ID":       n.SourceID,
		"Source ARN":      n.SourceARN,
		"Event ID":        "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#" + n.EventID,
		"Event Message":   n.Message,
	})
	return string(b)
}

// SNSEnvelope renders n as SNS delivers it into an SQS queue without raw
// delivery: a notification whose Message is RDSMessage().
func (n RDSNotification) SNSEnvelope(topicARN string) string {
	b, _ := json.Marshal(map[string]string{
		"Type":             "Notification",
		"MessageId":        newID(16),
		"TopicArn":         topicARN,
		"Subject":          "RDS Notification Message",
		"Message":          n.RDSMessage(),
		"Timestamp":        n.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		"SignatureVersion": "1",
		"Signature":        "EXAMPLE",
		"SigningCertURL":   "https://sns." + Region + ".amazonaws.com/SimpleNotificationService-0000.pem",
		"UnsubscribeURL":   "https://sns." + Region + ".amazonaws.com/?Action=Unsubscribe",
	})
	return string(b)
}

// EventBridge renders n as an EventBridge "RDS DB Snapshot Event".
func (n RDSNotification) EventBridge() string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": newID(16), "detail-type": "RDS DB Snapshot Event", "source": "aws.rds",
		"account": Account, "time": n.Time.UTC().Format(time.RFC3339), "region": Region,
		"resources": []string{n.SourceARN},
		"detail": map[string]any{
			"EventCategories": []string{"notification"}, "SourceType": "SNAPSHOT",
			"SourceArn": n.SourceARN, "Date": n.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
			"Message": n.Message, "SourceIdentifier": n.SourceID, "EventID": n.EventID,
		},
	})
	return string(b)
}

// RunTags returns the tags rdssnap puts on the snapshot of a run with
// label l (rdssnap.RunTags), for a Snapshot made by hand in a test as the
// restore task would have made it.
func RunTags(l liberator.RunLabel) map[string]string {
	tags, _ := rdssnap.RunTags(l)
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
