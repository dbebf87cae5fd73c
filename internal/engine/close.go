package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// repoOfID returns the audit repository of an override ID "OWNER/REPO#N".
func repoOfID(id string) (string, error) {
	repo, _, err := ledger.ParseID(id, "")
	return repo, err
}

// find locates a live (or failed, still open) override by ID with one
// ListLive; an ID not in the list is loaded to tell "already closed" from
// "no such override".
func (e *Engine) find(ctx context.Context, op, id string) (*override.Override, []*override.Override, error) {
	repo, err := repoOfID(id)
	if err != nil {
		return nil, nil, &RefusalError{Reason: err.Error(), Err: err}
	}
	var list []*override.Override
	err = e.again(ctx, func() (err error) { list, _, _, err = e.listLive(ctx, repo); return err })
	if err != nil {
		return nil, nil, &Error{Op: op, Step: "audit", Err: fmt.Errorf("listing open overrides in %s: %w", repo, err), Unchanged: "nothing; glass made no change", Next: "check your network and access to " + repo + ", then run the same command again"}
	}
	for _, o := range list {
		if strings.EqualFold(o.ID, id) {
			return o, list, nil
		}
	}
	o, err := e.ledger.LoadOverride(ctx, id)
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			err = fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return nil, nil, &Error{Op: op, Step: "audit", Err: err, Unchanged: "nothing", Next: "`glass status -R " + repo + "` lists the open overrides"}
	}
	if o.State.Terminal() && o.State != override.StateFailed {
		return o, list, fmt.Errorf("%w: %s was %s at %s; nothing was changed", ErrAlreadyClosed, id, o.State, o.Closed.UTC().Format(time.RFC3339))
	}
	return o, list, nil
}

// Close rolls an override back now, verifies, and closes its audit issue.
// Another override still open on the same setting keeps what it needs; the
// last one restores the original. Fields someone else changed during the
// window are kept (drift) unless glass had relaxed them (conflict: put
// back); both are reported in CloseResult.Plan and on the audit issue.
//
// Errors: ErrAlreadyClosed (errors.Is), *RestoreIncompleteError (exit 5),
// *Error (exit 1, says what changed and what did not).
func (e *Engine) Close(ctx context.Context, id, reason string) (*CloseResult, error) {
	o, list, err := e.find(ctx, "close", id)
	if err != nil {
		return nil, err
	}
	// A sweep may be at an overdue or half-done override too: then the
	// records are settled against a racer (see recordEvents).
	contested := o.State != override.StateActive || o.Overdue(e.clock.Now())
	return e.rollback(ctx, o, list, ledger.KindRestored, reason, contested)
}

