package lease_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/lease"
)

var (
	day   = liberator.Date{Year: 2026, Month: time.November, Day: 24}
	start = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	scope = lease.Scope{Zone: "landing/parking", Date: day}
)

const dir = "_liberator/leases/landing/parking/20261124/"

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// keys returns the keys under prefix.
func keys(t *testing.T, b *blob.Bucket, prefix string) []string {
	t.Helper()
	var out []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
}

func opts(c liberator.Clock, run string) lease.Options {
	return lease.Options{Run: run, Clock: c, Logger: quiet(), TTL: 10 * time.Minute, Poll: time.Second}
}

func TestAcquireAndRelease(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	l, err := lease.Acquire(ctx, b, scope, opts(vc, "exp-1"))
	if err != nil {
		t.Fatal(err)
	}
	rec := l.Record()
	if rec.State != lease.StateHolding || rec.Run != "exp-1" || rec.Ticket != 1 || !rec.Expires.Equal(start.Add(10*time.Minute)) {
		t.Errorf("record = %+v, want holding, run exp-1, ticket 1, expiring at start+10m", rec)
	}
	if got := keys(t, b, ""); !cmp.Equal(got, []string{dir + rec.Token + ".lease.json"}) {
		t.Errorf("keys while held = %q", got)
	}
	if l.Previous() != nil {
		t.Errorf("Previous = %+v on a fresh scope", l.Previous())
	}
	if err := l.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if err := l.Release(ctx, lease.Outcome{Changed: true, Complete: true, Notes: map[string]string{"export": "exp-1"}}); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, b, ""); !cmp.Equal(got, []string{dir + "last.json"}) {
		t.Errorf("keys after release = %q, want only last.json", got)
	}
	if err := l.Check(ctx); !errors.Is(err, lease.ErrLost) {
		t.Errorf("Check after Release = %v, want ErrLost", err)
	}
	// The next holder sees what the first did; it did not wait for it.
	l2, err := lease.Acquire(ctx, b, scope, opts(vc, "exp-2"))
	if err != nil {
		t.Fatal(err)
	}
	want := &lease.Last{Token: rec.Token, Run: "exp-1", Host: rec.Host, Started: start, Released: start, Changed: true, Complete: true,
		Writer: rec.Token, WriterRun: "exp-1", Seq: 1, WriterSeq: 1, Notes: map[string]string{"export": "exp-1"}}
	if diff := cmp.Diff(want, l2.Previous()); diff != "" {
		t.Errorf("Previous (-want +got):\n%s", diff)
	}
	if _, done := l2.DoneByOther(); done {
		t.Error("DoneByOther is true for a run that did not wait")
	}
	// A holder that changes nothing keeps the previous writer.
	if err := l2.Release(ctx, lease.Outcome{Complete: true}); err != nil {
		t.Fatal(err)
	}
	l3, err := lease.Acquire(ctx, b, scope, opts(vc, "exp-3"))
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Release(ctx, lease.Outcome{})
	if p := l3.Previous(); p.Run != "exp-2" || p.Writer != rec.Token || p.WriterRun != "exp-1" || p.Seq != 2 || p.WriterSeq != 1 {
		t.Errorf("Previous = %+v, want run exp-2 (release 2) with writer exp-1 (release 1)", p)
	}
}

