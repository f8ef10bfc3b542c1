package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RunDirectTask is the direct chain's ECS task's whole job: it converts,
// in this process and whatever its size, the dump its environment names:
//
//   - LIBERATOR_MESSAGE: the run's StepDumpUploaded message, as the direct
//     Lambda launches the task for a dump too large for it (Direct.Convert;
//     the Lambda replicated the dump already);
//   - LIBERATOR_EVENT: an upload event in any shape the Lambda accepts
//     (DecodeUploads), for a task an EventBridge rule runs itself
//     (Direct.HandleUpload, which also replicates);
//   - DUMP_BUCKET (a bucket name) and DUMP_KEY: an upload by hand, named
//     after the object's last-modified time like an event's; with
//     IMPORT_DATE, a backdated run of that date instead.
//
// An event that names no dump under the prefix starts nothing and returns
// nil. Errors carry a liberator kind.
func RunDirectTask(ctx context.Context, h *Direct, c Config, now time.Time) error {
	r := c.Restore
	switch {
	case r.Message != "":
		m, err := RestoreMessage(RestoreConfig{Message: r.Message}, nil, now)
		if err != nil {
			return err
		}
		_, err = h.Convert(ctx, m)
		return err
	case c.Direct.Event != "":
		ups, err := DecodeUploads([]byte(c.Direct.Event))
		if errors.Is(err, ErrNotAnUpload) {
			h.logger().InfoContext(ctx, "event ignored", "reason", err.Error())
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", EnvEvent, err)
		}
		var errs []error
		for _, up := range ups {
			if _, err := h.HandleUpload(ctx, up); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	case r.Bucket != "" && r.Key != "" && r.ImportDate != "":
		m, err := RestoreMessage(RestoreConfig{Bucket: r.Bucket, Key: r.Key, ImportDate: r.ImportDate}, c.BucketURL, now)
		if err != nil {
			return err
		}
		size, _, err := h.Stat(ctx, r.Key)
		if err != nil {
			return fmt.Errorf("dump %s: %w", r.Key, err)
		}
		m.Dump.Size = size
		_, err = h.Convert(ctx, m)
		return err
	case r.Bucket != "" && r.Key != "":
		res, err := h.HandleUpload(ctx, Upload{Bucket: r.Bucket, Key: r.Key, Action: "by hand", Time: now})
		if err == nil && res.Ignored != "" {
			return liberator.Errorf(liberator.ErrInvalid, "direct task", r.Key, "%s", res.Ignored)
		}
		return err
	}
	return invalidf(EnvMessage, "set %s, %s, or %s and %s", EnvMessage, EnvEvent, EnvTaskBucket, EnvTaskKey)
}
