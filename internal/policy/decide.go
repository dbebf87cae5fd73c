package policy

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Directory answers the questions about people that a decision needs. The
// engine implements it against GitHub; tests use a map.
type Directory interface {
	// IsTeamMember reports whether login is a member of the team org/slug.
	IsTeamMember(ctx context.Context, org, slug, login string) (bool, error)
}

// TwoFactorStatus is what glass could find out about the requester's 2FA.
type TwoFactorStatus int

const (
	TwoFactorUnknown TwoFactorStatus = iota // GitHub did not say (token without the scope)
	TwoFactorEnabled
	TwoFactorDisabled
)

// Request is what someone asks for, as the engine sees it.
type Request struct {
	Repo       string        // OWNER/REPO
	Branch     string        // protection and ruleset
	Lever      string        // protection, ruleset, access, team
	Relax      []string      // protection and ruleset relax names
	Permission string        // access
	Team       string        // team: ORG/SLUG to join
	User       string        // the requester's login
	Duration   time.Duration // as asked; 0 takes the rule's default
	Reason     string
	Incident   string
	TwoFactor  TwoFactorStatus
	LoginAt    time.Time // when the requester's credentials were issued; zero: unknown
	At         time.Time // when the request is made
	// UnreviewedSelfApproved is the ID of the requester's most recent
	// self-approved override that nobody has reviewed yet, or "".
	UnreviewedSelfApproved string
}

// Decision is the policy's answer to a Request. Record holds the lines the
// audit issue must carry so every decision is traceable.
//
// Allowed with ApprovalRequired means the request may be made and must then
// wait for an approver (see CanApprove); nothing changes until one approves.
type Decision struct {
	Allowed bool
	Rule    string   // the rule that allowed the request, or ""
	Source  string   // the policy file or "built-in defaults"
	Reasons []string // why it was refused; each says what to do about it

	Duration     time.Duration // effective: as asked or the rule's default
	MaxDuration  time.Duration
	MaxExtension time.Duration

	ApprovalRequired bool
	Approvers        []string // eligible approvers: logins and ORG/SLUG teams
	ApprovalTimeout  time.Duration
	SelfApproved     bool     // no second person; loud in the audit issue
	Skipped          []string // approvers not asked because of self-approval, as @mentions

	Mentions []string // everyone to @mention in the audit issue
	Record   []string // the decision in words, for the audit issue
}

