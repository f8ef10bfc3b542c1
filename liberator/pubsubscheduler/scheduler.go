package pubsubscheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"gocloud.dev/pubsub"
)

// DefaultMaxDelay is the longest delay one queue message can carry: SQS's
// DelaySeconds cap of 900 s. Longer delays are chained.
const DefaultMaxDelay = 900 * time.Second

// Options configures a Scheduler.
type Options struct {
	// MaxDelay caps the native delay of one sent message (default
	// DefaultMaxDelay). A longer delay is reached by re-sending the message
	// when it arrives early (chaining).
	MaxDelay time.Duration
	// NativeDelay, if set, is called on every message sent with a positive
	// delay (rounded up to whole seconds, then capped at MaxDelay) so the
	// driver delays delivery itself, e.g. on awssnssqs's SQS topic:
	//
	//	NativeDelay: func(m *pubsub.Message, d time.Duration) {
	//		m.BeforeSend = func(as func(any) bool) error {
	//			var e *sqstypes.SendMessageBatchRequestEntry
	//			if as(&e) {
	//				e.DelaySeconds = int32(d / time.Second)
	//			}
	//			return nil
	//		}
	//	}
	//
	// With no
	// NativeDelay (mempubsub), an early message is held by Receive, which
	// waits on the clock until it is due.
	NativeDelay func(m *pubsub.Message, delay time.Duration)
	// Clock tells the time (default liberator.RealClock{}).
	Clock liberator.Clock
	// Logger logs dropped bad messages and re-sends (default: discard).
	Logger *slog.Logger
	// Decode, if set, decodes a received body instead of liberator.DecodeMessage, so
	// that a queue can carry other notifications too (awssqs reads RDS
	// events with it). ok false means a valid body that asks for no work:
	// Receive acks it and goes on. Errors should wrap ErrInvalid: the body
	// is dropped.
	Decode func(body []byte) (m liberator.Message, ok bool, err error)
}

// Scheduler is a liberator.Scheduler on a gocloud.dev/pubsub topic and
// subscription (SQS in production, mempubsub in tests). A message's body is
// liberator.Message.Encode() with NotBefore set to its due time; metadata carries
// "run_id" and "step".
type Scheduler struct {
	topic *pubsub.Topic
	sub   *pubsub.Subscription
	opts  Options
}

// New returns a liberator.Scheduler sending to topic and receiving
// from sub (which must be subscribed to topic, or to the queue topic feeds).
func New(topic *pubsub.Topic, sub *pubsub.Subscription, opts Options) *Scheduler {
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Decode == nil {
		opts.Decode = func(body []byte) (liberator.Message, bool, error) {
			m, err := liberator.DecodeMessage(body)
			return m, err == nil, err
		}
	}
	return &Scheduler{topic: topic, sub: sub, opts: opts}
}

// Schedule sends m, due delay from now.
func (s *Scheduler) Schedule(ctx context.Context, m liberator.Message, delay time.Duration) error {
	if delay < 0 {
		delay = 0
	}
	m.NotBefore = s.opts.Clock.Now().Add(delay).UTC()
	return s.send(ctx, m, delay)
}

// send sends m (whose NotBefore is set) with a native delay of at most
// MaxDelay when NativeDelay is configured.
func (s *Scheduler) send(ctx context.Context, m liberator.Message, delay time.Duration) error {
	if m.Version == 0 {
		m.Version = liberator.MessageVersion
	}
	body, err := m.Encode()
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, "schedule", m.RunID, err)
	}
	pm := &pubsub.Message{Body: body, Metadata: map[string]string{"run_id": m.RunID, "step": string(m.Step)}}
	// Round up to whole seconds (SQS's DelaySeconds), so that a message
	// never arrives a fraction of a second early and is re-sent in a loop.
	delay = (delay + time.Second - 1).Truncate(time.Second)
	if delay > s.opts.MaxDelay {
		delay = s.opts.MaxDelay
	}
	if s.opts.NativeDelay != nil && delay > 0 {
		s.opts.NativeDelay(pm, delay)
	}
	if err := s.topic.Send(ctx, pm); err != nil {
		return liberator.NewError(liberator.ErrTransient, "schedule", fmt.Sprintf("run %s step %s", m.RunID, m.Step), err)
	}
	return nil
}

// Receive returns the next due message.
//
// A message that arrives before its NotBefore (a delay longer than
// MaxDelay) is, with NativeDelay configured, re-sent with the remaining
// delay and acked, and Receive waits for the next one; without NativeDelay,
// Receive waits on the clock until it is due and returns it (the driver's
// ack deadline may pass meanwhile and the message come again: handlers are
// idempotent).
//
// A body that does not decode is acked (dropped: no retry can fix it, and
// a nack would redeliver it forever) and reported as an error wrapping
// liberator.ErrInvalid that names the message id; the caller may go on receiving. A
// body Options.Decode reports as asking for no work is acked and
// skipped.
func (s *Scheduler) Receive(ctx context.Context) (liberator.Delivery, error) {
	for {
		pm, err := s.sub.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return liberator.Delivery{}, ctx.Err()
			}
			return liberator.Delivery{}, liberator.NewError(liberator.ErrTransient, "receive", "", err)
		}
		m, ok, err := s.opts.Decode(pm.Body)
		if err != nil {
			pm.Ack()
			s.opts.Logger.ErrorContext(ctx, "dropped undecodable message", "message_id", pm.LoggableID, "err", err)
			return liberator.Delivery{}, liberator.NewError(liberator.ErrInvalid, "receive", "message "+pm.LoggableID, err)
		}
		if !ok {
			pm.Ack()
			continue
		}
		due, remaining := liberator.DueAt(m, s.opts.Clock.Now())
		if !due && s.opts.NativeDelay != nil {
			if err := s.send(ctx, m, remaining); err != nil {
				if pm.Nackable() {
					pm.Nack()
				}
				return liberator.Delivery{}, err
			}
			pm.Ack()
			s.opts.Logger.DebugContext(ctx, "re-sent early message", "run_id", m.RunID, "step", string(m.Step), "remaining", remaining)
			continue
		}
		if !due {
			if err := s.opts.Clock.Sleep(ctx, remaining); err != nil {
				if pm.Nackable() {
					pm.Nack()
				}
				return liberator.Delivery{}, err
			}
		}
		var once sync.Once
		return liberator.Delivery{Message: m, Ack: func(context.Context) error {
			once.Do(pm.Ack)
			return nil
		}}, nil
	}
}
