package awskind_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awskind"
)

func TestOf(t *testing.T) {
	api := func(code string, fault smithy.ErrorFault) error {
		return fmt.Errorf("operation error ECS: RunTask: %w", &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault})
	}
	tests := []struct {
		err  error
		want error
	}{
		{api("ThrottlingException", smithy.FaultClient), liberator.ErrThrottled},
		{api("ClusterNotFoundException", smithy.FaultClient), liberator.ErrInvalid},
		{api("ClientException", smithy.FaultClient), liberator.ErrInvalid},
		{api("DBSnapshotNotFound", smithy.FaultClient), liberator.ErrNotFound},
		{api("ServerException", smithy.FaultServer), liberator.ErrTransient},
		{errors.New("dial tcp: connection refused"), liberator.ErrTransient},
	}
	for _, tt := range tests {
		if got := awskind.Of(tt.err); got != tt.want {
			t.Errorf("Of(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if awskind.Wrap("op", "x", nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	w := awskind.Wrap("ecs run task", "restore", api("ThrottlingException", smithy.FaultClient))
	if !errors.Is(w, liberator.ErrThrottled) {
		t.Errorf("Wrap = %v, want one wrapping ErrThrottled", w)
	}
}
