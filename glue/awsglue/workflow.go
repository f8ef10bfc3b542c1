package awsglue

import (
	"context"
	"errors"
	"log/slog"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	gluesdk "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// RunKeyProperty is the workflow run property in which Workflow records
// the run key that makes Start idempotent.
const RunKeyProperty = "liberator_run_key"

// ImportDateProperty is the workflow run property holding the import date
// (YYYYMMDD) that the Glue jobs partition by.
const ImportDateProperty = "import_date"

// Client is the part of the AWS Glue client Workflow uses.
type Client interface {
	StartWorkflowRun(ctx context.Context, in *gluesdk.StartWorkflowRunInput, optFns ...func(*gluesdk.Options)) (*gluesdk.StartWorkflowRunOutput, error)
	GetWorkflowRun(ctx context.Context, in *gluesdk.GetWorkflowRunInput, optFns ...func(*gluesdk.Options)) (*gluesdk.GetWorkflowRunOutput, error)
	GetWorkflowRuns(ctx context.Context, in *gluesdk.GetWorkflowRunsInput, optFns ...func(*gluesdk.Options)) (*gluesdk.GetWorkflowRunsOutput, error)
	StopWorkflowRun(ctx context.Context, in *gluesdk.StopWorkflowRunInput, optFns ...func(*gluesdk.Options)) (*gluesdk.StopWorkflowRunOutput, error)
}

// Options configure a Workflow.
type Options struct {
	// Workflow is the Glue workflow name, e.g.
	// "parking-liberator-data-workflow" (required).
	Workflow string
	// BackdatedWorkflow is the workflow a backdated run starts
	// (WorkflowRequest.Backdated), e.g.
	// "parking-liberator-backdated-data-workflow", whose jobs read the run's
	// import_date rather than only recent partitions. Default: Workflow.
	BackdatedWorkflow string
	// ScanRuns bounds how many recent runs Start reads (newest first) looking
	// for one with the same run key. Default 200.
	ScanRuns int
	// Logger receives a record per started run. Default: discard.
	Logger *slog.Logger
}

// Workflow implements liberator.Workflow with an AWS Glue workflow, as the
// package doc describes.
type Workflow struct {
	c    Client
	opts Options
	log  *slog.Logger
}

var _ liberator.Workflow = (*Workflow)(nil)

// New returns a Workflow using a Glue client made from cfg.
func New(cfg aws.Config, opts Options, optFns ...func(*gluesdk.Options)) (*Workflow, error) {
	return NewFromClient(gluesdk.NewFromConfig(cfg, optFns...), opts)
}

// NewFromClient returns a Workflow on c.
func NewFromClient(c Client, opts Options) (*Workflow, error) {
	if c == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new glue workflow", "client", "client is nil")
	}
	if opts.Workflow == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, "new glue workflow", "Workflow", "workflow name is required")
	}
	if opts.ScanRuns <= 0 {
		opts.ScanRuns = 200
	}
	if opts.BackdatedWorkflow == "" {
		opts.BackdatedWorkflow = opts.Workflow
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Workflow{c: c, opts: opts, log: log}, nil
}

func awsRun(r types.WorkflowRun) liberator.WorkflowRun {
	return liberator.WorkflowRun{
		ID:         aws.ToString(r.WorkflowRunId),
		RunKey:     r.WorkflowRunProperties[RunKeyProperty],
		Status:     string(r.Status),
		Properties: r.WorkflowRunProperties,
		Started:    aws.ToTime(r.StartedOn).UTC(),
	}
}

// RunProperties returns the run properties Start passes for req: req's
// Properties, import_date (req.ImportDate as YYYYMMDD unless Properties set
// it) and liberator_run_key.
func RunProperties(req liberator.WorkflowRequest) map[string]string {
	props := map[string]string{}
	maps.Copy(props, req.Properties)
	if _, ok := props[ImportDateProperty]; !ok && !req.ImportDate.IsZero() {
		props[ImportDateProperty] = req.ImportDate.Compact()
	}
	props[RunKeyProperty] = req.RunKey
	return props
}

