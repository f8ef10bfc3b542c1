package awserr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

func TestKind(t *testing.T) {
	api := func(code string, fault smithy.ErrorFault) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault})
	}
	tests := []struct {
		err  error
		want *liberator.Kind
	}{
		{api("Throttling", smithy.FaultClient), liberator.ErrThrottled},
		{api("ThrottlingException", smithy.FaultClient), liberator.ErrThrottled},
		{api("ConcurrentRunsExceededException", smithy.FaultClient), liberator.ErrThrottled},
		{api("ExportTaskQuotaExceeded", smithy.FaultClient), liberator.ErrThrottled},
		{api("SnapshotQuotaExceeded", smithy.FaultClient), liberator.ErrTerminal},
		{api("StorageQuotaExceeded", smithy.FaultClient), liberator.ErrTerminal},
		{api("SlowDown", smithy.FaultServer), liberator.ErrThrottled},
		{api("ExportTaskAlreadyExists", smithy.FaultClient), liberator.ErrAlreadyExists},
		{api("DBSnapshotAlreadyExists", smithy.FaultClient), liberator.ErrAlreadyExists},
		{api("DBSnapshotNotFound", smithy.FaultClient), liberator.ErrNotFound},
		{api("ExportTaskNotFound", smithy.FaultClient), liberator.ErrNotFound},
		{api("EntityNotFoundException", smithy.FaultClient), liberator.ErrNotFound},
		{api("NoSuchKey", smithy.FaultClient), liberator.ErrNotFound},
		{api("QueueDoesNotExist", smithy.FaultClient), liberator.ErrNotFound},
		{api("InvalidExportSourceState", smithy.FaultClient), liberator.ErrNotReady},
		{api("InvalidDBSnapshotState", smithy.FaultClient), liberator.ErrNotReady},
		{api("InvalidParameterValue", smithy.FaultClient), liberator.ErrInvalid},
		{api("IamRoleNotFound", smithy.FaultClient), liberator.ErrInvalid},
		{api("KMSKeyNotAccessibleFault", smithy.FaultClient), liberator.ErrInvalid},
		{api("ClientException", smithy.FaultClient), liberator.ErrInvalid},
		{api("ClusterNotFoundException", smithy.FaultClient), liberator.ErrInvalid},
		{api("PlatformTaskDefinitionIncompatibilityException", smithy.FaultClient), liberator.ErrInvalid},
		{api("LimitExceededException", smithy.FaultClient), liberator.ErrThrottled},
		{api("ServerException", smithy.FaultServer), liberator.ErrTransient},
		{context.Canceled, liberator.ErrTransient},
		{api("InternalFailure", smithy.FaultServer), liberator.ErrTransient},
		{errors.New("dial tcp: connection refused"), liberator.ErrTransient},
		{context.DeadlineExceeded, liberator.ErrTransient},
	}
	for _, tt := range tests {
		if got := awserr.Kind(tt.err); got != tt.want {
			t.Errorf("Kind(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if awserr.Wrap("op", "x", nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	w := awserr.Wrap("rds start export", "e1", api("Throttling", smithy.FaultClient))
	if !errors.Is(w, liberator.ErrThrottled) || w.Error() != "rds start export e1: operation error: api error Throttling: m" {
		t.Errorf("Wrap = %q", w)
	}
}
