// Package fake holds in-memory implementations of the liberator contracts
// (Snapshotter, Exporter, Workflow) for tests and local runs. They are real
// implementations with the contracts' semantics (idempotency, state
// transitions, quotas, the RDS export layout), not mocks, plus fault
// injection through Faults.
//
// Time comes from an injected Clock; generated names (export file UUIDs,
// workflow run ids) are deterministic so tests can compare keys exactly.
package fake
