package awsevents

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RDS event ids the pipeline reacts to.
const (
	EventManualSnapshotCreated = "RDS-EVENT-0042"
	EventExportFailed          = "RDS-EVENT-0159"
	EventExportCanceled        = "RDS-EVENT-0160"
	EventExportCompleted       = "RDS-EVENT-0161"
)

// Via says how an RDSEvent arrived.
type Via string

// The delivery paths.
const (
	ViaSNS         Via = "sns"         // SNS envelope (SQS subscription without raw delivery)
	ViaRDSMessage  Via = "rds"         // the RDS event JSON itself (SNS raw delivery, or unwrapped)
	ViaEventBridge Via = "eventbridge" // an EventBridge event with source aws.rds
)

// RDSEvent is an RDS notification in a form independent of its delivery.
type RDSEvent struct {
	// EventID is the short id, e.g. "RDS-EVENT-0042".
	EventID string `json:"event_id"`
	// SourceType is "db-snapshot", "db-instance", … (SNS's "Event Source";
	// EventBridge's SourceType lower-cased: "snapshot" becomes
	// "db-snapshot").
	SourceType string `json:"source_type"`
	// SourceID is the snapshot (or instance) identifier.
	SourceID string `json:"source_id"`
	// SourceARN is the source's ARN when the notification carries it.
	SourceARN string `json:"source_arn,omitempty"`
	// Message is RDS's text ("Manual snapshot created").
	Message string `json:"message"`
	// Time is when the event happened (zero if absent or unparsable).
	Time time.Time `json:"time"`
	// Via is how it arrived.
	Via Via `json:"via"`
}

type snsEnvelope struct {
	Type      string
	MessageId string
	TopicArn  string
	Message   string
	Timestamp string
}

type rdsMessage struct {
	EventSource    string `json:"Event Source"`
	EventTime      string `json:"Event Time"`
	IdentifierLink string `json:"Identifier Link"`
	SourceID       string `json:"Source ID"`
	SourceARN      string `json:"Source ARN"`
	EventID        string `json:"Event ID"`
	EventMessage   string `json:"Event Message"`
}

type ebEvent struct {
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Time       string `json:"time"`
	Detail     *struct {
		EventID          string `json:"EventID"`
		SourceIdentifier string `json:"SourceIdentifier"`
		SourceArn        string `json:"SourceArn"`
		SourceType       string `json:"SourceType"`
		Message          string `json:"Message"`
		Date             string `json:"Date"`
	} `json:"detail"`
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// shortEventID returns "RDS-EVENT-0042" from an id or a documentation URL
// ending in "#RDS-EVENT-0042".
func shortEventID(s string) string {
	if i := strings.LastIndex(s, "#"); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

func sourceType(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	switch s {
	case "snapshot", "db-snapshot":
		return "db-snapshot"
	case "db-instance", "instance":
		return "db-instance"
	case "cluster-snapshot", "db-cluster-snapshot":
		return "db-cluster-snapshot"
	}
	return s
}

// ParseRDSEvent decodes an RDS notification from an SNS envelope, the RDS
// event JSON itself, or an EventBridge event. Anything else is refused with
// an error wrapping liberator.ErrInvalid.
func ParseRDSEvent(body []byte) (RDSEvent, error) {
	const op = "parse rds event"
	body = bytes.TrimSpace(body)
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return RDSEvent{}, liberator.NewError(liberator.ErrInvalid, op, "", err)
	}
	switch {
	case probe["Type"] != nil && probe["Message"] != nil && probe["TopicArn"] != nil:
		var env snsEnvelope
		if err := json.Unmarshal(body, &env); err != nil {
			return RDSEvent{}, liberator.NewError(liberator.ErrInvalid, op, "sns envelope", err)
		}
		ev, err := ParseRDSEvent([]byte(env.Message))
		if err != nil {
			return RDSEvent{}, liberator.NewError(liberator.ErrInvalid, op, "sns message "+env.MessageId, err)
		}
		if ev.Via != ViaRDSMessage {
			return RDSEvent{}, liberator.Errorf(liberator.ErrInvalid, op, "sns message "+env.MessageId, "not an RDS event")
		}
		ev.Via = ViaSNS
		if ev.Time.IsZero() {
			ev.Time = parseTime(env.Timestamp)
		}
		return ev, nil
	case probe["detail"] != nil && probe["source"] != nil:
		var eb ebEvent
		if err := json.Unmarshal(body, &eb); err != nil {
			return RDSEvent{}, liberator.NewError(liberator.ErrInvalid, op, "eventbridge event", err)
		}
		if eb.Source != "aws.rds" || eb.Detail == nil || eb.Detail.EventID == "" {
			return RDSEvent{}, liberator.Errorf(liberator.ErrInvalid, op, "eventbridge event", "source %q is not an RDS event", eb.Source)
		}
		t := parseTime(eb.Detail.Date)
		if t.IsZero() {
			t = parseTime(eb.Time)
		}
		return RDSEvent{
			EventID: shortEventID(eb.Detail.EventID), SourceType: sourceType(eb.Detail.SourceType),
			SourceID: eb.Detail.SourceIdentifier, SourceARN: eb.Detail.SourceArn,
			Message: eb.Detail.Message, Time: t, Via: ViaEventBridge,
		}, nil
	case probe["Event ID"] != nil:
		var m rdsMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return RDSEvent{}, liberator.NewError(liberator.ErrInvalid, op, "rds message", err)
		}
		return RDSEvent{
			EventID: shortEventID(m.EventID), SourceType: sourceType(m.EventSource),
			SourceID: m.SourceID, SourceARN: m.SourceARN, Message: m.EventMessage,
			Time: parseTime(m.EventTime), Via: ViaRDSMessage,
		}, nil
	}
	return RDSEvent{}, liberator.Errorf(liberator.ErrInvalid, op, "", "not an RDS notification (SNS, RDS or EventBridge form)")
}

