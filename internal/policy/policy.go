// Package policy reads .github/glass.yml and decides, for one break-glass
// request, whether it is allowed, under which rule, with which limits and
// whether a second person must approve it. It is pure: GitHub is reached only
// through the small Directory interface the engine implements.
//
// The file format is documented in docs/policy.md.
package policy

import (
	"regexp"
	"strings"
	"time"
)

// DefaultFile is where glass looks for a policy, first in the target
// repository and then in the organization's ".github" repository.
const DefaultFile = ".github/glass.yml"

// Version is the only schema version this package understands.
const Version = 1

// Levers, as named in requests, on the command line and in the file.
const (
	LeverProtection = "protection"
	LeverRuleset    = "ruleset"
	LeverAccess     = "access"
	LeverTeam       = "team"
)

// Any is the wildcard accepted in who.users and in the team lever's list.
const Any = "*"

// Limits on what a file may ask for. Break glass is for hours, not days; a
// longer window is a standing exception and belongs in ordinary settings.
const (
	ceilingDuration = 24 * time.Hour
	ceilingMinLen   = 1000
)

// Policy is a parsed, validated policy file (or the built-in defaults).
type Policy struct {
	// Source names where the policy came from ("acme/payments:.github/glass.yml"
	// or "built-in defaults"); it appears in errors and in the audit record.
	Source    string
	Version   int
	AuditRepo string // OWNER/REPO; empty: the target repository
	Identity  Identity
	Reason    ReasonRules
	Approval  Approval
	Review    Review
	Notify    Notify
	Defaults  Limits // inherited by rules that do not set their own
	Rules     []Rule
}

// TwoFactor says how the requester's two-factor status is checked.
type TwoFactor string

const (
	TwoFactorOff       TwoFactor = "off"        // not checked
	TwoFactorRequired  TwoFactor = "required"   // must be known to be on
	TwoFactorIfVisible TwoFactor = "if-visible" // refused only when known to be off
)

// Identity holds the requirements on the requester's account and session.
type Identity struct {
	Require2FA TwoFactor
	// FreshLoginWithin, when non-zero, requires a sign-in no older than this.
	FreshLoginWithin time.Duration
}

// ReasonRules constrain the free-text reason and the incident reference.
type ReasonRules struct {
	MinLength        int
	IncidentRequired bool
	IncidentPattern  string // Go regexp; empty: any non-empty reference
	incident         *regexp.Regexp
}

// Approval says whether a second person must approve an open.
type Approval struct {
	Required          bool
	Approvers         Principals
	AllowSelfApproval bool          // an approver may approve their own request
	Timeout           time.Duration // how long a request waits for approval
}

// Review holds the after-the-fact review requirements.
type Review struct {
	// BlockUnreviewedSelfApproved refuses a new self-approved open by someone
	// whose previous self-approved override has not been reviewed.
	BlockUnreviewedSelfApproved bool
	// AllowSelfReview lets the requester sign off their own override's
	// post-incident review (`glass review ID`). Off by default: a review is
	// a second pair of eyes.
	AllowSelfReview bool
}

// Notify lists who hears about overrides.
type Notify struct {
	Mention  []string // "@login" or "@org/team", mentioned in the audit issue
	Webhooks []Webhook
}

// Webhook is a delivery target. Its URL is never in the file: it is read from
// the environment variable URLEnv when glass runs, because webhook URLs are
// secrets and the file is readable by everyone who can read the repository.
type Webhook struct {
	Name   string
	Kind   string   // "generic" or "slack"
	URLEnv string   // GLASS_WEBHOOK_*
	Events []string // empty: every event
}

// Webhook kinds.
const (
	WebhookGeneric = "generic"
	WebhookSlack   = "slack"
)

// Principals are people named directly or through a team. Teams are stored
// as written: "org/slug", or "slug" meaning a team of the repository's owner.
type Principals struct {
	Users []string
	Teams []string
}

// Empty reports whether nobody is named.
func (p Principals) Empty() bool { return len(p.Users) == 0 && len(p.Teams) == 0 }

// Limits bound how long an override may last.
type Limits struct {
	MaxDuration     time.Duration
	DefaultDuration time.Duration
	MaxExtension    time.Duration // total of all extensions
}

