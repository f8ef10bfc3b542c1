package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
)

// NewLogger returns the entry points' logger: JSON lines on w at level,
// through a LogHandler.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewLogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// LogHandler is the slog.Handler of the entry points. It wraps another
// handler (a JSON one in production) and makes every record it passes on:
//
//   - free of duplicate keys: an attribute added twice at the same level (by
//     Logger.With, by the record itself, or by the context) appears once,
//     with the last value given, so CloudWatch Logs Insights and JSON
//     parsers see every field; the library's pipeline adds run_id and step
//     to its own lines, and an entry point that adds them too no longer
//     repeats them;
//   - carry the attributes of its context (WithLogAttrs: the SQS message id
//     or EventBridge event id, the run id and step) when the record does
//     not have them, so lines logged by the library during a record say
//     which record they belong to;
//   - at warn level and above, carry "kind" (KindName) next to an error
//     given as "err".
//
// Wrap a handler that has no attributes or groups of its own: LogHandler
// keeps them itself so that it can drop duplicates.
type LogHandler struct {
	inner  slog.Handler
	attrs  []slog.Attr // top-level attributes from WithAttrs
	groups []logGroup  // open groups, outermost first
}

type logGroup struct {
	name  string
	attrs []slog.Attr
}

// NewLogHandler wraps inner (see LogHandler).
func NewLogHandler(inner slog.Handler) *LogHandler {
	return &LogHandler{inner: inner}
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *LogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// WithAttrs returns a handler whose records carry attrs, replacing
// attributes of the same key added before.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := h.clone()
	if n := len(c.groups); n > 0 {
		c.groups[n-1].attrs = mergeAttrs(c.groups[n-1].attrs, attrs)
	} else {
		c.attrs = mergeAttrs(c.attrs, attrs)
	}
	return c
}

// WithGroup returns a handler that nests the attributes added after it
// under name.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.clone()
	c.groups = append(c.groups, logGroup{name: name})
	return c
}

func (h *LogHandler) clone() *LogHandler {
	c := &LogHandler{inner: h.inner, attrs: append([]slog.Attr(nil), h.attrs...)}
	for _, g := range h.groups {
		c.groups = append(c.groups, logGroup{name: g.name, attrs: append([]slog.Attr(nil), g.attrs...)})
	}
	return c
}

// Handle passes r on with its attributes merged as LogHandler says.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	var own []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		own = append(own, a)
		return true
	})
	var cause error
	if r.Level >= slog.LevelWarn {
		for _, a := range own {
			if e, ok := a.Value.Resolve().Any().(error); ok && a.Key == "err" {
				cause = e
			}
		}
	}
	// Innermost group first: the record's own attributes belong there.
	inner := own
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		merged := mergeAttrs(g.attrs, inner)
		inner = []slog.Attr{{Key: g.name, Value: slog.GroupValue(merged...)}}
	}
	top := mergeAttrs(h.attrs, inner)
	if s := scopeOf(ctx); s != nil {
		top = addMissing(top, s.allAttrs())
		if cause != nil && r.Level >= slog.LevelError {
			s.ledger.note(cause)
		}
	}
	if cause != nil {
		top = addMissing(top, []slog.Attr{slog.String("kind", KindName(cause))})
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(top...)
	return h.inner.Handle(ctx, out)
}

// mergeAttrs returns base with add merged in: an attribute whose key is
// already there replaces it in place, others are appended. Attributes with
// an empty key and a group value are inlined, as slog does.
func mergeAttrs(base, add []slog.Attr) []slog.Attr {
	out := append([]slog.Attr(nil), base...)
	for _, a := range add {
		a.Value = a.Value.Resolve()
		if a.Key == "" {
			if a.Value.Kind() == slog.KindGroup {
				out = mergeAttrs(out, a.Value.Group())
			}
			continue
		}
		replaced := false
		for i := range out {
			if out[i].Key == a.Key {
				out[i] = a
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

// addMissing appends to attrs those of extra whose keys attrs lacks.
func addMissing(attrs, extra []slog.Attr) []slog.Attr {
	have := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		have[a.Key] = true
	}
	for _, a := range extra {
		if a.Key != "" && !have[a.Key] {
			attrs = append(attrs, a)
			have[a.Key] = true
		}
	}
	return attrs
}

// logScope is what WithLogAttrs puts in a context: attributes, and the
// ledger of the errors logged at error level in the scope's record.
type logScope struct {
	parent *logScope
	attrs  []slog.Attr
	ledger *ledger
}

type scopeKey struct{}

func scopeOf(ctx context.Context) *logScope {
	s, _ := ctx.Value(scopeKey{}).(*logScope)
	return s
}

// allAttrs returns the scope's attributes, outermost first, later values
// replacing earlier ones of the same key.
func (s *logScope) allAttrs() []slog.Attr {
	var chain []*logScope
	for x := s; x != nil; x = x.parent {
		chain = append(chain, x)
	}
	var out []slog.Attr
	for i := len(chain) - 1; i >= 0; i-- {
		out = mergeAttrs(out, chain[i].attrs)
	}
	return out
}

// WithLogAttrs returns a context whose log records (through a LogHandler)
// carry args (key-value pairs or slog.Attrs, as Logger.With takes) unless
// they have those keys already. Each handler gives a record's context its
// message or event id, then its run id and step once known.
func WithLogAttrs(ctx context.Context, args ...any) context.Context {
	parent := scopeOf(ctx)
	s := &logScope{parent: parent, attrs: argsToAttrs(args)}
	if parent != nil {
		s.ledger = parent.ledger
	} else {
		s.ledger = &ledger{}
	}
	return context.WithValue(ctx, scopeKey{}, s)
}

// newRecordScope starts the log scope of one record or event: like
// WithLogAttrs, but with a ledger of its own.
func newRecordScope(ctx context.Context, args ...any) context.Context {
	s := &logScope{parent: scopeOf(ctx), attrs: argsToAttrs(args), ledger: &ledger{}}
	return context.WithValue(ctx, scopeKey{}, s)
}

// loggedAtError reports whether err (or an error it wraps) was already
// logged at error level, with "err", in ctx's record scope, by the library
// (the pipeline logs "run failed" itself).
func loggedAtError(ctx context.Context, err error) bool {
	s := scopeOf(ctx)
	return s != nil && s.ledger.has(err)
}

func argsToAttrs(args []any) []slog.Attr {
	var r slog.Record
	r.Add(args...)
	var out []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		out = append(out, a)
		return true
	})
	return out
}

// ledger records errors logged at error level within one record's scope.
type ledger struct {
	mu   sync.Mutex
	errs []error
}

func (l *ledger) note(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *ledger) has(err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
