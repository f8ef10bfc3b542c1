package liberator

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Resolve completes a Provisional message, one made from an RDS event
// (package awsevents) that names a snapshot or an export only, with the
// run its snapshot was made for: the run id, dump key, import date and
// backdated flag of the snapshot's RunLabel, recorded when the run started.
// So an event about a run's snapshot or export resumes that run, in its
// partition, whatever the snapshot's id says (it holds the upload time,
// not the dump's date). A message that is not provisional is returned as
// it is.
//
// An export message without a snapshot id finds its snapshot through the
// export (ExportInfo.SnapshotID). A snapshot without a label (made before
// labels existed, by the chain this module replaces, or by hand) keeps the
// date its id encodes (DateFromSnapshotID), as that chain took it, and a
// warning says so; so does an export whose snapshot was deleted since. An
// id that encodes no date either is refused with ErrInvalid.
//
// Handle resolves provisional messages itself before running their step;
// an event handler may call Resolve first to log the run's ids. Backend
// errors are returned as they are (ErrNotFound: the snapshot or export is
// not there yet).
func (p *Pipeline) Resolve(ctx context.Context, m Message) (Message, error) {
	if !m.Provisional {
		return m, nil
	}
	const op = "resolve run"
	if m.SnapshotID == "" {
		if m.ExportID == "" {
			return m, Errorf(ErrInvalid, op, m.RunID, "message names no snapshot or export")
		}
		info, err := p.exp.DescribeExport(ctx, m.ExportID)
		if err != nil {
			return m, err
		}
		m.SnapshotID = info.SnapshotID
		if m.SnapshotID == "" {
			m.SnapshotID = m.ExportID // the chain names the export after its snapshot
		}
	}
	var label *RunLabel
	info, err := p.snap.DescribeSnapshot(ctx, m.SnapshotID)
	switch {
	case err == nil:
		label = info.Run
	case errors.Is(err, ErrNotFound) && m.Step == StepExportCheck:
		// The export stands even if its snapshot was deleted since.
	default:
		return m, err
	}
	if label != nil && label.ImportDate.Valid() {
		m.ImportDate, m.Backdated = label.ImportDate, label.Backdated
		if label.DumpKey != "" {
			m.Dump = DumpRef{Key: label.DumpKey}
		}
		m.RunID = label.RunID
		if m.RunID == "" {
			m.RunID = RunID(m.ImportDate, m.Dump.Key)
		}
	} else {
		d, derr := DateFromSnapshotID(m.SnapshotID)
		if derr != nil {
			return m, NewError(ErrInvalid, op, "snapshot "+m.SnapshotID,
				fmt.Errorf("the snapshot carries no run label and its id no date: %w", derr))
		}
		why := "the snapshot carries no run label (made before labels, or not by this pipeline)"
		if err != nil {
			why = "the snapshot is gone"
		}
		p.log.WarnContext(ctx, why+": the import date is the one its id encodes, as the chain this module replaces took it",
			"snapshot", m.SnapshotID, "import_date", d.String())
		m.ImportDate, m.Backdated = d, strings.HasSuffix(m.SnapshotID, "-backdated")
		m.RunID = RunID(d, m.SnapshotID)
	}
	if m.Dump.Key == "" {
		m.Dump.Key = "rds-snapshot:" + m.SnapshotID
	}
	if m.Step == StepExportCheck && m.ExportID == "" {
		m.ExportID = ExportID(m.SnapshotID)
	}
	m.Provisional = false
	return m, nil
}
