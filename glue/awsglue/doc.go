// Package awsglue is the liberator.Workflow on AWS Glue: it starts runs of
// an existing Glue workflow (Options.Workflow).
//
// Workflow.Start runs StartWorkflowRun with the run properties import_date
// (YYYYMMDD), liberator_run_key and any extra request properties
// (RunProperties). It is idempotent on the run key: it first reads the
// workflow's recent runs (GetWorkflowRuns, at most Options.ScanRuns) and
// returns the one whose properties carry the same key.
// ConcurrentRunsExceededException and throttling wrap
// liberator.ErrThrottled, so the pipeline tries again later.
//
// New makes a Workflow from an aws.Config, NewFromClient from a Glue client
// (tests use a fake).
package awsglue
