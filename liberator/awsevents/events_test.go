package awsevents_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
)

const (
	snapID  = "sql-to-parquet-26-11-24-031500"
	snapARN = "arn:aws:rds:eu-west-2:123456789012:snapshot:" + snapID
)

// rdsJSON is the RDS event JSON as an RDS event subscription publishes it.
func rdsJSON(eventID, source, msg string) string {
	b, _ := json.Marshal(map[string]string{
		"Event Source":    source,
		"Event Time":      "2026-11-24 04:32:10.123",
		"Identifier Link": "https://console.aws.amazon.com/rds/home?region=eu-west-2#snapshot:id=" + source,
		"Source ID":       snapID,
		"Source ARN":      snapARN,
		"Event ID":        "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#" + eventID,
		"Event Message":   msg,
	})
	return string(b)
}

func snsJSON(inner string) string {
	b, _ := json.Marshal(map[string]string{
		"Type":             "Notification",
		"MessageId":        "5b0a4c3e-0000-0000-0000-000000000001",
		"TopicArn":         "arn:aws:sns:eu-west-2:123456789012:liberator-rds-events",
		"Subject":          "RDS Notification Message",
		"Message":          inner,
		"Timestamp":        "2026-11-24T04:32:11.000Z",
		"SignatureVersion": "1",
	})
	return string(b)
}

const ebJSON = `{
  "version": "0", "id": "68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e",
  "detail-type": "RDS DB Snapshot Event", "source": "aws.rds", "account": "123456789012",
  "time": "2026-11-24T05:40:00Z", "region": "eu-west-2", "resources": ["` + snapARN + `"],
  "detail": {
    "EventCategories": ["notification"], "SourceType": "SNAPSHOT", "SourceArn": "` + snapARN + `",
    "Date": "2026-11-24T05:40:00.123Z", "Message": "Snapshot export task completed.",
    "SourceIdentifier": "` + snapID + `", "EventID": "RDS-EVENT-0161"
  }
}`

