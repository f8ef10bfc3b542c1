package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// SetupSteps builds the Steps handler of the snapshot-ready and export-check
// Lambdas from the environment: the configuration (FromEnv), AWS clients
// from config.LoadDefaultConfig, the production pipeline (NewAWSPipeline,
// which never restores) and, when launcher is true and
// LIBERATOR_ECS_CLUSTER is set, an ECS launcher for StepDumpUploaded
// messages found on the queue. Logs are JSON on stdout.
func SetupSteps(ctx context.Context, getenv func(string) string, ev map[string]liberator.Step, launcher bool) (*Steps, error) {
	cfg, err := FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckPipeline(); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	clk := liberator.RealClock{}
	p, err := NewAWSPipeline(ctx, cfg, awsCfg, NoRestore, clk, log)
	if err != nil {
		return nil, err
	}
	h := &Steps{Pipeline: p, Events: ev, Clock: clk, Logger: log}
	if launcher && cfg.ECS.Cluster != "" {
		if err := cfg.CheckECS(); err != nil {
			return nil, fmt.Errorf("%s is set, so ECS relaunches need: %w", EnvECSCluster, err)
		}
		h.Launcher = ECSLauncher{Client: ecs.NewFromConfig(awsCfg), Config: cfg.ECS}
	}
	return h, nil
}
