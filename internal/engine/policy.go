package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
)

// PolicyConfig turns on policy enforcement (.github/glass.yml). With a nil
// Config.Policy the engine behaves as before policies existed: every open
// that passes the gate is recorded as self-approved under "no policy".
type PolicyConfig struct {
	// Load returns the policy that governs a target repository (OWNER/REPO).
	// nil: Engine.LoadPolicy (the repository's default branch, then the
	// owner's .github repository, then policy.Default()).
	Load func(ctx context.Context, repo string) (*policy.Policy, error)
	// Getenv resolves the webhook URL variables the policy names. nil: no
	// URL is ever found, and each webhook is recorded as not delivered.
	Getenv func(string) string
	// Notify tunes webhook delivery (retries, budget, HTTP client). Its
	// Getenv is replaced by the one above.
	Notify notify.Options
	// PollInterval is how often an open that waits for approval looks at
	// the audit issue (conditional requests: a 304 costs no rate limit).
	// Default 5s.
	PollInterval time.Duration
	// Wait bounds the wait for approval; 0 takes the policy's timeout. It
	// can only shorten the policy's timeout, never lengthen it.
	Wait time.Duration
}

// PolicyIdentityGate is a gate that applies the policy's identity
// requirements (two-factor authentication, fresh login). The engine calls
// UseIdentity before Check once the policy is known; the policy's own
// identity rules are then left to the gate, which can see the account.
type PolicyIdentityGate interface {
	UseIdentity(id policy.Identity)
}

func (gs Gates) UseIdentity(id policy.Identity) {
	for _, g := range gs {
		if u, ok := g.(PolicyIdentityGate); ok {
			u.UseIdentity(id)
		}
	}
}

// policyLoad is one policy read, shared by every verb of this engine.
type policyLoad struct {
	done chan struct{}
	p    *policy.Policy
	err  error
}

// policyState is the engine's policy bookkeeping, behind a pointer so
// that copies of the engine (WithProgress) share it.
type policyState struct {
	mu       sync.Mutex
	loads    map[string]*policyLoad // policy reads, by lower-case repository
	dir      teamDirectory
	bg       sync.WaitGroup // notifications still being delivered and recorded
	warnMu   sync.Mutex
	warnings []string // undelivered notifications, for WaitNotifications
}

// startPolicy starts reading the policy for repo in the background (once
// per engine and repository).
func (e *Engine) startPolicy(ctx context.Context, repo string) *policyLoad {
	if e.policy == nil {
		return nil
	}
	key := strings.ToLower(repo)
	e.ps.mu.Lock()
	defer e.ps.mu.Unlock()
	if e.ps.loads == nil {
		e.ps.loads = map[string]*policyLoad{}
	}
	if l := e.ps.loads[key]; l != nil {
		return l
	}
	l := &policyLoad{done: make(chan struct{})}
	e.ps.loads[key] = l
	load := e.policy.Load
	if load == nil {
		load = e.LoadPolicy
	}
	go func() {
		defer close(l.done)
		l.p, l.err = load(context.WithoutCancel(ctx), repo)
	}()
	return l
}

