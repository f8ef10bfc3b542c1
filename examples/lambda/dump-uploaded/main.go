// Command dump-uploaded is the Lambda function run when a dump is uploaded:
// an EventBridge rule on S3 "Object Created" (or on CloudTrail PutObject /
// CompleteMultipartUpload / CopyObject) for the dump bucket invokes it. It
// copies the dump to the pre-production bucket if LIBERATOR_REPLICA_BUCKET
// is set, and runs the ECS restore task (examples/ecs-restore) with the
// run's first message. See handlers.DumpUploaded and the README's "Running on AWS".
// With LIBERATOR_CHAIN=direct it runs the direct chain instead, as
// examples/lambda/direct does (README, "Direct mode on AWS").
//
// Build for provided.al2023 (see the Makefile):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda/dump-uploaded
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

func main() {
	invoke, err := setupChain(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dump-uploaded:", err)
		os.Exit(1)
	}
	lambda.Start(handlers.ForLambda(invoke))
}

// setupChain builds the handler of the chain LIBERATOR_CHAIN picks: the
// RDS chain's (launch the restore task) by default, or, with "direct", the
// direct chain's (handlers.SetupDirect, as examples/lambda/direct), so
// that a deployment switches chains, and back, by one setting.
func setupChain(ctx context.Context) (func(context.Context, json.RawMessage) (any, error), error) {
	if cfg, err := handlers.FromEnv(os.Getenv); err == nil && cfg.Chain == handlers.ChainDirect {
		h, err := handlers.SetupDirect(ctx, os.Getenv)
		if err != nil {
			return nil, err
		}
		return h.Invoke, nil
	}
	h, err := setup(ctx)
	if err != nil {
		return nil, err
	}
	return h.Invoke, nil
}

func setup(ctx context.Context) (*handlers.DumpUploaded, error) {
	cfg, err := handlers.FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckDumpUploaded(); err != nil {
		return nil, err
	}
	log := handlers.NewLogger(os.Stdout, cfg.LogLevel)
	cfg.LogDeprecated(log)
	awsCfg, err := handlers.LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &handlers.DumpUploaded{
		Bucket:    cfg.DumpBucket,
		Prefix:    cfg.DumpPrefix,
		BucketURL: cfg.BucketURL,
		Launcher:  handlers.ECSLauncher{Client: ecs.NewFromConfig(awsCfg), Config: cfg.ECS},
		Logger:    log,
		Margin:    cfg.DeadlineMargin,
	}
	if cfg.ReplicaBucket != "" {
		copier, err := s3copy.New(awsCfg, s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, Logger: log}, cfg.S3Options)
		if err != nil {
			return nil, err
		}
		h.Replicator = &s3copy.Replicator{Copier: copier, DestBucket: cfg.ReplicaBucket}
	}
	return h, nil
}
