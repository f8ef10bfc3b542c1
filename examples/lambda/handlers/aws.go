package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
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

// S3CopyAPI is the part of *s3.Client that S3Replicator uses.
type S3CopyAPI interface {
	CopyObject(ctx context.Context, in *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
}

// S3Replicator copies a dump to the pre-production account's bucket with
// CopyObject and ACL bucket-owner-full-control, as production does. The
// Lambda's role needs s3:GetObject on the source and s3:PutObject and
// s3:PutObjectAcl on the destination (whose bucket policy must allow it).
// Objects over 5 GB need a multipart copy, which this does not do (dumps
// are far smaller).
type S3Replicator struct {
	Client S3CopyAPI
	// Bucket is the destination bucket; the key is kept.
	Bucket string
}

// copySource is CopyObject's x-amz-copy-source: "bucket/key", each path
// segment URL-escaped.
func copySource(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return bucket + "/" + strings.Join(segs, "/")
}

// Replicate copies bucket/key to r.Bucket/key.
func (r S3Replicator) Replicate(ctx context.Context, bucket, key string) error {
	_, err := r.Client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(r.Bucket),
		Key:        aws.String(key),
		CopySource: aws.String(copySource(bucket, key)),
		ACL:        s3types.ObjectCannedACLBucketOwnerFullControl,
	})
	if err != nil {
		return fmt.Errorf("copy s3://%s/%s to s3://%s/%s: %w: %w", bucket, key, r.Bucket, key, err, liberator.ErrTransient)
	}
	return nil
}
