package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Permission is one thing a person may do under one rule.
type Permission struct {
	Rule     string
	Via      string   // how the person qualifies: "anyone", "listed by login", "member of ORG/SLUG"
	Lever    string   //
	Branches []string // protection and ruleset only
	Allow    []string // relax names, the highest permission, or teams (qualified)
	Limits   Limits
	// Approval: required from Approvers, or self-approved (SelfApproval).
	ApprovalRequired bool
	SelfApproval     bool
	Approvers        []string
	ApprovalTimeout  time.Duration
}

// Explain lists what user may do on repo (OWNER/REPO), rule by rule, in
// policy order. Rules whose membership could not be checked are left out and
// reported in the error; the permissions found are still returned.
func (p *Policy) Explain(ctx context.Context, repo, user string, dir Directory) ([]Permission, error) {
	owner, name, _ := strings.Cut(repo, "/")
	var out []Permission
	var errs []error
	for i := range p.Rules {
		r := &p.Rules[i]
		if len(r.Repos) > 0 && !matchAny(r.Repos, name) {
			continue
		}
		member, via, err := p.isMember(ctx, r.Who, owner, user, dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q: %w", r.Name, err))
			continue
		}
		if !member {
			continue
		}
		a := p.approval(r)
		self := !a.Required
		if a.Required && a.AllowSelfApproval {
			ok, _, err := p.isMember(ctx, a.Approvers, owner, user, dir)
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %q approvers: %w", r.Name, err))
			}
			self = ok
		}
		for _, g := range r.Levers {
			perm := Permission{
				Rule: r.Name, Via: via, Lever: g.Lever, Allow: g.Allow, Limits: r.Limits,
				ApprovalRequired: !self, SelfApproval: self,
				Approvers: qualifyAll(a.Approvers, owner), ApprovalTimeout: a.Timeout,
			}
			if branchScoped(g.Lever) {
				perm.Branches = r.Branches
			}
			if g.Lever == LeverTeam {
				perm.Allow = qualifyList(g.Allow, owner)
			}
			out = append(out, perm)
		}
	}
	return out, errors.Join(errs...)
}

// FormatExplain renders Explain's result for "glass policy explain".
func FormatExplain(repo, user string, perms []Permission) string {
	var b strings.Builder
	if len(perms) == 0 {
		fmt.Fprintf(&b, "%s may not break glass on %s: no rule names them.\n", user, repo)
		return b.String()
	}
	fmt.Fprintf(&b, "%s may break glass on %s:\n", user, repo)
	for _, p := range perms {
		fmt.Fprintf(&b, "\n  %s (rule %q, %s)\n", permissionSummary(p), p.Rule, p.Via)
		fmt.Fprintf(&b, "    for up to %s (default %s), extensions up to %s in total\n",
			fd(p.Limits.MaxDuration), fd(p.Limits.DefaultDuration), fd(p.Limits.MaxExtension))
		switch {
		case p.ApprovalRequired:
			fmt.Fprintf(&b, "    needs approval from %s, waiting up to %s\n", strings.Join(p.Approvers, ", "), fd(p.ApprovalTimeout))
		case len(p.Approvers) > 0:
			fmt.Fprintf(&b, "    self-approved, recorded and announced to %s\n", strings.Join(mentionsOf(p.Approvers), ", "))
		default:
			fmt.Fprintf(&b, "    self-approved, recorded in the audit issue\n")
		}
	}
	return b.String()
}

func permissionSummary(p Permission) string {
	switch p.Lever {
	case LeverProtection:
		return fmt.Sprintf("protection: relax %s on %s", relaxList(p.Allow), branchList(p.Branches))
	case LeverRuleset:
		return fmt.Sprintf("ruleset: %s on %s", strings.Join(p.Allow, ", "), branchList(p.Branches))
	case LeverAccess:
		return fmt.Sprintf("access: up to %s on the whole repository", p.Allow[0])
	case LeverTeam:
		return fmt.Sprintf("team: join %s", strings.Join(p.Allow, ", "))
	}
	return p.Lever
}

func relaxList(names []string) string {
	if contains(names, "all") {
		return "everything (all)"
	}
	return strings.Join(names, ", ")
}

func branchList(patterns []string) string {
	if len(patterns) == 1 && patterns[0] == "**" {
		return "every branch"
	}
	return "branches " + strings.Join(patterns, ", ")
}

func mentionsOf(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "@" + n
	}
	return out
}

func principalsText(ps Principals) string {
	var parts []string
	for _, u := range ps.Users {
		if u == Any {
			parts = append(parts, "anyone GitHub already lets make the change")
		} else {
			parts = append(parts, u)
		}
	}
	for _, t := range ps.Teams {
		if strings.Contains(t, "/") {
			parts = append(parts, "team "+t)
		} else {
			parts = append(parts, "team "+t+" (of the repository's owner)")
		}
	}
	return strings.Join(parts, ", ")
}

