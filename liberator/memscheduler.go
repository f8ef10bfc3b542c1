package liberator

import (
	"container/heap"
	"context"
	"sort"
	"sync"
	"time"
)

// MemSchedulerOptions configures a MemScheduler. The zero value is a plain
// reliable queue.
type MemSchedulerOptions struct {
	// Visibility is how long a received, unacked message stays hidden
	// before it is delivered again (SQS's visibility timeout). Default 15 min.
	Visibility time.Duration
	// Duplicates delivers every scheduled message 1+Duplicates times
	// (fault injection: at-least-once delivery).
	Duplicates int
	// LIFO delivers, among the messages that are due, the most recently
	// scheduled first instead of the earliest due (fault injection:
	// reordering).
	LIFO bool
}

// MemScheduler is an in-memory Scheduler on a Clock: a priority queue by due
// time. Receive returns the earliest due message; if none is due yet it
// sleeps on the clock until one is (instantly on a VirtualClock); if the
// queue is empty it blocks until Schedule or ctx is done. A delivery not
// acked within the visibility timeout is delivered again. It is safe for
// concurrent use.
type MemScheduler struct {
	clk  Clock
	opts MemSchedulerOptions

	mu       sync.Mutex
	seq      uint64
	q        memQueue
	inflight map[uint64]*memItem
	wakers   map[*struct{}]context.CancelFunc
}

type memItem struct {
	m   Message
	due time.Time
	seq uint64
}

// NewMemScheduler returns an empty MemScheduler on clk (RealClock{} if nil).
func NewMemScheduler(clk Clock, opts MemSchedulerOptions) *MemScheduler {
	if clk == nil {
		clk = RealClock{}
	}
	if opts.Visibility <= 0 {
		opts.Visibility = 15 * time.Minute
	}
	return &MemScheduler{clk: clk, opts: opts, inflight: map[uint64]*memItem{}, wakers: map[*struct{}]context.CancelFunc{}}
}

// Schedule queues m to be delivered no earlier than delay from now.
func (s *MemScheduler) Schedule(ctx context.Context, m Message, delay time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.Version == 0 {
		m.Version = MessageVersion
	}
	if delay < 0 {
		delay = 0
	}
	due := s.clk.Now().Add(delay)
	m.NotBefore = due
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i <= s.opts.Duplicates; i++ {
		s.seq++
		heap.Push(&s.q, &memItem{m: m, due: due, seq: s.seq})
	}
	s.wakeLocked()
	return nil
}

func (s *MemScheduler) wakeLocked() {
	for k, cancel := range s.wakers {
		cancel()
		delete(s.wakers, k)
	}
}

// Len returns the number of messages queued or delivered but not acked.
func (s *MemScheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.q.items) + len(s.inflight)
}

// Pending returns copies of the queued (not in-flight) messages, earliest
// due first.
func (s *MemScheduler) Pending() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := memQueue{items: append([]*memItem(nil), s.q.items...)}
	sort.Sort(q)
	out := make([]Message, len(q.items))
	for i, it := range q.items {
		out[i] = it.m
	}
	return out
}

// Receive returns the next due message, waiting on the clock as needed.
func (s *MemScheduler) Receive(ctx context.Context) (Delivery, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Delivery{}, err
		}
		s.mu.Lock()
		now := s.clk.Now()
		// Unacked deliveries whose visibility timeout passed come back.
		var next time.Time
		for seq, it := range s.inflight {
			if !now.Before(it.due) {
				delete(s.inflight, seq)
				heap.Push(&s.q, it)
			} else if next.IsZero() || it.due.Before(next) {
				next = it.due
			}
		}
		if it := s.popDueLocked(now); it != nil {
			it.due = now.Add(s.opts.Visibility)
			s.inflight[it.seq] = it
			s.mu.Unlock()
			return s.delivery(it), nil
		}
		if len(s.q.items) > 0 {
			if d := s.q.items[0].due; next.IsZero() || d.Before(next) {
				next = d
			}
		}
		// Sleep until next (or forever if nothing is queued), waking on
		// Schedule.
		wctx, cancel := context.WithCancel(ctx)
		key := &struct{}{}
		s.wakers[key] = cancel
		s.mu.Unlock()
		if next.IsZero() {
			<-wctx.Done()
		} else {
			_ = s.clk.Sleep(wctx, next.Sub(now))
		}
		s.mu.Lock()
		delete(s.wakers, key)
		s.mu.Unlock()
		cancel()
	}
}

// popDueLocked removes and returns a due item (earliest due, or latest
// scheduled in LIFO mode), or nil.
func (s *MemScheduler) popDueLocked(now time.Time) *memItem {
	if len(s.q.items) == 0 || now.Before(s.q.items[0].due) {
		return nil
	}
	if !s.opts.LIFO {
		return heap.Pop(&s.q).(*memItem)
	}
	best := -1
	for i, it := range s.q.items {
		if !now.Before(it.due) && (best < 0 || it.seq > s.q.items[best].seq) {
			best = i
		}
	}
	return heap.Remove(&s.q, best).(*memItem)
}

func (s *MemScheduler) delivery(it *memItem) Delivery {
	seq := it.seq
	return Delivery{
		Message: it.m,
		Ack: func(ctx context.Context) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, ok := s.inflight[seq]; ok {
				delete(s.inflight, seq)
				return nil
			}
			// Redelivered already (visibility passed): drop the queued copy.
			for i, q := range s.q.items {
				if q.seq == seq {
					heap.Remove(&s.q, i)
					return nil
				}
			}
			return Errorf(ErrNotFound, "ack", string(it.m.Step), "message of run %s was already acked", it.m.RunID)
		},
	}
}

type memQueue struct{ items []*memItem }

func (q memQueue) Len() int { return len(q.items) }
func (q memQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if !a.due.Equal(b.due) {
		return a.due.Before(b.due)
	}
	return a.seq < b.seq
}
func (q memQueue) Swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
}
func (q *memQueue) Push(x any) {
	q.items = append(q.items, x.(*memItem))
}
func (q *memQueue) Pop() any {
	n := len(q.items)
	it := q.items[n-1]
	q.items[n-1] = nil
	q.items = q.items[:n-1]
	return it
}
