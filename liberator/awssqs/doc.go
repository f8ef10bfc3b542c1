// Package awssqs runs the pipeline's Scheduler on an Amazon SQS queue
// through gocloud.dev/pubsub's awssnssqs driver: the queue is both the
// topic (SendMessageBatch) and the subscription (ReceiveMessage,
// DeleteMessageBatch), and liberator.PubSubScheduler does the scheduling.
//
// Each message carries its delay in SQS's per-message DelaySeconds (at most
// 900 s). A longer delay is chained: the message arrives early, and the
// scheduler re-sends it for the remainder. A Lambda SQS trigger receives the
// same bodies; it decodes them with liberator.DecodeDelivery (or
// awsevents.Decode, which also accepts RDS notifications) and re-schedules
// early ones with Schedule.
//
// The scheduler takes an aws.Config from the caller; it reads no
// credentials or environment itself.
package awssqs
