package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestDirectQueuedMessage: a dump_uploaded message put on the direct
// Lambda's queue by hand (a backdated run, with no size) is sized from the
// object, so a large dump still goes to the ECS task; a message of another
// step is dropped, not redelivered.
func TestDirectQueuedMessage(t *testing.T) {
	ctx := context.Background()
	w := newDirectWorld(t, directWorldOptions{env: []string{
		"LIBERATOR_DIRECT_MAX_SIZE", "1KiB",
		"LIBERATOR_ECS_CLUSTER", "liberator", "LIBERATOR_ECS_TASK_DEFINITION", "liberator-direct:3", "LIBERATOR_ECS_CONTAINER", "direct",
	}})
	dump, _ := genDump(t, 20, 8)
	w.upload(testDumpKey, dump)
	date := liberator.Date{Year: 2026, Month: time.November, Day: 20}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: w.cfg.BucketURL(testDumpBucket), Key: testDumpKey}, date, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	other := m
	other.Step = liberator.StepExportCheck
	otherBody, _ := other.Encode()
	if failed := w.deliver(ctx, string(body), string(otherBody)); len(failed) != 0 {
		t.Fatalf("records returned for redelivery: %v\n%s", failed, w.logs.Bytes())
	}
	if n := w.ecs.Tasks(); n != 1 {
		t.Errorf("%d ECS tasks, want 1: the %d-byte dump is over the 1 KiB the function converts", n, len(dump))
	}
	if len(w.statsLines()) != 0 {
		t.Error("the function converted the dump itself")
	}
	if !w.logged("record failed: not retried") && !w.logged("record dropped: cannot be decoded") {
		t.Errorf("the export_check message was not refused:\n%s", w.logs.Bytes())
	}
}
