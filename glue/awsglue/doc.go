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
// # Backdated runs
//
// A backdated run (an old date imported again; WorkflowRequest.Backdated)
// starts Options.BackdatedWorkflow instead (default: Workflow), as the
// chain this module replaces started BACKDATED_WORKFLOW_NAME, because the
// normal workflow's jobs read only recent partitions. Its import_date is a
// run property of the run, which is what the jobs read
// (GetWorkflowRunProperties returns a run's properties over the
// workflow's defaults). The old chain also wrote the date into the
// workflow's DefaultRunProperties (UpdateWorkflow) before starting it;
// Workflow does not: a change to the workflow's definition would outlive
// the run, race a concurrent backdated run of another date, and overwrite
// what the workflow's owners set outside Terraform; it needs no
// glue:UpdateWorkflow permission either. A job that reads the workflow's
// defaults (GetWorkflow) instead of its run's properties must switch to
// GetWorkflowRunProperties.
//
// New makes a Workflow from an aws.Config, NewFromClient from a Glue client
// (tests use a fake).
package awsglue
