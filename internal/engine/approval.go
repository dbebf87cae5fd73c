package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
)

// The approval flow. When the policy requires a second person, open writes
// the audit issue in state requested (nothing else changes), mentions the
// approvers, and waits for an "/approve" or "/deny" comment on the issue by
// an eligible approver (`glass approve` and `glass deny` post exactly such
// a comment after checking eligibility). The commenter is who GitHub says
// wrote the comment, so nobody can approve in someone else's name; the
// waiting open checks eligibility again (policy.CanApprove, team
// membership through the API) before it trusts a comment. Only then does
// it read the setting afresh and open as usual, reusing the issue; the
// window starts when access is granted. A denial or the timeout closes the
// issue as denied, and nothing was changed.

// ApprovalMode values recorded in override.Approval.Mode.
const (
	ApprovalSelf     = "self"     // no second person (policy allows it, or no policy)
	ApprovalApproved = "approved" // a second person approved
	ApprovalRequired = "required" // requested; waiting for an approver
	ApprovalDenied   = "denied"   // denied or timed out
)

// ExitPending is the exit code of a request left waiting for approval.
const ExitPending = 8

// PendingError means the request was recorded and waits for an approver
// (open with NoWait). Nothing was changed yet.
type PendingError struct {
	ID        string
	Approvers []string
	Until     time.Time
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("%s waits for approval by %s until %s; nothing was changed yet; an approver runs `glass approve %s` (or comments /approve on the issue)",
		e.ID, strings.Join(e.Approvers, ", "), e.Until.UTC().Format(time.RFC3339), e.ID)
}
func (e *PendingError) ExitCode() int { return ExitPending }

// approvedRequest carries an approved request back into open.
type approvedRequest struct {
	o   *override.Override
	adm *admission
	// contested: nobody waits for the request, so another process (glass
	// approve, a sweep) may apply it at the same time (requests.go); lost
	// is set when another's apply is the record (settleApply).
	contested bool
	lost      bool
}

// commandRE matches a decision comment: /approve or /deny as the first
// word of the first line, then an optional reason.
var commandRE = regexp.MustCompile(`^\s*/(approve|deny)\b[ \t]*(.*)`)

// ParseCommand reads "/approve REASON" or "/deny REASON" from a comment.
func ParseCommand(body string) (verb, reason string, ok bool) {
	first, _, _ := strings.Cut(body, "\n")
	m := commandRE.FindStringSubmatch(first)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[2]), true
}

