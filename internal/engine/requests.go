package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/ghapi"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
)

// Requests nobody waits for. A request (state requested) is normally
// decided while its `glass open` polls the issue (approval.go). When nobody
// polls it — the requester used --no-wait, or their glass died or gave up
// — the request is settled here, by `glass sweep` (every request) and by
// `glass approve` (the request just approved):
//
//   - approved by an eligible approver before the request's deadline
//     (Approval.Until): applied now, reusing the issue, with the requester
//     as the override's actor; the window starts at this grant, so time
//     spent waiting never shortens it;
//   - denied or withdrawn before the deadline: closed as denied;
//   - past the deadline without a decision: closed as timed out (denied,
//     state_reason not_planned). An approval made after the deadline
//     grants nothing.
//
// A request whose opener may still be polling (made without --no-wait,
// and not yet past its deadline plus the reconcile grace) is left to it,
// so that two processes never apply the same approval.

// RequestAction says what was done with a request.
type RequestAction string

const (
	RequestApplied  RequestAction = "applied"   // approved in time and applied now
	RequestDenied   RequestAction = "denied"    // denied or withdrawn; closed
	RequestTimedOut RequestAction = "timed-out" // no decision before the deadline; closed
)

// RequestResult is one request settled by sweep or approve.
type RequestResult struct {
	Override *override.Override // the record as saved (state active, or denied)
	Action   RequestAction
}

// requestDeadline is when o stops waiting for approval: Approval.Until,
// or for a record written before glass stored it, the request time plus
// the rule's approval timeout.
func (e *Engine) requestDeadline(pol *policy.Policy, o *override.Override) time.Time {
	if o.Approval != nil && !o.Approval.Until.IsZero() {
		return o.Approval.Until
	}
	rule := ""
	if o.Approval != nil {
		rule = o.Approval.Rule
	}
	d := 30 * time.Minute
	if pol != nil {
		if t := pol.ApprovalTimeout(rule); t > 0 {
			d = t
		}
	}
	return o.Requested.Add(d)
}

// ownedByOpener reports whether a `glass open` may still be polling o.
func (e *Engine) ownedByOpener(o *override.Override, deadline, now time.Time) bool {
	if o.Approval != nil && o.Approval.NoWait {
		return false
	}
	return !now.After(deadline.Add(e.grace))
}

// requestPolicy is the policy that decides on o's approvers.
func (e *Engine) requestPolicy(ctx context.Context, o *override.Override) (*policy.Policy, error) {
	if e.policy != nil {
		return e.policyFor(ctx, o.Target.Repo)
	}
	return e.LoadPolicy(ctx, o.Target.Repo)
}

// requestOf is the open request a record describes.
func requestOf(o *override.Override) OpenRequest {
	return OpenRequest{Lever: o.Lever, Target: o.Target, Relax: o.Relax, Duration: time.Duration(o.Duration), Reason: o.Reason,
		Incident: o.Incident, AuditRepo: mustRepo(o.ID), Drill: o.Drill}
}

