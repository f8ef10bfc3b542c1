package liberator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func msg(run string, step liberator.Step) liberator.Message {
	return liberator.Message{Version: 1, RunID: run, Step: step}
}

// receiveN receives n messages, acking each, and returns "run@minutes".
func receiveN(t *testing.T, s liberator.Scheduler, clk liberator.Clock, n int) []string {
	t.Helper()
	ctx := context.Background()
	var got []string
	for range n {
		d, err := s.Receive(ctx)
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		got = append(got, d.Message.RunID+"@"+clk.Now().Sub(t0).String())
		if err := d.Ack(ctx); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
	return got
}

func TestMemSchedulerOrderAndDelay(t *testing.T) {
	tests := []struct {
		name string
		opts liberator.MemSchedulerOptions
		want []string
	}{
		{"by due time", liberator.MemSchedulerOptions{}, []string{"c@0s", "d@0s", "b@1m0s", "a@10m0s"}},
		{"duplicates", liberator.MemSchedulerOptions{Duplicates: 1}, []string{"c@0s", "c@0s", "d@0s", "d@0s", "b@1m0s", "b@1m0s", "a@10m0s", "a@10m0s"}},
		{"lifo among due", liberator.MemSchedulerOptions{LIFO: true}, []string{"d@0s", "c@0s", "b@1m0s", "a@10m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clk := liberator.NewVirtualClock(t0)
			s := liberator.NewMemScheduler(clk, tt.opts)
			for _, x := range []struct {
				run string
				d   time.Duration
			}{{"a", 10 * time.Minute}, {"b", time.Minute}, {"c", 0}, {"d", 0}} {
				if err := s.Schedule(ctx, msg(x.run, liberator.StepSnapshotCheck), x.d); err != nil {
					t.Fatal(err)
				}
			}
			got := receiveN(t, s, clk, len(tt.want))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deliveries mismatch (-want +got):\n%s", diff)
			}
			if s.Len() != 0 {
				t.Errorf("Len() = %d after acking all, want 0", s.Len())
			}
		})
	}
}

func TestMemSchedulerRedeliversUnacked(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	s := liberator.NewMemScheduler(clk, liberator.MemSchedulerOptions{Visibility: 5 * time.Minute})
	if err := s.Schedule(ctx, msg("a", liberator.StepLanded), 0); err != nil {
		t.Fatal(err)
	}
	d1, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Not acked: it comes back after the visibility timeout.
	d2, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(t0); got != 5*time.Minute {
		t.Errorf("redelivered after %s, want 5m0s", got)
	}
	if d2.Message.RunID != "a" {
		t.Errorf("redelivered %q, want a", d2.Message.RunID)
	}
	if err := d2.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d1.Ack(ctx); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("second ack = %v, want ErrNotFound", err)
	}
	if s.Len() != 0 {
		t.Errorf("Len() = %d, want 0", s.Len())
	}
}

func TestMemSchedulerBlocksUntilSchedule(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	s := liberator.NewMemScheduler(clk, liberator.MemSchedulerOptions{})
	got := make(chan string, 1)
	go func() {
		d, err := s.Receive(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- d.Message.RunID
	}()
	if err := s.Schedule(ctx, msg("late", liberator.StepLanded), 0); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r != "late" {
		t.Errorf("Receive got %q, want late", r)
	}

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := s.Receive(cctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Receive on canceled ctx = %v, want context.Canceled", err)
	}
}

// reports as asking for no work is acked and skipped, a body it maps is
// delivered as its message, and its errors drop the body as ErrInvalid.
