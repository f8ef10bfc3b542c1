package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RestoreLauncher hands a run's restore (StepDumpUploaded) to something that
// may run for longer than a Lambda can: the ECS task in production.
// LaunchRestore returns an id of what it started (a task ARN). It must be
// safe to call twice for the same message: EventBridge delivers at least
// once.
type RestoreLauncher interface {
	LaunchRestore(ctx context.Context, m liberator.Message) (string, error)
}

// ECSRunTaskAPI is the part of *ecs.Client that ECSLauncher uses.
type ECSRunTaskAPI interface {
	RunTask(ctx context.Context, in *ecs.RunTaskInput, optFns ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
}

// ECSLauncher launches the restore as an ECS task (examples/ecs-restore)
// with RunTask. The run's message goes to the task in the container's
// environment (LIBERATOR_MESSAGE, plus DUMP_BUCKET and DUMP_KEY for people
// reading the console). The request's ClientToken is derived from the run
// id and the time the upload was seen, so a redelivered event does not start
// a second task.
type ECSLauncher struct {
	Client ECSRunTaskAPI
	Config ECSConfig
	// Chain, if set, is passed to the task as LIBERATOR_CHAIN, so that a
	// task of the other chain refuses the run instead of misreading it.
	Chain string
}

// LaunchRestore runs one task and returns its ARN. ECS throttling and
// capacity failures wrap liberator.ErrThrottled or ErrTransient (retry); a
// rejected request (bad cluster, task definition, subnets) wraps
// liberator.ErrInvalid.
func (l ECSLauncher) LaunchRestore(ctx context.Context, m liberator.Message) (string, error) {
	body, err := m.Encode()
	if err != nil {
		return "", fmt.Errorf("launch restore %s: encode message: %v: %w", m.RunID, err, liberator.ErrInvalid)
	}
	in := &ecs.RunTaskInput{
		Cluster:        aws.String(l.Config.Cluster),
		TaskDefinition: aws.String(l.Config.TaskDefinition),
		Count:          aws.Int32(1),
		ClientToken:    aws.String(ClientToken(m)),
		StartedBy:      aws.String("liberator/" + m.ImportDate.Compact()),
		Overrides: &ecstypes.TaskOverride{
			ContainerOverrides: []ecstypes.ContainerOverride{{
				Name: aws.String(l.Config.Container),
				Environment: []ecstypes.KeyValuePair{
					{Name: aws.String(EnvMessage), Value: aws.String(string(body))},
					{Name: aws.String(EnvTaskBucket), Value: aws.String(m.Dump.Bucket)},
					{Name: aws.String(EnvTaskKey), Value: aws.String(m.Dump.Key)},
				},
			}},
		},
	}
	if l.Chain != "" {
		env := &in.Overrides.ContainerOverrides[0].Environment
		*env = append(*env, ecstypes.KeyValuePair{Name: aws.String(EnvChain), Value: aws.String(l.Chain)})
	}
	if l.Config.LaunchType != "" {
		in.LaunchType = ecstypes.LaunchType(l.Config.LaunchType)
	}
	if len(l.Config.Subnets) > 0 {
		assign := ecstypes.AssignPublicIpDisabled
		if l.Config.AssignPublicIP {
			assign = ecstypes.AssignPublicIpEnabled
		}
		in.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets:        l.Config.Subnets,
			SecurityGroups: l.Config.SecurityGroups,
			AssignPublicIp: assign,
		}}
	}
	out, err := l.Client.RunTask(ctx, in)
	if err != nil {
		return "", fmt.Errorf("launch restore %s: ecs RunTask on %s: %w", m.RunID, l.Config.Cluster, classifyECS(err))
	}
	if len(out.Tasks) == 0 {
		var reasons []string
		for _, f := range out.Failures {
			reasons = append(reasons, aws.ToString(f.Arn)+": "+aws.ToString(f.Reason)+" "+aws.ToString(f.Detail))
		}
		return "", fmt.Errorf("launch restore %s: ecs RunTask started no task (%s): %w", m.RunID, strings.Join(reasons, "; "), liberator.ErrTransient)
	}
	return aws.ToString(out.Tasks[0].TaskArn), nil
}

// ClientToken returns the RunTask idempotency token for a message:
// "liberator-" and 40 hex digits of SHA-256 over the run id, the time the
// upload was first seen and the retry counters. A redelivered message gets
// the same token (ECS starts no second task); a retry the pipeline scheduled
// after a failed restore gets a new one.
func ClientToken(m liberator.Message) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d", m.RunID, m.Received.UTC().Format(time.RFC3339Nano), m.Attempt, m.ErrorRetries))
	return "liberator-" + hex.EncodeToString(h[:])[:40]
}

// classifyECS wraps an ECS error with the liberator error kind that says
// whether to retry (awserr.Kind, the module's AWS error classification).
func classifyECS(err error) error {
	return fmt.Errorf("%w: %w", err, awserr.Kind(err))
}
