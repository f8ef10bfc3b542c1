// Package pubsubscheduler is a liberator.Scheduler on a gocloud.dev/pubsub
// topic and subscription: SQS in production (see package sqsscheduler, which
// wraps it with SQS's native delays), mempubsub in tests.
//
// A message's body is liberator.Message.Encode() with NotBefore set to its
// due time. Delays longer than Options.MaxDelay (SQS's 900 s cap) are
// reached by chaining: a message that arrives early is sent again for the
// remaining time.
package pubsubscheduler
