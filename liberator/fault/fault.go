package fault

import (
	"sync"
)

// Injector injects errors into calls. A fake calls Check(op, key) at the start
// of each operation (key is the id or object key the call is about, "" if
// none) and fails with the returned error. Rules are tried in the order they
// were added; the first that matches fails the call. The zero value injects
// nothing. It is safe for concurrent use and may be shared by several fakes
// (or by a fault-injecting blob wrapper, keyed by object key).
type Injector struct {
	mu    sync.Mutex
	rules []*rule
	calls map[string]int
}

type rule struct {
	op, key string // "" matches any
	nth     int    // > 0: only the nth matching call (1-based)
	left    int    // > 0: fail this many more times; < 0: always
	seen    int    // matching calls so far
	err     error
}

// FailNth makes the nth call (1-based, counted per rule) of op fail with err.
func (f *Injector) FailNth(op string, n int, err error) {
	f.add(&rule{op: op, nth: n, err: err})
}

// FailFirst makes the next n calls of op fail with err.
func (f *Injector) FailFirst(op string, n int, err error) {
	if n <= 0 {
		return
	}
	f.add(&rule{op: op, left: n, err: err})
}

// FailAlways makes every call of op fail with err.
func (f *Injector) FailAlways(op string, err error) {
	f.add(&rule{op: op, left: -1, err: err})
}

// FailKey makes every call about key (any operation) fail with err.
func (f *Injector) FailKey(key string, err error) {
	f.add(&rule{key: key, left: -1, err: err})
}

// FailKeyN makes the next n calls about key (any operation) fail with err,
// e.g. a copy that fails twice and then succeeds.
func (f *Injector) FailKeyN(key string, n int, err error) {
	if n <= 0 {
		return
	}
	f.add(&rule{key: key, left: n, err: err})
}

// FailOpKey makes the next n calls of op about key fail with err (n < 0:
// always).
func (f *Injector) FailOpKey(op, key string, n int, err error) {
	if n == 0 {
		return
	}
	f.add(&rule{op: op, key: key, left: n, err: err})
}

func (f *Injector) add(r *rule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, r)
}

// Reset removes every rule and zeroes the call counts.
func (f *Injector) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.calls = nil
}

// Check counts a call of op about key and returns the injected error, if
// any rule matches, else nil. A nil *Injector injects nothing.
func (f *Injector) Check(op, key string) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
	for _, r := range f.rules {
		if (r.op != "" && r.op != op) || (r.key != "" && r.key != key) {
			continue
		}
		r.seen++
		switch {
		case r.nth > 0:
			if r.seen == r.nth {
				return r.err
			}
		case r.left < 0:
			return r.err
		case r.left > 0:
			r.left--
			return r.err
		}
	}
	return nil
}

// Calls returns how many times op was checked (failed calls included).
func (f *Injector) Calls(op string) int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}