// Describe explains in plain English what the policy allows, for
// "glass policy check".
func (p *Policy) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Policy %s (version %d)\n\n", p.Source, p.Version)

	fmt.Fprintf(&b, "Every request needs a reason of at least %d characters", p.Reason.MinLength)
	switch {
	case p.Reason.IncidentRequired && p.Reason.IncidentPattern != "":
		fmt.Fprintf(&b, " and an incident reference matching %s.\n", p.Reason.IncidentPattern)
	case p.Reason.IncidentRequired:
		fmt.Fprintf(&b, " and an incident reference.\n")
	case p.Reason.IncidentPattern != "":
		fmt.Fprintf(&b, "; an incident reference is optional but must match %s.\n", p.Reason.IncidentPattern)
	default:
		fmt.Fprintf(&b, "; an incident reference is optional.\n")
	}
	switch p.Identity.Require2FA {
	case TwoFactorRequired:
		fmt.Fprintf(&b, "The requester must have two-factor authentication on, and glass must be able to see it.\n")
	case TwoFactorIfVisible:
		fmt.Fprintf(&b, "A requester whose two-factor authentication is visibly off is refused.\n")
	default:
		fmt.Fprintf(&b, "Two-factor authentication is not checked.\n")
	}
	if p.Identity.FreshLoginWithin > 0 {
		fmt.Fprintf(&b, "The requester must have signed in within the last %s.\n", fd(p.Identity.FreshLoginWithin))
	}
	if p.AuditRepo != "" {
		fmt.Fprintf(&b, "Audit issues are written to %s.\n", p.AuditRepo)
	} else {
		fmt.Fprintf(&b, "Audit issues are written to the target repository.\n")
	}
	b.WriteString(approvalText("Approval", p.Approval))
	if p.Review.BlockUnreviewedSelfApproved {
		fmt.Fprintf(&b, "Nobody may self-approve a new override while their previous self-approved one is unreviewed.\n")
	}
	if p.Review.AllowSelfReview {
		fmt.Fprintf(&b, "Requesters may sign off the post-incident review of their own overrides.\n")
	}
	if len(p.Notify.Mention) > 0 {
		fmt.Fprintf(&b, "Every audit issue mentions %s.\n", strings.Join(p.Notify.Mention, ", "))
	}
	for _, w := range p.Notify.Webhooks {
		events := "every event"
		if len(w.Events) > 0 {
			events = strings.Join(w.Events, ", ")
		}
		fmt.Fprintf(&b, "Webhook %q (%s) receives %s at the URL in $%s.\n", w.Name, w.Kind, events, w.URLEnv)
	}

	fmt.Fprintf(&b, "\nRules, tried in order; the first that allows the whole request wins:\n")
	for i, r := range p.Rules {
		fmt.Fprintf(&b, "\n%d. %s: %s", i+1, r.Name, principalsText(r.Who))
		if len(r.Repos) > 0 {
			fmt.Fprintf(&b, ", on repositories %s", strings.Join(r.Repos, ", "))
		}
		fmt.Fprintf(&b, ", may:\n")
		for _, g := range r.Levers {
			perm := Permission{Lever: g.Lever, Allow: g.Allow, Branches: r.Branches}
			if g.Lever == LeverTeam {
				perm.Allow = make([]string, len(g.Allow))
				for j, t := range g.Allow {
					perm.Allow[j] = t
					if t == Any {
						perm.Allow[j] = "any team"
					}
				}
			}
			fmt.Fprintf(&b, "   - %s\n", permissionSummary(perm))
		}
		fmt.Fprintf(&b, "   for up to %s (default %s), extensions up to %s in total.\n",
			fd(r.Limits.MaxDuration), fd(r.Limits.DefaultDuration), fd(r.Limits.MaxExtension))
		if r.Approval != nil {
			b.WriteString("   " + approvalText("Approval under this rule", *r.Approval))
		}
	}
	return b.String()
}

func approvalText(prefix string, a Approval) string {
	switch {
	case !a.Required && a.Approvers.Empty():
		return prefix + ": not required; every open is recorded as self-approved.\n"
	case !a.Required:
		return fmt.Sprintf("%s: not required; every open is recorded as self-approved and announced to %s.\n", prefix, principalsText(a.Approvers))
	case a.AllowSelfApproval:
		return fmt.Sprintf("%s: required from %s within %s; an approver may approve their own request.\n", prefix, principalsText(a.Approvers), fd(a.Timeout))
	}
	return fmt.Sprintf("%s: required from %s within %s; nobody approves their own request.\n", prefix, principalsText(a.Approvers), fd(a.Timeout))
}
