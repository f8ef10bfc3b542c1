// Package fakeglue is an in-memory liberator.Workflow for tests: it records
// the runs it is asked to start, reports them with Options.Status until
// SetStatus changes it, and injects faults through a liberator/fault
// Injector.
package fakeglue