// rollback restores the setting o relaxed to what the remaining overrides
// on its key need, verifies, and records. kind is ledger.KindRestored (close,
// expiry) or ledger.KindReconciled (a half-done open or close found by sweep).
//
// Round trips: 1 the setting, the closer, the branch activity and the
// write-ahead "closing" state (parallel); 2 the restore write (its answer is
// the verification; review lookups for merged pulls run beside it); 3 the
// record (issue state and comments, parallel). With Close's ListLive: 4.
// With contested (sweep, or a close another process may race), the records
// are posted, deduplicated and only then is the issue closed.
func (e *Engine) rollback(ctx context.Context, o *override.Override, list []*override.Override, kind ledger.Kind, reason string, contested bool) (*CloseResult, error) {
	st := e.steps()
	lv, err := e.lever(o.Lever)
	if err != nil {
		return nil, err
	}
	t := o.Target
	others := sameKey(list, o.Lever, t, o.ID)
	// The original is the oldest override's snapshot (see settleRace).
	orig, err := snapshotFields(sortOverrides(append(append([]*override.Override(nil), others...), o))[0])
	if err != nil {
		return nil, &Error{Op: "close", Step: "restore", Err: err, Unchanged: t.String() + " (glass cannot restore without the original)", Next: "restore the setting by hand from the audit issue " + o.ID}
	}

	// Round 1.
	var (
		live    lever.Snapshot
		actor   string
		act     *Activity
		pending = o.State
	)
	now := e.clock.Now()
	// No cancellation between these: a failed read must not cut the
	// write-ahead PATCH off mid-request.
	var g errgroup.Group
	gctx := ctx
	g.Go(func() error {
		err := e.again(gctx, func() (err error) { live, err = lv.Read(gctx, t); return err })
		if err != nil {
			return stepErr("restore", fmt.Errorf("reading %s: %w", t, err))
		}
		return nil
	})
	g.Go(func() error {
		// Who rolls back is recorded, but never blocks the rollback.
		var u *github.User
		if err := e.again(gctx, func() (err error) { u, _, err = e.gh.Users.Get(gctx, ""); return err }); err != nil {
			actor = "unknown (GET /user failed)"
			return nil
		}
		actor = u.GetLogin()
		return nil
	})
	if o.State == override.StateActive || o.State == override.StateApplying {
		g.Go(func() error {
			cp := *o
			cp.State = override.StateClosing
			if err := e.again(gctx, func() error { return e.ledger.Save(gctx, &cp) }); err != nil {
				return stepErr("audit", fmt.Errorf("marking %s as closing: %w", o.ID, err))
			}
			return nil
		})
	}
	// The records of round 3 need to know which events the issue has; list
	// them now, off the critical path (on failure Append lists them itself).
	g.Go(func() error { _ = e.ledger.Prefetch(gctx, o.ID); return nil })
	wantActivity := (o.Lever == override.LeverProtection || o.Lever == override.LeverRuleset) && t.Branch != "" && o.HeadSHA != ""
	if wantActivity {
		g.Go(func() error { act = e.collectActivity(gctx, o, now); return nil })
	}
	if err := g.Wait(); err != nil {
		var se *stepError
		step := "restore"
		if errors.As(err, &se) {
			step = se.step
		}
		st.emit(step, o.ID, err)
		if o.Overdue(now) {
			// The window is over and the door is still open: that is worth
			// an alert (each sweep that fails sends it again; the record on
			// the issue is one comment).
			e.announceRollback(ctx, o, notify.KindRestoreFailed, actor, fmt.Sprintf("overdue and not rolled back: %v", err))
		}
		return nil, &Error{Op: "close", Step: step, Err: err, Unchanged: fmt.Sprintf("%s is still relaxed as %s recorded it", t, o.ID),
			Next: fmt.Sprintf("run `glass close %s` again; `glass sweep` rolls it back after %s expires", o.ID, o.ID)}
	}
	o.State = override.StateClosing

	// Round 2: the restore write.
	remaining := others[:0:0]
	for _, x := range others {
		if x.State != override.StateClosing {
			remaining = append(remaining, x)
		}
	}
	desired, err := relax(lv, t, orig, relaxOf(remaining, nil))
	if err != nil {
		return nil, &Error{Op: "close", Step: "restore", Err: err, Unchanged: t.String()}
	}
	withMe := append(append([]*override.Override(nil), others...), o)
	if pending != override.StateActive {
		// An applying or failed override may or may not have reached
		// GitHub: both are expected states.
		pending = override.StateApplying
	}
	c1, err1 := relax(lv, t, orig, relaxOf(withMe, nil))
	c2, err2 := relax(lv, t, orig, relaxOf(withMe, func(x *override.Override) bool {
		return x.State == override.StateActive || (x == o && pending == override.StateActive)
	}))
	cands := []lever.Fields{c1, c2}
	if pending != override.StateActive {
		c3, err3 := relax(lv, t, orig, relaxOf(others, nil))
		err2 = errors.Join(err2, err3)
		cands = append(cands, c3)
	}
	if err := errors.Join(err1, err2); err != nil {
		return nil, &Error{Op: "close", Step: "restore", Err: err, Unchanged: t.String()}
	}
	expected := expectedFor(live.Fields, cands...)
	plan := lever.Merge(orig, expected, live.Fields, desired)

	got := live.Fields
	var werr error
	var g2 errgroup.Group
	g2ctx := ctx
	if len(lever.Diff(plan.Want, live.Fields)) > 0 {
		g2.Go(func() error {
			werr = e.again(g2ctx, func() (err error) { got, err = lv.Write(g2ctx, t, live.Fields, plan.Want); return err })
			if werr == nil && got == nil {
				var s lever.Snapshot
				s, werr = lv.Read(g2ctx, t)
				got = s.Fields
			}
			return nil
		})
	}
	if act != nil {
		g2.Go(func() error { e.markReviews(g2ctx, o, act); return nil })
	}
	_ = g2.Wait()
	res := &CloseResult{Override: o, Plan: plan, Remaining: len(remaining), Activity: act}
	if werr != nil {
		st.emit("restore", o.ID, werr)
		e.announceRollback(ctx, o, notify.KindRestoreFailed, actor, fmt.Sprintf("the rollback write failed: %v; %s may still be relaxed", werr, t))
		// The PUT may or may not have reached GitHub. The record still
		// says closing; sweep finishes it. No result: nothing was
		// verified, and a caller must not print it as if it had been.
		return nil, &Error{Op: "close", Step: "restore", Err: werr,
			Changed:   fmt.Sprintf("the audit issue %s now says closing", o.ID),
			Unchanged: fmt.Sprintf("%s may still be relaxed: glass could not confirm the restore", t),
			Next:      fmt.Sprintf("run `glass close %s` again or `glass sweep -R %s`; both finish the rollback", o.ID, mustRepo(o.ID))}
	}
	res.Verified = lever.Diff(plan.Want, got)
	st.emit("restore", t.String(), nil)

	// Round 3: record.
	closed := e.clock.Now()
	if actor == "" {
		actor = o.Actor
	}
	evs := []ledger.Event{}
	var retErr error
	if len(res.Verified) == 0 {
		o.State = override.StateClosed
		o.Closed = closed
		summary := fmt.Sprintf("%s and verified: %s", verb(kind), t)
		if len(remaining) > 0 {
			summary += fmt.Sprintf(" (still relaxed for %d other override(s) on the same setting)", len(remaining))
		}
		// Restored and reconciled share one key: two sweepers, or a sweep
		// after a close whose answer was lost, record one rollback.
		evs = append(evs, ledger.Event{Kind: kind, Key: "restored", At: closed, Actor: actor, Summary: summary, Plan: &res.Plan, Text: reason,
			Fields: &ledger.FieldTable{Before: orig, During: live.Fields, After: got}})
		st.emit("verify", "", nil)
	} else {
		o.State = override.StateFailed
		evs = append(evs, ledger.Event{Kind: ledger.KindRestoreFailed, Key: failedKey(res.Verified), At: closed, Actor: actor,
			Summary: fmt.Sprintf("rollback of %s could not be verified: %d field(s) differ", t, len(res.Verified)), Plan: &res.Plan, Verified: res.Verified, Text: reason,
			Fields: &ledger.FieldTable{Before: orig, During: live.Fields, After: got}})
		retErr = &RestoreIncompleteError{ID: o.ID, Target: t.String(), Mismatches: res.Verified}
		st.emit("verify", o.ID, retErr)
	}
	if act != nil {
		evs = append(evs, ledger.Event{Kind: ledger.KindActivity, Key: "activity", At: closed, Actor: actor, Summary: act.summary(), Activity: toLedgerActivity(act)})
	}
	// Beside the record, list again when others remain: one of them may
	// have been closed at the same moment, each close keeping what the
	// other needed (settleClose).
	var relisted []*override.Override
	relistOK := false
	relist := make(chan struct{})
	if len(remaining) > 0 && retErr == nil {
		go func() {
			defer close(relist)
			var err error
			relisted, _, _, err = e.listLive(ctx, mustRepo(o.ID))
			relistOK = err == nil
		}()
	} else {
		close(relist)
	}
	err = e.recordEvents(ctx, o, contested, evs...)
	<-relist
	if relistOK {
		if serr := e.settleClose(ctx, lv, o, orig, desired, remaining, relisted); serr != nil {
			st.emit("restore", o.ID, serr)
			return res, &Error{Op: "close", Step: "restore", Err: serr,
				Changed:   fmt.Sprintf("%s was rolled back for %s", t, o.ID),
				Unchanged: "what the other overrides on the same setting need may not match the live setting (another one was closed at the same time)",
				Next:      fmt.Sprintf("run `glass sweep -R %s`, then `glass status` to check", mustRepo(o.ID))}
		}
	}
	if err != nil {
		st.emit("record", o.ID, err)
		e.announceRolledBack(ctx, res, actor, retErr)
		if retErr != nil {
			return res, retErr
		}
		return res, &Error{Op: "close", Step: "record", Err: err,
			Changed:   fmt.Sprintf("%s was restored and verified", t),
			Unchanged: fmt.Sprintf("the audit issue %s may still say closing", o.ID),
			Next:      fmt.Sprintf("run `glass sweep -R %s`: it records the rollback and closes the issue", mustRepo(o.ID))}
	}
	st.emit("record", o.ID, nil)
	e.announceRolledBack(ctx, res, actor, retErr)
	return res, retErr
}

