package sqsscheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/sqsscheduler"
)

func TestInbound(t *testing.T) {
	ctx := context.Background()
	due := liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: "r", ExportID: "e", NotBefore: t0}
	early := due
	early.NotBefore = t0.Add(40 * time.Minute)
	enc := func(m liberator.Message) []byte { b, _ := m.Encode(); return b }
	rds := []byte(`{"Event Source":"db-snapshot","Event Time":"2026-11-24 04:32:10.123","Source ID":"sql-to-parquet-26-11-24-031500","Event ID":"http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0042","Event Message":"Manual snapshot created"}`)
	tests := []struct {
		name       string
		body       []byte
		wantHandle bool
		wantStep   liberator.Step
		wantResent time.Duration // 0: nothing re-scheduled
		wantErr    error
	}{
		{"due pipeline message", enc(due), true, liberator.StepExportCheck, 0, nil},
		{"early pipeline message re-scheduled", enc(early), false, liberator.StepExportCheck, 40 * time.Minute, nil},
		{"rds snapshot event", rds, true, liberator.StepSnapshotCheck, 0, nil},
		{"garbage", []byte("nope"), false, "", 0, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := liberator.NewVirtualClock(t0)
			sched := liberator.NewMemScheduler(clk, liberator.MemSchedulerOptions{})
			m, handle, err := sqsscheduler.Inbound(ctx, tt.body, t0, sched, liberator.DumpRef{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || handle != tt.wantHandle || m.Step != tt.wantStep {
				t.Fatalf("got %q handle %v err %v; want %q handle %v", m.Step, handle, err, tt.wantStep, tt.wantHandle)
			}
			pending := sched.Pending()
			if tt.wantResent == 0 {
				if len(pending) != 0 {
					t.Errorf("re-scheduled %d messages, want none", len(pending))
				}
				return
			}
			if len(pending) != 1 || !pending[0].NotBefore.Equal(t0.Add(tt.wantResent)) {
				t.Errorf("pending %+v, want one due at +%s", pending, tt.wantResent)
			}
		})
	}
}