// Start starts a workflow run for req, or returns the run already started
// with req.RunKey: of Options.BackdatedWorkflow for a backdated request,
// else of Options.Workflow.
func (w *Workflow) Start(ctx context.Context, req liberator.WorkflowRequest) (liberator.WorkflowRun, error) {
	const op = "glue start workflow run"
	name := w.opts.Workflow
	if req.Backdated {
		name = w.opts.BackdatedWorkflow
	}
	if req.RunKey == "" {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrInvalid, op, name, "run key is empty")
	}
	if run, ok, err := w.find(ctx, name, req.RunKey); err != nil {
		return liberator.WorkflowRun{}, err
	} else if ok {
		w.log.InfoContext(ctx, "workflow run exists; not starting again", "workflow", name, "run", run.ID, "run_key", req.RunKey)
		return run, nil
	}
	props := RunProperties(req)
	out, err := w.c.StartWorkflowRun(ctx, &gluesdk.StartWorkflowRunInput{
		Name:          aws.String(name),
		RunProperties: props,
	})
	if err != nil {
		return liberator.WorkflowRun{}, awserr.Wrap(op, name+" "+req.RunKey, err)
	}
	id := aws.ToString(out.RunId)
	w.log.InfoContext(ctx, "workflow run started", "workflow", name, "run", id, "run_key", req.RunKey, "backdated", req.Backdated)
	if first, ok, err := w.find(ctx, name, req.RunKey); err == nil && ok && first.ID != id {
		// Another Start of this run key raced this one (two workers of one
		// message): every racer keeps the first run and stops its own.
		w.stop(ctx, name, id, first.ID, req.RunKey)
		return first, nil
	}
	run, err := w.getRun(ctx, name, id)
	if err != nil {
		// The run started; report it even if it cannot be read back yet.
		return liberator.WorkflowRun{ID: id, RunKey: req.RunKey, Status: string(types.WorkflowRunStatusRunning), Properties: props}, nil
	}
	return run, nil
}

// stop stops run id, a duplicate of run first (best effort: a duplicate
// that cannot be stopped is logged).
func (w *Workflow) stop(ctx context.Context, name, id, first, key string) {
	_, err := w.c.StopWorkflowRun(ctx, &gluesdk.StopWorkflowRunInput{Name: aws.String(name), RunId: aws.String(id)})
	if err != nil {
		w.log.WarnContext(ctx, "duplicate workflow run could not be stopped", "workflow", name, "run", id, "first", first, "run_key", key, "err", err)
		return
	}
	w.log.InfoContext(ctx, "duplicate workflow run stopped; the first run of the key stands", "workflow", name, "run", id, "first", first, "run_key", key)
}

// find returns the first run of key among workflow name's recent runs:
// the earliest started, ties broken by the smaller run id, so that
// concurrent Starts of one key all agree on the same run.
func (w *Workflow) find(ctx context.Context, name, key string) (liberator.WorkflowRun, bool, error) {
	p := gluesdk.NewGetWorkflowRunsPaginator(w.c, &gluesdk.GetWorkflowRunsInput{
		Name:         aws.String(name),
		IncludeGraph: aws.Bool(false),
		MaxResults:   aws.Int32(int32(min(w.opts.ScanRuns, 1000))),
	})
	seen := 0
	var best liberator.WorkflowRun
	found := false
	for p.HasMorePages() && seen < w.opts.ScanRuns {
		out, err := p.NextPage(ctx)
		if err != nil {
			return liberator.WorkflowRun{}, false, awserr.Wrap("glue list workflow runs", name, err)
		}
		for _, r := range out.Runs {
			seen++
			if r.WorkflowRunProperties[RunKeyProperty] != key {
				continue
			}
			run := awsRun(r)
			if !found || run.Started.Before(best.Started) || (run.Started.Equal(best.Started) && run.ID < best.ID) {
				best, found = run, true
			}
		}
	}
	return best, found, nil
}

// GetRun returns run id of the workflow, or of the backdated workflow;
// ErrNotFound if neither has it.
func (w *Workflow) GetRun(ctx context.Context, id string) (liberator.WorkflowRun, error) {
	run, err := w.getRun(ctx, w.opts.Workflow, id)
	if errors.Is(err, liberator.ErrNotFound) && w.opts.BackdatedWorkflow != w.opts.Workflow {
		return w.getRun(ctx, w.opts.BackdatedWorkflow, id)
	}
	return run, err
}

func (w *Workflow) getRun(ctx context.Context, name, id string) (liberator.WorkflowRun, error) {
	out, err := w.c.GetWorkflowRun(ctx, &gluesdk.GetWorkflowRunInput{
		Name:         aws.String(name),
		RunId:        aws.String(id),
		IncludeGraph: aws.Bool(false),
	})
	if err != nil {
		return liberator.WorkflowRun{}, awserr.Wrap("glue get workflow run", name+" "+id, err)
	}
	if out.Run == nil {
		return liberator.WorkflowRun{}, liberator.Errorf(liberator.ErrNotFound, "glue get workflow run", name+" "+id, "no run in response")
	}
	return awsRun(*out.Run), nil
}
