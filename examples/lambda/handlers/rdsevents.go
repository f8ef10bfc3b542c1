package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// RDS event ids the pipeline reacts to (all are "RDS DB Snapshot Event"s).
const (
	EventManualSnapshotCreated = "RDS-EVENT-0042"
	EventExportFailed          = "RDS-EVENT-0159"
	EventExportCanceled        = "RDS-EVENT-0160"
	EventExportCompleted       = "RDS-EVENT-0161"
)

// DetailTypeRDSSnapshot is the EventBridge detail-type of RDS snapshot events.
const DetailTypeRDSSnapshot = "RDS DB Snapshot Event"

// RDSEvent is an RDS event notification, from EventBridge or from an RDS
// event subscription's SNS message.
type RDSEvent struct {
	// ID is the event id, "RDS-EVENT-0042".
	ID string
	// SourceID is the snapshot id; SourceARN its ARN.
	SourceID  string
	SourceARN string
	// Message is RDS's text ("Manual snapshot created").
	Message string
	// Time is when RDS emitted the event.
	Time time.Time
}

// rdsDetail is the detail of an EventBridge RDS event.
type rdsDetail struct {
	EventID          string `json:"EventID"`
	SourceIdentifier string `json:"SourceIdentifier"`
	SourceArn        string `json:"SourceArn"`
	Message          string `json:"Message"`
	Date             string `json:"Date"`
}

// DecodeRDSEventBridge reads an EventBridge "RDS DB Snapshot Event". Other
// events return ErrNotAnRDSEvent.
func DecodeRDSEventBridge(ev events.CloudWatchEvent) (RDSEvent, error) {
	if ev.Source != "aws.rds" || ev.DetailType != DetailTypeRDSSnapshot {
		return RDSEvent{}, fmt.Errorf("source %q detail-type %q: %w", ev.Source, ev.DetailType, ErrNotAnRDSEvent)
	}
	var d rdsDetail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return RDSEvent{}, fmt.Errorf("decode RDS event %s: %v: %w", ev.ID, err, liberator.ErrInvalid)
	}
	e := RDSEvent{ID: d.EventID, SourceID: d.SourceIdentifier, SourceARN: d.SourceArn, Message: d.Message, Time: ev.Time.UTC()}
	if t, err := time.Parse(time.RFC3339Nano, d.Date); err == nil {
		e.Time = t.UTC()
	}
	if e.ID == "" || e.SourceID == "" {
		return RDSEvent{}, fmt.Errorf("RDS event %s has no EventID or SourceIdentifier: %w", ev.ID, liberator.ErrInvalid)
	}
	return e, nil
}

// ErrNotAnRDSEvent is returned for input that is not an RDS event
// notification.
var ErrNotAnRDSEvent = fmt.Errorf("not an RDS event notification")

// snsEnvelope is an SNS notification as SQS receives it when raw message
// delivery is off.
type snsEnvelope struct {
	Type     string `json:"Type"`
	TopicArn string `json:"TopicArn"`
	Message  string `json:"Message"`
}

// rdsNotification is the message of an RDS event subscription.
type rdsNotification struct {
	EventSource  string `json:"Event Source"`
	EventTime    string `json:"Event Time"`
	SourceID     string `json:"Source ID"`
	SourceARN    string `json:"Source ARN"`
	EventID      string `json:"Event ID"`
	EventMessage string `json:"Event Message"`
}

// DecodeRDSNotification reads an RDS event subscription's notification from
// an SQS record body: the SNS envelope ({"Type":"Notification",
// "Message":"{\"Event Source\":…}"}), or the notification itself when the
// subscription uses raw message delivery. A body that is neither returns
// ErrNotAnRDSEvent.
func DecodeRDSNotification(body []byte) (RDSEvent, error) {
	var env snsEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return RDSEvent{}, fmt.Errorf("%v: %w", err, ErrNotAnRDSEvent)
	}
	raw := body
	if env.Type == "Notification" && env.Message != "" {
		raw = []byte(env.Message)
	}
	var n rdsNotification
	if err := json.Unmarshal(raw, &n); err != nil || n.EventID == "" {
		return RDSEvent{}, fmt.Errorf("no \"Event ID\" in message: %w", ErrNotAnRDSEvent)
	}
	// "Event ID" is a link to the event's documentation ending in
	// "#RDS-EVENT-0042", sometimes with trailing spaces.
	id := strings.TrimSpace(n.EventID)
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		id = id[i+1:]
	}
	e := RDSEvent{ID: id, SourceID: strings.TrimSpace(n.SourceID), SourceARN: n.SourceARN, Message: n.EventMessage}
	// "Event Time" is "2026-11-24 04:32:10.882" in UTC.
	if t, err := time.Parse("2006-01-02 15:04:05.999999999", n.EventTime); err == nil {
		e.Time = t.UTC()
	}
	if e.SourceID == "" {
		return RDSEvent{}, fmt.Errorf("RDS notification %s has no \"Source ID\": %w", id, liberator.ErrInvalid)
	}
	return e, nil
}

// errNotOurSnapshot marks RDS events about snapshots the pipeline did not
// make (automated "rds:…" snapshots, AWS Backup's, hand-made ones).
var errNotOurSnapshot = fmt.Errorf("snapshot not made by the liberator pipeline")

// MessageFromRDSEvent builds the message that resumes a run at step from an
// RDS event about its snapshot. The snapshot id gives the import date
// (partition.DateFromSnapshotID) and, for a run that is not backdated, the
// time the upload was received; the dump itself is not known from an RDS
// event, so Dump.Key is "rds-snapshot:<id>" (it only names the run in logs:
// the steps after the restore do not read the dump). The export id is
// liberator.ExportID(snapshot id), as the pipeline names exports. An event
// about a snapshot whose id the pipeline does not make returns an error
// wrapping errNotOurSnapshot; callers ignore it.
func MessageFromRDSEvent(e RDSEvent, step liberator.Step, now time.Time) (liberator.Message, error) {
	id := e.SourceID
	date, err := partition.DateFromSnapshotID(id)
	if err != nil {
		return liberator.Message{}, fmt.Errorf("%s for %q: %w", e.ID, id, errNotOurSnapshot)
	}
	backdated := strings.HasSuffix(id, "-backdated")
	received := e.Time
	if !backdated {
		// sql-to-parquet-yy-mm-dd-hhmmss is SnapshotID(received).
		if t, err := time.Parse("06-01-02-150405", strings.TrimPrefix(id, "sql-to-parquet-")); err == nil {
			received = t.UTC()
		}
	}
	key := "rds-snapshot:" + id
	m := liberator.Message{
		Version:     liberator.MessageVersion,
		Step:        step,
		RunID:       liberator.RunID(date, key),
		Dump:        liberator.DumpRef{Key: key},
		ImportDate:  date,
		Backdated:   backdated,
		Received:    received,
		SnapshotID:  id,
		StepStarted: now.UTC(),
	}
	if step == liberator.StepExportCheck {
		m.ExportID = liberator.ExportID(id)
	}
	return m, nil
}
