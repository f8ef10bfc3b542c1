// Package awsevents decodes the RDS notifications that drive the pipeline on
// AWS and maps them to the pipeline's next liberator.Message:
//
//   - RDS-EVENT-0042 (manual snapshot created) → StepSnapshotCheck;
//   - RDS-EVENT-0161 (snapshot export completed) → StepExportCheck;
//   - RDS-EVENT-0159 / RDS-EVENT-0160 (export failed / canceled) →
//     StepExportCheck, which then sees the FAILED or CANCELED task and ends
//     the run with its FailureCause.
//
// Notifications arrive either through an RDS event subscription to SNS
// delivered into SQS (an SNS envelope whose Message string holds the RDS
// event JSON with fields "Source ID", "Event ID", …; gocloud's awssnssqs
// subscription unwraps the envelope, a Lambda SQS trigger does not), or
// through an EventBridge rule (fields detail.SourceIdentifier,
// detail.SourceArn, detail.EventID). ParseRDSEvent accepts all three forms;
// Decode also accepts the pipeline's own messages, so one queue consumer
// (a Lambda SQS trigger or a long-running worker) can handle both, and the
// old chain's copier messages ({"ExportTaskIdentifier", "ExportBucket"},
// CopierMessage).
//
// An event names a snapshot, not a run: NextMessage's message is
// Provisional, and the Pipeline reads the run, its import date included,
// from the snapshot's run label before the step runs
// (liberator.Pipeline.Resolve). The snapshot id, which holds the upload
// time, is not taken for the import date.
package awsevents
