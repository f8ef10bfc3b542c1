// Package clock defines the injectable clock used by every component.
// Nothing in the module calls time.Now or time.Sleep except Real.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits. Components take a Clock so tests can run
// on virtual time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks until d has passed on this clock or ctx is done, in which
	// case it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits for d of wall time.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
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

// Virtual is a clock whose time only moves when Sleep or Advance is called:
// Sleep advances the time by d and returns at once. It makes delayed
// re-checks instant and deterministic in tests and in in-process runs.
type Virtual struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtual returns a virtual clock set to start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves the virtual time forward by d.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d > 0 {
		v.now = v.now.Add(d)
	}
}

// Sleep advances the virtual time by d and returns at once.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.Advance(d)
	return nil
}