// Decide applies the policy to req. Rules are tried in file order and the
// first one that allows the whole request wins; if none does, the Decision
// lists what each rule that applies to the requester would need.
func (p *Policy) Decide(ctx context.Context, req Request, dir Directory) Decision {
	dec := Decision{Source: p.Source}
	req.Lever = strings.ToLower(strings.TrimSpace(req.Lever))
	req.Relax = normalize(req.Relax)
	req.Permission = strings.ToLower(strings.TrimSpace(req.Permission))
	owner, _, _ := strings.Cut(req.Repo, "/")

	var refuse []string
	refuse = append(refuse, p.checkRequestShape(req)...)
	refuse = append(refuse, p.checkReason(req)...)
	refuse = append(refuse, p.checkIdentity(req)...)

	var chosen *Rule
	var ruleReasons []string
	if !containsShapeError(refuse) {
		for i := range p.Rules {
			r := &p.Rules[i]
			if !r.appliesTo(req) {
				continue
			}
			member, _, err := p.isMember(ctx, r.Who, owner, req.User, dir)
			if err != nil {
				ruleReasons = append(ruleReasons, fmt.Sprintf("rule %q: could not check who may use it: %v; try again, or ask an admin to check the token can read team membership", r.Name, err))
				continue
			}
			if !member {
				continue
			}
			if why := r.refusal(req); len(why) > 0 {
				ruleReasons = append(ruleReasons, why...)
				continue
			}
			chosen = r
			break
		}
		if chosen == nil {
			if len(ruleReasons) == 0 {
				ruleReasons = append(ruleReasons, fmt.Sprintf("no rule in %s lets %s use %s on %s; run \"glass policy explain -R %s --user %s\" to see what they may do",
					p.Source, req.User, req.Lever, describeTarget(req), req.Repo, req.User))
			}
			refuse = append(refuse, ruleReasons...)
		}
	}

	dec.Record = append(dec.Record, "policy: "+p.Source)
	if chosen != nil {
		dec.Rule = chosen.Name
		dec.MaxDuration, dec.MaxExtension = chosen.Limits.MaxDuration, chosen.Limits.MaxExtension
		dec.Duration = req.Duration
		if dec.Duration == 0 {
			dec.Duration = chosen.Limits.DefaultDuration
		}
		a := p.approval(chosen)
		dec.ApprovalTimeout = a.Timeout
		dec.Approvers = qualifyAll(a.Approvers, owner)
		self := !a.Required
		if a.Required && a.AllowSelfApproval {
			ok, _, err := p.isMember(ctx, a.Approvers, owner, req.User, dir)
			if err != nil {
				refuse = append(refuse, fmt.Sprintf("rule %q: could not check whether %s is an approver: %v; try again", chosen.Name, req.User, err))
			}
			self = ok
		}
		if self {
			dec.SelfApproved = true
			for _, who := range dec.Approvers {
				if !sameLogin(who, req.User) {
					dec.Skipped = append(dec.Skipped, "@"+who)
				}
			}
			if p.Review.BlockUnreviewedSelfApproved && req.UnreviewedSelfApproved != "" {
				refuse = append(refuse, fmt.Sprintf("your self-approved override %s has not been reviewed yet and the policy (review.block_unreviewed_self_approved) allows only one unreviewed self-approved override per person; ask a reviewer to review it first", req.UnreviewedSelfApproved))
			}
		} else {
			dec.ApprovalRequired = true
		}
	}

	dec.Reasons = refuse
	dec.Allowed = len(refuse) == 0 && chosen != nil
	dec.Mentions = appendUnique(append([]string(nil), p.Notify.Mention...), dec.Skipped...)
	if dec.ApprovalRequired {
		// The approvers must hear about the request to act on it.
		dec.Mentions = appendUnique(dec.Mentions, mentionsOf(dec.Approvers)...)
	}

	if dec.Allowed {
		dec.Record = append(dec.Record, fmt.Sprintf("allowed by rule %q: %s on %s for %s (rule maximum %s, extensions up to %s in total)",
			dec.Rule, describeAsk(req), describeTarget(req), fd(dec.Duration), fd(dec.MaxDuration), fd(dec.MaxExtension)))
		switch {
		case dec.SelfApproved && len(dec.Skipped) > 0:
			dec.Record = append(dec.Record, fmt.Sprintf("self-approved under rule %q; approvers not asked: %s", dec.Rule, strings.Join(dec.Skipped, ", ")))
		case dec.SelfApproved:
			dec.Record = append(dec.Record, fmt.Sprintf("self-approved under rule %q; the rule names no approvers", dec.Rule))
		default:
			dec.Record = append(dec.Record, fmt.Sprintf("approval required under rule %q from %s (not %s); waits up to %s",
				dec.Rule, strings.Join(dec.Approvers, ", "), req.User, fd(dec.ApprovalTimeout)))
		}
	} else {
		for _, r := range refuse {
			dec.Record = append(dec.Record, "refused: "+r)
		}
	}
	return dec
}

// shapeError marks reasons that make rule matching meaningless.
const shapeErrorPrefix = "the request "

func containsShapeError(reasons []string) bool {
	for _, r := range reasons {
		if strings.HasPrefix(r, shapeErrorPrefix) {
			return true
		}
	}
	return false
}

// checkRequestShape catches requests no rule could match: unknown levers,
// relax names or permissions, or missing targets.
func (p *Policy) checkRequestShape(req Request) []string {
	var out []string
	if !contains(leverNames(), req.Lever) {
		return []string{fmt.Sprintf("the request names unknown lever %q; use one of %s", req.Lever, strings.Join(leverNames(), ", "))}
	}
	if !strings.Contains(req.Repo, "/") {
		out = append(out, fmt.Sprintf("the request names repository %q; use OWNER/REPO", req.Repo))
	}
	if req.User == "" {
		out = append(out, "the request has no requester; sign in with \"glass auth login\"")
	}
	switch req.Lever {
	case LeverProtection, LeverRuleset:
		if req.Branch == "" {
			out = append(out, fmt.Sprintf("the request names no branch; %s acts on a branch", req.Lever))
		}
		if len(req.Relax) == 0 {
			out = append(out, fmt.Sprintf("the request relaxes nothing; name what to relax (%s)", strings.Join(relaxNames(req.Lever), ", ")))
		}
		for _, n := range req.Relax {
			if !contains(relaxNames(req.Lever), n) {
				out = append(out, fmt.Sprintf("the request names unknown relax %q for %s; use %s", n, req.Lever, strings.Join(relaxNames(req.Lever), ", ")))
			}
		}
	case LeverAccess:
		if permissionRank(req.Permission) < 0 {
			out = append(out, fmt.Sprintf("the request asks for permission %q; use one of %s", req.Permission, strings.Join(relaxNames(LeverAccess), ", ")))
		}
	case LeverTeam:
		if !strings.Contains(req.Team, "/") {
			out = append(out, fmt.Sprintf("the request names team %q; use ORG/SLUG", req.Team))
		}
	}
	if req.Duration < 0 {
		out = append(out, fmt.Sprintf("the request asks for a negative duration %s", fd(req.Duration)))
	}
	return out
}

