// Package handlers holds the logic of the liberator Lambda functions and of
// the ECS restore task, so that the mains under examples/lambda/… and
// examples/ecs-restore stay thin and every handler is tested with the JSON
// AWS really sends (see testdata/).
//
// There is one handler per step of the production chain:
//
//   - DumpUploaded: an S3 "Object Created" event (EventBridge) or a CloudTrail
//     PutObject / CompleteMultipartUpload / CopyObject event (EventBridge)
//     for a dump under the configured prefix → optionally replicate the dump
//     to the pre-production bucket, then launch the restore on ECS (a restore
//     outlasts Lambda's 15 minutes) with the run's first Message.
//   - SnapshotReady: an RDS "RDS DB Snapshot Event" RDS-EVENT-0042
//     (EventBridge), or the same notification SNS-wrapped in an SQS record →
//     a StepSnapshotCheck Message → the pipeline starts the export.
//   - ExportCheck: RDS-EVENT-0161/0159/0160 (EventBridge) or the scheduler's
//     SQS messages → the pipeline lands the export and starts the workflow.
//
// and one for the direct chain (LIBERATOR_CHAIN=direct), which needs no
// RDS: Direct takes the upload in any shape S3 delivers it (DecodeUploads)
// and runs the whole run in the process (RunDirect on NewDirectPipeline:
// the embedded snapshot and export reading the dump from S3 by range
// reads, the same Lander and Glue start), in the Lambda for a dump up to
// LIBERATOR_DIRECT_MAX_SIZE, else in the ECS task it launches
// (RunDirectTask), and logs the run's figures as one line that is also
// CloudWatch Embedded Metric Format (LogStats).
//
// SQS batches are answered with events.SQSEventResponse: only the records
// that failed with a retryable error are listed in BatchItemFailures, so SQS
// redelivers them and nothing else; records that can never succeed (bad
// JSON, an unknown message version) are logged at error level and dropped.
//
// Every invocation works to a budget: it stops a margin before the
// function's deadline (WithBudget, Margin; LIBERATOR_DEADLINE_MARGIN), lists
// the records it did not finish in BatchItemFailures, and returns a
// Transient error to a direct invocation. AWS calls time out per attempt
// (LoadAWSConfig, AttemptTransport). Every record or event is logged once
// with its message or event id, and every failure once at warn or error
// level with the run id, step and error kind (NewLogger, LogHandler,
// WithLogAttrs). Errors reach Lambda with the kind as errorType
// (ForLambda, LambdaError, KindName).
//
// Configuration is read from the environment in one place (FromEnv); AWS
// clients are made in the mains only, and every handler takes its
// dependencies as interfaces so tests wire fakes.
package handlers
