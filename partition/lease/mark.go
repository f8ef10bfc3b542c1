package lease

import (
	"context"

	"gocloud.dev/blob"
)

// Marks: where a scope's lease stood when a caller's work began, so that a
// run that completed the date since then counts as having done it (see
// Lease.DoneByOther and the package doc).

// Mark is the scope's release count at a moment (see Observe).
type Mark struct {
	Seq   int64
	set   bool
	scope Scope
}

type marksKey struct{}

// ContextWithMark returns ctx carrying m, for a run that observed the date
// when it began (before its snapshot and export): a Lander reading it
// (bloblander) counts a run that completed the date since then as having
// done it, however far apart the two landings were.
func ContextWithMark(ctx context.Context, m Mark) context.Context {
	marks := map[Scope]Mark{}
	if prev, ok := ctx.Value(marksKey{}).(map[Scope]Mark); ok {
		for k, v := range prev {
			marks[k] = v
		}
	}
	marks[m.scope] = m
	return context.WithValue(ctx, marksKey{}, marks)
}

// MarkFromContext returns the mark of scope that ctx carries, if any.
func MarkFromContext(ctx context.Context, scope Scope) (Mark, bool) {
	marks, _ := ctx.Value(marksKey{}).(map[Scope]Mark)
	m, ok := marks[scope]
	return m, ok && m.set
}

// Observe returns the scope's mark now: how many times its lease has been
// released. Pass it as Options.Since when taking the lease for work that
// began now.
func Observe(ctx context.Context, b *blob.Bucket, scope Scope, opts Options) (Mark, error) {
	opts = opts.withDefaults()
	l := &Lease{b: b, scope: scope, dir: scope.Dir(opts.Prefix), opts: opts}
	last, err := l.readLast(ctx)
	if err != nil {
		return Mark{}, err
	}
	m := Mark{set: true, scope: scope}
	if last != nil {
		m.Seq = last.Seq
	}
	return m, nil
}
