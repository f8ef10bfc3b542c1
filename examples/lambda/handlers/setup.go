package handlers

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// SetupSteps builds the Steps handler of the snapshot-ready and export-check
// Lambdas from the environment: the configuration (FromEnv), AWS clients
// from config.LoadDefaultConfig, the production pipeline (NewAWSPipeline,
// which never restores) and, when launcher is true and
// LIBERATOR_ECS_CLUSTER is set, an ECS launcher for StepDumpUploaded
// messages found on the queue. Logs are JSON on stdout (NewLogger); AWS
// calls time out per attempt (LoadAWSConfig) and every invocation keeps
// LIBERATOR_DEADLINE_MARGIN free before its deadline (Steps.Margin).
func SetupSteps(ctx context.Context, getenv func(string) string, ev map[string]liberator.Step, launcher bool) (*Steps, error) {
	cfg, err := FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckPipeline(); err != nil {
		return nil, err
	}
	log := NewLogger(os.Stdout, cfg.LogLevel)
	cfg.LogDeprecated(log)
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	clk := liberator.RealClock{}
	p, err := NewAWSPipeline(ctx, cfg, awsCfg, NoRestore, clk, log)
	if err != nil {
		return nil, err
	}
	h := &Steps{Pipeline: p, Events: ev, Clock: clk, Logger: log, Margin: cfg.DeadlineMargin}
	if launcher && cfg.ECS.Cluster != "" {
		if err := cfg.CheckECS(); err != nil {
			return nil, fmt.Errorf("%s is set, so ECS relaunches need: %w", EnvECSCluster, err)
		}
		h.Launcher = ECSLauncher{Client: ecs.NewFromConfig(awsCfg), Config: cfg.ECS}
	}
	return h, nil
}
