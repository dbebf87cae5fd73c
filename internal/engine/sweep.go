package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// listAll runs one ListLive per repository, in parallel.
func (e *Engine) listAll(ctx context.Context, op string, repos []string) ([]*override.Override, bool, []*ledger.NotOverrideError, error) {
	if len(repos) == 0 {
		return nil, false, nil, &RefusalError{Reason: op + " needs at least one audit repository", Hint: "pass -R OWNER/REPO"}
	}
	lists := make([][]*override.Override, len(repos))
	nm := make([]bool, len(repos))
	invalid := make([]*ledger.InvalidRecordsError, len(repos))
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range repos {
		g.Go(func() error {
			var l []*override.Override
			var n bool
			var inv *ledger.InvalidRecordsError
			err := e.again(gctx, func() (err error) { l, n, inv, err = e.listLive(gctx, r); return err })
			if err != nil {
				return fmt.Errorf("listing open overrides in %s: %w", r, err)
			}
			lists[i], nm[i], invalid[i] = l, n, inv
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, false, nil, &Error{Op: op, Step: "audit", Err: err, Unchanged: "nothing; glass made no change", Next: "check your network and access to the audit repository, then run the same command again"}
	}
	var all []*override.Override
	var bad []*ledger.NotOverrideError
	notModified := true
	for i := range lists {
		all = append(all, lists[i]...)
		notModified = notModified && nm[i]
		if invalid[i] != nil {
			bad = append(bad, invalid[i].Records...)
		}
	}
	return all, notModified, bad, nil
}

// Status lists the live overrides of the audit repositories with their
// time left, and any that are overdue, failed or stuck half-done. One
// request per repository (a 304 when nothing changed).
func (e *Engine) Status(ctx context.Context, repos ...string) (*StatusResult, error) {
	all, nm, bad, err := e.listAll(ctx, "status", repos)
	if err != nil {
		return nil, err
	}
	now := e.clock.Now()
	res := &StatusResult{NotModified: nm}
	for _, b := range bad {
		res.Invalid = append(res.Invalid, SweepFailure{ID: b.ID, Err: b})
	}
	for _, o := range all {
		en := StatusEntry{Override: o, Overdue: o.Overdue(now), Failed: o.State == override.StateFailed}
		if !o.Expires.IsZero() {
			en.Left = o.Expires.Sub(now)
		}
		en.Stuck = (o.State == override.StateApplying && now.Sub(o.Requested) > e.grace) || (o.State == override.StateClosing && !e.fresh(o, now))
		en.TimedOut = o.State == override.StateRequested && o.Approval != nil && !o.Approval.Until.IsZero() && now.After(o.Approval.Until)
		res.Entries = append(res.Entries, en)
	}
	sort.SliceStable(res.Entries, func(i, j int) bool {
		a, b := res.Entries[i].Override, res.Entries[j].Override
		if a.Expires.Equal(b.Expires) {
			return a.ID < b.ID
		}
		return a.Expires.Before(b.Expires)
	})
	return res, nil
}

// SweepError is returned when a sweep could not restore everything. Its
// exit code is 5 when a rollback could not be verified, else 1.
type SweepError struct{ Failed []SweepFailure }

func (e *SweepError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s: %v", f.ID, f.Err))
	}
	return fmt.Sprintf("sweep could not restore %d override(s): %s", len(e.Failed), strings.Join(parts, "; "))
}

func (e *SweepError) ExitCode() int {
	for _, f := range e.Failed {
		if errors.Is(f.Err, ErrRestoreIncomplete) {
			return ExitRestore
		}
	}
	return ExitFailure
}

func (e *SweepError) Unwrap() []error {
	var out []error
	for _, f := range e.Failed {
		out = append(out, f.Err)
	}
	return out
}

// fresh reports whether o's issue changed less than the reconcile grace
// ago (its updated_at as listed; zero, unknown, counts as stale).
func (e *Engine) fresh(o *override.Override, now time.Time) bool {
	at := e.ledger.UpdatedAt(o.ID)
	return !at.IsZero() && now.Sub(at) <= e.grace
}

// due says what sweep must do with o: "" (nothing), ledger.KindRestored (expired)
// or ledger.KindReconciled (left half-done by a crash, or failed before).
func (e *Engine) due(o *override.Override) ledger.Kind {
	now := e.clock.Now()
	switch o.State {
	case override.StateActive:
		if o.Overdue(now) {
			return ledger.KindRestored
		}
	case override.StateApplying:
		// The opener may still be running: leave it alone for the grace.
		if now.Sub(o.Requested) > e.grace {
			return ledger.KindReconciled
		}
	case override.StateClosing:
		// A closer may still be at it: leave a fresh one alone for the
		// grace, unless it is overdue (then it must not wait, and the
		// closer of an overdue override settles duplicates itself).
		if o.Overdue(now) || !e.fresh(o, now) {
			return ledger.KindReconciled
		}
	case override.StateFailed:
		return ledger.KindReconciled
	}
	return ""
}

// Sweep rolls back every expired override in the audit repositories,
// finishes any left half-done by a crash, and retries failed rollbacks.
// With nothing due it costs one request per repository (a 304 on a
// repeat). It is safe to run repeatedly and from several places: the live
// setting is re-read before each write, a write is skipped when nothing
// needs to change, and records are idempotent per event key.
// It returns a *SweepError (with the result) when anything could not be restored.
func (e *Engine) Sweep(ctx context.Context, repos ...string) (*SweepResult, error) {
	all, nm, bad, err := e.listAll(ctx, "sweep", repos)
	if err != nil {
		return nil, err
	}
	res := &SweepResult{Checked: len(all), NotModified: nm}
	// A record glass cannot read cannot be rolled back: a human must look.
	for _, b := range bad {
		res.Failed = append(res.Failed, SweepFailure{ID: b.ID, Err: b})
	}
	// Oldest first, one at a time: overrides on the same setting must see
	// each other's outcome (rollback updates the shared list in place).
	sort.SliceStable(all, func(i, j int) bool { return all[i].Requested.Before(all[j].Requested) })
	for _, o := range all {
		kind := e.due(o)
		if kind == "" {
			continue
		}
		reason := "expired"
		if kind == ledger.KindReconciled {
			reason = fmt.Sprintf("found in state %s by sweep", o.State)
		}
		r, err := e.rollback(ctx, o, all, kind, reason, true)
		if err != nil {
			res.Failed = append(res.Failed, SweepFailure{ID: o.ID, Err: err})
			continue
		}
		if kind == ledger.KindReconciled {
			res.Reconciled = append(res.Reconciled, r)
		} else {
			res.Restored = append(res.Restored, r)
		}
	}
	// Then the requests nobody waits for (requests.go): after the
	// rollbacks, so that an approved request applied now is not undone by
	// a rollback computed from this sweep's list.
	for _, o := range all {
		if o.State != override.StateRequested {
			continue
		}
		r, err := e.settleRequest(ctx, o)
		if err != nil {
			res.Failed = append(res.Failed, SweepFailure{ID: o.ID, Err: err})
			continue
		}
		if r != nil {
			res.Requests = append(res.Requests, r)
		}
	}
	if len(res.Failed) > 0 {
		return res, &SweepError{Failed: res.Failed}
	}
	return res, nil
}