// announceRolledBack announces a recorded rollback: restored, or
// restore-failed with the fields that still differ.
func (e *Engine) announceRolledBack(ctx context.Context, res *CloseResult, actor string, failed error) {
	o := res.Override
	if failed != nil {
		e.announceRollback(ctx, o, notify.KindRestoreFailed, actor, failed.Error())
		return
	}
	detail := fmt.Sprintf("rolled back and verified field by field by %s", actor)
	if res.Remaining > 0 {
		detail += fmt.Sprintf("; still relaxed for %d other override(s) on the same setting", res.Remaining)
	}
	e.announceRollback(ctx, o, notify.KindRestored, actor, detail)
}

func verb(kind ledger.Kind) string {
	if kind == ledger.KindReconciled {
		return "reconciled (finished a half-done change)"
	}
	return "reverted"
}

func mustRepo(id string) string {
	r, _ := repoOfID(id)
	return r
}

// Extend moves an override's expiry by `by` and records who and why.
func (e *Engine) Extend(ctx context.Context, id string, by time.Duration, reason string) (*override.Override, error) {
	if by <= 0 {
		return nil, &RefusalError{Reason: "--by must be positive"}
	}
	// Who extends is read beside the lookup: two requests, one round trip.
	whoami := e.whoamiBeside(ctx)
	o, _, err := e.find(ctx, "extend", id)
	login, uerr := whoami()
	if err != nil {
		return nil, err
	}
	if o.State != override.StateActive {
		return nil, &RefusalError{Reason: fmt.Sprintf("%s is %s, not active", id, o.State), Hint: "only an active override can be extended"}
	}
	if uerr != nil {
		return nil, &Error{Op: "extend", Step: "identity", Err: uerr, Unchanged: "the expiry of " + id, Next: "run the same command again"}
	}
	if err := e.checkExtension(ctx, o, by); err != nil {
		return nil, err
	}
	now := e.clock.Now()
	ext := override.Extension{By: override.Duration(by), At: now, Actor: login, Reason: reason}
	o.Extensions = append(o.Extensions, ext)
	o.Expires = o.Expires.Add(by)
	ev := ledger.Event{Kind: ledger.KindExtended, Key: fmt.Sprintf("extended-%d", len(o.Extensions)), At: now, Actor: ext.Actor, Text: reason, Extension: &ext,
		Summary: fmt.Sprintf("extended by %s to %s", by, o.Expires.UTC().Format(time.RFC3339))}
	if err := e.record(ctx, o, ev); err != nil {
		return nil, &Error{Op: "extend", Step: "record", Err: err, Unchanged: "the setting; the expiry may still be the old one", Next: "run `glass status` to check, then extend again"}
	}
	e.announceExtension(ctx, o, ext)
	return o, nil
}