// Rule grants some people some levers on some branches.
type Rule struct {
	Name     string
	Repos    []string // repository-name globs; empty: every repository
	Branches []string // branch globs, for protection and ruleset
	Who      Principals
	Levers   []Grant
	Limits   Limits    // effective: the rule's own values over Defaults
	Approval *Approval // nil: the top-level approval applies
}

// Grant is what one lever may do under a rule: relax names for protection
// and ruleset, the highest permission for access, team names for team.
type Grant struct {
	Lever string
	Allow []string
}

// grant returns the rule's grant for lever, if any.
func (r *Rule) grant(lever string) (Grant, bool) {
	for _, g := range r.Levers {
		if g.Lever == lever {
			return g, true
		}
	}
	return Grant{}, false
}

// approval is the approval block that applies to r.
func (p *Policy) approval(r *Rule) Approval {
	if r != nil && r.Approval != nil {
		return *r.Approval
	}
	return p.Approval
}

// ApprovalTimeout is how long a request under rule waits for approval (the
// top-level approval block's when the rule is gone or sets none).
func (p *Policy) ApprovalTimeout(rule string) time.Duration {
	r, _ := p.Rule(rule)
	return p.approval(r).Timeout
}

// Rule returns the rule named name.
func (p *Policy) Rule(name string) (*Rule, bool) {
	for i := range p.Rules {
		if p.Rules[i].Name == name {
			return &p.Rules[i], true
		}
	}
	return nil, false
}

// Default is the policy used when neither the repository nor the
// organization has a policy file: anyone GitHub already lets make the change
// may break glass, for at most an hour, with a reason, and every open is
// recorded as self-approved. docs/policy.md documents these values.
func Default() *Policy {
	p := &Policy{
		Source:   "built-in defaults",
		Version:  Version,
		Identity: Identity{Require2FA: TwoFactorIfVisible},
		Reason:   ReasonRules{MinLength: 10},
		Approval: Approval{Timeout: 30 * time.Minute},
		Defaults: Limits{MaxDuration: time.Hour, DefaultDuration: 30 * time.Minute, MaxExtension: time.Hour},
	}
	p.Rules = []Rule{{
		Name:     "default",
		Branches: []string{"**"},
		Who:      Principals{Users: []string{Any}},
		Levers: []Grant{
			{Lever: LeverProtection, Allow: []string{"all"}},
			{Lever: LeverRuleset, Allow: relaxNames(LeverRuleset)},
			{Lever: LeverAccess, Allow: []string{"admin"}},
			{Lever: LeverTeam, Allow: []string{Any}},
		},
		Limits: p.Defaults,
	}}
	return p
}

// leverNames lists the levers in the order glass presents them.
func leverNames() []string {
	return []string{LeverProtection, LeverRuleset, LeverAccess, LeverTeam}
}

// relaxNames lists what a lever's grant may name: relax names, permissions
// (lowest first) or, for team, nothing fixed.
func relaxNames(lever string) []string {
	switch lever {
	case LeverProtection:
		return []string{"reviews", "checks", "admins", "force-push", "deletions", "restrictions",
			"linear-history", "signatures", "conversations", "lock", "all"}
	case LeverRuleset:
		return []string{"disable", "evaluate", "bypass"}
	case LeverAccess:
		return []string{"pull", "triage", "push", "maintain", "admin"}
	}
	return nil
}

// branchScoped reports whether a lever acts on a branch.
func branchScoped(lever string) bool { return lever == LeverProtection || lever == LeverRuleset }

// permissionRank orders access permissions; -1 for unknown ones.
func permissionRank(p string) int {
	for i, n := range relaxNames(LeverAccess) {
		if n == p {
			return i
		}
	}
	return -1
}

// expandProtection replaces "all" by every protection relax name.
func expandProtection(names []string) []string {
	for _, n := range names {
		if n == "all" {
			all := relaxNames(LeverProtection)
			return all[:len(all)-1]
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sameLogin compares GitHub logins, which are case-insensitive.
func sameLogin(a, b string) bool { return strings.EqualFold(a, b) }