// DumpKeyPrefix prefixes the placeholder run id and dump key of a message
// made from an RDS event: "rds-snapshot:<snapshot id>".
const DumpKeyPrefix = "rds-snapshot:"

// NextMessage maps ev to the pipeline message it should start. ok is false
// for events the pipeline ignores (other event ids, snapshots not named
// "sql-to-parquet-…" such as AWS Backup's).
//
// An RDS event names a snapshot, not a run: the message is Provisional,
// with the snapshot id (and for an export event the export id), run id and
// dump key DumpKeyPrefix + snapshot id, and no import date. The Pipeline
// resolves it before running its step (liberator.Pipeline.Resolve) from
// the run label the snapshot carries, so it continues the run that made
// the snapshot with that run's import date; the snapshot id, which holds
// the upload time, is read for a date only when the snapshot has no label.
// dump, if known, is kept as the run's dump until then.
func NextMessage(ev RDSEvent, dump liberator.DumpRef) (m liberator.Message, ok bool, err error) {
	var step liberator.Step
	switch ev.EventID {
	case EventManualSnapshotCreated:
		step = liberator.StepSnapshotCheck
	case EventExportCompleted, EventExportFailed, EventExportCanceled:
		step = liberator.StepExportCheck
	default:
		return liberator.Message{}, false, nil
	}
	id := ev.SourceID
	if id == "" && ev.SourceARN != "" {
		id = ev.SourceARN[strings.LastIndex(ev.SourceARN, ":")+1:]
	}
	if !strings.HasPrefix(id, liberator.SnapshotIDPrefix) {
		return liberator.Message{}, false, nil
	}
	if dump.Key == "" {
		dump.Key = DumpKeyPrefix + id
	}
	m = liberator.Message{
		Version:     liberator.MessageVersion,
		Step:        step,
		RunID:       DumpKeyPrefix + id,
		Dump:        dump,
		SnapshotID:  id,
		StepStarted: ev.Time,
		Provisional: true,
	}
	if step == liberator.StepExportCheck {
		m.ExportID = liberator.ExportID(id)
	}
	return m, true, nil
}

// CopierBody is the message the chain this module replaces queued for its
// copier Lambda once it had started an export (rds-database-snapshot-
// replicator → s3-to-s3-export-copier): {"ExportTaskIdentifier": …,
// "ExportBucket": …}. Such messages may still wait on the old queue at
// cutover.
type CopierBody struct {
	ExportTaskIdentifier string
	ExportBucket         string
}

// ParseCopierBody reports whether body is a CopierBody: a JSON object with
// a non-empty ExportTaskIdentifier and no pipeline message fields.
func ParseCopierBody(body []byte) (CopierBody, bool) {
	var probe struct {
		ExportTaskIdentifier *string
		ExportBucket         string
		Version              *int    `json:"version"`
		Step                 *string `json:"step"`
	}
	if json.Unmarshal(body, &probe) != nil || probe.ExportTaskIdentifier == nil || probe.Version != nil || probe.Step != nil {
		return CopierBody{}, false
	}
	id := strings.TrimSpace(*probe.ExportTaskIdentifier)
	if id == "" {
		return CopierBody{}, false
	}
	return CopierBody{ExportTaskIdentifier: id, ExportBucket: probe.ExportBucket}, true
}

// CopierMessage maps an old copier message to the pipeline's export check
// of that export: Provisional, naming the export only; the Pipeline finds
// the export's snapshot and the run from its label (Pipeline.Resolve; a
// snapshot of the old chain has none, and its id's date is taken, as that
// chain took it). ExportBucket is not read: the export is read from the
// pipeline's export bucket.
func CopierMessage(c CopierBody) liberator.Message {
	return liberator.Message{
		Version:     liberator.MessageVersion,
		Step:        liberator.StepExportCheck,
		RunID:       DumpKeyPrefix + c.ExportTaskIdentifier,
		Dump:        liberator.DumpRef{Key: DumpKeyPrefix + c.ExportTaskIdentifier},
		ExportID:    c.ExportTaskIdentifier,
		Provisional: true,
	}
}

// Decode decodes one queue message body: a pipeline Message as the
// Scheduler writes it, an old copier message (CopierMessage), or an RDS
// notification (any form ParseRDSEvent accepts) mapped with NextMessage.
// ok is false for RDS events the pipeline ignores. Bodies that are none of
// these are refused with liberator.ErrInvalid.
func Decode(body []byte, dump liberator.DumpRef) (m liberator.Message, ok bool, err error) {
	var probe struct {
		Version int    `json:"version"`
		Step    string `json:"step"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.Step != "" {
		m, err := liberator.DecodeMessage(body)
		if err != nil {
			return liberator.Message{}, false, err
		}
		return m, true, nil
	}
	if c, ok := ParseCopierBody(body); ok {
		return CopierMessage(c), true, nil
	}
	ev, err := ParseRDSEvent(body)
	if err != nil {
		return liberator.Message{}, false, err
	}
	return NextMessage(ev, dump)
}
