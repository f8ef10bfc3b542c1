package fakesnap

import (
	"context"
	"sort"
	"sync"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/fault"
)

// Operation names passed to the Faults injector.
const (
	OpCreateSnapshot   = "CreateSnapshot"
	OpDescribeSnapshot = "DescribeSnapshot"
	OpListSnapshots    = "ListSnapshots"
	OpDeleteSnapshot   = "DeleteSnapshot"
)

// Options configures a Snapshotter.
type Options struct {
	// Clock stamps the snapshots' Created time (default RealClock{}).
	Clock liberator.Clock
	// CreatingPolls is how many DescribeSnapshot calls report a new
	// snapshot as "creating" before it becomes "available" (or "failed").
	// 0: CreateSnapshot returns it available at once.
	CreatingPolls int
	// FailReason, if set, makes every new snapshot end "failed" with this
	// reason instead of "available".
	FailReason string
	// Kind is the kind of snapshot it makes (default
	// liberator.SnapshotDump).
	Kind liberator.SnapshotKind
}

// Snapshotter is an in-memory liberator.Snapshotter. CreateSnapshot records
// the request and makes a snapshot of Options.Kind naming the request's dump
// and labelled with its run (SnapshotInfo.Run), as rdssnap tags it.
type Snapshotter struct {
	// Faults injects errors; ops are OpCreateSnapshot, OpDescribeSnapshot,
	// OpListSnapshots and OpDeleteSnapshot, keyed by snapshot id.
	Faults *fault.Injector

	opts Options
	mu   sync.Mutex
	seq  int
	snap map[string]*snapState
	reqs []liberator.SnapshotRequest
	fail map[string]string
}

type snapState struct {
	info  liberator.SnapshotInfo
	seq   int
	polls int // DescribeSnapshot calls left reporting "creating"
	final liberator.SnapshotStatus
}

// New returns an empty Snapshotter.
func New(opts Options) *Snapshotter {
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Kind == "" {
		opts.Kind = liberator.SnapshotDump
	}
	return &Snapshotter{Faults: &fault.Injector{}, opts: opts, snap: map[string]*snapState{}, fail: map[string]string{}}
}

// FailSnapshot makes the snapshot id, when created, end "failed" with reason.
func (s *Snapshotter) FailSnapshot(id, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[id] = reason
}

// Add stores an existing snapshot as is (e.g. earlier runs' or AWS Backup's
// snapshots, for pruning). Snapshots added later count as newer.
func (s *Snapshotter) Add(info liberator.SnapshotInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.snap[info.ID] = &snapState{info: info, seq: s.seq, final: info.Status}
}

// Requests returns the CreateSnapshot requests received, in order
// (duplicates included).
func (s *Snapshotter) Requests() []liberator.SnapshotRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]liberator.SnapshotRequest(nil), s.reqs...)
}

// CreateSnapshot creates snapshot req.ID, or returns the existing one.
func (s *Snapshotter) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if err := s.Faults.Check(OpCreateSnapshot, req.ID); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if req.ID == "" {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrInvalid, "create snapshot", "", "empty snapshot id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	if st, ok := s.snap[req.ID]; ok {
		return st.info, nil
	}
	s.seq++
	st := &snapState{
		info: liberator.SnapshotInfo{ID: req.ID, Status: liberator.SnapshotCreating, Created: s.opts.Clock.Now().UTC(),
			Kind: s.opts.Kind, Dump: req.Dump},
		seq:   s.seq,
		polls: s.opts.CreatingPolls,
		final: liberator.SnapshotAvailable,
	}
	reason, failed := s.fail[req.ID]
	if !failed && s.opts.FailReason != "" {
		reason, failed = s.opts.FailReason, true
	}
	if failed {
		st.final = liberator.SnapshotFailed
		st.info.Reason = reason
	}
	if st.polls == 0 {
		st.info.Status = st.final
	}
	if req.ImportDate.Valid() {
		label := req.Label()
		st.info.Run = &label
	}
	s.snap[req.ID] = st
	return st.info, nil
}

// DescribeSnapshot returns the snapshot's state, moving a creating snapshot
// one poll closer to its final state.
func (s *Snapshotter) DescribeSnapshot(ctx context.Context, id string) (liberator.SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if err := s.Faults.Check(OpDescribeSnapshot, id); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.snap[id]
	if !ok {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", id, "no such snapshot")
	}
	if st.info.Status == liberator.SnapshotCreating {
		if st.polls > 0 {
			st.polls--
		} else {
			st.info.Status = st.final
		}
	}
	return st.info, nil
}

// ListSnapshots returns every snapshot, newest (last created) first.
func (s *Snapshotter) ListSnapshots(ctx context.Context) ([]liberator.SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.Faults.Check(OpListSnapshots, ""); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sts := make([]*snapState, 0, len(s.snap))
	for _, st := range s.snap {
		sts = append(sts, st)
	}
	sort.Slice(sts, func(i, j int) bool { return sts[i].seq > sts[j].seq })
	out := make([]liberator.SnapshotInfo, len(sts))
	for i, st := range sts {
		out[i] = st.info
	}
	return out, nil
}

// DeleteSnapshot deletes snapshot id.
func (s *Snapshotter) DeleteSnapshot(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.Faults.Check(OpDeleteSnapshot, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.snap[id]; !ok {
		return liberator.Errorf(liberator.ErrNotFound, "delete snapshot", id, "no such snapshot")
	}
	delete(s.snap, id)
	return nil
}

var _ liberator.Snapshotter = (*Snapshotter)(nil)

// SnapshotKind returns Options.Kind.
func (s *Snapshotter) SnapshotKind() liberator.SnapshotKind { return s.opts.Kind }
