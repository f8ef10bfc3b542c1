package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// Defaults of Options.
const (
	DefaultPrefix = "_liberator/leases/"
	DefaultTTL    = 10 * time.Minute
	DefaultPoll   = 5 * time.Second
)

// chooseTTL bounds how long a "choosing" record blocks others, and
// choosePoll how often a run looks again at one.
const (
	chooseTTL  = time.Minute
	choosePoll = 250 * time.Millisecond
	// doorwayAttempts bounds the restarts of a doorway that took too long.
	doorwayAttempts = 5
)

// Record states.
const (
	StateChoosing = "choosing"
	StateQueued   = "queued"
	StateHolding  = "holding"
)

// ErrLost is wrapped by Check's error when the lease ran out: another run
// may hold it now, so the caller must not write to the date any more.
var ErrLost = errors.New("lease lost")

// Scope names what a lease guards: one import date of one zone.
type Scope struct {
	// Zone is "landing/<prefix>" or "raw/<prefix>".
	Zone string
	Date liberator.Date
}

// String returns "<zone> <date>".
func (s Scope) String() string { return s.Zone + " " + s.Date.String() }

// Dir returns the key prefix of the scope's lease objects under the
// control prefix.
func (s Scope) Dir(prefix string) string {
	return partition.DirPrefix(prefix) + strings.Trim(s.Zone, "/") + "/" + s.Date.Compact() + "/"
}

