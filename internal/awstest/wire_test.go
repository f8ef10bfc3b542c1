package awstest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/google/go-cmp/cmp"
)

// The SDK turns the fakes' error codes into its modelled error types: the
// wire format of the errors is the services'.
func TestGlueErrorsAreModelledTypes(t *testing.T) {
	ctx := context.Background()
	g := NewGlue(liberator.NewVirtualClock(t0))
	defer g.Close()
	g.AddWorkflow("wf", 1)
	c := glue.NewFromConfig(g.Config())
	out, err := c.StartWorkflowRun(ctx, &glue.StartWorkflowRunInput{Name: aws.String("wf"), RunProperties: map[string]string{"import_date": "20261124"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartWorkflowRun(ctx, &glue.StartWorkflowRunInput{Name: aws.String("wf")})
	var cre *gluetypes.ConcurrentRunsExceededException
	if !errors.As(err, &cre) {
		t.Errorf("second run: %v, want ConcurrentRunsExceededException", err)
	}
	_, err = c.GetWorkflowRun(ctx, &glue.GetWorkflowRunInput{Name: aws.String("nope"), RunId: out.RunId})
	var enf *gluetypes.EntityNotFoundException
	if !errors.As(err, &enf) {
		t.Errorf("unknown workflow: %v, want EntityNotFoundException", err)
	}
	run, err := c.GetWorkflowRun(ctx, &glue.GetWorkflowRunInput{Name: aws.String("wf"), RunId: out.RunId})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"import_date": "20261124"}, run.Run.WorkflowRunProperties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	if !aws.ToTime(run.Run.StartedOn).Equal(t0) || run.Run.Status != gluetypes.WorkflowRunStatusRunning {
		t.Errorf("run %+v", run.Run)
	}
	g.FailNext("GetWorkflowRuns", 1, Fault{Code: CodeGlueThrottling})
	_, err = c.GetWorkflowRuns(ctx, &glue.GetWorkflowRunsInput{Name: aws.String("wf")})
	var thr *gluetypes.ThrottlingException
	if !errors.As(err, &thr) {
		t.Errorf("injected throttling: %v, want ThrottlingException", err)
	}
}

func TestSQSErrorsAreModelledTypes(t *testing.T) {
	ctx := context.Background()
	s := NewSQS(liberator.NewVirtualClock(t0))
	defer s.Close()
	c := sqs.NewFromConfig(s.Config())
	_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.URL() + "/" + Account + "/missing"), MessageBody: aws.String("x")})
	var qne *sqstypes.QueueDoesNotExist
	if !errors.As(err, &qne) {
		t.Errorf("missing queue: %v, want QueueDoesNotExist", err)
	}
	q := s.CreateQueue("q")
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("héllo")}); err != nil {
		t.Fatal(err) // the SDK checked the MD5 of the body
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q)})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "héllo" {
		t.Fatalf("receive: %+v, %v", out, err)
	}
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: aws.String("bogus"), VisibilityTimeout: 0})
	var rhi *sqstypes.ReceiptHandleIsInvalid
	if !errors.As(err, &rhi) {
		t.Errorf("bogus receipt: %v, want ReceiptHandleIsInvalid", err)
	}
}
