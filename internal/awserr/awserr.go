// Package awserr maps errors from aws-sdk-go-v2 clients to the module's
// error kinds, so every AWS backend classifies service errors the same way.
package awserr

import (
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// throttleCodes are the throttling codes the AWS services return.
var throttleCodes = map[string]bool{
	"Throttling":                             true,
	"ThrottlingException":                    true,
	"ThrottledException":                     true,
	"RequestThrottledException":              true,
	"TooManyRequestsException":               true,
	"ProvisionedThroughputExceededException": true,
	"TransactionInProgressException":         true,
	"RequestLimitExceeded":                   true,
	"BandwidthLimitExceeded":                 true,
	"LimitExceededException":                 true,
	"RequestThrottled":                       true,
	"SlowDown":                               true,
	"PriorRequestNotComplete":                true,
	"EC2ThrottledException":                  true,
	"ConcurrentRunsExceededException":        true,
	"ResourceNumberLimitExceededException":   true,
}

// quotaCodes are account quotas that no wait lifts: something must be
// deleted, or the quota raised, first.
var quotaCodes = map[string]bool{
	"SnapshotQuotaExceeded":       true,
	"SharedSnapshotQuotaExceeded": true,
	"StorageQuotaExceeded":        true,
	"InstanceQuotaExceeded":       true,
}

// configCodes are errors in the configuration (role, key, bucket, table
// list) that no retry fixes, even those named "…NotFound".
var configCodes = map[string]bool{
	"InvalidExportOnly":         true,
	"InvalidS3BucketFault":      true,
	"InvalidS3Bucket":           true,
	"IamRoleNotFound":           true,
	"IamRoleMissingPermissions": true,
	"KMSKeyNotAccessibleFault":  true,
	"KMSKeyNotAccessible":       true,
	"DBInstanceNotFound":        true,
	"NoSuchBucket":              true,
	// ECS RunTask: bad cluster, task definition or platform.
	"ClientException":                                true,
	"ClusterNotFoundException":                       true,
	"PlatformUnknownException":                       true,
	"PlatformTaskDefinitionIncompatibilityException": true,
	"UnsupportedFeatureException":                    true,
}

// Code returns the service error code of err, or "".
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Kind classifies err:
//   - account quotas no wait lifts (SnapshotQuotaExceeded,
//     SharedSnapshotQuotaExceeded, StorageQuotaExceeded,
//     InstanceQuotaExceeded) → Terminal;
//   - throttling, quota and limit codes (and any code containing
//     "QuotaExceeded", "LimitExceeded" or "LimitReached") → Throttled;
//   - configuration errors no retry fixes (IamRoleNotFound,
//     KMSKeyNotAccessible, InvalidS3Bucket, InvalidExportOnly,
//     DBInstanceNotFound, NoSuchBucket, and ECS's ClientException,
//     ClusterNotFoundException, Platform*Exception,
//     UnsupportedFeatureException) → Invalid;
//   - codes ending in "NotFound"/"NotFoundFault"/"NotFoundException",
//     NoSuchKey, EntityNotFoundException, QueueDoesNotExist, HTTP 404 →
//     NotFound;
//   - codes containing "AlreadyExists" → AlreadyExists;
//   - InvalidParameter*, Validation*, MissingParameter, Invalid*Input*,
//     AccessDenied*, other 4xx client faults → Invalid;
//   - Invalid*State* → NotReady (the resource is busy);
//   - everything else (5xx, network, unknown) → Transient.
//
// A canceled or expired context keeps its own error and is Transient.
func Kind(err error) *liberator.Kind {
	code := Code(err)
	switch {
	case code == "":
	case quotaCodes[code]:
		return liberator.ErrTerminal
	case throttleCodes[code], strings.Contains(code, "QuotaExceeded"), strings.Contains(code, "LimitExceeded"),
		strings.Contains(code, "LimitReached"), strings.Contains(code, "Throttl"):
		return liberator.ErrThrottled
	case strings.Contains(code, "AlreadyExists"):
		return liberator.ErrAlreadyExists
	case configCodes[code]:
		return liberator.ErrInvalid
	case strings.HasSuffix(code, "NotFound"), strings.HasSuffix(code, "NotFoundFault"),
		strings.HasSuffix(code, "NotFoundException"), code == "NoSuchKey",
		code == "NotFound", code == "QueueDoesNotExist", code == "NoSuchUpload":
		return liberator.ErrNotFound
	case strings.HasPrefix(code, "Invalid") && strings.Contains(code, "State"):
		return liberator.ErrNotReady
	case strings.HasPrefix(code, "InvalidParameter"), strings.HasPrefix(code, "Validation"),
		strings.HasPrefix(code, "MissingParameter"), strings.Contains(code, "InvalidInput"),
		strings.HasPrefix(code, "AccessDenied"):
		return liberator.ErrInvalid
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch s := re.HTTPStatusCode(); {
		case s == 404:
			return liberator.ErrNotFound
		case s == 429:
			return liberator.ErrThrottled
		case s >= 500:
			return liberator.ErrTransient
		case s >= 400 && code != "":
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultClient {
				return liberator.ErrInvalid
			}
		}
	}
	return liberator.ErrTransient
}

// Wrap returns err as an *liberator.Error of Kind(err), or nil if err is nil.
func Wrap(op, what string, err error) error {
	if err == nil {
		return nil
	}
	return liberator.NewError(Kind(err), op, what, err)
}
