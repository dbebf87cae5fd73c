// Package team is the lever for membership of an organization team: add a
// user to a team (for example the team a ruleset lets bypass, or the team
// with admin on the repository) as member for the window, then put the
// membership back exactly as it was.
//
// Fields:
//
//	membership  the user's membership of the team before and after: "" (none),
//	            "member", "maintainer", or "pending:member" / "pending:maintainer"
//	            for a membership that waits on an organization invitation. One
//	            field, so that an invitation accepted during the window is
//	            glass's own change (a conflict Merge puts back), not drift.
//	org_role    the user's organization membership: "admin" (owner), "member",
//	            "pending" (invited) or "" (none). Adding a non-member makes it
//	            "pending" (GitHub sends the invitation). On close glass removes the
//	            team membership and then the organization membership
//	            (orgs/remove-membership-for-user), which cancels the invitation or,
//	            if the user accepted it during the window, removes them from the
//	            organization again.
//
// GitHub behaviour (teams/add-or-update-membership-for-user-in-org,
// teams/get-membership-for-user-in-org, teams/remove-membership-for-user-in-org;
// docs/github-api.md §3.2): PUT {role} answers 200 {url, role, state}; state
// is "pending" when the user is not an organization member: an owner's PUT
// sends an organization invitation and team access starts on acceptance.
// GET answers 404 when the user is not a member. Organization owners come
// back as role maintainer, so glass refuses to "add" an owner (they have
// every repository already and the membership would not verify). Restore:
// none before → DELETE; a role before → PUT that role, never DELETE.
package team

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

const (
	kMembership = "membership"
	kOrgRole    = "org_role"

	pendingPrefix = "pending:"

	// RelaxMember is the one relax name: membership as member.
	RelaxMember = "member"
)

// Keys lists the field keys.
func Keys() []string { return []string{kMembership, kOrgRole} }

// Lever implements lever.Lever and lever.Previewer for team membership.
type Lever struct{ c *github.Client }

// New returns the team lever using c.
func New(c *github.Client) lever.Lever { return &Lever{c: c} }

var (
	_ lever.Lever     = (*Lever)(nil)
	_ lever.Previewer = (*Lever)(nil)
)

func (l *Lever) Kind() override.Lever { return override.LeverTeam }

func (l *Lever) Relaxations() []lever.RelaxOption {
	return []lever.RelaxOption{{Name: RelaxMember, Summary: "membership of the team as member"}}
}

// SplitTeam splits "ORG/SLUG".
func SplitTeam(s string) (org, slug string, err error) {
	org, slug, ok := strings.Cut(s, "/")
	if !ok || org == "" || slug == "" || strings.Contains(slug, "/") {
		return "", "", fmt.Errorf("invalid team %q: expected ORG/SLUG", s)
	}
	return org, slug, nil
}

func (l *Lever) Validate(t override.Target, relax []string) error {
	if _, _, err := SplitTeam(t.Team); err != nil {
		return errors.New("the team lever needs the team as ORG/SLUG (--team): " + err.Error())
	}
	if t.User == "" {
		// Whoever closes the override must remove this user, not themselves.
		return errors.New("the team lever needs the user's login (--user)")
	}
	for _, r := range relax {
		if r != RelaxMember {
			return lever.UnknownRelax(l, r)
		}
	}
	return nil
}

func str(v any) string { s, _ := v.(string); return s }

// Relax is pure. A user who is already in the team (member, maintainer, or
// pending) keeps what they have: glass never downgrades a maintainer and
// cannot make a pending membership active. A user with no membership becomes
// a member, pending when they are not an organization member. An
// organization owner is refused: they already have access to everything.
func (l *Lever) Relax(t override.Target, orig lever.Fields, relax []string) (lever.Fields, error) {
	for _, r := range relax {
		if r != RelaxMember {
			return nil, lever.UnknownRelax(l, r)
		}
	}
	out := orig.Clone()
	if len(relax) == 0 || str(orig[kMembership]) != "" {
		return out, nil
	}
	switch str(orig[kOrgRole]) {
	case "admin":
		org, _, _ := SplitTeam(t.Team)
		return nil, &lever.RefusalError{
			Reason: fmt.Sprintf("%s is an owner of %s: owners already have admin on every repository, and GitHub reports them as team maintainers, so a membership glass adds could not be verified or restored exactly", t.User, org),
			Hint:   "nothing was changed; nothing to grant",
		}
	case "member":
		out[kMembership] = RelaxMember
	default:
		// The PUT sends an organization invitation: the user's organization
		// membership reads "pending" until they accept.
		out[kMembership] = pendingPrefix + RelaxMember
		out[kOrgRole] = "pending"
	}
	return out, nil
}

// ---- Read ----

type membership struct {
	Role  string `json:"role"`
	State string `json:"state"`
}

