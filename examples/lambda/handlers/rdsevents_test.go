package handlers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestMessageFromRDSEvent checks the message an RDS event resumes a run
// with: provisional (the pipeline reads the run from the snapshot), the
// placeholder run id and dump key, the export id and a step deadline that
// runs from when the handler got the event.
func TestMessageFromRDSEvent(t *testing.T) {
	const snap = "sql-to-parquet-26-11-24-031500"
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	base := liberator.Message{
		Version: liberator.MessageVersion, RunID: "rds-snapshot:" + snap,
		Dump: liberator.DumpRef{Key: "rds-snapshot:" + snap}, SnapshotID: snap, StepStarted: now, Provisional: true,
	}
	snapshotCheck, exportCheck := base, base
	snapshotCheck.Step = liberator.StepSnapshotCheck
	exportCheck.Step = liberator.StepExportCheck
	exportCheck.ExportID = snap
	tests := []struct {
		file string
		want liberator.Message
	}{
		{"eventbridge-rds-event-0042.json", snapshotCheck},
		{"eventbridge-rds-event-0161.json", exportCheck},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := DecodeRDSEventBridge(loadEventBridge(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := MessageFromRDSEvent(ev, now)
			if err != nil || !ok {
				t.Fatalf("MessageFromRDSEvent = ok %v, err %v; want a message", ok, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}
