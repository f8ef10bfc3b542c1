package liberator

import (
	"math"
	"time"
)

// RetryPolicy says how long to wait between tries and when to give up. The
// pipeline uses it for the re-checks of a step (Initial, Multiplier, Max,
// Deadline, MaxErrorRetries); a backend that retries single storage
// operations, such as a Lander, uses it per operation (Initial, Multiplier,
// Max, Attempts).
//
// The n-th retry (n = 0 for the first) waits Delay(n) =
// min(Initial × Multiplier^n, Max). There is no jitter: delays are
// deterministic so runs on a VirtualClock replay exactly.
type RetryPolicy struct {
	// Initial is the first delay.
	Initial time.Duration
	// Multiplier grows the delay after each re-check; at least 1.
	Multiplier float64
	// Max caps one delay.
	Max time.Duration
	// Deadline bounds a step: once StepStarted+Deadline has passed, a step
	// that still is not done ends the run with an error wrapping ErrTerminal.
	Deadline time.Duration
	// MaxErrorRetries bounds the retries of a step caused by errors of no
	// known kind (neither retryable nor ErrInvalid/ErrTerminal).
	MaxErrorRetries int
	// Attempts bounds the tries of one operation, the first included, for
	// backends that retry single operations (1 means no retry; 0 means the
	// backend's default). The pipeline does not use it.
	Attempts int
}

// DefaultRetryPolicy returns 30 s initial delay doubling up to 15 min, a
// 6 h deadline per step and 5 retries of unclassified errors. An RDS
// snapshot or export takes about an hour, so a step is re-checked about a
// dozen times.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		Initial:         30 * time.Second,
		Multiplier:      2,
		Max:             15 * time.Minute,
		Deadline:        6 * time.Hour,
		MaxErrorRetries: 5,
	}
}

// Validate reports a policy that cannot work, with an error wrapping
// ErrInvalid.
func (p RetryPolicy) Validate() error {
	switch {
	case p.Initial <= 0:
		return Errorf(ErrInvalid, "retry policy", "Initial", "must be > 0, got %s", p.Initial)
	case p.Multiplier < 1 || math.IsNaN(p.Multiplier) || math.IsInf(p.Multiplier, 0):
		return Errorf(ErrInvalid, "retry policy", "Multiplier", "must be a finite number >= 1, got %v", p.Multiplier)
	case p.Max < p.Initial:
		return Errorf(ErrInvalid, "retry policy", "Max", "must be >= Initial (%s), got %s", p.Initial, p.Max)
	case p.Deadline <= 0:
		return Errorf(ErrInvalid, "retry policy", "Deadline", "must be > 0, got %s", p.Deadline)
	case p.MaxErrorRetries < 0:
		return Errorf(ErrInvalid, "retry policy", "MaxErrorRetries", "must be >= 0, got %d", p.MaxErrorRetries)
	case p.Attempts < 0:
		return Errorf(ErrInvalid, "retry policy", "Attempts", "must be >= 0, got %d", p.Attempts)
	}
	return nil
}

// Delay returns the wait before re-check number attempt (0-based):
// min(Initial × Multiplier^attempt, Max). A negative attempt counts as 0.
func (p RetryPolicy) Delay(attempt int) time.Duration {
	if attempt < 0 {
		attempt = 0
	}
	d := float64(p.Initial) * math.Pow(p.Multiplier, float64(attempt))
	if math.IsInf(d, 0) || math.IsNaN(d) || d >= float64(p.Max) {
		return p.Max
	}
	return time.Duration(d)
}
