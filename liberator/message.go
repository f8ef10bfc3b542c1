package liberator

import (
	"encoding/json"
	"time"
)

// MessageVersion is the version of the Message encoding this package writes.
const MessageVersion = 1

// Step names the pipeline step a Message asks for.
type Step string

// The steps, in order.
const (
	// StepDumpUploaded: restore the dump and create the snapshot.
	StepDumpUploaded Step = "dump_uploaded"
	// StepSnapshotCheck: the snapshot may be ready; if so, start the export.
	StepSnapshotCheck Step = "snapshot_check"
	// StepExportCheck: the export may be done; if so, land it.
	StepExportCheck Step = "export_check"
	// StepLanded: the partition is landed; start the workflow.
	StepLanded Step = "landed"
	// StepWorkflowStarted: the run is finished (no handler work).
	StepWorkflowStarted Step = "workflow_started"
)

// Message is the typed, versioned JSON message that drives the pipeline.
// Each step's handler reads one and returns the next.
type Message struct {
	Version int  `json:"version"`
	Step    Step `json:"step"`
	// RunID identifies the run (import date and dump key); stable across
	// retries and replays.
	RunID      string  `json:"run_id"`
	Dump       DumpRef `json:"dump"`
	ImportDate Date    `json:"import_date"`
	// Backdated is true when the import date was given explicitly.
	Backdated bool `json:"backdated,omitempty"`
	// Received is when the dump upload was first seen; the snapshot id is
	// derived from it so replays name the same snapshot.
	Received   time.Time `json:"received"`
	SnapshotID string    `json:"snapshot_id,omitempty"`
	ExportID   string    `json:"export_id,omitempty"`
	// Attempt counts re-checks of the current step (0 on first delivery).
	Attempt int `json:"attempt"`
	// ErrorRetries counts retries of the current step caused by errors of
	// no known kind; bounded by RetryPolicy.MaxErrorRetries.
	ErrorRetries int `json:"error_retries,omitempty"`
	// StepStarted is when the current step was first attempted; the retry
	// deadline runs from it.
	StepStarted time.Time `json:"step_started"`
	// NotBefore is when the message is due (used to chain long delays).
	NotBefore time.Time `json:"not_before,omitempty"`
	// Manifest is set on StepLanded and after, without the tables'
	// columns and the changes (the partitions' manifests hold them), to
	// keep messages well under queue size limits (SQS: 256 KiB).
	Manifest *Manifest `json:"manifest,omitempty"`
	// WorkflowRunID is set on StepWorkflowStarted.
	WorkflowRunID string `json:"workflow_run_id,omitempty"`
	// Provisional marks a message made from an RDS event (package
	// awsevents), which names only a snapshot or an export: its run id,
	// dump and import date are not known yet. The Pipeline resolves it
	// (Pipeline.Resolve) from the run label the snapshot carries before
	// running its step.
	Provisional bool `json:"provisional,omitempty"`
	// AcceptChanges makes the run publish even if its gate fails
	// (Config.Gate): the failures are still reported, with the verdict
	// GateAccepted. A stopped run's GateError.Resume has it set.
	AcceptChanges bool `json:"accept_changes,omitempty"`
}

// Encode returns m as JSON.
func (m Message) Encode() ([]byte, error) {
	if m.Version == 0 {
		m.Version = MessageVersion
	}
	return json.Marshal(m)
}

// DecodeMessage parses a Message, refusing unknown versions and steps with an
// error wrapping ErrInvalid.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return Message{}, NewError(ErrInvalid, "decode message", "", err)
	}
	if m.Version != MessageVersion {
		return Message{}, Errorf(ErrInvalid, "decode message", "", "unsupported version %d (want %d)", m.Version, MessageVersion)
	}
	switch m.Step {
	case StepDumpUploaded, StepSnapshotCheck, StepExportCheck, StepLanded, StepWorkflowStarted:
	default:
		return Message{}, Errorf(ErrInvalid, "decode message", "", "unknown step %q", m.Step)
	}
	return m, nil
}

// SnapshotID returns the production snapshot id for a dump received at t:
// "sql-to-parquet-yy-mm-dd-hhmmss" in UTC.
func SnapshotID(t time.Time) string {
	return SnapshotIDPrefix + t.UTC().Format("06-01-02-150405")
}

// BackdatedSnapshotID returns "sql-to-parquet-YYYY-MM-DD-backdated".
func BackdatedSnapshotID(d Date) string {
	return SnapshotIDPrefix + d.String() + "-backdated"
}

// DecodeDelivery decodes a queue message body (as a Lambda's SQS record
// carries it) received at now. due reports whether its NotBefore has been
// reached; if not, remaining is how long is left, and the caller should
// re-send it with that delay (Schedule(ctx, m, remaining)) instead of
// handling it. Errors wrap ErrInvalid.
func DecodeDelivery(body []byte, now time.Time) (m Message, due bool, remaining time.Duration, err error) {
	m, err = DecodeMessage(body)
	if err != nil {
		return Message{}, false, 0, err
	}
	due, remaining = DueAt(m, now)
	return m, due, remaining, nil
}

// DueAt reports whether m's NotBefore has been reached at now and, if not,
// how long is left.
func DueAt(m Message, now time.Time) (due bool, remaining time.Duration) {
	if m.NotBefore.IsZero() || !now.Before(m.NotBefore) {
		return true, 0
	}
	return false, m.NotBefore.Sub(now)
}
