// Package lease gives one run at a time the right to write one import
// date of one zone (the landing zone of a prefix, the raw zone of a
// prefix), with nothing but the zone's own bucket to arbitrate: no
// database, no lock service. partition/bloblander takes the landing lease
// for the whole of a Land, glue/localglue the raw lease for the whole of a
// workflow run's copy; SweepTemp removes what interrupted writes leave.
//
// # Where a lease lives
//
// Under a control prefix of the zone's bucket, by default
//
//	_liberator/leases/<zone>/<YYYYMMDD>/<token>.lease.json   one per run taking part
//	_liberator/leases/<zone>/<YYYYMMDD>/last.json            what the last holder did
//	_liberator/leases/<zone>/<YYYYMMDD>/waiting/<run>.json   who a run gave up waiting for
//
// <zone> is "landing/<prefix>" or "raw/<prefix>". The control prefix is at
// the bucket's root, outside the zone prefixes that Glue crawlers and
// Spark read, and its leading underscore makes Spark, Hive and Glue's
// partition discovery skip it even when a crawler is pointed at the
// bucket's root.
//
// # Taking a lease
//
// Acquire is Lamport's bakery algorithm on objects: a run writes its record
// in state "choosing", lists the date's records, writes its record again
// with a ticket one above the highest it saw ("queued"), and then holds the
// lease once no live record is still choosing and no live record has a
// smaller (ticket, token); it then marks its record "holding". Every step
// is a plain write of the run's own key or a listing; no two runs ever
// write the same key. This needs a store whose listings show every write
// that finished before them (S3 has been strongly consistent since 2020;
// directories and memory are), and no conditional write.
//
// Conditional writes alone are not enough: gocloud's fileblob implements
// WriterOptions.IfNotExist as a Stat followed by a Rename, under a mutex
// that is new for every writer, so two concurrent writers of one key both
// succeed (TestFileblobIfNotExistIsNotAtomic shows it); memblob and S3
// (real, and gofakes3 v1.2.0 through s3blob) do honour it atomically. A run
// writes its record with IfNotExist anyway, so a token collision fails
// instead of merging two runs.
//
// A record carries its owner (run, host, process id), its state and
// ticket, when it started and when it expires. A record whose expiry has
// passed belongs to a run that died: whoever sees it deletes it ("takes
// over") and logs that it did. A "choosing" record expires after at most
// a minute, so a run that died between its two writes blocks nobody for
// long.
//
// # Waiting, or not
//
// A run that finds the lease held waits up to Options.Wait, looking again
// every Options.Poll (Options.OnWait is told once, so the CLI can say so on
// stderr); when the wait is over, or at once with Wait 0, Acquire returns a
// *HeldError: "import of 2026-11-24 is in progress by run … on host …
// since …". It wraps Options.HeldKind: liberator.ErrNotReady by default, so
// a pipeline checks again after a backoff, or liberator.ErrTerminal for a
// caller that wants the run to end there (the CLI, after its own wait).
//
// When the held kind is retryable, the run that gave up records whom it
// waited for (waiting/<run>.json); when the same run comes back and takes
// the lease, it counts as having waited for them.
//
// # Holding, renewing, releasing
//
// The holder renews its record (a new expiry TTL ahead) whenever Check is
// called and a third of the TTL has passed since the last renewal; callers
// call Check before every write to the date (every copy, every publish).
// With the wall clock (liberator.RealClock) a goroutine also renews every
// TTL/3, so one long copy cannot outlive the lease; on any other clock (a
// liberator.VirtualClock, whose Sleep returns at once) renewal happens only
// in Check, so tests stay deterministic. A holder never renews a record
// that has expired, and Check fails with an error wrapping ErrLost (kind
// liberator.ErrTransient) once less than a third of the TTL is left without
// a renewal: another run may take over after the expiry, so the holder
// must stop writing before it. Like every lease, this assumes the clocks
// of the runs agree to well within a third of the TTL.
//
// Release writes last.json (the holder's run, whether it changed the
// date's content, whether that content is complete, and the caller's
// notes, e.g. the export it published) and deletes the holder's record, so
// a finished run leaves no lease behind; last.json also counts the
// releases (Seq). Lease.DoneByOther reports that another run completed the
// date while this one was on its way: a run it waited for, or one that
// released the lease after the mark (Observe) the caller took when its
// work began (Options.Since). bloblander then does not land its own
// export over it.
//
// # Crash debris
//
// SweepTemp removes the temporary files that an interrupted fileblob write
// leaves next to its target when the bucket was opened with NoTempDir (as
// the CLI opens its lake): "<key>.<hex nanoseconds>.tmp". Only files whose
// modification time is older than a minimum age are removed, so the
// writes of live runs are never touched. Other stores leave nothing to
// sweep: memblob and a single S3 PUT are atomic, and an interrupted S3
// multipart upload is invisible to listings (the bucket's lifecycle rule
// for incomplete uploads removes it).
package lease
