// Command ecs-direct is the ECS (Fargate) task of the direct chain
// (LIBERATOR_CHAIN=direct): it converts a dump too large for the direct
// Lambda (examples/lambda/direct) with the same handler code, reading the
// dump from S3 by range reads and writing the export, the landed
// partitions (_manifest.json, then _SUCCESS) and the Glue workflow start
// as the Lambda does. The Lambda runs it with the run's message in
// LIBERATOR_MESSAGE; an EventBridge rule can run it with the upload event
// in LIBERATOR_EVENT; by hand, DUMP_BUCKET and DUMP_KEY (and IMPORT_DATE
// for a backdated run) name the dump. See handlers.RunDirectTask.
//
// ECS stops a task with SIGTERM: the conversion in progress is abandoned,
// its files deleted and nothing marked complete, so a new run starts over.
// On failure it prints one line, "ecs-direct: <what failed>", to stderr
// and exits 1. Logs are JSON lines on stdout, the run's figures among them
// (handlers.LogStats). See the README's "Direct mode on AWS".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

func main() {
	// ECS stops a task with SIGTERM, then SIGKILL 30 s later.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ecs-direct:", strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	cfg, err := handlers.FromEnv(getenv)
	if err != nil {
		return err
	}
	if getenv(handlers.EnvChain) != "" && cfg.Chain != handlers.ChainDirect {
		return fmt.Errorf("%s=%s: this task runs the direct chain; the RDS chain's task is ecs-restore: %w", handlers.EnvChain, cfg.Chain, liberator.ErrInvalid)
	}
	if err := cfg.CheckDirect(); err != nil {
		return err
	}
	log := handlers.NewLogger(os.Stdout, cfg.LogLevel)
	cfg.LogDeprecated(log)
	handlers.ApplyMemoryLimit(cfg.Direct, getenv, log)
	awsCfg, err := handlers.LoadAWSConfig(ctx, cfg)
	if err != nil {
		return err
	}
	clk := liberator.RealClock{}
	h, closeAll, err := handlers.NewDirect(ctx, cfg, awsCfg, handlers.WhereECS, clk, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return handlers.RunDirectTask(ctx, h, cfg, clk.Now())
}