func (p *Policy) checkReason(req Request) []string {
	var out []string
	reason := strings.TrimSpace(req.Reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		out = append(out, fmt.Sprintf("a reason is required (at least %d characters); pass --reason", p.Reason.MinLength))
	case n < p.Reason.MinLength:
		out = append(out, fmt.Sprintf("the reason is %d characters; the policy requires at least %d, so say what is broken and why glass is needed", n, p.Reason.MinLength))
	}
	incident := strings.TrimSpace(req.Incident)
	switch {
	case incident == "" && p.Reason.IncidentRequired:
		hint := ""
		if p.Reason.IncidentPattern != "" {
			hint = fmt.Sprintf(" matching %s", p.Reason.IncidentPattern)
		}
		out = append(out, "an incident reference is required; pass --incident"+hint)
	case incident != "" && p.Reason.incident != nil && !p.Reason.incident.MatchString(incident):
		out = append(out, fmt.Sprintf("incident reference %q does not match the required pattern %s", incident, p.Reason.IncidentPattern))
	}
	return out
}

func (p *Policy) checkIdentity(req Request) []string {
	var out []string
	switch {
	case p.Identity.Require2FA == TwoFactorRequired && req.TwoFactor == TwoFactorUnknown:
		out = append(out, fmt.Sprintf("the policy requires two-factor authentication and glass could not confirm it for %s; sign in with a token that can read your account's 2FA status (glass auth login)", req.User))
	case p.Identity.Require2FA != TwoFactorOff && p.Identity.Require2FA != "" && req.TwoFactor == TwoFactorDisabled:
		out = append(out, fmt.Sprintf("two-factor authentication is off for %s and the policy requires it; enable it on GitHub, then try again", req.User))
	}
	if w := p.Identity.FreshLoginWithin; w > 0 {
		switch {
		case req.LoginAt.IsZero():
			out = append(out, fmt.Sprintf("the policy requires a sign-in within the last %s and glass cannot tell when you signed in; run \"glass auth login\"", fd(w)))
		case req.At.Sub(req.LoginAt) > w:
			out = append(out, fmt.Sprintf("the policy requires a sign-in within the last %s; your sign-in is %s old, so run \"glass auth login\"", fd(w), fd(req.At.Sub(req.LoginAt).Round(time.Minute))))
		}
	}
	return out
}

// appliesTo reports whether r covers the request's repository, lever and
// branch, before asking who the requester is.
func (r *Rule) appliesTo(req Request) bool {
	_, name, _ := strings.Cut(req.Repo, "/")
	if len(r.Repos) > 0 && !matchAny(r.Repos, name) {
		return false
	}
	if _, ok := r.grant(req.Lever); !ok {
		return false
	}
	if branchScoped(req.Lever) && !matchAny(r.Branches, req.Branch) {
		return false
	}
	return true
}

// refusal says why r, which applies to the requester, does not allow req.
func (r *Rule) refusal(req Request) []string {
	var out []string
	g, _ := r.grant(req.Lever)
	owner, _, _ := strings.Cut(req.Repo, "/")
	switch req.Lever {
	case LeverProtection, LeverRuleset:
		allowed := g.Allow
		asked := req.Relax
		if req.Lever == LeverProtection {
			allowed, asked = expandProtection(allowed), expandProtection(asked)
		}
		var missing []string
		for _, n := range asked {
			if !contains(allowed, n) {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("rule %q does not allow relaxing %s on %s (it allows %s); ask for less",
				r.Name, strings.Join(missing, ", "), req.Branch, strings.Join(g.Allow, ", ")))
		}
	case LeverAccess:
		if permissionRank(req.Permission) > permissionRank(g.Allow[0]) {
			out = append(out, fmt.Sprintf("rule %q allows access up to %s, and %s is higher; ask for %s or less", r.Name, g.Allow[0], req.Permission, g.Allow[0]))
		}
	case LeverTeam:
		ok := false
		for _, t := range g.Allow {
			ok = ok || t == Any || strings.EqualFold(qualify(t, owner), req.Team)
		}
		if !ok {
			out = append(out, fmt.Sprintf("rule %q does not allow joining %s (it allows %s)", r.Name, req.Team, strings.Join(qualifyList(g.Allow, owner), ", ")))
		}
	}
	if req.Duration > r.Limits.MaxDuration {
		out = append(out, fmt.Sprintf("rule %q allows at most %s and %s was asked; ask for %s or less and extend later if needed", r.Name, fd(r.Limits.MaxDuration), fd(req.Duration), fd(r.Limits.MaxDuration)))
	}
	return out
}

