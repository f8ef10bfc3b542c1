// Package awssqs runs the pipeline's Scheduler on an Amazon SQS queue
// through gocloud.dev/pubsub's awssnssqs driver: the queue is both the
// topic (SendMessageBatch) and the subscription (ReceiveMessage,
// DeleteMessageBatch), and pubsubscheduler.Scheduler does the scheduling.
//
// Each message carries its delay in SQS's per-message DelaySeconds (at most
// 900 s). A longer delay is chained: the message arrives early, and the
// scheduler re-sends it for the remainder.
//
// RDS notifications may share the queue (an RDS event subscription through
// SNS, or an EventBridge rule): Scheduler.Receive, the long-running
// consumer's side, delivers them as the pipeline messages they start. A
// Lambda SQS trigger passes each record's body to Inbound, which does the
// same decoding and re-schedules early messages.
//
// The scheduler takes an aws.Config from the caller; it reads no
// credentials or environment itself.
package sqsscheduler
