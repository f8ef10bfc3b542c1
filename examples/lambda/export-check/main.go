// Command export-check is the Lambda function that finishes a run: the
// scheduler's SQS queue (delayed re-checks of every step) and an
// EventBridge rule on the RDS events RDS-EVENT-0161 (export completed),
// RDS-EVENT-0159 (failed) and RDS-EVENT-0160 (canceled) invoke it. It lands
// a finished export into the landing zone's partitions and starts the Glue
// workflow, and answers SQS batches with partial batch failures. See
// handlers.Steps and the README's "Running on AWS".
//
// Build for provided.al2023 (see the Makefile):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda/export-check
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
)

func main() {
	h, err := handlers.SetupSteps(context.Background(), os.Getenv, handlers.ExportCheckEvents(), true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "export-check:", err)
		os.Exit(1)
	}
	lambda.Start(handlers.ForLambda(h.Invoke))
}
