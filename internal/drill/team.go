package drill

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever/team"
)

// roleRank orders GitHub's role_name values (custom roles: unknown, 0).
var roleRank = map[string]int{"none": 0, "": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}

// teamGrant reads what the drilled team grants on the repository
// (teams/check-permissions-for-repo-in-org with the repository media type:
// 200 with role_name; 404 when the team has no access). A team without
// access to the repository has no effect the door test could show, so the
// drill refuses it before anything changes.
func (d *driver) teamGrant(ctx context.Context) (string, error) {
	org, slug, err := team.SplitTeam(d.o.Team)
	if err != nil {
		return "", err
	}
	var got struct {
		RoleName string `json:"role_name"`
	}
	err = try(ctx, func() error {
		req, err := d.env.GitHub.NewRequest(http.MethodGet, fmt.Sprintf("orgs/%s/teams/%s/repos/%s/%s", url.PathEscape(org), url.PathEscape(slug), d.owner, d.repo), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/vnd.github.v3.repository+json")
		_, err = d.env.GitHub.Do(ctx, req, &got)
		return err
	})
	if ghapi.StatusCode(err) == http.StatusNotFound {
		return "", fmt.Errorf("team %s has no access to %s (or this token cannot see it): a team drill shows the access the team grants; pick a team with access, nothing was changed", d.o.Team, d.o.Repo)
	}
	if err != nil {
		return "", fmt.Errorf("reading what team %s grants on %s: %s; nothing was changed", d.o.Team, d.o.Repo, describe(err))
	}
	return got.RoleName, nil
}

// userRole reads the user's permission on the repository as GitHub
// computes it from every source, teams included
// (repos/get-collaborator-permission-level: role_name).
func (d *driver) userRole(ctx context.Context) (string, error) {
	var got struct {
		RoleName string `json:"role_name"`
	}
	err := try(ctx, func() error {
		req, err := d.env.GitHub.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", d.owner, d.repo, url.PathEscape(d.o.User)), nil)
		if err != nil {
			return err
		}
		_, err = d.env.GitHub.Do(ctx, req, &got)
		return err
	})
	return got.RoleName, err
}

// teamDoor is the team lever's door test: the user's permission on the
// repository. Shut before: below what the team grants (remembered as the
// user's own); open during: what the team grants; shut after: the user's
// own again.
func (d *driver) teamDoor(ctx context.Context, s *Scenario, name string, wantOpen bool) {
	role, err := d.userRole(ctx)
	if err != nil {
		s.check(name, false, "could not read %s's permission on %s: %s", d.o.User, d.o.Repo, describe(err))
		return
	}
	switch {
	case name == "door shut before":
		d.baseRole = role
		if roleRank[role] >= roleRank[d.teamRole] {
			s.check(name, false, "%s's permission on %s is already %s, at least what team %s grants (%s): the drill cannot show the team's effect; pick a user with less", d.o.User, d.o.Repo, role, d.o.Team, d.teamRole)
			return
		}
		s.check(name, true, "%s's permission on %s is %s, below %s (what team %s grants)", d.o.User, d.o.Repo, role, d.teamRole, d.o.Team)
	case wantOpen:
		s.check(name, role == d.teamRole || roleRank[role] >= roleRank[d.teamRole], "%s's permission on %s is %s through team %s (want %s)", d.o.User, d.o.Repo, role, d.o.Team, d.teamRole)
	default:
		s.check(name, role == d.baseRole, "%s's permission on %s is %s again (before: %s)", d.o.User, d.o.Repo, role, d.baseRole)
	}
}
