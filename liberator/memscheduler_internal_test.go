package liberator

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestMemSchedulerWakesBlockedReceive checks that Schedule wakes a Receive
// that is already blocked on an empty queue and one that sleeps until a
// later message is due (on a wall clock, where sleeping is real).
func TestMemSchedulerWakesBlockedReceive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // safety net only
	defer cancel()
	s := NewMemScheduler(RealClock{}, MemSchedulerOptions{})
	// A message due in an hour: Receive sleeps for it.
	if err := s.Schedule(ctx, Message{RunID: "later"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		d, err := s.Receive(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- d.Message.RunID
	}()
	for { // wait until the receiver is blocked
		s.mu.Lock()
		n := len(s.wakers)
		s.mu.Unlock()
		if n > 0 {
			break
		}
		runtime.Gosched()
	}
	if err := s.Schedule(ctx, Message{RunID: "now"}, 0); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r != "now" {
		t.Errorf("Receive got %q, want now", r)
	}
}
