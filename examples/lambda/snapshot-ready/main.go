// Command snapshot-ready is the Lambda function run when the restore's
// snapshot is ready: an EventBridge rule on the RDS event RDS-EVENT-0042
// ("Manual snapshot created"), or an SQS queue fed by the RDS event
// subscription's SNS topic, invokes it. It runs the pipeline's snapshot
// check, which starts the RDS export; the export check is then scheduled on
// the scheduler's SQS queue. See handlers.Steps and the README's "Running on AWS".
//
// Build for provided.al2023 (see the Makefile):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda/snapshot-ready
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dataplatform/liberator-ingestion/examples/lambda/handlers"
)

func main() {
	h, err := handlers.SetupSteps(context.Background(), os.Getenv, handlers.SnapshotReadyEvents(), false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "snapshot-ready:", err)
		os.Exit(1)
	}
	lambda.Start(handlers.ForLambda(h.Invoke))
}
