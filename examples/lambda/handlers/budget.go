package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// DefaultMargin is the time an invocation keeps free before its deadline
// when no margin is configured (LIBERATOR_DEADLINE_MARGIN): enough to
// log, answer with the records not done and let the runtime send the
// answer. Margin scales it down for short timeouts.
const DefaultMargin = 5 * time.Second

// MarginShare is the largest share of an invocation's time that the margin
// takes: Margin never keeps more than a fifth of the time left when the
// invocation starts, so a function with a 10-second timeout stops its work
// after 8 seconds and one with a 3-second timeout after 2.4.
const MarginShare = 5

// Margin returns the margin an invocation with left time left keeps free
// before its deadline: margin (DefaultMargin if zero or negative), but at
// most left / MarginShare.
func Margin(left, margin time.Duration) time.Duration {
	if margin <= 0 {
		margin = DefaultMargin
	}
	if left <= 0 {
		return 0
	}
	if most := left / MarginShare; margin > most {
		margin = most
	}
	return margin
}

// errMarginReached is the cause of a budget context that ended at its
// margin.
var errMarginReached = errors.New("deadline margin reached")

// WithBudget returns the context the work of one invocation runs under:
// it ends Margin(time left, margin) before ctx's deadline (the function's
// timeout), so that the handler still has time to answer. A ctx without a
// deadline (a test, the ECS task) is only made cancelable. The margin kept
// is returned for logs.
func WithBudget(ctx context.Context, margin time.Duration) (context.Context, time.Duration, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		c, cancel := context.WithCancel(ctx)
		return c, 0, cancel
	}
	m := Margin(time.Until(deadline), margin)
	c, cancel := context.WithDeadlineCause(ctx, deadline.Add(-m), errMarginReached)
	return c, m, cancel
}

// marginReached reports whether budget ended at its margin.
func marginReached(budget context.Context) bool {
	return budget.Err() != nil && errors.Is(context.Cause(budget), errMarginReached)
}

// budgetError returns err, or, when err is the end of the budget context
// (its margin, or the invocation itself ending), a retryable error that
// says so: a liberator.Error of kind ErrTransient naming what was cut
// short.
func budgetError(budget context.Context, what string, margin time.Duration, err error) error {
	if err == nil || budget.Err() == nil || !errors.Is(err, budget.Err()) {
		return err
	}
	if marginReached(budget) {
		return liberator.NewError(liberator.ErrTransient, "deadline margin", what,
			fmt.Errorf("stopped %s before the function's deadline: %w", margin.Round(time.Millisecond), err))
	}
	return liberator.NewError(liberator.ErrTransient, "interrupted", what, err)
}

// errNotReached is wrapped by the error of a record the handler did not
// start because the budget had ended.
var errNotReached = errors.New("not reached")

// notReachedError is the error of a record the handler did not start
// because the budget had ended: retryable (ErrTransient).
func notReachedError(budget context.Context, margin time.Duration) error {
	if marginReached(budget) {
		return liberator.Errorf(liberator.ErrTransient, "deadline margin", "",
			"%w: stopped %s before the function's deadline", errNotReached, margin.Round(time.Millisecond))
	}
	return liberator.Errorf(liberator.ErrTransient, "interrupted", "", "%w: %w", errNotReached, budget.Err())
}
