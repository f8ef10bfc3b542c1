package awserr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/internal/errkind"
)

func TestKind(t *testing.T) {
	api := func(code string, fault smithy.ErrorFault) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault})
	}
	tests := []struct {
		err  error
		want *errkind.Kind
	}{
		{api("Throttling", smithy.FaultClient), errkind.Throttled},
		{api("ThrottlingException", smithy.FaultClient), errkind.Throttled},
		{api("ConcurrentRunsExceededException", smithy.FaultClient), errkind.Throttled},
		{api("ExportTaskQuotaExceeded", smithy.FaultClient), errkind.Throttled},
		{api("SnapshotQuotaExceeded", smithy.FaultClient), errkind.Throttled},
		{api("SlowDown", smithy.FaultServer), errkind.Throttled},
		{api("ExportTaskAlreadyExists", smithy.FaultClient), errkind.AlreadyExists},
		{api("DBSnapshotAlreadyExists", smithy.FaultClient), errkind.AlreadyExists},
		{api("DBSnapshotNotFound", smithy.FaultClient), errkind.NotFound},
		{api("ExportTaskNotFound", smithy.FaultClient), errkind.NotFound},
		{api("EntityNotFoundException", smithy.FaultClient), errkind.NotFound},
		{api("NoSuchKey", smithy.FaultClient), errkind.NotFound},
		{api("QueueDoesNotExist", smithy.FaultClient), errkind.NotFound},
		{api("InvalidExportSourceState", smithy.FaultClient), errkind.NotReady},
		{api("InvalidDBSnapshotState", smithy.FaultClient), errkind.NotReady},
		{api("InvalidParameterValue", smithy.FaultClient), errkind.Invalid},
		{api("IamRoleNotFound", smithy.FaultClient), errkind.Invalid},
		{api("KMSKeyNotAccessibleFault", smithy.FaultClient), errkind.Invalid},
		{api("ClientException", smithy.FaultClient), errkind.Invalid},
		{api("ClusterNotFoundException", smithy.FaultClient), errkind.Invalid},
		{api("PlatformTaskDefinitionIncompatibilityException", smithy.FaultClient), errkind.Invalid},
		{api("LimitExceededException", smithy.FaultClient), errkind.Throttled},
		{api("ServerException", smithy.FaultServer), errkind.Transient},
		{context.Canceled, errkind.Transient},
		{api("InternalFailure", smithy.FaultServer), errkind.Transient},
		{errors.New("dial tcp: connection refused"), errkind.Transient},
		{context.DeadlineExceeded, errkind.Transient},
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
	if !errors.Is(w, errkind.Throttled) || w.Error() != "rds start export e1: operation error: api error Throttling: m" {
		t.Errorf("Wrap = %q", w)
	}
}
