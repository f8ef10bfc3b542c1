// Package awskind classifies errors returned by aws-sdk-go-v2 clients with
// the module's error kinds (liberator.ErrThrottled, ErrNotFound, …), the
// same way the module's AWS backends (rdssnap, rdsexport, awss3, glue) do.
// Code that calls an AWS API itself, such as the ECS launcher in
// examples/lambda/handlers, uses it to tell the pipeline whether to retry.
package awskind