// Options configure Acquire. The zero value is usable.
type Options struct {
	// Prefix is the control prefix under which leases live; default
	// DefaultPrefix.
	Prefix string
	// TTL is how long a record lives without a renewal; default DefaultTTL.
	TTL time.Duration
	// Wait is how long Acquire waits for a lease held by another run
	// before it returns a *HeldError; 0 returns it at once.
	Wait time.Duration
	// Poll is how often a waiting Acquire looks again; default DefaultPoll
	// (never more than the wait left).
	Poll time.Duration
	// HeldKind is the kind a *HeldError wraps; default liberator.ErrNotReady.
	HeldKind *liberator.Kind
	// Run names the run taking the lease, for the records and the errors of
	// other runs ("sql-to-parquet-26-11-24-031500"). A run that comes back
	// under the same name counts the runs it gave up waiting for.
	Run string
	// Clock tells the time and waits; default the wall clock.
	Clock liberator.Clock
	// Logger receives takeovers, waits and renewal failures; default
	// slog.Default().
	Logger *slog.Logger
	// OnWait, if set, is called once when Acquire starts waiting, with the
	// record of the run it waits for.
	OnWait func(holder Record)
	// OnTakeOver, if set, is called for each expired lease Acquire takes
	// over (a run that died), besides the log record.
	OnTakeOver func(dead Record)
	// Since, from Observe when the caller's work on the date began, makes
	// DoneByOther also report a date that another run completed after it.
	Since Mark
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.HeldKind == nil {
		o.HeldKind = liberator.ErrNotReady
	}
	if o.Clock == nil {
		o.Clock = liberator.RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Record is one run's lease record, <token>.lease.json.
type Record struct {
	Token   string         `json:"token"`
	Run     string         `json:"run,omitempty"`
	Host    string         `json:"host,omitempty"`
	PID     int            `json:"pid,omitempty"`
	Zone    string         `json:"zone"`
	Date    liberator.Date `json:"date"`
	State   string         `json:"state"`
	Ticket  int64          `json:"ticket,omitempty"`
	Started time.Time      `json:"started"`
	Renewed time.Time      `json:"renewed"`
	Expires time.Time      `json:"expires"`
}

// live reports whether r has not expired at now.
func (r Record) live(now time.Time) bool { return now.Before(r.Expires) }

// ahead reports whether r goes before s in the bakery order.
func (r Record) ahead(s Record) bool {
	if r.Ticket != s.Ticket {
		return r.Ticket < s.Ticket
	}
	return r.Token < s.Token
}

// who names the record's run for messages.
func (r Record) who() string {
	run := r.Run
	if run == "" {
		run = "(unnamed)"
	}
	if r.Host != "" {
		run += " on " + r.Host
	}
	return run
}

// Last is last.json: what the last holder of a scope's lease did.
type Last struct {
	Token    string    `json:"token"`
	Run      string    `json:"run,omitempty"`
	Host     string    `json:"host,omitempty"`
	Started  time.Time `json:"started"`
	Released time.Time `json:"released"`
	// Changed tells whether this holder changed the date's content.
	Changed bool `json:"changed"`
	// Complete tells whether the date's content was complete when this
	// holder released the lease.
	Complete bool `json:"complete"`
	// Writer is the token of the holder whose writes the content is: this
	// holder's when Changed, else the Writer of the holder before it.
	Writer    string `json:"writer,omitempty"`
	WriterRun string `json:"writer_run,omitempty"`
	// Seq counts the releases of the scope's lease, this one included;
	// WriterSeq is the Seq of the Writer's release.
	Seq       int64             `json:"seq"`
	WriterSeq int64             `json:"writer_seq,omitempty"`
	Notes     map[string]string `json:"notes,omitempty"`
}

// Outcome is what a holder tells Release.
type Outcome struct {
	// Changed: the holder wrote to (or unpublished) the date.
	Changed bool
	// Complete: the date's content is whole (everything the holder was
	// asked to publish is published).
	Complete bool
	// Notes are kept in last.json for the next holder (e.g. the export
	// published and its tables).
	Notes map[string]string
}

// HeldError is Acquire's error when another run holds the lease.
type HeldError struct {
	Scope Scope
	// Holder is the record of the run holding the lease (or the first in
	// line when none holds it yet).
	Holder Record
	// Waited is how long Acquire waited.
	Waited time.Duration
	kind   *liberator.Kind
}

func (e *HeldError) Error() string {
	msg := fmt.Sprintf("import of %s is in progress by run %s since %s (%s zone lease, held until %s)",
		e.Scope.Date, e.Holder.who(), e.Holder.Started.UTC().Format(time.RFC3339), e.Scope.Zone,
		e.Holder.Expires.UTC().Format(time.RFC3339))
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s", e.Waited)
	}
	return msg
}

// Unwrap returns the error's kind (Options.HeldKind).
func (e *HeldError) Unwrap() error { return e.kind }

// Lease is a held lease. Its methods are safe for concurrent use.
type Lease struct {
	b     *blob.Bucket
	scope Scope
	dir   string
	opts  Options

	waited   map[string]bool // tokens of the runs this one waited for
	waitedD  time.Duration
	prev     *Last
	tookOver []Record
	stop     context.CancelFunc // ends the heartbeat

	mu       sync.Mutex
	rec      Record
	released bool
	lost     error
}

// Acquire takes the lease of scope in b, as the package doc describes:
// it returns a held *Lease, a *HeldError when another run holds it past
// Options.Wait, or a storage error (kind from the blob error policy). ctx
// bounds the wait; the lease outlives it until Release.
func Acquire(ctx context.Context, b *blob.Bucket, scope Scope, opts Options) (*Lease, error) {
	const op = "take lease"
	opts = opts.withDefaults()
	if b == nil {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, scope.String(), "nil bucket")
	}
	if !scope.Date.Valid() {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, scope.Zone, "invalid date %q", scope.Date.String())
	}
	if err := partition.CheckPrefix(op, "lease zone", strings.Trim(scope.Zone, "/")); err != nil || strings.Trim(scope.Zone, "/") == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, op, scope.String(), "bad zone %q", scope.Zone)
	}
	if err := partition.CheckPrefix(op, "lease prefix", opts.Prefix); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	now := opts.Clock.Now().UTC()
	l := &Lease{b: b, scope: scope, dir: scope.Dir(opts.Prefix), opts: opts, waited: map[string]bool{},
		rec: Record{Token: newToken(), Run: opts.Run, Host: host, PID: os.Getpid(), Zone: scope.Zone, Date: scope.Date,
			Started: now}}
	held := false
	defer func() {
		if !held {
			_ = l.remove(context.WithoutCancel(ctx), l.recordKey(l.rec.Token))
		}
	}()
	if err := l.doorway(ctx); err != nil {
		return nil, err
	}
	note, err := l.readNote(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range note.Behind {
		l.waited[t] = true
	}
	if err := l.waitTurn(ctx); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.rec.State = StateHolding
	l.mu.Unlock()
	if err := l.put(ctx, false); err != nil {
		return nil, err
	}
	if l.prev, err = l.readLast(ctx); err != nil {
		return nil, err
	}
	if len(note.Behind) > 0 {
		_ = l.remove(ctx, l.noteKey())
	}
	held = true
	l.startHeartbeat()
	opts.Logger.Info("lease taken", "zone", scope.Zone, "date", scope.Date.String(), "run", opts.Run, "token", l.rec.Token, "waited", l.waitedD)
	return l, nil
}

