package handlers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
)

// RDS event ids the pipeline reacts to (all are "RDS DB Snapshot Event"s).
const (
	EventManualSnapshotCreated = awsevents.EventManualSnapshotCreated // RDS-EVENT-0042
	EventExportFailed          = awsevents.EventExportFailed          // RDS-EVENT-0159
	EventExportCanceled        = awsevents.EventExportCanceled        // RDS-EVENT-0160
	EventExportCompleted       = awsevents.EventExportCompleted       // RDS-EVENT-0161
)

// DecodeRDSEventBridge reads an EventBridge RDS event with
// awsevents.ParseRDSEvent. Events of another source return
// ErrNotAnRDSEvent; a malformed RDS event returns an error wrapping
// liberator.ErrInvalid.
func DecodeRDSEventBridge(ev events.CloudWatchEvent) (awsevents.RDSEvent, error) {
	if ev.Source != "aws.rds" {
		return awsevents.RDSEvent{}, fmt.Errorf("source %q detail-type %q: %w", ev.Source, ev.DetailType, ErrNotAnRDSEvent)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return awsevents.RDSEvent{}, fmt.Errorf("re-encode event %s: %v: %w", ev.ID, err, liberator.ErrInvalid)
	}
	return awsevents.ParseRDSEvent(body)
}

// ErrNotAnRDSEvent is returned for an EventBridge event that is not from
// RDS.
var ErrNotAnRDSEvent = fmt.Errorf("not an RDS event")

// MessageFromRDSEvent returns the message that resumes a run from an RDS
// event about its snapshot (awsevents.NextMessage): RDS-EVENT-0042 gives a
// StepSnapshotCheck message, RDS-EVENT-0159/0160/0161 a StepExportCheck one
// with the export id liberator.ExportID(snapshot id). ok is false for
// events the pipeline ignores (other events; snapshots it did not make,
// such as automated "rds:…" or AWS Backup's).
//
// An RDS event does not say which run made the snapshot, so the message is
// Provisional (run id and dump key awsevents.DumpKeyPrefix + snapshot id,
// no import date): the pipeline resolves it from the snapshot's run label
// (liberator.Pipeline.Resolve; rdssnap's tags), so the run goes on with the
// import date it started with, whatever the snapshot id's upload time says.
// Steps resolves it before running the step, so its log lines name the run.
//
// The step's deadline runs from now, when the handler got the event, not
// from the event's own time: an event redelivered or replayed hours later
// (EventBridge retries for up to a day) still gets its step checked.
func MessageFromRDSEvent(ev awsevents.RDSEvent, now time.Time) (m liberator.Message, ok bool, err error) {
	m, ok, err = awsevents.NextMessage(ev, liberator.DumpRef{})
	if err != nil || !ok {
		return m, ok, err
	}
	m.StepStarted = now.UTC()
	return m, true, nil
}
