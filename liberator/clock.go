package liberator

import (
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/clock"
)

// Clock tells the time and waits; inject one into every component so tests
// run on virtual time. No component calls time.Now or time.Sleep itself.
type Clock = clock.Clock

// RealClock is the wall clock.
type RealClock = clock.Real

// VirtualClock is a clock whose time moves only when Sleep or Advance is
// called; Sleep returns at once. Pipeline.Run on fakes uses it to make
// hour-long waits instant.
type VirtualClock = clock.Virtual

// NewVirtualClock returns a VirtualClock set to start.
func NewVirtualClock(start time.Time) *VirtualClock { return clock.NewVirtual(start) }