// isMember reports whether login is among ps, and how ("listed", "member of
// acme/oncall", "anyone"). Teams without an org belong to owner.
func (p *Policy) isMember(ctx context.Context, ps Principals, owner, login string, dir Directory) (bool, string, error) {
	for _, u := range ps.Users {
		if u == Any {
			return true, "anyone", nil
		}
		if sameLogin(u, login) {
			return true, "listed by login", nil
		}
	}
	for _, t := range ps.Teams {
		q := qualify(t, owner)
		if dir == nil {
			return false, "", fmt.Errorf("no directory to look up team %s", q)
		}
		org, slug, _ := strings.Cut(q, "/")
		ok, err := dir.IsTeamMember(ctx, org, slug, login)
		if err != nil {
			return false, "", fmt.Errorf("team %s: %w", q, err)
		}
		if ok {
			return true, "member of " + q, nil
		}
	}
	return false, "", nil
}

// CanApprove reports whether approver may approve req under rule, and why
// (or why not), in words for the audit issue.
func (p *Policy) CanApprove(ctx context.Context, req Request, rule, approver string, dir Directory) (bool, string) {
	r, ok := p.Rule(rule)
	if !ok {
		return false, fmt.Sprintf("rule %q is not in %s any more; the request must be made again", rule, p.Source)
	}
	a := p.approval(r)
	owner, _, _ := strings.Cut(req.Repo, "/")
	if sameLogin(approver, req.User) && !a.AllowSelfApproval {
		return false, fmt.Sprintf("%s asked for this override and may not approve it (rule %q does not allow self-approval); ask another approver", approver, rule)
	}
	member, how, err := p.isMember(ctx, a.Approvers, owner, approver, dir)
	if err != nil {
		return false, fmt.Sprintf("could not check whether %s may approve: %v", approver, err)
	}
	if !member {
		names := qualifyAll(a.Approvers, owner)
		if len(names) == 0 {
			return false, fmt.Sprintf("rule %q names no approvers", rule)
		}
		return false, fmt.Sprintf("%s is not an approver under rule %q; approvers: %s", approver, rule, strings.Join(names, ", "))
	}
	if sameLogin(approver, req.User) {
		return true, fmt.Sprintf("%s self-approved under rule %q (%s)", approver, rule, how)
	}
	return true, fmt.Sprintf("%s approved under rule %q (%s)", approver, rule, how)
}

// CheckExtension reports whether extending an override opened under rule by
// by is allowed, given it has already been extended by extended in total. If
// the rule has since been removed from the policy, the defaults apply.
func (p *Policy) CheckExtension(rule string, extended, by time.Duration) error {
	limits, name := p.Defaults, "the policy defaults"
	if r, ok := p.Rule(rule); ok {
		limits, name = r.Limits, fmt.Sprintf("rule %q", rule)
	}
	switch {
	case by <= 0:
		return fmt.Errorf("an extension must be positive, got %s", fd(by))
	case limits.MaxExtension == 0:
		return fmt.Errorf("%s allows no extensions; open a new override with a new reason", name)
	case extended+by > limits.MaxExtension:
		left := max(limits.MaxExtension-extended, 0)
		return fmt.Errorf("extending by %s would bring the total extension to %s, over the %s allowed by %s; at most %s is left",
			fd(by), fd(extended+by), fd(limits.MaxExtension), name, fd(left))
	}
	return nil
}

func qualify(team, owner string) string {
	if strings.Contains(team, "/") {
		return team
	}
	return owner + "/" + team
}

func qualifyList(teams []string, owner string) []string {
	out := make([]string, len(teams))
	for i, t := range teams {
		if t == Any {
			out[i] = "any team"
			continue
		}
		out[i] = qualify(t, owner)
	}
	return out
}

// qualifyAll lists users and qualified teams, users first.
func qualifyAll(ps Principals, owner string) []string {
	out := append([]string(nil), ps.Users...)
	for _, t := range ps.Teams {
		out = append(out, qualify(t, owner))
	}
	return out
}

func appendUnique(list []string, more ...string) []string {
	for _, m := range more {
		dup := false
		for _, l := range list {
			dup = dup || strings.EqualFold(l, m)
		}
		if !dup {
			list = append(list, m)
		}
	}
	return list
}

func normalize(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n != "" && !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func describeTarget(req Request) string {
	switch req.Lever {
	case LeverProtection, LeverRuleset:
		return req.Repo + "@" + req.Branch
	case LeverTeam:
		return req.Team
	}
	return req.Repo
}

func describeAsk(req Request) string {
	switch req.Lever {
	case LeverProtection, LeverRuleset:
		return fmt.Sprintf("%s relaxing %s", req.Lever, strings.Join(req.Relax, ", "))
	case LeverAccess:
		return fmt.Sprintf("%s access for %s", req.Permission, req.User)
	case LeverTeam:
		return fmt.Sprintf("team membership for %s", req.User)
	}
	return req.Lever
}
