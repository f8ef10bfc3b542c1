package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/awssnssqs"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// NewSQSScheduler returns the pipeline's scheduler on the SQS queue at
// queueURL: a liberator.PubSubScheduler whose messages carry SQS's own
// DelaySeconds (at most 900 s; longer delays are chained by the consumer,
// see Steps). It only sends: in Lambda, SQS's event source mapping does the
// receiving, so the scheduler has no subscription and its Receive must not
// be called. Close the returned topic when done.
func NewSQSScheduler(ctx context.Context, client *sqs.Client, queueURL string, clk liberator.Clock, log *slog.Logger) (*liberator.PubSubScheduler, *pubsub.Topic) {
	topic := awssnssqs.OpenSQSTopicV2(ctx, client, queueURL, &awssnssqs.TopicOptions{BodyBase64Encoding: awssnssqs.Never})
	return liberator.NewPubSubScheduler(topic, nil, liberator.PubSubOptions{
		NativeDelay: SQSDelay,
		Clock:       clk,
		Logger:      log,
	}), topic
}

// SQSDelay makes m wait delay (whole seconds, at most 900) in the queue, by
// setting DelaySeconds on the SendMessageBatch entry gocloud sends.
func SQSDelay(m *pubsub.Message, delay time.Duration) {
	secs := int32((delay + time.Second - 1) / time.Second)
	if secs > 900 {
		secs = 900
	}
	prev := m.BeforeSend
	m.BeforeSend = func(as func(any) bool) error {
		if prev != nil {
			if err := prev(as); err != nil {
				return err
			}
		}
		var e *sqstypes.SendMessageBatchRequestEntry
		if as(&e) {
			e.DelaySeconds = secs
		}
		return nil
	}
}
