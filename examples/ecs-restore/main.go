// Command ecs-restore is the ECS task that restores an uploaded dump into the
// RDS instance and snapshots it (production's "liberator-to-rds-snapshot").
// The dump-uploaded Lambda runs it with the run's message in
// LIBERATOR_MESSAGE; it can also be run by hand with DUMP_BUCKET and
// DUMP_KEY (and IMPORT_DATE for a backdated run).
//
// It runs the pipeline's StepDumpUploaded step: read the dump (a zip is
// read in place by range reads, never downloaded whole), load it through
// the statement allowlist into a staging database, replace the "liberator"
// database with it, call CreateDBSnapshot
// (sql-to-parquet-yy-mm-dd-hhmmss), and schedule the snapshot check on the
// scheduler's SQS queue. On failure it prints one line,
// "ecs-restore: <what failed>", to stderr and exits 1: at start when the
// configuration is incomplete (DUMP_KEY needs DUMP_BUCKET), and with a
// Terminal error, nothing re-scheduled, when the dump does not exist. Its
// AWS calls time out per attempt (handlers.LoadAWSConfig) and SIGTERM ends
// the call in progress. Logs are JSON lines with the run's id on each
// (handlers.NewLogger). See the README's "Running on AWS" for its
// environment and IAM needs.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/go-sql-driver/mysql"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

func main() {
	// ECS stops a task with SIGTERM, then SIGKILL 30 s later.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ecs-restore:", oneLine(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	cfg, err := handlers.FromEnv(getenv)
	if err != nil {
		return err
	}
	if cfg.Chain == handlers.ChainDirect {
		// The direct Lambda launches its task with LIBERATOR_CHAIN=direct: a
		// task definition pointing at this binary is a misconfiguration.
		return fmt.Errorf("%s=%s: this task restores into RDS; the direct chain's task is ecs-direct: %w", handlers.EnvChain, cfg.Chain, liberator.ErrInvalid)
	}
	if err := cfg.CheckRestore(); err != nil {
		return err
	}
	log := handlers.NewLogger(os.Stdout, cfg.LogLevel)
	cfg.LogDeprecated(log)
	clk := liberator.RealClock{}
	m, err := handlers.RestoreMessage(cfg.Restore, cfg.BucketURL, clk.Now())
	if err != nil {
		return err
	}
	ctx = runContext(ctx, m)
	awsCfg, err := handlers.LoadAWSConfig(ctx, cfg)
	if err != nil {
		return err
	}
	dsn := mysql.NewConfig()
	dsn.User, dsn.Passwd = cfg.Restore.DBUser, cfg.Restore.DBPassword
	dsn.Net, dsn.Addr = "tcp", fmt.Sprintf("%s:%d", cfg.Restore.DBHost, cfg.Restore.DBPort)
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: dsn.FormatDSN(), TLSCAFile: cfg.Restore.CABundle})
	if err != nil {
		return err
	}
	defer db.Close()
	return restore(ctx, cfg, awsCfg, rdssnap.RestorerFunc(mysqlRestorer(db, cfg.Restore.DBName, log)), m, clk, log)
}

// runContext returns ctx with the run's id for every log line of the task:
// the task's own and the library's (handlers.LogHandler adds it to records
// that lack it, and the pipeline's records, which carry it already, keep
// one run_id).
func runContext(ctx context.Context, m liberator.Message) context.Context {
	return handlers.WithLogAttrs(ctx, "run_id", m.RunID)
}

// restore runs the task's step for m, restoring the dump with restorer.
func restore(ctx context.Context, cfg handlers.Config, awsCfg aws.Config, restorer rdssnap.Restorer, m liberator.Message, clk liberator.Clock, log *slog.Logger) error {
	p, err := handlers.NewAWSPipeline(ctx, cfg, awsCfg, restorer, clk, log)
	if err != nil {
		return err
	}
	defer p.Close()
	log.InfoContext(ctx, "restore starting", "dump", m.Dump.Key, "import_date", m.ImportDate.String(), "backdated", m.Backdated)
	out, err := handlers.RunRestore(ctx, p, m)
	if err != nil {
		return err
	}
	if out.Next != nil {
		log.InfoContext(ctx, "restore done; snapshot check scheduled", "snapshot_id", out.Next.SnapshotID, "delay", out.Delay)
	}
	return nil
}

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
