package liberator

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits. Every component takes one, so tests run
// on virtual time; nothing in the module calls time.Now or time.Sleep except
// RealClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks until d has passed on this clock or ctx is done, in which
	// case it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d of wall time.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// VirtualClock is a clock whose time only moves when Sleep or Advance is called:
// Sleep advances the time by d and returns at once. It makes delayed
// re-checks instant and deterministic in tests and in in-process runs.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtualClock returns a virtual clock set to start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now returns the virtual time.
func (v *VirtualClock) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves the virtual time forward by d.
func (v *VirtualClock) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d > 0 {
		v.now = v.now.Add(d)
	}
}

// Sleep advances the virtual time by d and returns at once.
func (v *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.Advance(d)
	return nil
}
