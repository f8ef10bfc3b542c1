// Command direct is the Lambda function of the direct chain
// (LIBERATOR_CHAIN=direct): the upload of parking/liberator_dump_YYYYMMDD.zip
// (an EventBridge rule on S3 "Object Created" or CloudTrail, an S3 event
// notification, directly or through SNS or SQS) starts a run whose
// snapshot and export steps are the embedded engine's, reading the dump
// from S3 by range reads, then the same Lander, _SUCCESS/manifest protocol
// and Glue StartWorkflowRun as the RDS chain: no RDS at all. A dump larger
// than LIBERATOR_DIRECT_MAX_SIZE is handed to the ECS task
// (examples/ecs-direct) when LIBERATOR_ECS_* is set; the log says which.
// See handlers.Direct and the README's "Direct mode on AWS".
//
// Build for provided.al2023 (see the Makefile):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda/direct
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
)

func main() {
	if c := os.Getenv(handlers.EnvChain); c != "" && c != handlers.ChainDirect {
		fmt.Fprintf(os.Stderr, "direct: %s=%s: this function runs the direct chain; the RDS chain's is dump-uploaded\n", handlers.EnvChain, c)
		os.Exit(1)
	}
	h, err := handlers.SetupDirect(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "direct:", err)
		os.Exit(1)
	}
	lambda.Start(handlers.ForLambda(h.Invoke))
}