// Read runs four GETs in parallel: the team (it exists and the token can
// see it), the user, the user's team membership (404: none) and their
// organization membership (404: none).
func (l *Lever) Read(ctx context.Context, t override.Target) (lever.Snapshot, error) {
	org, slug, err := SplitTeam(t.Team)
	if err != nil {
		return lever.Snapshot{}, err
	}
	user := t.User
	var (
		wg                           sync.WaitGroup
		tm, om                       membership
		errT, errU, errM, errO       error
		teamPath                     = fmt.Sprintf("orgs/%s/teams/%s", url.PathEscape(org), url.PathEscape(slug))
		memberPath                   = teamPath + "/memberships/" + url.PathEscape(user)
		noTeamMembership, noOrgEntry bool
	)
	wg.Add(4)
	go func() { defer wg.Done(); errT = l.do(ctx, "GET", teamPath, nil, nil) }()
	go func() {
		defer wg.Done()
		errU = l.do(ctx, "GET", "users/"+url.PathEscape(user), nil, nil)
	}()
	go func() {
		defer wg.Done()
		errM = l.do(ctx, "GET", memberPath, nil, &tm)
		if ghapi.StatusCode(errM) == http.StatusNotFound {
			errM, noTeamMembership = nil, true
		}
	}()
	go func() {
		defer wg.Done()
		errO = l.do(ctx, "GET", fmt.Sprintf("orgs/%s/memberships/%s", url.PathEscape(org), url.PathEscape(user)), nil, &om)
		if ghapi.StatusCode(errO) == http.StatusNotFound {
			errO, noOrgEntry = nil, true
		}
	}()
	wg.Wait()
	if ghapi.StatusCode(errT) == http.StatusNotFound {
		return lever.Snapshot{}, &lever.RefusalError{Reason: fmt.Sprintf("team %s not found, or this token cannot see it", t.Team), Hint: "check --team ORG/SLUG (nothing was changed)"}
	}
	if ghapi.StatusCode(errU) == http.StatusNotFound {
		return lever.Snapshot{}, &lever.RefusalError{Reason: fmt.Sprintf("user %s not found on GitHub", user), Hint: "check the login (nothing was changed)"}
	}
	if err := errors.Join(errT, errU, errM, errO); err != nil {
		return lever.Snapshot{}, lever.DescribeError(fmt.Sprintf("reading %s's membership of team %s", user, t.Team), err, "nothing was changed")
	}
	f := lever.Fields{kMembership: "", kOrgRole: ""}
	if !noTeamMembership {
		f[kMembership] = membershipValue(tm)
	}
	if !noOrgEntry {
		f[kOrgRole] = om.Role
		if om.State == "pending" {
			f[kOrgRole] = "pending"
		}
	}
	raw := fmt.Sprintf(`{"team":%q,"user":%q,"membership":%q,"org_role":%q}`, t.Team, user, f[kMembership], f[kOrgRole])
	return lever.Snapshot{Fields: f, Raw: []byte(raw)}, nil
}

func membershipValue(m membership) string {
	if m.State == "pending" {
		return pendingPrefix + m.Role
	}
	return m.Role
}

// ---- Write ----

// Write moves the membership from live to want: DELETE to go back to none,
// PUT {role} otherwise. The PUT answer (role and state) is the verification;
// after a DELETE the caller reads.
func (l *Lever) Write(ctx context.Context, t override.Target, live, want lever.Fields) (lever.Fields, error) {
	org, slug, err := SplitTeam(t.Team)
	if err != nil {
		return nil, err
	}
	lm, wm := str(live[kMembership]), str(want[kMembership])
	if wm == "" && str(want[kOrgRole]) == "" && str(live[kOrgRole]) != "" {
		// The user was in no team and not in the organization before: the
		// organization membership (or invitation) is glass's doing too,
		// from the invitation its PUT sent. Remove it: a user who accepted
		// during the window would otherwise keep the organization's base
		// access after close.
		return l.removeFromOrg(ctx, t, org, live)
	}
	if lm == wm {
		return live.Clone(), nil
	}
	p := fmt.Sprintf("orgs/%s/teams/%s/memberships/%s", url.PathEscape(org), url.PathEscape(slug), url.PathEscape(t.User))
	if wm == "" {
		// want is "" only when the user had no membership before glass
		// opened, so this never removes someone who was in the team.
		if err := l.do(ctx, "DELETE", p, nil, nil); err != nil {
			if ghapi.StatusCode(err) == http.StatusNotFound {
				return nil, nil // already gone; the caller reads to verify
			}
			return nil, lever.DescribeError(fmt.Sprintf("removing %s from team %s (DELETE membership)", t.User, t.Team), err, fmt.Sprintf("%s may still be %s", t.User, orNone(lm)))
		}
		return nil, nil
	}
	role := strings.TrimPrefix(wm, pendingPrefix)
	var got membership
	if err := l.do(ctx, "PUT", p, map[string]string{"role": role}, &got); err != nil {
		return nil, describe(fmt.Sprintf("making %s a %s of team %s (PUT membership)", t.User, role, t.Team), err, fmt.Sprintf("%s stays %s", t.User, orNone(lm)))
	}
	out := live.Clone()
	out[kMembership] = membershipValue(got)
	if got.State == "pending" && str(live[kOrgRole]) == "" {
		out[kOrgRole] = "pending" // an organization invitation was sent
	}
	return out, nil
}

