package liberator

import (
	"strings"
	"time"
)

// SnapshotIDPrefix begins the id of every snapshot the pipeline names
// (SnapshotID, BackdatedSnapshotID); pruning deletes only such snapshots.
const SnapshotIDPrefix = "sql-to-parquet-"

// MaxExportIDLen is the longest export task identifier RDS accepts.
const MaxExportIDLen = 60

// ExportID returns the export task id for a snapshot, as production names
// it: the snapshot id with ':' replaced by '-', cut to 60 characters; a
// cut that leaves a trailing '-' drops it, since RDS refuses identifiers
// ending in a hyphen.
func ExportID(snapshotID string) string {
	id := strings.ReplaceAll(snapshotID, ":", "-")
	if len(id) > MaxExportIDLen {
		id = strings.TrimRight(id[:MaxExportIDLen], "-")
	}
	return id
}

// RunID returns the id of the run importing dump key under date:
// "YYYYMMDD/<key>".
func RunID(date Date, key string) string {
	return date.Compact() + "/" + key
}

// NewRunMessage builds the first message of a run, the StepDumpUploaded
// message for dump, received (first seen) at received.
//
// If importDate is zero it is derived from the dump's name with
// DateFromDumpName ("liberator_dump_20261124.zip" or the older
// "…_261124.zip"); a name without a date is refused with ErrInvalid.
// backdated marks an explicitly given date: the snapshot is then named
// BackdatedSnapshotID(date) instead of SnapshotID(received). A backdated run
// needs an explicit importDate.
func NewRunMessage(dump DumpRef, importDate Date, backdated bool, received time.Time) (Message, error) {
	if dump.Key == "" {
		return Message{}, Errorf(ErrInvalid, "new run", "", "dump key is empty")
	}
	if importDate.IsZero() {
		if backdated {
			return Message{}, Errorf(ErrInvalid, "new run", dump.Key, "a backdated run needs an explicit import date")
		}
		d, err := DateFromDumpName(dump.Key)
		if err != nil {
			return Message{}, NewError(ErrInvalid, "new run", dump.Key, err)
		}
		importDate = d
	}
	if received.IsZero() {
		return Message{}, Errorf(ErrInvalid, "new run", dump.Key, "received time is zero")
	}
	received = received.UTC()
	return Message{
		Version:     MessageVersion,
		Step:        StepDumpUploaded,
		RunID:       RunID(importDate, dump.Key),
		Dump:        dump,
		ImportDate:  importDate,
		Backdated:   backdated,
		Received:    received,
		StepStarted: received,
	}, nil
}
