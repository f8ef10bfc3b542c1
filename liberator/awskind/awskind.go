package awskind

import "github.com/dataplatform/liberator-ingestion/internal/awserr"

// Of returns the error kind of an AWS client error: liberator.ErrThrottled
// for throttling, quota and limit codes; ErrAlreadyExists; ErrInvalid for
// configuration errors no retry fixes (a missing role, key, bucket, ECS
// cluster or task definition) and other client faults; ErrNotFound;
// ErrNotReady for Invalid*State* codes; ErrTransient for everything else
// (server errors, network failures, an ended context).
func Of(err error) error { return awserr.Kind(err) }

// Wrap returns err wrapped with its kind (see Of), naming the operation op
// and its subject what, or nil if err is nil.
func Wrap(op, what string, err error) error { return awserr.Wrap(op, what, err) }
