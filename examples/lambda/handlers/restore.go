package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RestoreMessage returns the run message the ECS restore task runs: the
// StepDumpUploaded message in LIBERATOR_MESSAGE if set (as the dump-uploaded
// Lambda launches it), else a new run of DUMP_BUCKET/DUMP_KEY received at
// now, backdated to IMPORT_DATE if that is set. bucketURL turns a bucket name
// into a gocloud.dev/blob URL (Config.BucketURL). Errors wrap
// liberator.ErrInvalid.
func RestoreMessage(c RestoreConfig, bucketURL func(string) string, now time.Time) (liberator.Message, error) {
	if c.Message != "" {
		m, err := liberator.DecodeMessage([]byte(c.Message))
		if err != nil {
			return liberator.Message{}, fmt.Errorf("%s: %w", EnvMessage, err)
		}
		if m.Step != liberator.StepDumpUploaded {
			return liberator.Message{}, fmt.Errorf("%s: step is %q, want %q: %w", EnvMessage, m.Step, liberator.StepDumpUploaded, liberator.ErrInvalid)
		}
		return m, nil
	}
	var date liberator.Date
	if c.ImportDate != "" {
		d, err := liberator.ParseDate(c.ImportDate)
		if err != nil {
			return liberator.Message{}, fmt.Errorf("%s: %w", EnvImportDate, err)
		}
		date = d
	}
	bucket := c.Bucket
	if bucketURL != nil {
		bucket = bucketURL(bucket)
	}
	m, err := liberator.NewRunMessage(liberator.DumpRef{Bucket: bucket, Key: c.Key}, date, !date.IsZero(), now)
	if err != nil {
		return liberator.Message{}, fmt.Errorf("%s %q: %w", EnvTaskKey, c.Key, err)
	}
	return m, nil
}

// RunRestore runs the restore step of m (restore the dump, create the
// snapshot) and schedules the run's next message (the snapshot check). It is
// the ECS task's whole job.
func RunRestore(ctx context.Context, p StepRunner, m liberator.Message) (liberator.Outcome, error) {
	if m.Step != liberator.StepDumpUploaded {
		return liberator.Outcome{}, fmt.Errorf("restore %s: step is %q, want %q: %w", m.RunID, m.Step, liberator.StepDumpUploaded, liberator.ErrInvalid)
	}
	out, err := p.Process(ctx, m)
	if err != nil {
		return out, fmt.Errorf("restore %s: %w", m.Dump.Key, err)
	}
	if out.Next != nil && out.Next.Step == liberator.StepDumpUploaded {
		// The restore was not done (a retryable error): the re-check has
		// been scheduled, but a task that did not restore must say so.
		return out, fmt.Errorf("restore %s: not done, retry scheduled in %s: %v: %w", m.Dump.Key, out.Delay, out.Retried, liberator.ErrTransient)
	}
	return out, nil
}

// PipelineLauncher is a RestoreLauncher that runs the restore in this
// process (RunRestore). It suits local runs and tests, where a restore into
// a local MySQL or the embedded backend is quick; on AWS use ECSLauncher.
type PipelineLauncher struct {
	Pipeline StepRunner
}

// LaunchRestore runs the restore and returns "in-process:<snapshot id>".
func (l PipelineLauncher) LaunchRestore(ctx context.Context, m liberator.Message) (string, error) {
	out, err := RunRestore(ctx, l.Pipeline, m)
	if err != nil {
		return "", err
	}
	id := ""
	if out.Next != nil {
		id = out.Next.SnapshotID
	}
	return "in-process:" + id, nil
}
