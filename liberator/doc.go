// Package liberator ingests the Liberator parking system's daily MySQL dump
// into a data lake's landing zone as partitioned Parquet, then starts the
// downstream workflow.
//
// A Pipeline composes five contracts, each with AWS, local and in-memory
// implementations:
//
//	dump.zip ──► Snapshotter ──► Exporter ──► Lander ──► Workflow
//	                 ▲               ▲            ▲
//	                 └─── Scheduler: delayed re-checks, retries ───┘
//
// The pipeline is a state machine driven by typed, versioned JSON messages
// (Message). Every step handler is idempotent, so a Lambda can run one step
// per invocation (Pipeline.Handle) and a CLI can run all of them in one
// process (Pipeline.Run).
//
// Every run compares its export with the last published import of the
// same database (Compare, through a Lander that implements History) and
// reports the Changes; a Gate (Config.Gate, off by default) can stop the
// run before anything is published, and Message.AcceptChanges publishes it
// anyway.
//
// Errors wrap one of the kinds ErrNotReady, ErrThrottled, ErrInvalid,
// ErrNotFound, ErrAlreadyExists, ErrTerminal and ErrTransient (a run the
// gate stopped also wraps ErrGated); test them with errors.Is.
package liberator
