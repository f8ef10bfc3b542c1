package liberator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

func TestRetryPolicyDelay(t *testing.T) {
	p := liberator.DefaultRetryPolicy()
	var got []time.Duration
	for a := -1; a <= 7; a++ {
		got = append(got, p.Delay(a))
	}
	want := []time.Duration{
		30 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute,
		8 * time.Minute, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Delay(-1..7) mismatch (-want +got):\n%s", diff)
	}
	if d := p.Delay(10000); d != 15*time.Minute {
		t.Errorf("Delay(10000) = %s, want the 15m cap", d)
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	ok := liberator.DefaultRetryPolicy()
	tests := []struct {
		name string
		mod  func(*liberator.RetryPolicy)
		bad  bool
	}{
		{"default", func(*liberator.RetryPolicy) {}, false},
		{"constant", func(p *liberator.RetryPolicy) { p.Multiplier = 1; p.Max = p.Initial }, false},
		{"zero initial", func(p *liberator.RetryPolicy) { p.Initial = 0 }, true},
		{"multiplier below 1", func(p *liberator.RetryPolicy) { p.Multiplier = 0.5 }, true},
		{"max below initial", func(p *liberator.RetryPolicy) { p.Max = time.Second }, true},
		{"no deadline", func(p *liberator.RetryPolicy) { p.Deadline = 0 }, true},
		{"negative error retries", func(p *liberator.RetryPolicy) { p.MaxErrorRetries = -1 }, true},
		{"attempts", func(p *liberator.RetryPolicy) { p.Attempts = 3 }, false},
		{"negative attempts", func(p *liberator.RetryPolicy) { p.Attempts = -1 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.mod(&p)
			err := p.Validate()
			if got := err != nil; got != tt.bad {
				t.Fatalf("Validate() = %v, want error: %v", err, tt.bad)
			}
			if tt.bad && !errors.Is(err, liberator.ErrInvalid) {
				t.Errorf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestExportID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sql-to-parquet-26-11-24-031500", "sql-to-parquet-26-11-24-031500"},
		{"a:b:c", "a-b-c"},
		{"sql-to-parquet-2026-11-24-backdated-and-a-very-long-suffix:that-goes-on", "sql-to-parquet-2026-11-24-backdated-and-a-very-long-suffix-t"},
		// The 60th character is a hyphen: dropped, RDS refuses a trailing one.
		{"sql-to-parquet-2026-11-24-backdated-and-a-very-long-suffix:-x", "sql-to-parquet-2026-11-24-backdated-and-a-very-long-suffix"},
	}
	for _, tt := range tests {
		got := liberator.ExportID(tt.in)
		if got != tt.want {
			t.Errorf("ExportID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > liberator.MaxExportIDLen {
			t.Errorf("ExportID(%q) has %d chars", tt.in, len(got))
		}
	}
}

func TestNewRunMessage(t *testing.T) {
	recv := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	dump := liberator.DumpRef{Bucket: "mem://", Key: "parking/liberator_dump_20261124.zip"}
	tests := []struct {
		name      string
		date      liberator.Date
		backdated bool
		key       string
		want      liberator.Message
		wantErr   error
	}{
		{
			name: "date from dump name",
			key:  dump.Key,
			want: liberator.Message{
				Version: 1, Step: liberator.StepDumpUploaded, RunID: "20261124/parking/liberator_dump_20261124.zip",
				Dump: dump, ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 24}, Received: recv, StepStarted: recv,
			},
		},
		{
			name: "explicit backdated date", key: dump.Key, date: liberator.Date{Year: 2026, Month: 1, Day: 2}, backdated: true,
			want: liberator.Message{
				Version: 1, Step: liberator.StepDumpUploaded, RunID: "20260102/parking/liberator_dump_20261124.zip",
				Dump: dump, ImportDate: liberator.Date{Year: 2026, Month: 1, Day: 2}, Backdated: true, Received: recv, StepStarted: recv,
			},
		},
		{name: "no date in name", key: "parking/dump.zip", wantErr: liberator.ErrInvalid},
		{name: "backdated without date", key: dump.Key, backdated: true, wantErr: liberator.ErrInvalid},
		{name: "empty key", key: "", wantErr: liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dump
			d.Key = tt.key
			got, err := liberator.NewRunMessage(d, tt.date, tt.backdated, recv)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("NewRunMessage() error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewRunMessage() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)
	m := liberator.Message{
		Version: 1, Step: liberator.StepLanded, RunID: "20261124/k", Dump: liberator.DumpRef{Key: "k", Size: 10},
		ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 24}, Received: at, SnapshotID: "s", ExportID: "e",
		Attempt: 3, ErrorRetries: 1, StepStarted: at, NotBefore: at.Add(time.Hour),
		Manifest: &liberator.Manifest{Version: 1, ExportID: "e", ImportDate: liberator.Date{Year: 2026, Month: 11, Day: 24}},
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := liberator.DecodeMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	for _, body := range []string{
		`{"version":2,"step":"landed","run_id":"x"}`,
		`{"version":1,"step":"bogus","run_id":"x"}`,
		`not json`,
	} {
		if _, err := liberator.DecodeMessage([]byte(body)); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("DecodeMessage(%s) = %v, want ErrInvalid", body, err)
		}
	}
}

func TestDecodeDelivery(t *testing.T) {
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	mk := func(nb time.Time) []byte {
		b, err := liberator.Message{Version: 1, Step: liberator.StepExportCheck, RunID: "r", NotBefore: nb}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		body    []byte
		due     bool
		remain  time.Duration
		wantErr bool
	}{
		{"no not-before", mk(time.Time{}), true, 0, false},
		{"past", mk(now.Add(-time.Second)), true, 0, false},
		{"exactly now", mk(now), true, 0, false},
		{"future", mk(now.Add(20 * time.Minute)), false, 20 * time.Minute, false},
		{"garbage", []byte("{"), false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, due, remain, err := liberator.DecodeDelivery(tt.body, now)
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, liberator.ErrInvalid)) {
				t.Fatalf("err = %v, want error %v (ErrInvalid)", err, tt.wantErr)
			}
			if due != tt.due || remain != tt.remain {
				t.Errorf("due, remaining = %v, %s; want %v, %s", due, remain, tt.due, tt.remain)
			}
		})
	}
}
