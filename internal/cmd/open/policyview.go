package open

import (
	"context"
	"fmt"
	"strings"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
	"github.com/glass-cli/glass/internal/tui/openflow"
)

// policyRules is the interactive flow's view of the policy: which relax
// names (or roles) to grey out, the duration bounds and the reason rules.
// It only guides the questions; the gate decides when the override opens.
// load and dir are the engine's (LoadPolicy, Directory), so the flow reads
// the same policy the gate enforces and shares its team-membership cache.
func policyRules(ctx context.Context, load func(ctx context.Context, repo string) (*policy.Policy, error), dir policy.Directory, lv lever.Lever, repo string, l override.Lever, branch, login string) (openflow.Rules, error) {
	p, err := load(ctx, repo)
	if err != nil {
		return openflow.Rules{}, err
	}
	r := openflow.Rules{Source: p.Source, MinReason: p.Reason.MinLength, IncidentNeeded: p.Reason.IncidentRequired, IncidentPattern: p.Reason.IncidentPattern}
	perms, xerr := p.Explain(ctx, repo, login, dir)
	allowed, limits, ok := policy.Allowed(perms, string(l), branch)
	r.MaxDuration, r.DefaultDuration = limits.MaxDuration, limits.DefaultDuration
	r.Forbidden = map[string]string{}
	where := ""
	if branch != "" {
		where = " on " + branch
	}
	for _, opt := range lv.Relaxations() {
		name := opt.Name
		if l == override.LeverRuleset && strings.HasPrefix(name, "bypass") {
			// The ruleset lever's bypass-team:SLUG and bypass-role:ROLE are
			// the policy's "bypass" (as engine.policyRequest maps them).
			name = "bypass"
		}
		switch {
		case !ok:
			r.Forbidden[opt.Name] = fmt.Sprintf("no rule of %s lets %s use %s%s", p.Source, login, l, where)
		case !contains(allowed, name):
			r.Forbidden[opt.Name] = fmt.Sprintf("%s does not allow it%s", p.Source, where)
		}
	}
	if xerr != nil && len(perms) == 0 {
		// Team membership could not be checked: say so rather than grey
		// out everything for a reason that is not the policy's.
		return r, xerr
	}
	return r, nil
}