func TestHeldError(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	holder, err := lease.Acquire(ctx, b, scope, opts(vc, "sql-to-parquet-26-11-24-031500"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kind *liberator.Kind
		wait time.Duration
	}{
		{"default kind, no wait", nil, 0},
		{"terminal after a wait", liberator.ErrTerminal, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(vc, "sql-to-parquet-26-11-24-031700")
			o.HeldKind, o.Wait = tc.kind, tc.wait
			var told []lease.Record
			o.OnWait = func(r lease.Record) { told = append(told, r) }
			t0 := vc.Now()
			_, err := lease.Acquire(ctx, b, scope, o)
			var he *lease.HeldError
			if !errors.As(err, &he) {
				t.Fatalf("Acquire = %v, want a *HeldError", err)
			}
			want := liberator.ErrNotReady
			if tc.kind != nil {
				want = tc.kind
			}
			if !errors.Is(err, want) {
				t.Errorf("error %v does not wrap %v", err, want)
			}
			msg := "import of 2026-11-24 is in progress by run sql-to-parquet-26-11-24-031500 on " + holder.Record().Host +
				" since 2026-11-24T03:15:00Z (landing/parking zone lease, held until "
			if !strings.HasPrefix(err.Error(), msg) {
				t.Errorf("error %q\nwant prefix %q", err, msg)
			}
			if he.Holder.Token != holder.Token() || he.Waited != tc.wait || vc.Now().Sub(t0) != tc.wait {
				t.Errorf("holder %s waited %s (clock moved %s); want holder %s, waited %s", he.Holder.Token, he.Waited, vc.Now().Sub(t0), holder.Token(), tc.wait)
			}
			if wantTold := min(1, int(tc.wait)); len(told) != wantTold {
				t.Errorf("OnWait called %d times, want %d", len(told), wantTold)
			}
		})
	}
	// The losers left nothing behind but the holder's record and the note
	// of the run that will come back (the retryable give-up).
	got := keys(t, b, dir)
	if len(got) != 2 || got[0] != dir+holder.Token()+".lease.json" || !strings.HasPrefix(got[1], dir+"waiting/") {
		t.Errorf("keys = %q, want the holder's record and one waiting note", got)
	}
}

// A run that waits for the holder and takes the lease when it is released
// finds the date done by it.
func TestWaitThenDone(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	holder, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
	if err != nil {
		t.Fatal(err)
	}
	o := opts(vc, "B")
	o.Wait = time.Hour
	o.OnWait = func(r lease.Record) {
		if r.Token != holder.Token() {
			t.Errorf("waiting for %s, want the holder %s", r.Token, holder.Token())
		}
		if err := holder.Release(ctx, lease.Outcome{Changed: true, Complete: true, Notes: map[string]string{"export": "A"}}); err != nil {
			t.Error(err)
		}
	}
	l, err := lease.Acquire(ctx, b, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx, lease.Outcome{})
	last, done := l.DoneByOther()
	if !done || last.Run != "A" || last.Notes["export"] != "A" {
		t.Errorf("DoneByOther = %+v, %v; want A's release", last, done)
	}
	if l.Waited() != time.Second {
		t.Errorf("Waited = %s, want one poll (1s)", l.Waited())
	}
}

// A holder that failed leaves the date not done: the waiter does the work.
func TestWaitForFailedHolder(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	holder, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
	if err != nil {
		t.Fatal(err)
	}
	o := opts(vc, "B")
	o.Wait = time.Hour
	o.OnWait = func(lease.Record) { _ = holder.Release(ctx, lease.Outcome{Changed: true, Complete: false}) }
	l, err := lease.Acquire(ctx, b, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx, lease.Outcome{})
	if last, done := l.DoneByOther(); done {
		t.Errorf("DoneByOther = %+v after a failed holder", last)
	}
}

// A dead run's lease is taken over once it expires: at once by a run that
// comes later, or by a waiter whose wait outlasts it.
func TestTakeOverExpiredLease(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		advance time.Duration
		wait    time.Duration
	}{
		{"later run", 11 * time.Minute, 0},
		{"waiter", 0, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			vc := liberator.NewVirtualClock(start)
			dead, err := lease.Acquire(ctx, b, scope, opts(vc, "dead"))
			if err != nil {
				t.Fatal(err)
			}
			vc.Advance(tc.advance)
			var logs bytes.Buffer
			o := opts(vc, "next")
			o.Wait = tc.wait
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			var told []lease.Record
			o.OnTakeOver = func(r lease.Record) { told = append(told, r) }
			l, err := lease.Acquire(ctx, b, scope, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.TookOver(); len(got) != 1 || got[0].Token != dead.Token() || len(told) != 1 || told[0].Run != "dead" {
				t.Errorf("TookOver = %+v (OnTakeOver told %+v), want the dead run's record", got, told)
			}
			if !strings.Contains(logs.String(), `msg="taking over an expired lease"`) || !strings.Contains(logs.String(), "run=dead") {
				t.Errorf("log does not say the lease was taken over:\n%s", logs.String())
			}
			if vc.Now().Before(start.Add(10 * time.Minute)) {
				t.Errorf("taken over at %s, before the dead lease expired", vc.Now())
			}
			if err := dead.Check(ctx); !errors.Is(err, lease.ErrLost) {
				t.Errorf("dead holder's Check = %v, want ErrLost", err)
			}
			if err := l.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
				t.Fatal(err)
			}
			// The dead holder's late release writes no last.json over it.
			if err := dead.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
				t.Fatal(err)
			}
			l2, err := lease.Acquire(ctx, b, scope, opts(vc, "third"))
			if err != nil {
				t.Fatal(err)
			}
			defer l2.Release(ctx, lease.Outcome{})
			if p := l2.Previous(); p == nil || p.Run != "next" {
				t.Errorf("Previous = %+v, want the run that took over", p)
			}
		})
	}
}