// settleRequest decides a request nobody polls (see above). It returns nil
// when there is nothing to do yet.
func (e *Engine) settleRequest(ctx context.Context, o *override.Override) (*RequestResult, error) {
	now := e.clock.Now()
	if o.Approval != nil && !o.Approval.Until.IsZero() && e.ownedByOpener(o, o.Approval.Until, now) {
		return nil, nil // its open is polling: costs sweep nothing
	}
	pol, err := e.requestPolicy(ctx, o)
	if err != nil {
		return nil, &Error{Op: "sweep", Step: "policy", Err: fmt.Errorf("reading the policy for %s to check the approvers of %s: %w", o.Target.Repo, o.ID, err),
			Unchanged: fmt.Sprintf("%s (still requested; nothing was applied)", o.ID), Next: "fix the policy file or your network; the next sweep tries again"}
	}
	deadline := e.requestDeadline(pol, o)
	if e.ownedByOpener(o, deadline, now) {
		return nil, nil
	}
	if o.Approval == nil {
		o.Approval = &override.Approval{Mode: ApprovalRequired}
	}
	owner, name, n, err := splitID(o.ID)
	if err != nil {
		return nil, err
	}
	comments, err := e.allComments(ctx, owner, name, n)
	if err != nil {
		return nil, &Error{Op: "sweep", Step: "approval", Err: fmt.Errorf("reading the decisions on %s: %w", o.ID, err),
			Unchanged: fmt.Sprintf("%s (still requested; nothing was applied)", o.ID), Next: "the next sweep tries again"}
	}
	preq := policyRequest(requestOf(o), o.Actor, o.Requested)
	approval, denial := e.scanDecisions(ctx, o, pol, preq, o.Approval.Rule, comments, deadline, nil)
	switch {
	case approval != nil:
		// Another process (glass approve, a second sweep) may have applied
		// it since o was listed: read the record again (one GET) and leave
		// it alone unless it still waits. Two appliers racing within that
		// round trip both apply the same relaxation (GitHub has no
		// conditional write for issues); settleApply then keeps one
		// record, and the losers report nothing (see resume).
		fresh, err := e.ledger.LoadOverride(ctx, o.ID)
		if err != nil {
			return nil, &Error{Op: "sweep", Step: "audit", Err: fmt.Errorf("re-reading %s before applying it: %w", o.ID, err),
				Unchanged: fmt.Sprintf("%s (still requested; nothing was applied)", o.ID), Next: "the next sweep tries again"}
		}
		if fresh.State != override.StateRequested {
			return nil, nil
		}
		if err := e.canApply(ctx, o); err != nil {
			return nil, err
		}
		opened, lost, err := e.resume(ctx, o, pol, preq, approval)
		if err != nil {
			return nil, err
		}
		if lost {
			return nil, nil // another process applied it at the same moment; its record stands
		}
		return &RequestResult{Override: opened, Action: RequestApplied}, nil
	case denial != "":
		return &RequestResult{Override: o, Action: RequestDenied}, e.closeRequest(ctx, o, pol, o.Approval.Approver, denial)
	case now.After(deadline):
		why := fmt.Sprintf("no eligible approver answered before %s (timed out); closed by glass sweep, nothing was applied", deadline.UTC().Format(time.RFC3339))
		return &RequestResult{Override: o, Action: RequestTimedOut}, e.closeRequest(ctx, o, pol, "", why)
	}
	return nil, nil
}

// closeRequest closes a request as denied (a denial, a withdrawal or the
// timeout): nothing was changed on the target.
func (e *Engine) closeRequest(ctx context.Context, o *override.Override, pol *policy.Policy, by, why string) error {
	at := e.clock.Now()
	o.State = override.StateDenied
	o.Closed = at
	if o.Approval == nil {
		o.Approval = &override.Approval{}
	}
	o.Approval.Mode = ApprovalDenied
	o.Approval.At = at
	o.Approval.Reason = why
	if by != "" {
		o.Approval.Approver = by
	}
	err := e.record(ctx, o, ledger.Event{Kind: ledger.KindDenied, At: at, Actor: by, Summary: why})
	e.announce(ctx, pol, o, notify.KindDenied, by, why)
	return err
}

// resume applies an approved request: open, reusing the request's issue;
// the requester stays the override's actor. lost reports that another
// process applied it at the same moment and its record stands
// (appliedElsewhere, settleApply): the caller then reports nothing, so
// the apply is counted once.
func (e *Engine) resume(ctx context.Context, o *override.Override, pol *policy.Policy, preq policy.Request, approval *override.Approval) (opened *override.Override, lost bool, err error) {
	o.Approval = approval
	if err := e.appendEvent(ctx, o, ledger.Event{Kind: ledger.KindApproved, At: approval.At, Actor: approval.Approver, Summary: approval.Reason}); err != nil {
		return nil, false, &Error{Op: "open", Step: "approval", Err: fmt.Errorf("recording the approval of %s: %w", o.ID, err),
			Unchanged: o.Target.String() + "; nothing was relaxed", Next: "run `glass sweep` again"}
	}
	req := requestOf(o)
	ar := &approvedRequest{o: o, adm: &admission{pol: pol, preq: preq, dec: policy.Decision{Rule: approval.Rule, Source: pol.Source}}, contested: true}
	req.approved = ar
	opened, err = e.open(ctx, req, nil)
	return opened, ar.lost, err
}

// appliedElsewhere, run after open's reads for a request nobody waits
// for, reports whether another process is already applying it: the
// request's own issue is live (applying, active) in the list, or the
// setting already is what this apply would make it and the record, read
// again (one GET, only then), no longer says requested. Going on would
// record as the original a setting another applier already relaxed.
func (e *Engine) appliedElsewhere(ctx context.Context, p *planned, ar *approvedRequest) (bool, error) {
	for _, x := range p.list {
		if x != nil && x.ID == ar.o.ID && x.State != override.StateRequested {
			ar.lost = true
			return true, nil
		}
	}
	if len(lever.Diff(p.want, p.snap.Fields)) > 0 {
		return false, nil
	}
	var fresh *override.Override
	err := e.again(ctx, func() (err error) { fresh, err = e.ledger.LoadOverride(ctx, ar.o.ID); return err })
	if err != nil {
		return false, &Error{Op: "open", Step: "audit", Err: fmt.Errorf("re-reading %s before applying it: %w", ar.o.ID, err),
			Unchanged: fmt.Sprintf("%s (still requested; nothing was applied)", ar.o.ID), Next: "the next sweep tries again"}
	}
	ar.lost = fresh.State != override.StateRequested
	return ar.lost, nil
}

