// Package conformance holds the shared test suites of the liberator
// contracts, in the manner of gocloud.dev's drivertest: an implementation
// is correct when its tests pass the suite for its contract.
//
// Each suite is an exported function that an implementation's test calls
// with a harness making fresh instances of the implementation:
//
//	func TestConformance(t *testing.T) {
//		conformance.RunLanderTests(t, myLanderHarness{})
//	}
//
// The suites are RunLanderTests, RunSnapshotterTests, RunExporterTests,
// RunWorkflowTests and RunSchedulerTests. Each runs its checks as subtests
// and needs no network and no wall-clock waits when the harness injects a
// virtual clock (liberator.NewVirtualClock); waits that could hang a
// broken implementation are bounded by Timeout as a safety net only.
//
// The Lander and Workflow suites include concurrency cases: several Lands
// of one import date at once (of one export, and of several exports plus
// one of another date), from Landers the harness makes as separate
// processes would, and several Starts of one run key from Workflows
// sharing one state (when the harness implements MultiWorkflowHarness). A
// run refused because another holds the date (an error of a retryable
// kind) is tried again, as a pipeline would; at the end every published
// partition must hold exactly one export's files.
//
// The harnesses are deliberately small: a harness makes one fresh fixture
// per subtest (a Snapshotter with no snapshots, an empty bucket, …) and,
// where the contract's work is asynchronous, a function that lets time pass
// between polls.
package conformance
