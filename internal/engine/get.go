package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// Get reads one override as its audit issue says now: one GET of the issue
// (issues/get). Through ghapi's client it is a conditional request, so
// re-reading an unchanged issue is answered 304 and costs no rate limit;
// `glass open --wait` uses it to see extensions and closes made elsewhere.
//
// Errors: ErrNotFound (errors.Is) when the issue does not exist or is not
// an override; otherwise the read failed and nothing is known.
func (e *Engine) Get(ctx context.Context, id string) (*override.Override, error) {
	var o *override.Override
	err := e.again(ctx, func() (err error) { o, err = e.ledger.LoadOverride(ctx, id); return err })
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return nil, err
	}
	return o, nil
}

// NotDueError: CloseDue found the override active with an expiry still
// ahead (extended since the caller last read it). Override is the record
// as read; nothing was changed.
type NotDueError struct{ Override *override.Override }

func (e *NotDueError) Error() string {
	return fmt.Sprintf("%s is not due: it now expires at %s; nothing was changed", e.Override.ID, e.Override.Expires.UTC().Format(time.RFC3339))
}

// CloseDue is Close for a waiter whose expiry has come: it closes only if
// the record it reads for the close (the same listing Close uses) says the
// override is due, so an extension made elsewhere is never undone by a
// stale expiry. Errors: *NotDueError (not due; nothing changed), and
// those of Close; with ErrAlreadyClosed the result carries only the
// closed record (Override), which says when.
func (e *Engine) CloseDue(ctx context.Context, id, reason string) (*CloseResult, error) {
	o, list, err := e.find(ctx, "close", id)
	if errors.Is(err, ErrAlreadyClosed) && o != nil {
		return &CloseResult{Override: o}, err
	}
	if err != nil {
		return nil, err
	}
	if o.State == override.StateActive && !o.Overdue(e.clock.Now()) {
		return nil, &NotDueError{Override: o}
	}
	contested := o.State != override.StateActive || o.Overdue(e.clock.Now())
	return e.rollback(ctx, o, list, ledger.KindRestored, reason, contested)
}
