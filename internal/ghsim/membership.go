package ghsim

import (
	"strings"
)

// Routes for the invited user's side of an organization invitation, and for
// what a team grants on a repository. The team lever adds a non-member to a
// team as a pending membership (an organization invitation); these let the
// invited user accept it, and a drill check what the team grants.
func addMembershipRoutes(add addFunc) {
	// orgs/get-membership-for-authenticated-user and
	// orgs/update-membership-for-authenticated-user ("Converts the
	// authenticated user to an active member of the organization, if that
	// user has a pending invitation from the organization"; body
	// {"state":"active"}, the only value accepted). @octokit/openapi 23.0.2.
	// Scopes: guess (the description names none); read:org-like for the GET,
	// write:org-like or user for the PATCH.
	add("GET", "/user/memberships/orgs/{org}", hMyOrgMembershipGet, true, scOrgRead, "")
	add("PATCH", "/user/memberships/orgs/{org}", hMyOrgMembershipPatch, true, "admin:org, user, write:org", "")
	// teams/check-permissions-for-repo-in-org: 204 when the team has a
	// permission on the repository, 404 when not; with the media type
	// application/vnd.github.v3.repository+json, 200 team-repository (the
	// repository with the team's permissions and role_name).
	add("GET", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", hTeamRepoCheck, true, scOrgRead, "members=read")
	// orgs/remove-membership-for-user: "If the specified user is an active
	// member of the organization, this will remove them from the
	// organization. If the specified user has been invited to the
	// organization, this will cancel their invitation." Owners only.
	add("DELETE", "/orgs/{org}/memberships/{username}", hOrgMembershipDelete, true, scOrgWrite, "members=write")
}

// hOrgMembershipDelete removes a member (and their team memberships in the
// organization) or cancels an invitation (and the pending team memberships
// that made it). 403 for a non-owner (wording guess), 404 when the user is
// neither.
func hOrgMembershipDelete(c *ctx) {
	o := c.st.Org(c.param("org"))
	u := c.st.User(c.param("username"))
	if o == nil || !c.st.isOrgMember(o.Login, c.user.Login) {
		c.notFound()
		return
	}
	if o.Members[c.user.Login] != "admin" {
		c.errMsg(403, "You must be an organization owner to remove a member.", "https://docs.github.com/rest/orgs/members#remove-organization-membership-for-a-user") // wording guess
		return
	}
	if u == nil {
		c.notFound()
		return
	}
	_, member := o.Members[u.Login]
	if !member && !o.PendingInvites[u.Login] {
		c.notFound()
		return
	}
	delete(o.Members, u.Login)
	delete(o.PendingInvites, u.Login)
	for _, t := range o.Teams {
		delete(t.Members, u.Login)
	}
	c.noContent()
}

// orgMembership renders org-membership for login in o; nil when login is
// neither a member nor invited.
func (c *ctx) orgMembership(o *Org, u *User) obj {
	role, ok := o.Members[u.Login]
	state := "active"
	if !ok {
		if !o.PendingInvites[u.Login] {
			return nil
		}
		role, state = "member", "pending"
	}
	return obj{"url": c.base + "/orgs/" + o.Login + "/memberships/" + u.Login, "state": state, "role": role,
		"organization_url": c.base + "/orgs/" + o.Login, "organization": c.orgSimple(o), "user": c.simpleUser(u)}
}

// hMyOrgMembershipGet: the caller's membership, active or pending; 404
// when not affiliated.
func hMyOrgMembershipGet(c *ctx) {
	o := c.st.Org(c.param("org"))
	if o == nil {
		c.notFound()
		return
	}
	m := c.orgMembership(o, c.user)
	if m == nil {
		c.notFound()
		return
	}
	c.json(200, m)
}

// hMyOrgMembershipPatch accepts the caller's pending organization
// invitation: they become a member, and their pending team memberships in
// the organization become active (the team's access starts on acceptance;
// docs/github-api.md §3.2). An active member gets their membership back
// unchanged (guess: the description only covers the pending case); no
// membership at all is 404 (guess: the description lists 404 and 403 without
// saying which).
func hMyOrgMembershipPatch(c *ctx) {
	o := c.st.Org(c.param("org"))
	if o == nil {
		c.notFound()
		return
	}
	var body struct {
		State string `json:"state"`
	}
	if !c.decode(&body) {
		return
	}
	if body.State != "active" {
		c.validation("https://docs.github.com/rest/orgs/members#update-an-organization-membership-for-the-authenticated-user", obj{"resource": "OrganizationMembership", "field": "state", "code": "invalid"})
		return
	}
	login := c.user.Login
	if _, member := o.Members[login]; !member {
		if !o.PendingInvites[login] {
			c.notFound()
			return
		}
		o.Members[login] = "member"
		delete(o.PendingInvites, login)
		for _, t := range o.Teams {
			if m := t.Members[login]; m != nil && m.State == "pending" {
				m.State = "active"
			}
		}
	}
	c.json(200, c.orgMembership(o, c.user))
}

// hTeamRepoCheck: teams/check-permissions-for-repo-in-org.
func hTeamRepoCheck(c *ctx) {
	o, t := c.orgTeam()
	if t == nil {
		return
	}
	repo := c.st.Repo(c.param("owner") + "/" + c.param("repo"))
	if repo == nil || !c.st.isOrgMember(o.Login, c.user.Login) {
		c.notFound()
		return
	}
	perm, ok := t.Repos[strings.ToLower(repo.FullName())]
	if !ok {
		c.notFound()
		return
	}
	if !strings.Contains(c.r.Header.Get("Accept"), "application/vnd.github.v3.repository+json") {
		c.noContent()
		return
	}
	out := c.fullRepo(repo)
	rk := c.st.rankOf(repo, perm)
	out["permissions"] = obj{"admin": rk >= 5, "maintain": rk >= 4, "push": rk >= 3, "triage": rk >= 2, "pull": rk >= 1}
	out["role_name"] = canonicalRole(perm)
	out["master_branch"] = repo.DefaultBranch
	out["temp_clone_token"] = ""
	c.json(200, out)
}