// openWithApproval records the request, waits for a decision and, when
// approved, opens.
func (e *Engine) openWithApproval(ctx context.Context, req OpenRequest, p *planned, adm *admission, st *stepper) (*override.Override, error) {
	now := e.clock.Now()
	timeout := adm.dec.ApprovalTimeout
	if w := e.policy.Wait; w > 0 && w < timeout {
		timeout = w
	}
	if req.Wait > 0 && req.Wait < timeout {
		timeout = req.Wait
	}
	o := &override.Override{
		Lever: req.Lever, Target: req.Target, Relax: req.Relax, Actor: p.actor, Reason: req.Reason, Incident: req.Incident,
		Duration: override.Duration(req.Duration), Drill: req.Drill, State: override.StateRequested, Requested: now,
		Approval: &override.Approval{Mode: ApprovalRequired, Rule: adm.dec.Rule, At: now, Until: now.Add(timeout), NoWait: req.NoWait,
			Reason: fmt.Sprintf("waiting for %s until %s", strings.Join(adm.dec.Approvers, ", "), now.Add(timeout).UTC().Format(time.RFC3339))},
	}
	x := adm.extras
	x.Notices = p.invalidNotices
	if err := e.create(ctx, p.audit, o, x); err != nil {
		st.emit("audit", "", err)
		return nil, &Error{Op: "open", Step: "audit", Err: err,
			Unchanged: fmt.Sprintf("%s; glass made no change and asked nobody for approval, because it could not write the request", req.Target),
			Next:      fmt.Sprintf("check that you can create issues in %s, then run the same command again", p.audit)}
	}
	st.emit("audit", o.ID, nil)
	reqEv := ledger.Event{Kind: ledger.KindApprovalRequested, At: now, Actor: p.actor,
		Summary: fmt.Sprintf("approval required under rule %q from %s; waiting until %s", adm.dec.Rule, strings.Join(adm.dec.Approvers, ", "), now.Add(timeout).UTC().Format(time.RFC3339)),
		Text:    fmt.Sprintf("An approver runs `glass approve %s` (or `glass deny %s --reason ...`), or comments /approve or /deny on this issue. %s may not approve their own request unless the rule allows it.", o.ID, o.ID, p.actor)}
	if err := errors.Join(e.appendEvent(ctx, o, adm.policyEvent(p.actor, now)), e.appendEvent(ctx, o, reqEv)); err != nil {
		// The issue says "requested" in its body; the comments are detail.
		st.emit("audit", o.ID, err)
	}
	e.announce(ctx, adm.pol, o, notify.KindRequested, p.actor, "approval required from "+strings.Join(adm.dec.Approvers, ", "))
	if req.NoWait {
		return o, &PendingError{ID: o.ID, Approvers: adm.dec.Approvers, Until: now.Add(timeout)}
	}
	st.emit("approval", fmt.Sprintf("waiting for %s on %s until %s", strings.Join(adm.dec.Approvers, ", "), o.ID, now.Add(timeout).UTC().Format(time.RFC3339)), nil)

	approval, denial, err := e.waitForDecision(ctx, o, adm, now.Add(timeout))
	if err != nil {
		st.emit("approval", o.ID, err)
		return o, &Error{Op: "open", Step: "approval", Err: err,
			Changed:   fmt.Sprintf("the request %s exists (state requested)", o.ID),
			Unchanged: req.Target.String() + "; nothing was relaxed",
			Next:      fmt.Sprintf("run the same command again once GitHub is reachable (a new request); `glass sweep -R %s` closes the stale one once it times out", p.audit)}
	}
	if denial != "" {
		at := e.clock.Now()
		o.State = override.StateDenied
		o.Closed = at
		o.Approval.Mode = ApprovalDenied
		o.Approval.At = at
		o.Approval.Reason = denial
		recErr := e.record(ctx, o, ledger.Event{Kind: ledger.KindDenied, At: at, Actor: o.Approval.Approver, Summary: denial})
		e.announce(ctx, adm.pol, o, notify.KindDenied, o.Approval.Approver, denial)
		st.emit("approval", o.ID, errors.New(denial))
		r := &RefusalError{Reason: fmt.Sprintf("%s: %s", o.ID, denial), Hint: "the request is closed as denied"}
		if recErr != nil {
			r.Hint = fmt.Sprintf("recording the denial in %s failed (%v); `glass sweep -R %s` closes it", o.ID, recErr, p.audit)
		}
		return o, r
	}
	o.Approval = approval
	if err := e.appendEvent(ctx, o, ledger.Event{Kind: ledger.KindApproved, At: approval.At, Actor: approval.Approver, Summary: approval.Reason}); err != nil {
		st.emit("approval", o.ID, err)
	}
	st.emit("approval", approval.Approver, nil)
	req.approved = &approvedRequest{o: o, adm: adm}
	return e.open(ctx, req, nil)
}

