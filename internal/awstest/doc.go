// Package awstest holds local servers that speak the real wire protocols of
// the AWS services the library uses, so the production code can be tested
// through the real aws-sdk-go-v2 clients:
//
//   - RDS: the Query protocol (form-encoded Action=…, XML responses);
//   - SQS: the JSON 1.0 protocol (X-Amz-Target AmazonSQS.*);
//   - Glue: the JSON 1.1 protocol (X-Amz-Target AWSGlue.*);
//   - S3: gofakes3 in process.
//
// Each server keeps state, records the requests it receives (so tests can pin
// the exact parameters the production chain depends on) and can inject the
// services' real error codes (throttling, quota, already-exists, not-found).
// Time inside the servers comes from an injected clock.Clock; state changes
// of long-running resources (snapshots, exports, workflow runs) advance per
// Describe/Get call so tests need no sleeps.
package awstest
