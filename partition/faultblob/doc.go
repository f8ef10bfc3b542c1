// Package faultblob wraps a gocloud.dev/blob bucket in one that injects
// faults, for testing code that must survive a flaky object store.
//
// Wrap returns a *blob.Bucket whose driver delegates every call to the
// inner bucket through its public API, and a *Faults that decides which
// calls fail:
//
//	bucket, faults := faultblob.Wrap(memblob.OpenBucket(nil))
//	faults.FailKeyTimes("parking/x.parquet", 2) // the next two calls touching the key fail
//	faults.FailNth(faultblob.OpCopy, 3)          // the third Copy from now fails
//	faults.SetMaxPageSize(2)                     // listings come in pages of at most 2
//
// Injected errors are transient by default: gcerrors.Code reports
// gcerrors.Internal for them, a server-side failure that a retry may fix (a
// Rule may choose another code, e.g. gcerrors.PermissionDenied for a
// permanent one), and errors.Is(err, faultblob.ErrInjected) holds. A Rule
// with Corrupt set lets a write succeed but drops its last byte, to test
// verification of copies. Faults also counts the calls it sees (Count,
// Calls), so tests can assert that work was or was not repeated, and can
// hold the calls of one operation (Hold) to observe how many run at once
// (InFlight, MaxInFlight) without any timing.
//
// To interrupt a run at a chosen point, At calls a hook on the nth call a
// match function accepts (cancel the run's context there), and Crash
// makes every later call fail, as if the process had died (kill -9): no
// cleanup, no release of a lease reaches the store. A Rule's Match, Hook
// and Pass fields combine these freely.
package faultblob