// doorway writes the record in state "choosing", takes a ticket above
// every ticket in sight and writes the record again in state "queued". A
// doorway that outlasted its choosing record's expiry (others may have
// removed the record as dead and taken tickets without seeing it) is
// started again.
func (l *Lease) doorway(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		now := l.opts.Clock.Now().UTC()
		l.mu.Lock()
		l.rec.State, l.rec.Ticket = StateChoosing, 0
		l.rec.Renewed, l.rec.Expires = now, now.Add(min(chooseTTL, l.opts.TTL))
		l.mu.Unlock()
		if err := l.put(ctx, attempt == 1); err != nil {
			return err
		}
		others, err := l.scan(ctx)
		if err != nil {
			return err
		}
		var ticket int64
		for _, o := range others {
			ticket = max(ticket, o.Ticket)
		}
		now = l.opts.Clock.Now().UTC()
		l.mu.Lock()
		late := !now.Before(l.rec.Expires)
		if !late {
			l.rec.State, l.rec.Ticket = StateQueued, ticket+1
			l.rec.Renewed, l.rec.Expires = now, now.Add(l.opts.TTL)
		}
		l.mu.Unlock()
		if !late {
			return l.put(ctx, false)
		}
		if attempt >= doorwayAttempts {
			return liberator.Errorf(liberator.ErrTransient, "take lease", l.scope.String(),
				"choosing a ticket took longer than %s %d times", min(chooseTTL, l.opts.TTL), attempt)
		}
		l.opts.Logger.Warn("choosing a lease ticket took too long; starting again", "zone", l.scope.Zone, "date", l.scope.Date.String())
	}
}

// RemoveExpired deletes the expired records of scope (the leases of runs
// that died) without taking the lease, and returns those that were leases
// (not runs that died while choosing). A run that finds its work already
// done calls it, so that a dead run's lease does not outlive it.
func RemoveExpired(ctx context.Context, b *blob.Bucket, scope Scope, opts Options) ([]Record, error) {
	opts = opts.withDefaults()
	l := &Lease{b: b, scope: scope, dir: scope.Dir(opts.Prefix), opts: opts, rec: Record{Token: "-"}}
	if _, err := l.scan(ctx); err != nil {
		return nil, err
	}
	return l.tookOver, nil
}

