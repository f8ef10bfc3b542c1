// Package emulator runs the Lambda functions as AWS runs them: each
// main is built for linux/amd64 as the Makefile builds it (CGO_ENABLED=0,
// -tags lambda.norpc) and served by AWS's Lambda Runtime Interface
// Emulator (aws-lambda-rie) on a loopback port, with every AWS endpoint
// pointed at a local server of internal/awstest or at a black hole (a
// loopback listener that accepts and never answers). The package has only
// tests; see emulator_test.go.
//
// The tests need aws-lambda-rie on PATH or in $(go env GOPATH)/bin. If it
// is missing they install it with
//
//	go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest
//
// and skip, saying so, when that fails. They are skipped with -short, and
// on hosts that cannot run a linux/amd64 binary (the test files build on
// Linux only).
package emulator