// settleClose handles overlapping overrides closed at the same moment:
// each close left what the other still needed, so the last write could
// leave a relaxation nobody holds. If the overrides still live on the
// setting are not the ones this close kept, the setting is made what
// those need now. Both closers run it; at least one sees the other's
// change, and the later write wins with the right value.
func (e *Engine) settleClose(ctx context.Context, lv lever.Lever, o *override.Override, orig, wrote lever.Fields, kept, relisted []*override.Override) error {
	t := o.Target
	var still []*override.Override
	for _, x := range sameKey(relisted, o.Lever, t, o.ID) {
		if x.State != override.StateClosing {
			still = append(still, x)
		}
	}
	ids := func(l []*override.Override) string {
		var s []string
		for _, x := range l {
			s = append(s, x.ID)
		}
		return strings.Join(s, ",")
	}
	if ids(still) == ids(kept) {
		return nil
	}
	desired, err := relax(lv, t, orig, relaxOf(still, nil))
	if err != nil {
		return err
	}
	var live lever.Snapshot
	if err := e.again(ctx, func() (err error) { live, err = lv.Read(ctx, t); return err }); err != nil {
		return fmt.Errorf("re-reading %s after a concurrent close: %w", t, err)
	}
	plan := lever.Merge(orig, expectedFor(live.Fields, wrote, desired, orig), live.Fields, desired)
	if len(lever.Diff(plan.Want, live.Fields)) == 0 {
		return nil
	}
	var got lever.Fields
	werr := e.again(ctx, func() (err error) { got, err = lv.Write(ctx, t, live.Fields, plan.Want); return err })
	if werr == nil && got == nil {
		var s lever.Snapshot
		s, werr = lv.Read(ctx, t)
		got = s.Fields
	}
	if werr != nil {
		return fmt.Errorf("writing what the remaining overrides need on %s: %w", t, werr)
	}
	if mm := lever.Diff(plan.Want, got); len(mm) > 0 {
		return fmt.Errorf("%d field(s) of %s differ after the write", len(mm), t)
	}
	return nil
}

// failedKey names a failed-rollback record by what still differs, so a
// sweep that retries every few minutes and meets the same difference does
// not add the same comment again.
func failedKey(mm []lever.Mismatch) string {
	b, _ := json.Marshal(mm)
	h := sha256.Sum256(b)
	return "restore-failed-" + hex.EncodeToString(h[:6])
}