// waitTurn waits until no live record is choosing or ahead of ours, up to
// Options.Wait (waits for choosing records do not count against it).
func (l *Lease) waitTurn(ctx context.Context) error {
	start := l.opts.Clock.Now()
	var waitedFor time.Duration // time spent behind tickets, not choosers
	announced, blocked := false, false
	for {
		others, err := l.scan(ctx)
		if err != nil {
			return err
		}
		me := l.record()
		var choosing bool
		var first *Record
		for i, o := range others {
			switch {
			case o.State == StateChoosing:
				choosing = true
			case o.ahead(me):
				l.waited[o.Token] = true
				if first == nil || (o.State == StateHolding && first.State != StateHolding) || (o.State == first.State && o.ahead(*first)) {
					first = &others[i]
				}
			}
		}
		if first == nil && !choosing {
			if blocked {
				l.waitedD = l.opts.Clock.Now().Sub(start)
			}
			return nil
		}
		blocked = true
		sleep := choosePoll
		if first != nil {
			if waitedFor >= l.opts.Wait {
				return l.giveUp(ctx, *first, l.opts.Clock.Now().Sub(start))
			}
			if !announced {
				announced = true
				l.opts.Logger.Info("waiting for the lease", "zone", l.scope.Zone, "date", l.scope.Date.String(),
					"holder_run", first.Run, "holder_host", first.Host, "since", first.Started, "wait", l.opts.Wait)
				if l.opts.OnWait != nil {
					l.opts.OnWait(*first)
				}
			}
			sleep = min(l.opts.Poll, l.opts.Wait-waitedFor)
		}
		t0 := l.opts.Clock.Now()
		if err := l.opts.Clock.Sleep(ctx, sleep); err != nil {
			return err
		}
		if first != nil {
			waitedFor += max(l.opts.Clock.Now().Sub(t0), sleep)
		}
		// A waiting run stays live.
		if err := l.renewIfDue(ctx); err != nil {
			return err
		}
	}
}

// giveUp records whom this run waited for (when the caller will come
// back) and returns the *HeldError.
func (l *Lease) giveUp(ctx context.Context, holder Record, waited time.Duration) error {
	if l.opts.Run != "" && liberator.Retryable(l.opts.HeldKind) {
		behind := make([]string, 0, len(l.waited))
		for t := range l.waited {
			behind = append(behind, t)
		}
		slices.Sort(behind)
		if err := l.writeNote(ctx, behind); err != nil {
			l.opts.Logger.Warn("could not record the wait", "zone", l.scope.Zone, "date", l.scope.Date.String(), "err", err)
		}
	}
	return &HeldError{Scope: l.scope, Holder: holder, Waited: waited, kind: l.opts.HeldKind}
}

// Token returns the lease's token.
func (l *Lease) Token() string { return l.record().Token }

// Record returns the holder's record as last written.
func (l *Lease) Record() Record { return l.record() }

func (l *Lease) record() Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

// Previous returns what the previous holder did (last.json when the lease
// was taken), or nil.
func (l *Lease) Previous() *Last { return l.prev }

// Waited returns how long Acquire waited for other runs.
func (l *Lease) Waited() time.Duration { return l.waitedD }

// TookOver returns the expired records of dead runs that Acquire removed.
func (l *Lease) TookOver() []Record { return l.tookOver }

// DoneByOther returns the previous holder's Last when the date's content
// is complete and was written by a run this one waited for, or by a run
// that released the lease after Options.Since: the date was done by
// another run while this one was on its way.
func (l *Lease) DoneByOther() (*Last, bool) {
	p := l.prev
	if p == nil || !p.Complete || p.Writer == "" {
		return nil, false
	}
	if !l.waited[p.Writer] && !(l.opts.Since.set && p.WriterSeq > l.opts.Since.Seq) {
		return nil, false
	}
	return p, true
}

