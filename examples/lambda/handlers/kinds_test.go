package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/dataplatform/liberator-ingestion/export/fakeexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// TestKindName checks the names errors are reported under, and which are
// retried.
func TestKindName(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		want  string
		retry bool
	}{
		{"nil", nil, "", false},
		{"transient", fmt.Errorf("send: %w", liberator.ErrTransient), "Transient", true},
		{"throttled", liberator.Errorf(liberator.ErrThrottled, "run task", "x", "slow down"), "Throttled", true},
		{"not ready", liberator.Errorf(liberator.ErrNotReady, "describe", "x", "busy"), "NotReady", true},
		{"invalid", liberator.Errorf(liberator.ErrInvalid, "decode", "", "bad"), "Invalid", false},
		{"not found", liberator.Errorf(liberator.ErrNotFound, "open", "k", "gone"), "NotFound", false},
		{"already exists", liberator.Errorf(liberator.ErrAlreadyExists, "start", "e", "dup"), "AlreadyExists", false},
		{"terminal over its transient cause", liberator.NewError(liberator.ErrTerminal, "export check", "e", fmt.Errorf("gave up: %w", liberator.ErrTransient)), "Terminal", false},
		{"deadline", fmt.Errorf("step interrupted: %w", context.DeadlineExceeded), "Transient", true},
		{"canceled (SIGTERM)", fmt.Errorf("step interrupted: %w", context.Canceled), "Transient", true},
		{"no kind", errors.New("something else"), UnknownKind, false},
	}
	for _, tc := range tests {
		if got, retry := KindName(tc.err), Retryable(tc.err); got != tc.want || retry != tc.retry {
			t.Errorf("%s: KindName = %q, Retryable = %v; want %q, %v", tc.name, got, retry, tc.want, tc.retry)
		}
	}
}

// TestLambdaErrorType (issue 15, defect 5) runs the Steps handler through
// aws-lambda-go's own handler wrapper, as the mains register it
// (ForLambda), and checks the errorType the runtime reports: the error's
// kind, where it used to be Go's "wrapError".
func TestLambdaErrorType(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		setup   func(w *world)
		want    string   // errorType
		msg     []string // in errorMessage
	}{
		{
			name:    "payload that is not JSON",
			payload: `{"Records": [`,
			want:    "Invalid",
			msg:     []string{"decode event", "unexpected end of JSON input"},
		},
		{
			name:    "export failed: the run ended",
			payload: string(readTestdata(t, "eventbridge-rds-event-0159.json")),
			setup:   func(w *world) { w.startExport(t, testSnapshotID) },
			want:    "Terminal",
			msg:     []string{"export " + testExportID, "FAILED", "no access"},
		},
		{
			name:    "next step cannot be scheduled",
			payload: string(readTestdata(t, "eventbridge-rds-event-0161.json")),
			setup: func(w *world) {
				w.startExport(t, testSnapshotID)
				w.faults.FailKey("20261124/"+testSnapshotID, schedErr)
			},
			want: "Transient",
			msg:  []string{"schedule landed", "service unavailable"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{start: exportEventTime, exports: fakeexport.Options{FailStatus: liberator.ExportFailed, FailureCause: "no access"}})
			if tc.name == "next step cannot be scheduled" {
				w = newWorld(t, worldOptions{start: exportEventTime})
			}
			if tc.setup != nil {
				tc.setup(w)
			}
			h := lambda.NewHandler(ForLambda(w.steps(ExportCheckEvents()).Invoke))
			_, err := h.Invoke(context.Background(), []byte(tc.payload))
			got, ok := err.(messages.InvokeResponse_Error)
			if !ok {
				t.Fatalf("Invoke error %T %v, want a messages.InvokeResponse_Error", err, err)
			}
			b, _ := json.Marshal(got)
			var wire map[string]string
			if err := json.Unmarshal(b, &wire); err != nil || wire["errorType"] != tc.want {
				t.Errorf("reported to Lambda as %s, want errorType %q", b, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(wire["errorMessage"], m) {
					t.Errorf("errorMessage %q lacks %q", wire["errorMessage"], m)
				}
			}
		})
	}
}
