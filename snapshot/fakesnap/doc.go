// Package fakesnap is an in-memory liberator.Snapshotter for tests. It
// records each CreateSnapshot request, makes a snapshot of the kind
// Options.Kind names, can report new snapshots as "creating" for a number
// of polls or end them "failed", stamps them with an injected clock, and
// injects errors per operation and snapshot id through Snapshotter.Faults.
// It passes the conformance suite in liberator/conformance.
package fakesnap
