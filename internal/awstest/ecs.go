package awstest

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ECS is a local Amazon ECS endpoint speaking JSON 1.1, for RunTask only:
// it records the requests (Requests("RunTask"): the parameters flattened,
// e.g. "overrides.containerOverrides.1.environment.1.value"), starts one
// task per new clientToken (a repeated token returns the task it started,
// as ECS does), and can be told to fail (FailNext with the service's error
// codes: ThrottlingException, ServerException, ClientException, …) or to
// start nothing and report a capacity failure (NoCapacity). Create it with
// NewECS; point an ecs.Client at it with Config(e.URL()).
type ECS struct {
	recorder
	srv *httptest.Server

	byToken    map[string]string
	noCapacity int
}

// NewECS starts a local ECS endpoint.
func NewECS() *ECS {
	e := &ECS{byToken: map[string]string{}}
	e.srv = httptest.NewServer(&jsonHandler{
		rec: &e.recorder, prefix: "AmazonEC2ContainerServiceV20141113", contentType: "application/x-amz-json-1.1",
		handle: e.handle,
	})
	return e
}

// URL is the endpoint's base URL.
func (e *ECS) URL() string { return e.srv.URL }

// Config returns an aws.Config for clients of this endpoint.
func (e *ECS) Config() aws.Config { return Config(e.srv.URL) }

// Close stops the server.
func (e *ECS) Close() { e.srv.Close() }

// NoCapacity makes the next n RunTask calls start nothing and report a
// RESOURCE:MEMORY failure, as ECS does when the cluster has no room.
func (e *ECS) NoCapacity(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.noCapacity += n
}

// Tasks returns how many distinct tasks were started.
func (e *ECS) Tasks() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.byToken)
}

func (e *ECS) handle(_ context.Context, op string, body map[string]any) (any, *Fault) {
	if op != "RunTask" {
		return nil, &Fault{Code: "InvalidAction", Message: "the local ECS only runs tasks, not " + op}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.noCapacity > 0 {
		e.noCapacity--
		return map[string]any{"tasks": []any{}, "failures": []any{map[string]any{
			"arn": "arn:aws:ecs:" + Region + ":" + Account + ":container-instance/x", "reason": "RESOURCE:MEMORY", "detail": "no capacity",
		}}}, nil
	}
	cluster, token := str(body, "cluster"), str(body, "clientToken")
	arn, ok := e.byToken[token]
	if !ok || token == "" {
		arn = fmt.Sprintf("arn:aws:ecs:%s:%s:task/%s/%032d", Region, Account, cluster, len(e.byToken)+1)
		e.byToken[token] = arn
	}
	return map[string]any{"tasks": []any{map[string]any{"taskArn": arn, "lastStatus": "PROVISIONING"}}, "failures": []any{}}, nil
}