// removeFromOrg puts a user glass invited back outside the organization:
// first the team membership glass added (DELETE team membership), then
// the organization membership or the pending invitation
// (orgs/remove-membership-for-user: "If the specified user is an active
// member of the organization, this will remove them from the organization.
// If the specified user has been invited to the organization, this will
// cancel their invitation"; owners only). A 404 means already gone. The
// caller reads to verify.
func (l *Lever) removeFromOrg(ctx context.Context, t override.Target, org string, live lever.Fields) (lever.Fields, error) {
	_, slug, _ := SplitTeam(t.Team)
	if str(live[kMembership]) != "" {
		p := fmt.Sprintf("orgs/%s/teams/%s/memberships/%s", url.PathEscape(org), url.PathEscape(slug), url.PathEscape(t.User))
		if err := l.do(ctx, "DELETE", p, nil, nil); err != nil && ghapi.StatusCode(err) != http.StatusNotFound {
			return nil, describe(fmt.Sprintf("removing %s from team %s (DELETE membership)", t.User, t.Team), err, fmt.Sprintf("%s may still be %s", t.User, orNone(str(live[kMembership]))))
		}
	}
	p := fmt.Sprintf("orgs/%s/memberships/%s", url.PathEscape(org), url.PathEscape(t.User))
	if err := l.do(ctx, "DELETE", p, nil, nil); err != nil && ghapi.StatusCode(err) != http.StatusNotFound {
		what := fmt.Sprintf("removing %s from organization %s again (DELETE organization membership; glass's invitation made it)", t.User, org)
		if ghapi.StatusCode(err) == http.StatusForbidden {
			// Removing a pending team membership may have cancelled the
			// invitation already (whether GitHub does is not documented):
			// then there is nothing left for an owner to do.
			if gerr := l.do(ctx, "GET", p, nil, nil); ghapi.StatusCode(gerr) == http.StatusNotFound {
				return nil, nil
			}
			return nil, fmt.Errorf("%s: %w; only an organization owner can remove a member or cancel an invitation: %s is out of team %s but %s; an owner of %s must finish the rollback (glass close or glass sweep with an owner's token)", what, err, t.User, t.Team, orgState(t.User, org, str(live[kOrgRole])), org)
		}
		return nil, lever.DescribeError(what, err, fmt.Sprintf("%s may still be out of team %s but %s", t.User, t.Team, orgState(t.User, org, str(live[kOrgRole]))))
	}
	return nil, nil
}

func orgState(user, org, role string) string {
	if role == "pending" {
		return fmt.Sprintf("%s's invitation to %s is still pending", user, org)
	}
	return fmt.Sprintf("%s is still a %s of %s", user, role, org)
}

// describe adds what GitHub's team refusals mean to lever.DescribeError: a
// 403 on a team membership is an owner/maintainer matter, or a team kept in
// sync with an identity provider (github-api.md §3.2).
func describe(what string, err error, unchanged string) error {
	if ghapi.StatusCode(err) == http.StatusForbidden {
		return fmt.Errorf("%s: %w; glass needs an organization owner or a maintainer of the team (classic token: scope admin:org or write:org), and teams synchronised with an identity provider cannot be changed here (%s)", what, err, unchanged)
	}
	return lever.DescribeError(what, err, unchanged)
}

func orNone(m string) string {
	if m == "" {
		return "not in the team"
	}
	return m
}

// ---- Preview ----

// Preview says what a human should know first: an invitation instead of
// access, a membership that is already there, and the DELETE on close.
func (l *Lever) Preview(ctx context.Context, t override.Target, orig, want lever.Fields) ([]lever.Notice, error) {
	om, wm := str(orig[kMembership]), str(want[kMembership])
	org, _, _ := SplitTeam(t.Team)
	var notes []lever.Notice
	switch {
	case om == wm && strings.HasPrefix(om, pendingPrefix):
		notes = append(notes, lever.Notice{Kind: "invitation", Message: fmt.Sprintf("%s's membership of %s is already pending (an organization invitation waits): nothing to change", t.User, t.Team)})
	case om == wm:
		notes = append(notes, lever.Notice{Kind: "already-member", Message: fmt.Sprintf("%s is already a %s of %s: nothing to change", t.User, om, t.Team)})
	default:
		if strings.HasPrefix(wm, pendingPrefix) {
			notes = append(notes, lever.Notice{Kind: "invitation", Message: fmt.Sprintf("%s is not a member of %s: GitHub sends an organization invitation, and the team's access starts only once they accept it", t.User, org)})
			notes = append(notes, lever.Notice{Kind: "removal", Message: fmt.Sprintf("on close glass removes %s from %s and from %s again (DELETE membership, DELETE organization membership: cancels the invitation, or undoes its acceptance; needs an organization owner)", t.User, t.Team, org)})
		} else {
			notes = append(notes, lever.Notice{Kind: "removal", Message: fmt.Sprintf("on close glass removes %s from %s (DELETE membership)", t.User, t.Team)})
		}
	}
	return notes, nil
}

func (l *Lever) do(ctx context.Context, method, path string, body, v any) error {
	req, err := l.c.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	_, err = l.c.Do(ctx, req, v)
	return err
}
