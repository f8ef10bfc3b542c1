package sqsscheduler

import (
	"context"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
)

// Inbound handles one SQS message body as a Lambda SQS trigger delivers it
// (the record's Body): a pipeline Message written by the Scheduler, or an
// RDS notification (SNS envelope, raw, or EventBridge; see awsevents.Decode)
// mapped to the pipeline's next Message. dump names the run for RDS
// notifications when it is known.
//
// If the message is due, Inbound returns it with handle true: the caller
// runs it (Pipeline.Process) and then lets the Lambda delete the record. A
// message not yet due (a delay longer than 900 s, chained) is re-scheduled
// on sched for the remainder and handle is false: the caller just lets the
// record be deleted. RDS events the pipeline ignores give handle false and
// no error. Undecodable bodies return an error wrapping
// liberator.ErrInvalid; the caller should drop them (a retry cannot help).
func Inbound(ctx context.Context, body []byte, now time.Time, sched liberator.Scheduler, dump liberator.DumpRef) (m liberator.Message, handle bool, err error) {
	m, ok, err := awsevents.Decode(body, dump)
	if err != nil || !ok {
		return liberator.Message{}, false, err
	}
	due, remaining := liberator.DueAt(m, now)
	if due {
		return m, true, nil
	}
	if err := sched.Schedule(ctx, m, remaining); err != nil {
		return liberator.Message{}, false, err
	}
	return m, false, nil
}
