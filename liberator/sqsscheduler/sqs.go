package sqsscheduler

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/awssnssqs"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
	"github.com/dataplatform/liberator-ingestion/liberator/pubsubscheduler"
)

// MaxDelay is SQS's largest per-message delay.
const MaxDelay = 900 * time.Second

// DelaySeconds returns the SQS DelaySeconds for d: rounded up to whole
// seconds (so a message is never due early because of rounding), at most
// 900.
func DelaySeconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	s := math.Ceil(d.Seconds())
	if s > MaxDelay.Seconds() {
		s = MaxDelay.Seconds()
	}
	return int32(s)
}

// NativeDelay is the pubsubscheduler.Options.NativeDelay hook for SQS: it
// sets DelaySeconds on the message's SendMessageBatch entry (or
// SendMessage input) in BeforeSend.
func NativeDelay(m *pubsub.Message, delay time.Duration) {
	secs := DelaySeconds(delay)
	prev := m.BeforeSend
	m.BeforeSend = func(asFunc func(any) bool) error {
		if prev != nil {
			if err := prev(asFunc); err != nil {
				return err
			}
		}
		var entry *sqstypes.SendMessageBatchRequestEntry
		if asFunc(&entry) {
			entry.DelaySeconds = secs
			return nil
		}
		var in *sqs.SendMessageInput
		if asFunc(&in) {
			in.DelaySeconds = secs
			return nil
		}
		return errors.New("awssqs: message is not sent to SQS; cannot set DelaySeconds")
	}
}

// Options configure Open.
type Options struct {
	// QueueURL is the queue's URL (required).
	QueueURL string
	// WaitTime is the ReceiveMessage long-poll wait (0 to 20 s). Default
	// 20 s.
	WaitTime time.Duration
	// Clock tells the time for due times. Default liberator.RealClock{}.
	Clock liberator.Clock
	// Logger is passed to the scheduler. Default: discard.
	Logger *slog.Logger
}

// Scheduler is a liberator.Scheduler on one SQS queue. Close it when done.
//
// Schedule and Receive are pubsubscheduler.Scheduler's. Receive also
// understands RDS notifications that reach the queue (through SNS or
// EventBridge): they are delivered as the pipeline message they start (see
// awsevents.Decode), and the events the pipeline ignores are deleted. A
// body that decodes as neither is deleted and reported as an error wrapping
// liberator.ErrInvalid (the caller may go on receiving).
type Scheduler struct {
	*pubsubscheduler.Scheduler
	topic *pubsub.Topic
	sub   *pubsub.Subscription
}

var _ liberator.Scheduler = (*Scheduler)(nil)

// Open returns a Scheduler on the queue opts.QueueURL with an SQS client
// made from cfg and optFns. Messages are sent raw (no SNS envelope) and
// received raw.
func New(ctx context.Context, cfg aws.Config, opts Options, optFns ...func(*sqs.Options)) (*Scheduler, error) {
	return NewFromClient(ctx, sqs.NewFromConfig(cfg, optFns...), opts)
}

// NewFromClient is Open with a given SQS client.
func NewFromClient(ctx context.Context, c *sqs.Client, opts Options) (*Scheduler, error) {
	if c == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "open sqs scheduler", "client", "client is nil")
	}
	if opts.QueueURL == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, "open sqs scheduler", "QueueURL", "queue URL is required")
	}
	if opts.WaitTime < 0 || opts.WaitTime > 20*time.Second {
		return nil, liberator.Errorf(liberator.ErrInvalid, "open sqs scheduler", "WaitTime", "must be 0..20s, got %s", opts.WaitTime)
	}
	if opts.WaitTime == 0 {
		opts.WaitTime = 20 * time.Second
	}
	topic := awssnssqs.OpenSQSTopicV2(ctx, c, opts.QueueURL, &awssnssqs.TopicOptions{BodyBase64Encoding: awssnssqs.NonUTF8Only})
	sub := awssnssqs.OpenSubscriptionV2(ctx, c, opts.QueueURL, &awssnssqs.SubscriptionOptions{Raw: true, WaitTime: opts.WaitTime})
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{
		MaxDelay:    MaxDelay,
		NativeDelay: NativeDelay,
		Clock:       opts.Clock,
		Logger:      opts.Logger,
		Decode: func(body []byte) (liberator.Message, bool, error) {
			return awsevents.Decode(body, liberator.DumpRef{})
		},
	})
	return &Scheduler{Scheduler: s, topic: topic, sub: sub}, nil
}

// Close flushes pending sends and acks and closes the topic and
// subscription.
func (s *Scheduler) Close(ctx context.Context) error {
	return errors.Join(s.topic.Shutdown(ctx), s.sub.Shutdown(ctx))
}
