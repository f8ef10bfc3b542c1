package handlers

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dataplatform/liberator-ingestion/partition"
)

// The testdata run's partition marker and manifest: under
// _liberator/partitions/ in the landing bucket (partition.ControlLayout).
const (
	testMarker   = partition.ControlRoot + testPartition + partition.MarkerName
	testManifest = partition.ControlRoot + testPartition + partition.ManifestName
)

// TestOldCopierMessage: a message the replaced chain left on its copier
// queue ({"ExportTaskIdentifier", "ExportBucket"}, the export of a
// snapshot its ECS task made, without a run label) is not dropped as
// malformed: it becomes the export check of that export, which lands the
// partition of the date the snapshot id gives (as the old copier took it)
// and then starts the workflow once.
func TestOldCopierMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, worldOptions{start: exportEventTime, onSQS: true})
	w.startExport(t, testSnapshotID)
	for i := 0; i < 3; i++ { // until the fake export completes
		if _, err := w.exp.DescribeExport(ctx, testExportID); err != nil {
			t.Fatal(err)
		}
	}
	h := w.steps(ExportCheckEvents())
	body := `{"ExportTaskIdentifier":"` + testExportID + `","ExportBucket":"dev-dp-rds-export-storage"}`
	resp, err := h.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "old-1", Body: body}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("HandleSQS(old copier message) = %+v, %v", resp, err)
	}
	ok, err := partition.Published(ctx, w.landing, "parking", "liberator", "PCN_IC", testDate)
	if err != nil || !ok {
		t.Fatalf("partition of %s not published: %v", testDate, err)
	}
	queued := w.sqs.Messages(w.queue)
	if len(queued) != 1 {
		t.Fatalf("queue holds %+v, want the landed message", queued)
	}
	for i := 0; i < 2; i++ { // a duplicate delivery starts no second run
		if resp, err := h.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: queued[0].ID, Body: queued[0].Body}}}); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("HandleSQS(landed) = %+v, %v", resp, err)
		}
	}
	runs := w.wf.Runs()
	if len(runs) != 1 || runs[0].RunKey != testRunKey || runs[0].Properties["import_date"] != "20261124" {
		t.Fatalf("workflow runs %+v, want one run %s with import_date 20261124", runs, testRunKey)
	}
}