// settleApply makes a contested apply of a request nobody waits for
// single, as the contested rollback does (recordEvents with dedupe): two
// appliers that both passed the re-read in settleRequest both post
// "approved" and "applied"; each then runs ledger.Store.DedupeKept on
// those keys (lowest comment id wins), so one record of each remains
// whatever the interleaving. An applier whose applied record was not kept
// adopts the kept one's grant time, so the window (Opened,
// Expires) is the record's whichever body was saved last: the kept
// applier's own Save carries it, and every other applier saves it again
// after its own.
func (e *Engine) settleApply(ctx context.Context, o *override.Override, ar *approvedRequest) error {
	var kept map[string]ledger.Kept
	err := e.again(ctx, func() (err error) {
		kept, _, err = e.ledger.DedupeKept(ctx, o.ID, string(ledger.KindApproved), string(ledger.KindApplied))
		return err
	})
	if err != nil {
		return err
	}
	k, ok := kept[string(ledger.KindApplied)]
	if !ok || k.Mine {
		return nil
	}
	ar.lost = true
	if k.Event.At.IsZero() || k.Event.At.Equal(o.Opened) {
		return nil
	}
	o.Opened = k.Event.At
	o.Expires = o.Opened.Add(time.Duration(o.Duration))
	cp := *o
	return e.again(ctx, func() error { return e.ledger.Save(ctx, &cp) })
}

// Resume settles one request after `glass approve`: when nobody polls it
// (--no-wait), the approval is applied now with the caller's token. It
// returns nil when the request's own `glass open` is still waiting (it
// applies the approval itself).
func (e *Engine) Resume(ctx context.Context, id string) (*RequestResult, error) {
	o, _, err := e.find(ctx, "approve", id)
	if err != nil {
		return nil, err
	}
	if o.State != override.StateRequested {
		return nil, &RefusalError{Reason: fmt.Sprintf("%s is %s, not waiting for approval", o.ID, o.State)}
	}
	return e.settleRequest(ctx, o)
}

// expiredRequest refuses a decision on a request past its deadline.
func (e *Engine) expiredRequest(ctx context.Context, o *override.Override, verb string) error {
	pol, _ := e.requestPolicy(ctx, o)
	deadline := e.requestDeadline(pol, o)
	if !e.clock.Now().After(deadline) {
		return nil
	}
	return &RefusalError{Reason: fmt.Sprintf("%s stopped waiting for approval at %s; a decision now grants nothing", o.ID, deadline.UTC().Format(time.RFC3339)),
		Hint: fmt.Sprintf("nothing was posted; `glass sweep -R %s` closes it as timed out, and %s can ask again", mustRepo(o.ID), strings.TrimSpace(o.Actor))}
}

// canApply checks, before an approved request is applied by whoever holds
// this token (the approver's `glass approve`, a sweep), that the token has
// admin on the target repository, which the protection, ruleset and
// access levers need (repos/get: permissions.admin). Without it the apply
// would fail part-way and use up the approval; refused here, the request
// stays approved and the next capable sweep applies it. The team lever's
// rights (org owner or team maintainer) are left to the lever.
func (e *Engine) canApply(ctx context.Context, o *override.Override) error {
	if o.Lever == override.LeverTeam {
		return nil
	}
	owner, name, err := ghapi.SplitRepo(o.Target.Repo)
	if err != nil {
		return err
	}
	var admin bool
	err = e.again(ctx, func() error {
		r, _, err := e.gh.Repositories.Get(ctx, owner, name)
		admin = r.GetPermissions()["admin"]
		return err
	})
	if err != nil {
		return &Error{Op: "open", Step: "snapshot", Err: fmt.Errorf("reading your permissions on %s: %w", o.Target.Repo, err),
			Unchanged: fmt.Sprintf("%s (still requested and approved; nothing was applied)", o.ID), Next: "the next `glass sweep` tries again"}
	}
	if !admin {
		return &RefusalError{Reason: fmt.Sprintf("this token has no admin rights on %s, which applying %s needs", o.Target.Repo, o.ID),
			Hint: fmt.Sprintf("the approval stays recorded; `glass sweep -R %s` with a token that has admin (the scheduled sweep, or the requester's) applies it", mustRepo(o.ID))}
	}
	return nil
}
