package policy

import (
	"errors"
	"fmt"
	"regexp"
)

// Validate checks the invariants Decide relies on, for a Policy built in
// code (such as Default) or by Parse. Parse already reports the same
// problems with positions; this is the backstop and the fuzz test's oracle.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Version != Version {
		bad("version %d is not supported", p.Version)
	}
	if p.AuditRepo != "" && !isRepo(p.AuditRepo) {
		bad("audit_repo %q is not OWNER/REPO", p.AuditRepo)
	}
	switch p.Identity.Require2FA {
	case TwoFactorOff, TwoFactorRequired, TwoFactorIfVisible:
	default:
		bad("identity.require_2fa %q is unknown", p.Identity.Require2FA)
	}
	if p.Reason.MinLength < 0 || p.Reason.MinLength > ceilingMinLen {
		bad("reason.min_length %d is out of range", p.Reason.MinLength)
	}
	if p.Reason.IncidentPattern != "" {
		if _, err := regexp.Compile(p.Reason.IncidentPattern); err != nil {
			bad("reason.incident_pattern: %v", err)
		}
	}
	validateApproval := func(where string, a Approval) {
		if a.Required && a.Approvers.Empty() {
			bad("%s: required with no approvers", where)
		}
		if a.Timeout <= 0 || a.Timeout > ceilingDuration {
			bad("%s.timeout %s is out of range", where, fd(a.Timeout))
		}
	}
	validateApproval("approval", p.Approval)
	validateLimits := func(where string, l Limits) {
		if l.MaxDuration <= 0 || l.MaxDuration > ceilingDuration {
			bad("%s.max_duration %s is out of range", where, fd(l.MaxDuration))
		}
		if l.DefaultDuration <= 0 || l.DefaultDuration > l.MaxDuration {
			bad("%s.default_duration %s is not within max_duration %s", where, fd(l.DefaultDuration), fd(l.MaxDuration))
		}
		if l.MaxExtension < 0 || l.MaxExtension > ceilingDuration {
			bad("%s.max_extension %s is out of range", where, fd(l.MaxExtension))
		}
	}
	validateLimits("defaults", p.Defaults)
	hooks := map[string]bool{}
	for _, w := range p.Notify.Webhooks {
		if !isSlug(w.Name) || hooks[w.Name] {
			bad("webhook name %q is invalid or repeated", w.Name)
		}
		hooks[w.Name] = true
		if w.Kind != WebhookGeneric && w.Kind != WebhookSlack {
			bad("webhook %q: kind %q is unknown", w.Name, w.Kind)
		}
		if !isWebhookEnv(w.URLEnv) {
			bad("webhook %q: url_env %q is not GLASS_WEBHOOK_*", w.Name, w.URLEnv)
		}
	}
	if len(p.Rules) == 0 {
		bad("no rules")
	}
	names := map[string]bool{}
	for _, r := range p.Rules {
		where := fmt.Sprintf("rule %q", r.Name)
		if !isSlug(r.Name) || names[r.Name] {
			bad("%s: name is invalid or repeated", where)
		}
		names[r.Name] = true
		if r.Who.Empty() {
			bad("%s: who names nobody", where)
		}
		if len(r.Levers) == 0 {
			bad("%s: no levers", where)
		}
		scoped := false
		for _, g := range r.Levers {
			scoped = scoped || branchScoped(g.Lever)
			if len(g.Allow) == 0 {
				bad("%s: lever %s allows nothing", where, g.Lever)
			}
			for _, a := range g.Allow {
				switch {
				case g.Lever == LeverTeam && (a == Any || isTeam(a)):
				case g.Lever != LeverTeam && contains(relaxNames(g.Lever), a):
				default:
					bad("%s: lever %s: %q is not allowed", where, g.Lever, a)
				}
			}
			if g.Lever == LeverAccess && len(g.Allow) != 1 {
				bad("%s: access must name exactly one permission", where)
			}
		}
		if scoped && len(r.Branches) == 0 {
			bad("%s: no branches", where)
		}
		for _, b := range append(append([]string(nil), r.Branches...), r.Repos...) {
			if err := checkGlob(b); err != nil {
				bad("%s: pattern %q: %v", where, b, err)
			}
		}
		validateLimits(where, r.Limits)
		if r.Approval != nil {
			validateApproval(where+".approval", *r.Approval)
		}
	}
	return errors.Join(errs...)
}