func TestParseRDSEvent(t *testing.T) {
	created := time.Date(2026, 11, 24, 4, 32, 10, 123e6, time.UTC)
	tests := []struct {
		name string
		body string
		want awsevents.RDSEvent
	}{
		{"sns envelope", snsJSON(rdsJSON("RDS-EVENT-0042", "db-snapshot", "Manual snapshot created")), awsevents.RDSEvent{
			EventID: "RDS-EVENT-0042", SourceType: "db-snapshot", SourceID: snapID, SourceARN: snapARN,
			Message: "Manual snapshot created", Time: created, Via: awsevents.ViaSNS}},
		{"rds message (raw delivery)", rdsJSON("RDS-EVENT-0042", "db-snapshot", "Manual snapshot created"), awsevents.RDSEvent{
			EventID: "RDS-EVENT-0042", SourceType: "db-snapshot", SourceID: snapID, SourceARN: snapARN,
			Message: "Manual snapshot created", Time: created, Via: awsevents.ViaRDSMessage}},
		{"eventbridge", ebJSON, awsevents.RDSEvent{
			EventID: "RDS-EVENT-0161", SourceType: "db-snapshot", SourceID: snapID, SourceARN: snapARN,
			Message: "Snapshot export task completed.", Time: time.Date(2026, 11, 24, 5, 40, 0, 123e6, time.UTC), Via: awsevents.ViaEventBridge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := awsevents.ParseRDSEvent([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{`not json`, `{"hello":"world"}`, `{"source":"aws.s3","detail":{}}`,
		snsJSON(`{"just":"text"}`)} {
		if _, err := awsevents.ParseRDSEvent([]byte(bad)); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("ParseRDSEvent(%s): %v, want ErrInvalid", bad, err)
		}
	}
}

// TestNextMessage: an RDS event becomes a provisional message naming the
// snapshot (and export) only: no import date is read from the snapshot id,
// which holds the upload time; the Pipeline resolves the run from the
// snapshot's label (liberator's TestResolve).
func TestNextMessage(t *testing.T) {
	evTime := time.Date(2026, 11, 24, 4, 32, 10, 0, time.UTC)
	dump := liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: "parking/liberator_dump_20261124.zip"}
	base := liberator.Message{Version: 1, RunID: "rds-snapshot:" + snapID, Dump: dump,
		SnapshotID: snapID, StepStarted: evTime, Provisional: true}
	with := func(step liberator.Step, exportID string) liberator.Message {
		m := base
		m.Step, m.ExportID = step, exportID
		return m
	}
	tests := []struct {
		name   string
		ev     awsevents.RDSEvent
		want   liberator.Message
		wantOK bool
	}{
		{"0042 snapshot created", awsevents.RDSEvent{EventID: "RDS-EVENT-0042", SourceID: snapID, Time: evTime}, with(liberator.StepSnapshotCheck, ""), true},
		{"0161 export completed", awsevents.RDSEvent{EventID: "RDS-EVENT-0161", SourceID: snapID, Time: evTime}, with(liberator.StepExportCheck, snapID), true},
		{"0159 export failed", awsevents.RDSEvent{EventID: "RDS-EVENT-0159", SourceARN: snapARN, Time: evTime}, with(liberator.StepExportCheck, snapID), true},
		{"0160 export canceled", awsevents.RDSEvent{EventID: "RDS-EVENT-0160", SourceID: snapID, Time: evTime}, with(liberator.StepExportCheck, snapID), true},
		{"automated snapshot ignored", awsevents.RDSEvent{EventID: "RDS-EVENT-0091", SourceID: "rds:db-2026-11-24"}, liberator.Message{}, false},
		{"aws backup snapshot ignored", awsevents.RDSEvent{EventID: "RDS-EVENT-0042", SourceID: "awsbackup:job-1"}, liberator.Message{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := awsevents.NextMessage(tt.ev, dump)
			if err != nil || ok != tt.wantOK {
				t.Fatalf("ok %v err %v, want ok %v", ok, err, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// No dump known: the snapshot names the run until it is resolved.
	got, ok, err := awsevents.NextMessage(awsevents.RDSEvent{EventID: "RDS-EVENT-0042", SourceID: "sql-to-parquet-2026-11-20-backdated", Time: evTime}, liberator.DumpRef{})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got.RunID != "rds-snapshot:sql-to-parquet-2026-11-20-backdated" || got.Dump.Key != got.RunID || !got.Provisional || !got.ImportDate.IsZero() {
		t.Errorf("no dump: %+v", got)
	}
}

func TestDecode(t *testing.T) {
	own := liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: "r", ExportID: "e"}
	ownBody, _ := own.Encode()
	tests := []struct {
		name     string
		body     string
		wantStep liberator.Step
		wantOK   bool
		wantErr  error
	}{
		{"pipeline message", string(ownBody), liberator.StepExportCheck, true, nil},
		{"old copier message", `{"ExportTaskIdentifier":"sql-to-parquet-26-11-24-031500","ExportBucket":"dataplatform-stg-dp-rds-export-storage"}`, liberator.StepExportCheck, true, nil},
		{"sns rds event", snsJSON(rdsJSON("RDS-EVENT-0042", "db-snapshot", "Manual snapshot created")), liberator.StepSnapshotCheck, true, nil},
		{"eventbridge", ebJSON, liberator.StepExportCheck, true, nil},
		{"ignored rds event", rdsJSON("RDS-EVENT-0006", "db-instance", "DB instance restarted"), "", false, nil},
		{"bad version", `{"version":9,"step":"landed"}`, "", false, liberator.ErrInvalid},
		{"garbage", `[1,2]`, "", false, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := awsevents.Decode([]byte(tt.body), liberator.DumpRef{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || ok != tt.wantOK || m.Step != tt.wantStep {
				t.Errorf("got step %q ok %v err %v, want %q %v", m.Step, ok, err, tt.wantStep, tt.wantOK)
			}
		})
	}
}

// TestCopierMessage: the old chain's copier message becomes a provisional
// export check of its export (the pipeline resolves the run); other bodies
// are not taken for one.
func TestCopierMessage(t *testing.T) {
	body := `{"ExportTaskIdentifier":"sql-to-parquet-26-11-24-031500","ExportBucket":"dataplatform-stg-dp-rds-export-storage"}`
	c, ok := awsevents.ParseCopierBody([]byte(body))
	if !ok || c != (awsevents.CopierBody{ExportTaskIdentifier: "sql-to-parquet-26-11-24-031500", ExportBucket: "dataplatform-stg-dp-rds-export-storage"}) {
		t.Fatalf("ParseCopierBody = %+v, %v", c, ok)
	}
	want := liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: "rds-snapshot:sql-to-parquet-26-11-24-031500",
		Dump: liberator.DumpRef{Key: "rds-snapshot:sql-to-parquet-26-11-24-031500"}, ExportID: "sql-to-parquet-26-11-24-031500", Provisional: true}
	if diff := cmp.Diff(want, awsevents.CopierMessage(c)); diff != "" {
		t.Errorf("CopierMessage (-want +got):\n%s", diff)
	}
	for _, other := range []string{`{"ExportTaskIdentifier":""}`, `{"version":1,"step":"export_check","ExportTaskIdentifier":"x"}`, `{"Type":"Notification"}`, `[1]`} {
		if _, ok := awsevents.ParseCopierBody([]byte(other)); ok {
			t.Errorf("ParseCopierBody(%s) took it for a copier message", other)
		}
	}
}
