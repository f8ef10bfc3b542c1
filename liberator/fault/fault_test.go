package fault_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator/fault"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func TestFaults(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		setup func(f *fault.Injector)
		calls [][2]string // op, key
		want  []bool      // failed?
	}{
		{"none", func(*fault.Injector) {}, [][2]string{{"a", ""}, {"a", ""}}, []bool{false, false}},
		{"nth", func(f *fault.Injector) { f.FailNth("a", 2, boom) }, [][2]string{{"a", ""}, {"b", ""}, {"a", ""}, {"a", ""}}, []bool{false, false, true, false}},
		{"first", func(f *fault.Injector) { f.FailFirst("a", 2, boom) }, [][2]string{{"a", ""}, {"a", ""}, {"a", ""}}, []bool{true, true, false}},
		{"always", func(f *fault.Injector) { f.FailAlways("a", boom) }, [][2]string{{"a", ""}, {"a", ""}, {"b", ""}}, []bool{true, true, false}},
		{"key", func(f *fault.Injector) { f.FailKey("k", boom) }, [][2]string{{"a", "k"}, {"b", "k"}, {"a", "j"}}, []bool{true, true, false}},
		{"key n", func(f *fault.Injector) { f.FailKeyN("k", 2, boom) }, [][2]string{{"a", "k"}, {"a", "j"}, {"b", "k"}, {"a", "k"}}, []bool{true, false, true, false}},
		{"op key", func(f *fault.Injector) { f.FailOpKey("a", "k", 1, boom) }, [][2]string{{"b", "k"}, {"a", "j"}, {"a", "k"}, {"a", "k"}}, []bool{false, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f fault.Injector
			tt.setup(&f)
			var got []bool
			for _, c := range tt.calls {
				err := f.Check(c[0], c[1])
				if err != nil && !errors.Is(err, boom) {
					t.Fatalf("Check returned %v", err)
				}
				got = append(got, err != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures mismatch (-want +got):\n%s", diff)
			}
			if n := f.Calls(tt.calls[0][0]); n == 0 {
				t.Errorf("Calls(%q) = 0", tt.calls[0][0])
			}
		})
	}
	var nilFaults *fault.Injector
	if err := nilFaults.Check("a", "b"); err != nil {
		t.Errorf("nil Faults injected %v", err)
	}
}