// Check renews the lease when a third of its TTL has passed since the last
// renewal and returns an error wrapping ErrLost (kind
// liberator.ErrTransient) when the lease is gone or has less than a third
// of its TTL left. Call it before every write to the date.
func (l *Lease) Check(ctx context.Context) error {
	if err := l.renewIfDue(ctx); err != nil {
		l.opts.Logger.Warn("lease renewal failed", "zone", l.scope.Zone, "date", l.scope.Date.String(), "err", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	if l.released {
		return l.lose("released")
	}
	if left := l.rec.Expires.Sub(l.opts.Clock.Now()); left < l.opts.TTL/3 {
		return l.lose(fmt.Sprintf("expires at %s, %s left", l.rec.Expires.UTC().Format(time.RFC3339), left))
	}
	return nil
}

// lose records and returns the lost-lease error; l.mu is held.
func (l *Lease) lose(why string) error {
	if l.lost == nil {
		l.lost = liberator.NewError(liberator.ErrTransient, "hold lease", l.scope.String(), fmt.Errorf("%w: %s", ErrLost, why))
	}
	return l.lost
}

// renewIfDue rewrites the record with a new expiry when a third of the TTL
// has passed since the last renewal. It never renews an expired record.
func (l *Lease) renewIfDue(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released || l.lost != nil {
		return nil
	}
	now := l.opts.Clock.Now().UTC()
	if now.Sub(l.rec.Renewed) < l.opts.TTL/3 {
		return nil
	}
	if !now.Before(l.rec.Expires) {
		return l.lose("expired before it could be renewed")
	}
	// The record must still be ours: a run that saw it expired (a clock
	// ahead of ours) may have removed it.
	cur, ok, err := l.readRecord(ctx, l.rec.Token)
	if err != nil {
		return err
	}
	if !ok || cur.Token != l.rec.Token {
		return l.lose("its record was removed by another run")
	}
	next := l.rec
	next.Renewed, next.Expires = now, now.Add(l.opts.TTL)
	if err := l.write(ctx, l.recordKey(next.Token), next, false); err != nil {
		return err
	}
	l.rec = next
	return nil
}

// startHeartbeat renews the lease from a goroutine every TTL/3 when the
// clock is the wall clock (see the package doc).
func (l *Lease) startHeartbeat() {
	switch l.opts.Clock.(type) {
	case liberator.RealClock, *liberator.RealClock:
	default:
		l.stop = func() {}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	go func() {
		for {
			if err := l.opts.Clock.Sleep(ctx, l.opts.TTL/3); err != nil {
				return
			}
			if err := l.renewIfDue(ctx); err != nil && ctx.Err() == nil {
				l.opts.Logger.Warn("lease renewal failed", "zone", l.scope.Zone, "date", l.scope.Date.String(), "err", err)
			}
		}
	}()
}

// Release ends the lease: it writes last.json with out (unless the lease
// was lost) and deletes the holder's record. Pass a context that is not
// cancelled (context.WithoutCancel) when the run's own was.
func (l *Lease) Release(ctx context.Context, out Outcome) error {
	l.stop()
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	lost := l.lost != nil || !l.opts.Clock.Now().Before(l.rec.Expires)
	rec := l.rec
	l.mu.Unlock()
	var errs []error
	if !lost {
		last := Last{Token: rec.Token, Run: rec.Run, Host: rec.Host, Started: rec.Started, Released: l.opts.Clock.Now().UTC(),
			Changed: out.Changed, Complete: out.Complete, Notes: out.Notes, Seq: 1}
		if l.prev != nil {
			last.Seq = l.prev.Seq + 1
		}
		switch {
		case out.Changed:
			last.Writer, last.WriterRun, last.WriterSeq = rec.Token, rec.Run, last.Seq
		case l.prev != nil:
			last.Writer, last.WriterRun, last.WriterSeq = l.prev.Writer, l.prev.WriterRun, l.prev.WriterSeq
		}
		if err := l.write(ctx, l.dir+lastName, last, false); err != nil {
			errs = append(errs, err)
		}
	}
	if err := l.remove(ctx, l.recordKey(rec.Token)); err != nil {
		errs = append(errs, err)
	}
	if err := l.dropStaleNotes(ctx); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	l.opts.Logger.Info("lease released", "zone", l.scope.Zone, "date", l.scope.Date.String(), "run", rec.Run,
		"changed", out.Changed, "complete", out.Complete)
	return nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
