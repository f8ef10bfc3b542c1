package awstest

import (
	"context"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Glue error codes.
const (
	CodeConcurrentRunsExceeded = "ConcurrentRunsExceededException"
	CodeEntityNotFound         = "EntityNotFoundException"
	CodeGlueThrottling         = "ThrottlingException"
)

// WorkflowRun is the fake's record of a Glue workflow run.
type WorkflowRun struct {
	Workflow   string
	ID         string
	Properties map[string]string
	Status     string // RUNNING, COMPLETED, …
	Started    time.Time
	Completed  time.Time
	gets       int
}

// Glue is a local AWS Glue endpoint speaking JSON 1.1. Create it with
// NewGlue; point a glue.Client at it with Config(g.URL()).
type Glue struct {
	recorder
	srv   *httptest.Server
	clock liberator.Clock

	// RunGets is how many GetWorkflowRun calls a run stays RUNNING before it
	// turns COMPLETED (0: it stays RUNNING).
	RunGets int

	workflows map[string]int // name → MaxConcurrentRuns (0: unlimited)
	runs      []*WorkflowRun // newest last
	seq       int
}

// NewGlue starts a fake Glue endpoint on c's time.
func NewGlue(c liberator.Clock) *Glue {
	g := &Glue{clock: c, workflows: map[string]int{}}
	g.srv = httptest.NewServer(&jsonHandler{
		rec: &g.recorder, prefix: "AWSGlue", contentType: "application/x-amz-json-1.1",
		handle: g.handle,
	})
	return g
}

// URL is the endpoint's base URL.
func (g *Glue) URL() string { return g.srv.URL }

// Config returns an aws.Config for clients of this endpoint.
func (g *Glue) Config() aws.Config { return Config(g.srv.URL) }

// Close stops the server.
func (g *Glue) Close() { g.srv.Close() }

// AddWorkflow registers a workflow allowing maxConcurrent running runs (0:
// no limit).
func (g *Glue) AddWorkflow(name string, maxConcurrent int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.workflows[name] = maxConcurrent
}

// Runs returns the runs started so far, oldest first.
func (g *Glue) Runs() []WorkflowRun {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []WorkflowRun
	for _, r := range g.runs {
		c := *r
		c.gets = 0
		out = append(out, c)
	}
	return out
}

// SetRunStatus sets a run's status (e.g. "ERROR", "COMPLETED").
func (g *Glue) SetRunStatus(id, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.runs {
		if r.ID == id {
			r.Status = status
		}
	}
}

type jRun struct {
	Name                  string
	WorkflowRunId         string
	WorkflowRunProperties map[string]string `json:",omitempty"`
	StartedOn             float64
	CompletedOn           float64 `json:",omitempty"`
	Status                string
}

func (r *WorkflowRun) j() jRun {
	x := jRun{
		Name: r.Workflow, WorkflowRunId: r.ID, WorkflowRunProperties: r.Properties,
		StartedOn: float64(r.Started.UnixMilli()) / 1000, Status: r.Status,
	}
	if !r.Completed.IsZero() {
		x.CompletedOn = float64(r.Completed.UnixMilli()) / 1000
	}
	return x
}

func (g *Glue) handle(_ context.Context, op string, body map[string]any) (any, *Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	name := str(body, "Name")
	max, ok := g.workflows[name]
	if !ok {
		return nil, &Fault{Code: CodeEntityNotFound, Message: "Entity Not Found: workflow " + name}
	}
	switch op {
	case "StartWorkflowRun":
		running := 0
		for _, r := range g.runs {
			if r.Workflow == name && (r.Status == "RUNNING" || r.Status == "STOPPING") {
				running++
			}
		}
		if max > 0 && running >= max {
			return nil, &Fault{Code: CodeConcurrentRunsExceeded, Message: "Concurrent runs exceeded for workflow: " + name}
		}
		g.seq++
		r := &WorkflowRun{
			Workflow: name, ID: "wr_" + strconv.Itoa(1000+g.seq) + newID(30),
			Properties: strMap(body, "RunProperties"), Status: "RUNNING", Started: g.clock.Now(),
		}
		g.runs = append(g.runs, r)
		return map[string]string{"RunId": r.ID}, nil

	case "GetWorkflowRun":
		id := str(body, "RunId")
		for _, r := range g.runs {
			if r.Workflow == name && r.ID == id {
				r.gets++
				if g.RunGets > 0 && r.Status == "RUNNING" && r.gets > g.RunGets {
					r.Status, r.Completed = "COMPLETED", g.clock.Now()
				}
				return map[string]any{"Run": r.j()}, nil
			}
		}
		return nil, &Fault{Code: CodeEntityNotFound, Message: "Entity Not Found: workflow run " + id}

	case "GetWorkflowRuns":
		size := 100
		if v, ok := num(body, "MaxResults"); ok {
			if v < 1 || v > 1000 {
				return nil, &Fault{Code: "InvalidInputException", Message: "MaxResults must be between 1 and 1000"}
			}
			size = v
		}
		start := 0
		if tok := str(body, "NextToken"); tok != "" {
			v, err := strconv.Atoi(tok)
			if err != nil {
				return nil, &Fault{Code: "InvalidInputException", Message: "bad NextToken"}
			}
			start = v
		}
		var mine []*WorkflowRun
		for i := len(g.runs) - 1; i >= 0; i-- { // newest first, as Glue lists
			if g.runs[i].Workflow == name {
				mine = append(mine, g.runs[i])
			}
		}
		out := map[string]any{}
		runs := []jRun{}
		end := min(start+size, len(mine))
		for _, r := range mine[min(start, end):end] {
			runs = append(runs, r.j())
		}
		out["Runs"] = runs
		if end < len(mine) {
			out["NextToken"] = strconv.Itoa(end)
		}
		return out, nil

	case "StopWorkflowRun":
		id := str(body, "RunId")
		for _, r := range g.runs {
			if r.Workflow == name && r.ID == id {
				if r.Status != "RUNNING" {
					return nil, &Fault{Code: "IllegalWorkflowStateException", Message: "Workflow run " + id + " is not running"}
				}
				r.Status, r.Completed = "STOPPED", g.clock.Now()
				return map[string]any{}, nil
			}
		}
		return nil, &Fault{Code: CodeEntityNotFound, Message: "Entity Not Found: workflow run " + id}

	case "GetWorkflowRunProperties":
		id := str(body, "RunId")
		for _, r := range g.runs {
			if r.Workflow == name && r.ID == id {
				return map[string]any{"RunProperties": r.Properties}, nil
			}
		}
		return nil, &Fault{Code: CodeEntityNotFound, Message: "Entity Not Found: workflow run " + id}
	}
	return nil, &Fault{Code: "UnknownOperationException", Message: "unsupported operation " + op}
}
