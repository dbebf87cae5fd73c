package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// recentWindow is how many of a person's latest audit issues the
// unreviewed-override check reads (one request).
const recentWindow = 30

// lastUnreviewedSelfApproved returns the ID of login's most recent
// self-approved override in auditRepo when nobody has reviewed it yet, or
// "" (policy review.block_unreviewed_self_approved). One request: the
// issues login opened, newest first. Drills and requests that never opened
// do not count; only the latest self-approved override matters.
func (e *Engine) lastUnreviewedSelfApproved(ctx context.Context, auditRepo, login string) (string, error) {
	var list []*override.Override
	err := e.again(ctx, func() (err error) { list, err = e.ledger.ListRecentBy(ctx, auditRepo, login, recentWindow); return err })
	if err != nil {
		return "", err
	}
	sortNewest(list)
	for _, o := range list {
		if !selfApproved(o) || !strings.EqualFold(o.Actor, login) {
			continue
		}
		if o.Review == nil {
			return o.ID, nil
		}
		return "", nil
	}
	return "", nil
}

// selfApproved reports whether o opened without a second person (and is
// not a drill): the overrides a post-incident review signs off.
func selfApproved(o *override.Override) bool {
	if o.Drill || o.Approval == nil || o.Approval.Mode != ApprovalSelf {
		return false
	}
	return o.State != override.StateRequested && o.State != override.StateDenied && !o.Opened.IsZero()
}

// sortNewest orders overrides newest request first (ties: higher number).
func sortNewest(list []*override.Override) {
	sortOverrides(list)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
}

// Review signs off the post-incident review of the override id (`glass
// review ID`): the checklist in the audit issue is ticked, and a
// "reviewed" comment records who and when, with notes. Only an override
// that opened and is over (closed, or failed and looked at) can be
// reviewed; the requester may not review their own unless the policy's
// review.allow_self_review says so. Cost: two reads (the issue, who you
// are) and two writes (the issue, the comment), each pair in parallel.
func (e *Engine) Review(ctx context.Context, id, notes string) (*override.Override, error) {
	whoami := e.whoamiBeside(ctx)
	var o *override.Override
	err := e.again(ctx, func() (err error) { o, err = e.ledger.LoadOverride(ctx, id); return err })
	login, uerr := whoami()
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			err = fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return nil, &Error{Op: "review", Step: "audit", Err: err, Unchanged: "nothing; no review was recorded", Next: "check the ID (OWNER/REPO#N of the audit issue) and your access"}
	}
	if uerr != nil {
		return nil, &Error{Op: "review", Step: "identity", Err: uerr, Unchanged: "nothing; no review was recorded", Next: "run the same command again"}
	}
	switch {
	case o.State == override.StateRequested || o.State == override.StateDenied || o.Opened.IsZero():
		return o, &RefusalError{Reason: fmt.Sprintf("%s never opened (state %s): there is nothing to review", o.ID, o.State)}
	case !o.State.Terminal():
		return o, &RefusalError{Reason: fmt.Sprintf("%s is still %s", o.ID, o.State), Hint: fmt.Sprintf("review it once it is closed (`glass close %s`)", o.ID)}
	case o.Review != nil:
		return o, &RefusalError{Reason: fmt.Sprintf("%s was already reviewed by %s at %s", o.ID, o.Review.By, o.Review.At.UTC().Format(time.RFC3339))}
	}
	if strings.EqualFold(login, o.Actor) {
		pol, err := e.requestPolicy(ctx, o)
		if err != nil {
			return o, &Error{Op: "review", Step: "policy", Err: fmt.Errorf("reading the policy for %s: %w", o.Target.Repo, err),
				Unchanged: "nothing; no review was recorded", Next: "fix the policy file or your network, then run the same command again"}
		}
		if !pol.Review.AllowSelfReview {
			return o, &RefusalError{Reason: fmt.Sprintf("%s opened %s and may not review it (the policy %s does not set review.allow_self_review)", login, o.ID, pol.Source),
				Hint: "ask a colleague to run `glass review " + o.ID + "`"}
		}
	}
	now := e.clock.Now()
	o.Review = &override.Review{By: login, At: now, Note: strings.Join(strings.Fields(notes), " ")}
	summary := fmt.Sprintf("post-incident review signed off by %s", login)
	if selfApproved(o) {
		summary = fmt.Sprintf("post-incident review of a self-approved override signed off by %s", login)
	}
	if err := e.record(ctx, o, ledger.Event{Kind: ledger.KindReviewed, At: now, Actor: login, Summary: summary, Text: o.Review.Note}); err != nil {
		return o, &Error{Op: "review", Step: "record", Err: err, Unchanged: "the review may not be recorded completely",
			Next: fmt.Sprintf("run `glass review %s` again (it says so if the review was recorded)", o.ID)}
	}
	return o, nil
}