func TestCheckRenewsAndLoses(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	l, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
	if err != nil {
		t.Fatal(err)
	}
	// Before a third of the TTL nothing is written; after it, the record
	// is renewed in storage.
	vc.Advance(3 * time.Minute)
	if err := l.Check(ctx); err != nil || !l.Record().Expires.Equal(start.Add(10*time.Minute)) {
		t.Errorf("Check at +3m: %v, expires %s; want no renewal", err, l.Record().Expires)
	}
	vc.Advance(2 * time.Minute)
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
	body, err := b.ReadAll(ctx, dir+l.Token()+".lease.json")
	if err != nil || !strings.Contains(string(body), `"expires": "2026-11-24T03:30:00Z"`) {
		t.Errorf("stored record after renewal at +5m: %s %v", body, err)
	}
	// A holder whose renewal cannot be written loses the lease before it
	// expires: with less than a third of the TTL left.
	vc.Advance(7 * time.Minute) // 12m: 3m left of the renewal at 5m
	if err := b.Delete(ctx, dir+l.Token()+".lease.json"); err != nil {
		t.Fatal(err)
	}
	err = l.Check(ctx)
	if !errors.Is(err, lease.ErrLost) || !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("Check with the record removed = %v, want ErrLost of kind ErrTransient", err)
	}
}

// Waiting notes: a run that gave up (retryable kind) and comes back counts
// the runs it waited for; a terminal give-up writes no note.
func TestComebackCountsEarlierWait(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		kind     *liberator.Kind
		wantDone bool
	}{
		{"retryable", nil, true},
		{"terminal", liberator.ErrTerminal, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			vc := liberator.NewVirtualClock(start)
			a, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
			if err != nil {
				t.Fatal(err)
			}
			o := opts(vc, "B")
			o.HeldKind = tc.kind
			if _, err := lease.Acquire(ctx, b, scope, o); err == nil {
				t.Fatal("B took a held lease")
			}
			if err := a.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
				t.Fatal(err)
			}
			l, err := lease.Acquire(ctx, b, scope, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, done := l.DoneByOther(); done != tc.wantDone {
				t.Errorf("DoneByOther = %v, want %v", done, tc.wantDone)
			}
			if err := l.Release(ctx, lease.Outcome{}); err != nil {
				t.Fatal(err)
			}
			if got := keys(t, b, ""); !cmp.Equal(got, []string{dir + "last.json"}) {
				t.Errorf("keys = %q, want only last.json (no note left)", got)
			}
		})
	}
}

// A run that died between its two writes blocks others only until its
// choosing record expires (a minute), even with no wait allowed.
func TestStaleChoosingRecord(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	stale := `{"token":"0dead","run":"died","zone":"landing/parking","date":"2026-11-24","state":"choosing",` +
		`"started":"2026-11-24T03:15:00Z","renewed":"2026-11-24T03:15:00Z","expires":"2026-11-24T03:16:00Z"}`
	if err := b.WriteAll(ctx, dir+"0dead.lease.json", []byte(stale), nil); err != nil {
		t.Fatal(err)
	}
	l, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx, lease.Outcome{})
	if got := vc.Now().Sub(start); got < time.Minute || got > time.Minute+time.Second {
		t.Errorf("took the lease after %s, want just over a minute", got)
	}
	if len(l.TookOver()) != 0 {
		t.Errorf("TookOver = %+v; a choosing record is no lease", l.TookOver())
	}
}

func TestAcquireRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	for _, tc := range []struct {
		name string
		s    lease.Scope
		o    lease.Options
	}{
		{"no zone", lease.Scope{Date: day}, lease.Options{}},
		{"escaping zone", lease.Scope{Zone: "../x", Date: day}, lease.Options{}},
		{"bad date", lease.Scope{Zone: "landing/p", Date: liberator.Date{Year: 2026, Month: 2, Day: 30}}, lease.Options{}},
		{"absolute prefix", scope, lease.Options{Prefix: "/leases"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := lease.Acquire(ctx, b, tc.s, tc.o); !errors.Is(err, liberator.ErrInvalid) {
				t.Errorf("Acquire = %v, want ErrInvalid", err)
			}
		})
	}
	if got := keys(t, b, ""); len(got) != 0 {
		t.Errorf("keys written: %q", got)
	}
}

// Leases of different dates and zones are independent.
func TestScopesAreIndependent(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	var held []*lease.Lease
	for _, s := range []lease.Scope{
		scope,
		{Zone: "landing/parking", Date: liberator.Date{Year: 2026, Month: time.November, Day: 25}},
		{Zone: "raw/parking", Date: day},
		{Zone: "landing/other", Date: day},
	} {
		l, err := lease.Acquire(ctx, b, s, opts(vc, "A"))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		held = append(held, l)
	}
	for _, l := range held {
		if err := l.Release(ctx, lease.Outcome{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := keys(t, b, ""); len(got) != 4 {
		t.Errorf("keys = %q, want one last.json per scope", got)
	}
}

// RemoveExpired deletes dead runs' records and leaves live ones.
func TestRemoveExpired(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	dead, err := lease.Acquire(ctx, b, scope, opts(vc, "dead"))
	if err != nil {
		t.Fatal(err)
	}
	vc.Advance(11 * time.Minute)
	other := lease.Scope{Zone: "landing/parking", Date: liberator.Date{Year: 2026, Month: time.November, Day: 25}}
	live, err := lease.Acquire(ctx, b, other, opts(vc, "live"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []lease.Scope{scope, other} {
		got, err := lease.RemoveExpired(ctx, b, s, opts(vc, ""))
		if err != nil {
			t.Fatal(err)
		}
		if want := s == scope; (len(got) == 1 && got[0].Token == dead.Token()) != want {
			t.Errorf("RemoveExpired(%s) = %+v", s, got)
		}
	}
	if got := keys(t, b, ""); len(got) != 1 || !strings.HasSuffix(got[0], live.Token()+".lease.json") {
		t.Errorf("keys = %q, want only the live lease", got)
	}
}

// A run whose work began before another run completed the date finds it
// done, even when it never had to wait for the lease; one that began
// after does not.
func TestDoneSinceMark(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	vc := liberator.NewVirtualClock(start)
	a, err := lease.Acquire(ctx, b, scope, opts(vc, "A"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := lease.Observe(ctx, b, scope, opts(vc, "B"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx, lease.Outcome{Changed: true, Complete: true}); err != nil {
		t.Fatal(err)
	}
	after, err := lease.Observe(ctx, b, scope, opts(vc, "C"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		since lease.Mark
		want  bool
	}{{"began before", before, true}, {"began after", after, false}, {"no mark", lease.Mark{}, false}} {
		o := opts(vc, tc.name)
		o.Since = tc.since
		l, err := lease.Acquire(ctx, b, scope, o)
		if err != nil {
			t.Fatal(err)
		}
		if last, done := l.DoneByOther(); done != tc.want || (done && last.Run != "A") {
			t.Errorf("%s: DoneByOther = %+v, %v; want %v", tc.name, last, done, tc.want)
		}
		// Each of these changes nothing: A stays the writer.
		if err := l.Release(ctx, lease.Outcome{Complete: true}); err != nil {
			t.Fatal(err)
		}
	}
}