// policyFor returns the policy for repo (nil when policies are off).
func (e *Engine) policyFor(ctx context.Context, repo string) (*policy.Policy, error) {
	l := e.startPolicy(ctx, repo)
	if l == nil {
		return nil, nil
	}
	select {
	case <-l.done:
		return l.p, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// LoadPolicy reads the policy that governs repo: .github/glass.yml on the
// repository's default branch, else in the owner's .github repository,
// else the built-in defaults (policy.Load). It uses the contents API
// (repos/get-content: without ref, "the repository's default branch").
//
// policy.Load asks for the repository's file first and for the owner's
// only when the repository has none; both are read at once here (one round
// trip instead of two on open's critical path when the repository has no
// policy of its own, the common case; one request more when it has one).
func (e *Engine) LoadPolicy(ctx context.Context, repo string) (*policy.Policy, error) {
	owner, _, ok := strings.Cut(repo, "/")
	org := owner + "/.github"
	if !ok || owner == "" || strings.EqualFold(org, repo) {
		return policy.Load(ctx, repo, e.fetchFile)
	}
	type answer struct {
		data  []byte
		found bool
		err   error
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel() // the repository's own policy made the owner's moot
	pre := make(chan answer, 1)
	go func() {
		var a answer
		a.data, a.found, a.err = e.fetchFile(pctx, org, policy.DefaultFile)
		pre <- a
	}()
	return policy.Load(ctx, repo, func(ctx context.Context, r, path string) ([]byte, bool, error) {
		if strings.EqualFold(r, org) && path == policy.DefaultFile {
			select {
			case a := <-pre:
				return a.data, a.found, a.err
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		return e.fetchFile(ctx, r, path)
	})
}

// fetchFile reads path from repo's default branch. 404 (no such file, or
// a repository the token cannot see) is "not found"; anything else is an
// error, because guessing "no policy" would silently switch to the defaults.
func (e *Engine) fetchFile(ctx context.Context, repo, path string) ([]byte, bool, error) {
	owner, name, err := ghapi.SplitRepo(repo)
	if err != nil {
		return nil, false, err
	}
	var fc *github.RepositoryContent
	err = e.again(ctx, func() (err error) {
		fc, _, _, err = e.gh.Repositories.GetContents(ctx, owner, name, path, nil)
		return err
	})
	if ghapi.StatusCode(err) == http.StatusNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if fc == nil {
		return nil, false, fmt.Errorf("%s in %s is a directory, not a file", path, repo)
	}
	s, err := fc.GetContent()
	if err != nil {
		return nil, false, fmt.Errorf("decoding %s from %s: %w", path, repo, err)
	}
	return []byte(s), true, nil
}

// Directory answers team-membership questions through the API, for policy
// decisions (who may open, who may approve). Answers are cached for the
// engine's life.
func (e *Engine) Directory() policy.Directory { return &e.ps.dir }

type teamDirectory struct {
	gh    *github.Client
	mu    sync.Mutex
	known map[string]bool
}

// IsTeamMember reads teams/get-membership-for-user-in-org: 200 with state
// "active" is a member, "pending" (invited, not yet accepted) is not, and
// 404 means not a member (docs.github.com/rest/teams/members#get-team-membership-for-a-user).
func (d *teamDirectory) IsTeamMember(ctx context.Context, org, slug, login string) (bool, error) {
	key := strings.ToLower(org + "/" + slug + "/" + login)
	d.mu.Lock()
	v, ok := d.known[key]
	d.mu.Unlock()
	if ok {
		return v, nil
	}
	m, _, err := d.gh.Teams.GetTeamMembershipBySlug(ctx, org, slug, login)
	switch {
	case ghapi.StatusCode(err) == http.StatusNotFound:
		v = false
	case err != nil:
		return false, fmt.Errorf("checking whether %s is in team %s/%s: %w", login, org, slug, err)
	default:
		v = m.GetState() == "active"
	}
	d.mu.Lock()
	if d.known == nil {
		d.known = map[string]bool{}
	}
	d.known[key] = v
	d.mu.Unlock()
	return v, nil
}

// admission is what the gate and the policy decided for one open.
type admission struct {
	approval *override.Approval
	pol      *policy.Policy  // nil: policies are off
	dec      policy.Decision // zero when pol is nil
	preq     policy.Request
	extras   ledger.BodyExtras
}

// policyRequest maps an open request onto the policy's view of it.
func policyRequest(req OpenRequest, actor string, at time.Time) policy.Request {
	pr := policy.Request{Repo: req.Target.Repo, Lever: string(req.Lever), User: actor, Duration: req.Duration,
		Reason: req.Reason, Incident: req.Incident, At: at}
	switch req.Lever {
	case override.LeverProtection:
		pr.Branch = req.Target.Branch
		pr.Relax = req.Relax
	case override.LeverRuleset:
		// A ruleset chosen by id may name no branch: then only rules that
		// cover every branch ("*" matches "*" and "**") can allow it.
		pr.Branch = req.Target.Branch
		if pr.Branch == "" {
			pr.Branch = "*"
		}
		// The lever's bypass-team:SLUG and bypass-role:ROLE are the
		// policy's "bypass".
		for _, r := range req.Relax {
			if strings.HasPrefix(r, "bypass") {
				r = "bypass"
			}
			pr.Relax = append(pr.Relax, r)
		}
	case override.LeverAccess:
		pr.Permission = req.Target.Permission
	case override.LeverTeam:
		pr.Team = req.Target.Team
	}
	return pr
}

// admit runs the gate and the policy for req. It returns a refusal
// (*RefusalError, exit 3) or a failure (*Error, exit 1) before anything is
// written.
func (e *Engine) admit(ctx context.Context, req *OpenRequest, actor string) (*admission, error) {
	pol, err := e.policyFor(ctx, req.Target.Repo)
	if err != nil {
		var pe policy.Errors
		var pe1 policy.Error
		if errors.As(err, &pe) || errors.As(err, &pe1) {
			return nil, &RefusalError{Reason: "the policy file is invalid: " + err.Error(),
				Hint: "glass refuses to act under a policy it cannot read; fix the file (`glass policy check FILE` shows every error) and try again", Err: err}
		}
		return nil, &Error{Op: "open", Step: "policy", Err: fmt.Errorf("reading the policy for %s: %w", req.Target.Repo, err),
			Unchanged: "nothing; glass made no change and wrote no audit record",
			Next:      "check your network and GitHub's status, then run the same command again"}
	}
	identityByGate := false
	if pol != nil {
		if u, ok := e.gate.(PolicyIdentityGate); ok && e.gate != nil {
			u.UseIdentity(pol.Identity)
			identityByGate = true
		}
	}
	approval, err := e.checkGate(ctx, *req, actor)
	if err != nil {
		return nil, err
	}
	if pol == nil {
		return &admission{approval: approval}, nil
	}
	now := e.clock.Now()
	preq := policyRequest(*req, actor, now)
	dp := pol
	if identityByGate {
		// The gate enforced the identity rules with what it could see of
		// the account; the policy must not refuse again for not seeing it.
		cp := *pol
		cp.Identity = policy.Identity{Require2FA: policy.TwoFactorOff}
		dp = &cp
	}
	if pol.Review.BlockUnreviewedSelfApproved {
		// Only policies that block on it pay for the lookup (one request).
		preq.UnreviewedSelfApproved, err = e.lastUnreviewedSelfApproved(ctx, req.AuditRepo, actor)
		if err != nil {
			return nil, &Error{Op: "open", Step: "policy", Err: fmt.Errorf("looking for your unreviewed self-approved overrides (review.block_unreviewed_self_approved): %w", err),
				Unchanged: "nothing; glass made no change and wrote no audit record",
				Next:      "check your network and access to the audit repository, then run the same command again"}
		}
	}
	dec := dp.Decide(ctx, preq, e.Directory())
	if !dec.Allowed {
		return nil, &RefusalError{Reason: fmt.Sprintf("the policy (%s) does not allow this: %s", dec.Source, strings.Join(dec.Reasons, "; "))}
	}
	if req.Duration == 0 {
		// No --duration: the rule's default_duration (the built-in
		// defaults give 30m), decided before anything is written.
		req.Duration = dec.Duration
		preq.Duration = dec.Duration
	}
	a := &admission{pol: pol, dec: dec, preq: preq}
	a.extras.Mentions = dec.Mentions
	a.extras.PolicyDecision = strings.Join(dec.Record, "; ")
	gateNotes := ""
	if approval != nil {
		gateNotes = approval.Reason
	}
	if dec.SelfApproved {
		a.approval = &override.Approval{Mode: "self", Rule: dec.Rule, Skipped: dec.Skipped, Reason: gateNotes, At: now}
	} else {
		a.approval = nil // decided by an approver (approval.go)
	}
	return a, nil
}

// policyEvent is the audit comment that records the decision.
func (a *admission) policyEvent(actor string, at time.Time) ledger.Event {
	summary := "no policy: allowed"
	if a.pol != nil {
		summary = fmt.Sprintf("allowed by rule %q of %s", a.dec.Rule, a.dec.Source)
		if a.dec.SelfApproved {
			summary += ", self-approved"
		} else {
			summary += ", approval required"
		}
	}
	return ledger.Event{Kind: ledger.KindPolicy, Key: "policy", At: at, Actor: actor, Summary: summary, Text: strings.Join(a.dec.Record, "\n")}
}

// checkExtension applies the policy's extension limit to o (extend).
func (e *Engine) checkExtension(ctx context.Context, o *override.Override, by time.Duration) error {
	pol, err := e.policyFor(ctx, o.Target.Repo)
	if err != nil {
		var pe policy.Errors
		var pe1 policy.Error
		if errors.As(err, &pe) || errors.As(err, &pe1) {
			return &RefusalError{Reason: "the policy file is invalid: " + err.Error(), Hint: "fix it (`glass policy check FILE`), then extend again", Err: err}
		}
		return &Error{Op: "extend", Step: "policy", Err: fmt.Errorf("reading the policy for %s: %w", o.Target.Repo, err),
			Unchanged: "the expiry of " + o.ID, Next: "check your network, then run the same command again"}
	}
	if pol == nil {
		return nil
	}
	rule := ""
	if o.Approval != nil {
		rule = o.Approval.Rule
	}
	if err := pol.CheckExtension(rule, o.Extended(), by); err != nil {
		return &RefusalError{Reason: fmt.Sprintf("the policy (%s) does not allow this extension: %v", pol.Source, err), Err: err}
	}
	return nil
}

// admission runs the gate and the policy, or, for a request a second
// person approved while open waited (approval.go), takes their decision.
func (e *Engine) admission(ctx context.Context, req *OpenRequest, p *planned) (*admission, error) {
	if ar := req.approved; ar != nil {
		a := *ar.adm
		a.approval = ar.o.Approval
		return &a, nil
	}
	return e.admit(ctx, req, p.actor)
}

// bodyExtras is what the audit body shows beyond the override: the
// mentions and the policy decision.
func (a *admission) bodyExtras(notices []lever.Notice, approval *override.Approval) ledger.BodyExtras {
	x := a.extras
	x.Notices = notices
	if x.PolicyDecision == "" && approval != nil && approval.Rule != "" {
		x.PolicyDecision = approval.Mode + ": " + approval.Rule
	}
	return x
}

// writeAhead writes the audit record in state applying before the change:
// a new issue, or, after an approval, the request's own issue.
func (e *Engine) writeAhead(ctx context.Context, repo string, o *override.Override, x ledger.BodyExtras, req OpenRequest, a *admission) error {
	if ar := req.approved; ar != nil {
		o.ID, o.Requested = ar.o.ID, ar.o.Requested
		cp := *o
		return e.again(ctx, func() error { return e.ledger.Save(ctx, &cp) })
	}
	return e.create(ctx, repo, o, x)
}

// withPolicyEvent adds the comment recording the policy decision to the
// events of open's record step (posted in parallel with them). After an
// approval the request already carries it.
func (a *admission) withPolicyEvent(o *override.Override, ev ledger.Event) []ledger.Event {
	if a.pol == nil || a.approval == nil || a.approval.Mode == ApprovalApproved {
		return []ledger.Event{ev}
	}
	return []ledger.Event{a.policyEvent(o.Actor, o.Requested), ev}
}

// approvalText describes an approval for notifications.
func approvalText(a *override.Approval) string {
	if a == nil {
		return ""
	}
	switch a.Mode {
	case ApprovalApproved:
		return fmt.Sprintf("approved by %s under rule %q", a.Approver, a.Rule)
	case ApprovalSelf:
		s := fmt.Sprintf("self-approved under rule %q", a.Rule)
		if len(a.Skipped) > 0 {
			s += "; approvers not asked: " + strings.Join(a.Skipped, ", ")
		}
		return s
	}
	return a.Mode
}

// PolicyAuditRepo is where overrides on repo are recorded when no audit
// repository is given: the policy's audit_repo, else repo itself. A policy
// that cannot be read (or policies off) gives repo: open then refuses
// under the unreadable policy before anything is written, and status and
// sweep still look at repo.
func (e *Engine) PolicyAuditRepo(ctx context.Context, repo string) string {
	if e.policy == nil {
		return repo
	}
	pol, err := e.policyFor(ctx, repo)
	if err != nil || pol == nil || pol.AuditRepo == "" {
		return repo
	}
	return pol.AuditRepo
}

// AuditReposFor lists where status and sweep look for overrides on repo
// when no audit repository is given: repo itself (overrides opened with
// the default) and the policy's audit_repo, when it names another one.
// err reports a policy that could not be read (then only repo is listed).
func (e *Engine) AuditReposFor(ctx context.Context, repo string) ([]string, error) {
	if e.policy == nil {
		return []string{repo}, nil
	}
	pol, err := e.policyFor(ctx, repo)
	if err != nil {
		return []string{repo}, err
	}
	if pol == nil || pol.AuditRepo == "" || strings.EqualFold(pol.AuditRepo, repo) {
		return []string{repo}, nil
	}
	return []string{repo, pol.AuditRepo}, nil
}

// defaultDuration is the window the policy gives req when it names no
// duration (0 when policies are off or no rule allows the request: open
// then refuses with the policy's reasons).
func (e *Engine) defaultDuration(ctx context.Context, req OpenRequest, actor string) time.Duration {
	pol, err := e.policyFor(ctx, req.Target.Repo)
	if err != nil || pol == nil {
		return 0
	}
	cp := *pol
	cp.Identity = policy.Identity{Require2FA: policy.TwoFactorOff} // the gate's business
	cp.Review.BlockUnreviewedSelfApproved = false
	dec := cp.Decide(ctx, policyRequest(req, actor, e.clock.Now()), e.Directory())
	return dec.Duration
}
