package awstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"
)

// TestBlackHole points a real SQS client at a black hole: the connection
// is accepted, no answer comes, and only the caller's context ends the
// call. A dead port refuses at once.
func TestBlackHole(t *testing.T) {
	bh, err := NewBlackHole()
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = sqs.NewFromConfig(Config(bh.URL())).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(bh.URL() + "/q"), MessageBody: aws.String("x")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendMessage to a black hole = %v, want the context's deadline", err)
	}
	if n := bh.Accepted(); n != 1 {
		t.Errorf("black hole accepted %d connections, want 1", n)
	}

	dead, err := DeadURL()
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqs.NewFromConfig(Config(dead)).SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dead + "/q"), MessageBody: aws.String("x")})
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendMessage to a dead port = %v, want a refused connection", err)
	}
}

// TestECS runs tasks on the local ECS through the real client: one task
// per client token, injected faults, and a capacity failure.
func TestECS(t *testing.T) {
	e := NewECS()
	defer e.Close()
	c := ecs.NewFromConfig(e.Config())
	ctx := context.Background()
	run := func(token string) (string, error) {
		out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("liberator"), TaskDefinition: aws.String("restore:1"), ClientToken: aws.String(token)})
		if err != nil {
			return "", err
		}
		if len(out.Tasks) == 0 {
			return "no task: " + aws.ToString(out.Failures[0].Reason), nil
		}
		return aws.ToString(out.Tasks[0].TaskArn), nil
	}
	first, err := run("a")
	if err != nil {
		t.Fatal(err)
	}
	again, err := run("a")
	if err != nil || again != first {
		t.Errorf("RunTask with the same token = %q, %v; want the first task %q", again, err, first)
	}
	e.FailNext("RunTask", 1, Fault{Code: "ThrottlingException"})
	if _, err := run("b"); err == nil {
		t.Error("RunTask after FailNext succeeded")
	}
	e.NoCapacity(1)
	got, err := run("c")
	if err != nil || got != "no task: RESOURCE:MEMORY" {
		t.Errorf("RunTask without capacity = %q, %v", got, err)
	}
	if n := e.Tasks(); n != 1 {
		t.Errorf("tasks started = %d, want 1", n)
	}
	var clusters []string
	for _, r := range e.Requests("RunTask") {
		clusters = append(clusters, r.Params["cluster"]+"/"+r.Params["clientToken"])
	}
	if diff := cmp.Diff([]string{"liberator/a", "liberator/a", "liberator/b", "liberator/c"}, clusters); diff != "" {
		t.Errorf("RunTask requests (-want +got):\n%s", diff)
	}
}

// TestParseLogLines finds the keys a JSON line repeats, which
// encoding/json would silently merge.
func TestParseLogLines(t *testing.T) {
	in := `START RequestId: 1
{"level":"INFO","msg":"a","run_id":"x","step":"s"}
{"level":"WARN","msg":"b","run_id":"x","run_id":"x","g":{"k":1,"k":2},"l":[{"z":1,"z":1}]}
not json
`
	lines := ParseLogLines([]byte(in))
	var got [][]string
	for _, l := range lines {
		got = append(got, l.Duplicates)
	}
	want := [][]string{nil, {"run_id", "g.k", "l.z"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("duplicates (-want +got):\n%s", diff)
	}
	if n := len(AtLeastWarn(lines)); n != 1 {
		t.Errorf("AtLeastWarn = %d lines, want 1", n)
	}
}
