package pubsubscheduler_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/pubsubscheduler"
)

var t0 = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

func msg(run string, step liberator.Step) liberator.Message {
	return liberator.Message{Version: 1, RunID: run, Step: step}
}

func receiveN(t *testing.T, s liberator.Scheduler, clk liberator.Clock, n int) []string {
	t.Helper()
	ctx := context.Background()
	var got []string
	for range n {
		d, err := s.Receive(ctx)
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		got = append(got, d.Message.RunID+"@"+clk.Now().Sub(t0).String())
		if err := d.Ack(ctx); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
	return got
}

func TestPubSubSchedulerChainsLongDelays(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	var native []time.Duration
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{
		Clock: clk,
		// The queue holds the message for the native delay: simulate it.
		NativeDelay: func(_ *pubsub.Message, d time.Duration) { native = append(native, d); clk.Advance(d) },
	})
	if err := s.Schedule(ctx, msg("r", liberator.StepExportCheck), 40*time.Minute); err != nil {
		t.Fatal(err)
	}
	d, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{15 * time.Minute, 15 * time.Minute, 10 * time.Minute}, native); diff != "" {
		t.Errorf("native delays mismatch (-want +got):\n%s", diff)
	}
	if got := clk.Now().Sub(t0); got != 40*time.Minute {
		t.Errorf("delivered after %s, want 40m0s", got)
	}
	if want := t0.Add(40 * time.Minute); !d.Message.NotBefore.Equal(want) {
		t.Errorf("NotBefore = %s, want %s", d.Message.NotBefore, want)
	}
}

func TestPubSubSchedulerWaitsWithoutNativeDelay(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{Clock: clk})
	if err := s.Schedule(ctx, msg("r", liberator.StepSnapshotCheck), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	got := receiveN(t, s, clk, 1)
	if diff := cmp.Diff([]string{"r@2h0m0s"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestPubSubSchedulerDropsBadBodies(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{Clock: clk})
	if err := topic.Send(ctx, &pubsub.Message{Body: []byte(`{"version":9}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(ctx, msg("good", liberator.StepLanded), 0); err != nil {
		t.Fatal(err)
	}
	// mempubsub does not promise an order: expect one error and the good
	// message, in any order, and nothing looping.
	var got []string
	for range 2 {
		d, err := s.Receive(ctx)
		if err != nil {
			if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "msg #") {
				t.Fatalf("Receive of a bad body = %v, want ErrInvalid naming the message id", err)
			}
			got = append(got, "error")
			continue
		}
		got = append(got, d.Message.RunID)
		if err := d.Ack(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff([]string{"error", "good"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// Both were acked: nothing is delivered again.
	cctx, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	if d, err := s.Receive(cctx); err == nil {
		t.Errorf("received %+v again", d.Message)
	}
}

func TestPubSubSchedulerRoundsNativeDelayUp(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	var native []time.Duration
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{
		Clock: clk, MaxDelay: 10 * time.Second,
		NativeDelay: func(_ *pubsub.Message, d time.Duration) { native = append(native, d); clk.Advance(d) },
	})
	if err := s.Schedule(ctx, msg("r", liberator.StepExportCheck), 12500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := receiveN(t, s, clk, 1)
	if diff := cmp.Diff([]time.Duration{10 * time.Second, 3 * time.Second}, native); diff != "" {
		t.Errorf("native delays mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r@13s"}, got); diff != "" {
		t.Errorf("delivery mismatch (-want +got):\n%s", diff)
	}
}

// TestPubSubSchedulerDecodeHook checks PubSubOptions.Decode: a body it
func TestPubSubSchedulerDecodeHook(t *testing.T) {
	ctx := context.Background()
	clk := liberator.NewVirtualClock(t0)
	topic := mempubsub.NewTopic()
	sub := mempubsub.NewSubscription(topic, time.Minute)
	defer topic.Shutdown(ctx)
	defer sub.Shutdown(ctx)
	decode := func(body []byte) (liberator.Message, bool, error) {
		switch string(body) {
		case "ignored":
			return liberator.Message{}, false, nil
		case "notification":
			return msg("from-notification", liberator.StepSnapshotCheck), true, nil
		}
		m, err := liberator.DecodeMessage(body)
		return m, err == nil, err
	}
	s := pubsubscheduler.New(topic, sub, pubsubscheduler.Options{Clock: clk, Decode: decode})
	for _, body := range []string{"ignored", "garbage", "notification"} {
		if err := topic.Send(ctx, &pubsub.Message{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	// mempubsub does not keep order: two receives return the garbage (as
	// ErrInvalid) and the notification in either order, the ignored body
	// never.
	var invalid int
	var got []string
	for range 2 {
		d, err := s.Receive(ctx)
		switch {
		case errors.Is(err, liberator.ErrInvalid):
			invalid++
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, d.Message.RunID)
			if err := d.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if invalid != 1 {
		t.Errorf("%d receives failed with ErrInvalid, want 1 (the garbage)", invalid)
	}
	if diff := cmp.Diff([]string{"from-notification"}, got); diff != "" {
		t.Errorf("delivered runs (-want +got):\n%s", diff)
	}
}
