// Package glue is the home of the liberator.Workflow implementations: the
// downstream workflow that copies the landing zone into the raw zone and
// runs the transformations once a Lander has published an import. It holds
// no code; each implementation is a package of its own:
//
//   - glue/awsglue starts a run of the production AWS Glue workflow.
//   - glue/localglue runs the same copy and jobs in process on
//     gocloud.dev/blob buckets (the CLI and tests use it).
//   - glue/fakeglue is an in-memory Workflow with fault injection, for
//     testing code that starts workflows.
package glue
