package open

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
	"github.com/glass-cli/glass/internal/tui/openflow"
)

// policyRules is the interactive flow's view of the policy: which relax
// names (or roles) to grey out, the duration bounds and the reason rules.
// It only guides the questions; the gate decides when the override opens.
// (When the factory gains a shared policy loader, this should use it.)
func policyRules(ctx context.Context, gh *github.Client, lv lever.Lever, repo string, l override.Lever, branch, login string) (openflow.Rules, error) {
	p, err := policy.Load(ctx, repo, func(ctx context.Context, repo, path string) ([]byte, bool, error) {
		owner, name, _ := strings.Cut(repo, "/")
		fc, _, resp, err := gh.Repositories.GetContents(ctx, owner, name, path, nil)
		if err != nil {
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return nil, false, nil
			}
			return nil, false, err
		}
		if fc == nil {
			return nil, false, nil
		}
		s, err := fc.GetContent()
		return []byte(s), err == nil, err
	})
	if err != nil {
		return openflow.Rules{}, err
	}
	r := openflow.Rules{Source: p.Source, MinReason: p.Reason.MinLength, IncidentNeeded: p.Reason.IncidentRequired, IncidentPattern: p.Reason.IncidentPattern}
	perms, xerr := p.Explain(ctx, repo, login, teamDirectory{gh})
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

// teamDirectory answers policy's team questions from GitHub
// (teams/get-membership-for-user-in-org: 404 means not a member).
type teamDirectory struct{ gh *github.Client }

func (d teamDirectory) IsTeamMember(ctx context.Context, org, slug, login string) (bool, error) {
	m, _, err := d.gh.Teams.GetTeamMembershipBySlug(ctx, org, slug, login)
	if err != nil {
		var ge *github.ErrorResponse
		if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusNotFound {
			return false, nil
		}
		return false, err
	}
	return m.GetState() == "active", nil
}