// waitForDecision polls the audit issue's comments until an eligible
// approver approves or denies, or until deadline. Each poll is one
// conditional GET per page (ghapi's ETag cache): unchanged comments answer
// 304, which GitHub does not count against the rate limit
// (docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
// A comment by someone not eligible is recorded and ignored.
func (e *Engine) waitForDecision(ctx context.Context, o *override.Override, adm *admission, deadline time.Time) (*override.Approval, string, error) {
	repo, n, err := ledger.ParseID(o.ID, "")
	if err != nil {
		return nil, "", err
	}
	owner, name, _ := strings.Cut(repo, "/")
	interval := e.policy.PollInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	seen := map[int64]bool{}
	failures := 0
	for {
		comments, err := e.allComments(ctx, owner, name, n)
		if err != nil {
			failures++
			// A blip is retried on the next poll; GitHub unreachable for
			// three polls in a row ends the wait.
			if failures >= 3 || errors.Is(err, context.Canceled) {
				return nil, "", fmt.Errorf("reading the comments of %s while waiting for approval: %w", o.ID, err)
			}
		} else {
			failures = 0
		}
		if a, denial := e.scanDecisions(ctx, o, adm.pol, adm.preq, adm.dec.Rule, comments, deadline, seen); a != nil || denial != "" {
			return a, denial, nil
		}
		left := deadline.Sub(e.clock.Now())
		if left <= 0 {
			return nil, fmt.Sprintf("no eligible approver answered before %s (timed out)", deadline.UTC().Format(time.RFC3339)), nil
		}
		wait := interval
		if left < wait {
			wait = left + 10*time.Millisecond
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

// scanDecisions reads decision comments in order (skipping the ids in
// seen, and adding to it) and returns the first that counts: an approval
// by an eligible approver, a denial by one, or the requester's
// withdrawal. Comments made after deadline grant nothing; a decision by
// someone not eligible is recorded on the issue (once per comment) and
// ignored.
func (e *Engine) scanDecisions(ctx context.Context, o *override.Override, pol *policy.Policy, preq policy.Request, rule string,
	comments []*github.IssueComment, deadline time.Time, seen map[int64]bool) (*override.Approval, string) {
	for _, c := range comments {
		if seen != nil {
			if seen[c.GetID()] {
				continue
			}
			seen[c.GetID()] = true
		}
		verb, reason, ok := ParseCommand(c.GetBody())
		if !ok {
			continue
		}
		who := c.GetUser().GetLogin()
		at := c.GetCreatedAt().Time
		if !deadline.IsZero() && lateDecision(at, deadline) {
			continue // after the request expired: grants nothing
		}
		if verb == "deny" && strings.EqualFold(who, o.Actor) {
			o.Approval.Approver = who
			return nil, withReason(fmt.Sprintf("withdrawn by the requester %s", who), reason)
		}
		ok, why := pol.CanApprove(ctx, preq, rule, who, e.Directory())
		if !ok {
			_ = e.appendEvent(ctx, o, ledger.Event{Kind: ledger.KindPolicy, Key: "ignored-" + strconv.FormatInt(c.GetID(), 10), At: e.clock.Now(), Actor: who,
				Summary: fmt.Sprintf("/%s by %s ignored: %s", verb, who, why)})
			continue
		}
		if verb == "deny" {
			o.Approval.Approver = who
			return nil, withReason(fmt.Sprintf("denied by %s", who), reason)
		}
		return &override.Approval{Mode: ApprovalApproved, Rule: rule, Approver: who, At: at, Reason: withReason(why, reason),
			Until: o.Approval.Until, NoWait: o.Approval.NoWait}, ""
	}
	return nil, ""
}

// lateDecision reports whether a comment made at `at` may have been made
// after deadline. GitHub's created_at has whole seconds, so a comment
// stamped in the deadline's second may be late: it counts only when its
// whole second ended by the deadline (a decision a second before the end
// may be refused; one after it never grants anything).
func lateDecision(at, deadline time.Time) bool {
	return at.Truncate(time.Second).Add(time.Second).After(deadline)
}

func withReason(s, reason string) string {
	if reason == "" {
		return s
	}
	return s + ": " + reason
}

func (e *Engine) allComments(ctx context.Context, owner, name string, n int) ([]*github.IssueComment, error) {
	var all []*github.IssueComment
	opt := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		var page []*github.IssueComment
		var resp *github.Response
		err := e.again(ctx, func() (err error) { page, resp, err = e.gh.Issues.ListComments(ctx, owner, name, n, opt); return err })
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

// Decide is `glass approve` and `glass deny`: it checks that the caller
// may decide on the request id under the policy, then posts the decision
// comment the waiting open acts on. It changes nothing else.
func (e *Engine) Decide(ctx context.Context, id string, approve bool, reason string) (*override.Override, string, error) {
	verb := "deny"
	if approve {
		verb = "approve"
	}
	whoami := e.whoamiBeside(ctx)
	o, _, err := e.find(ctx, verb, id)
	login, uerr := whoami()
	if errors.Is(err, ErrAlreadyClosed) && o != nil {
		// A closed request (denied, timed out, or already applied and
		// closed) takes no decision: a refusal, nothing posted.
		return o, "", &RefusalError{Reason: fmt.Sprintf("%s is %s, not waiting for approval; a decision now grants nothing", o.ID, o.State), Err: err}
	}
	if err != nil {
		return nil, "", err
	}
	if uerr != nil {
		return nil, "", &Error{Op: verb, Step: "identity", Err: uerr, Unchanged: "nothing; no decision was recorded", Next: "run the same command again"}
	}
	if o.State != override.StateRequested {
		return o, "", &RefusalError{Reason: fmt.Sprintf("%s is %s, not waiting for approval", o.ID, o.State)}
	}
	if err := e.expiredRequest(ctx, o, verb); err != nil {
		return o, "", err
	}
	why := fmt.Sprintf("%s withdrew their own request", login)
	if !(verb == "deny" && strings.EqualFold(login, o.Actor)) {
		pol, err := e.requestPolicy(ctx, o)
		if err != nil {
			return o, "", &Error{Op: verb, Step: "policy", Err: err, Unchanged: "nothing; no decision was recorded", Next: "check the policy file and your network, then run the same command again"}
		}
		rule := ""
		if o.Approval != nil {
			rule = o.Approval.Rule
		}
		preq := policyRequest(OpenRequest{Lever: o.Lever, Target: o.Target, Relax: o.Relax, Duration: time.Duration(o.Duration), Reason: o.Reason, Incident: o.Incident}, o.Actor, o.Requested)
		ok, w := pol.CanApprove(ctx, preq, rule, login, e.Directory())
		if !ok {
			return o, "", &RefusalError{Reason: w}
		}
		why = w
	}
	owner, name, n, err := splitID(o.ID)
	if err != nil {
		return o, "", err
	}
	body := "/" + verb
	if reason != "" {
		body += " " + strings.Join(strings.Fields(reason), " ")
	}
	body += "\n\n<sub>posted by `glass " + verb + "`; the waiting `glass open` records the decision</sub>\n"
	// A POST is not retried: a lost answer could post the decision twice,
	// which is harmless (the first decision wins) but noisy.
	if _, _, err := e.gh.Issues.CreateComment(ctx, owner, name, n, &github.IssueComment{Body: &body}); err != nil {
		return o, "", &Error{Op: verb, Step: "record", Err: err, Unchanged: "nothing; the decision was not posted", Next: "run the same command again"}
	}
	return o, why, nil
}

func splitID(id string) (owner, name string, n int, err error) {
	repo, n, err := ledger.ParseID(id, "")
	if err != nil {
		return "", "", 0, err
	}
	owner, name, err = ghapi.SplitRepo(repo)
	return owner, name, n, err
}

// PendingRequest is one request waiting for approval, for `glass review`.
type PendingRequest struct {
	Override  *override.Override
	CanDecide bool   // the caller may approve it
	Why       string // why (or why not), in words
}

// Pending lists the requests waiting for approval in the audit repository
// and whether the caller may approve each.
func (e *Engine) Pending(ctx context.Context, auditRepo string) ([]PendingRequest, string, error) {
	whoami := e.whoamiBeside(ctx)
	list, _, _, err := e.listLive(ctx, auditRepo)
	login, uerr := whoami()
	if err != nil {
		return nil, "", &Error{Op: "review", Step: "audit", Err: err, Unchanged: "nothing", Next: "check the audit repository and your network"}
	}
	if uerr != nil {
		return nil, "", &Error{Op: "review", Step: "identity", Err: uerr, Unchanged: "nothing", Next: "run the same command again"}
	}
	var out []PendingRequest
	pols := map[string]*policy.Policy{}
	for _, o := range sortOverrides(list) {
		if o.State != override.StateRequested {
			continue
		}
		pol, ok := pols[o.Target.Repo]
		if !ok {
			if pol, err = e.requestPolicy(ctx, o); err != nil {
				out = append(out, PendingRequest{Override: o, Why: "the policy could not be read: " + err.Error()})
				continue
			}
			pols[o.Target.Repo] = pol
		}
		rule := ""
		if o.Approval != nil {
			rule = o.Approval.Rule
		}
		preq := policyRequest(OpenRequest{Lever: o.Lever, Target: o.Target, Relax: o.Relax, Duration: time.Duration(o.Duration), Reason: o.Reason, Incident: o.Incident}, o.Actor, o.Requested)
		can, why := pol.CanApprove(ctx, preq, rule, login, e.Directory())
		out = append(out, PendingRequest{Override: o, CanDecide: can, Why: why})
	}
	return out, login, nil
}
