package ghsim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func addAccessRoutes(add addFunc) {
	const (
		adminR = "administration=read"
		adminW = "administration=write"
		meta   = "metadata=read"
		memR   = "members=read"
		memW   = "members=write"
	)
	c := "/repos/{owner}/{repo}/collaborators"
	add("GET", c, hCollabList, true, scRepo, meta)
	add("GET", c+"/{username}", hCollabCheck, true, scRepo, meta)
	add("PUT", c+"/{username}", hCollabPut, true, scRepo, adminW)
	add("DELETE", c+"/{username}", hCollabDelete, true, scRepo, adminW)
	add("GET", c+"/{username}/permission", hCollabPermission, true, scRepo, meta)
	add("GET", "/repos/{owner}/{repo}/invitations", hInvList, true, scRepo, adminR)
	add("PATCH", "/repos/{owner}/{repo}/invitations/{invitation_id}", hInvPatch, true, scRepo, adminW)
	add("DELETE", "/repos/{owner}/{repo}/invitations/{invitation_id}", hInvDelete, true, scRepo, adminW)
	add("GET", "/user/repository_invitations", hMyInvList, true, scInvite, "")
	add("PATCH", "/user/repository_invitations/{invitation_id}", hMyInvAccept, true, scInvite, "")
	add("DELETE", "/user/repository_invitations/{invitation_id}", hMyInvDecline, true, scInvite, "")
	t := "/orgs/{org}/teams/{team_slug}"
	add("GET", t, hTeamGet, true, scOrgRead, memR)
	add("GET", t+"/members", hTeamMembers, true, scOrgRead, memR)
	add("GET", t+"/memberships/{username}", hTeamMembershipGet, true, scOrgRead, memR)
	add("PUT", t+"/memberships/{username}", hTeamMembershipPut, true, scOrgWrite, memW)
	add("DELETE", t+"/memberships/{username}", hTeamMembershipDelete, true, scOrgWrite, memW)
	add("GET", "/orgs/{org}/members/{username}", hOrgMemberCheck, true, scOrgRead, memR)
	add("GET", "/orgs/{org}/memberships/{username}", hOrgMembershipGet, true, scOrgRead, memR)
}

// legacyPermission maps a role to the …/permission endpoint's legacy
// vocabulary: admin, write, read, none (maintain→write, triage→read)
// (repos/get-collaborator-permission-level; github-api.md §3.2).
func (st *State) legacyPermission(repo *Repo, role string) string {
	switch st.rankOf(repo, role) {
	case 5:
		return "admin"
	case 4, 3:
		return "write"
	case 2, 1:
		return "read"
	}
	return "none"
}

// invitationPermission maps a PUT collaborator `permission` to the
// invitations vocabulary (read, write, maintain, triage, admin).
func invitationPermission(p string) string {
	switch p {
	case "pull":
		return "read"
	case "push":
		return "write"
	}
	return p
}

// collaboratorRole maps an invitation permission back to a role.
func collaboratorRole(p string) string {
	switch p {
	case "read":
		return "pull"
	case "write":
		return "push"
	}
	return p
}

func (c *ctx) permissionsObj(repo *Repo, login string) obj {
	rk := c.st.rank(repo, login)
	return obj{"admin": rk >= 5, "maintain": rk >= 4, "push": rk >= 3, "triage": rk >= 2, "pull": rk >= 1}
}

func (c *ctx) collaboratorJSON(repo *Repo, u *User) obj {
	o := c.simpleUser(u)
	o["permissions"] = c.permissionsObj(repo, u.Login)
	role := c.st.EffectiveRole(repo, u.Login)
	if role == "" {
		role = "none"
	}
	o["role_name"] = role
	return o
}

func (c *ctx) invitationJSON(inv *Invitation) obj {
	var invitee any
	if u := c.st.User(inv.Invitee); u != nil {
		invitee = c.simpleUser(u)
	}
	return obj{"id": inv.ID, "node_id": nodeID("RepositoryInvitation", inv.ID), "repository": c.minimalRepo(inv.Repo),
		"invitee": invitee, "inviter": c.simpleUserByLogin(inv.Inviter), "permissions": inv.Permission,
		"created_at": ts(inv.CreatedAt), "url": c.base + "/user/repository_invitations/" + strconv.FormatInt(inv.ID, 10),
		"html_url": c.web + "/" + inv.Repo.FullName() + "/invitations", "expired": c.invExpired(inv)}
}

// Repository invitations expire after 7 days (GitHub docs, "Inviting
// collaborators to a personal repository").
func (c *ctx) invExpired(inv *Invitation) bool {
	return inv.Expired || !c.st.now().Before(inv.CreatedAt.Add(7*24*time.Hour))
}

func (st *State) pendingInvitation(repo *Repo, login string) *Invitation {
	for _, inv := range st.invites {
		if inv.Repo == repo && strings.EqualFold(inv.Invitee, login) {
			return inv
		}
	}
	return nil
}

const docCollaborators = "https://docs.github.com/rest/collaborators/collaborators"

// loadRepoUser resolves the repository (as loadRepo) and the user
// {username}; an unknown user is 404. It writes the answer and returns nils
// on failure.
func (c *ctx) loadRepoUser(minRank int, roleMsg string) (*Repo, *User) {
	repo := c.loadRepo(minRank, roleMsg)
	if repo == nil {
		return nil, nil
	}
	u := c.st.User(c.param("username"))
	if u == nil {
		c.notFound()
		return nil, nil
	}
	return repo, u
}

// hCollabPut: repos/add-collaborator. 201 + invitation + Location when an
// invitation is created; 204 when access applies directly (existing
// collaborator: permission change; org member) — operation description and
// the @octokit/fixtures add-and-remove-repository-collaborator scenario
// (github-api.md §3.2, §3.3). Default permission push.
func hCollabPut(c *ctx) {
	repo, u := c.loadRepoUser(5, msgAdminRights)
	if u == nil {
		return
	}
	if u.Type != "User" {
		c.notFound()
		return
	}
	var body struct {
		Permission *string `json:"permission"`
	}
	if !c.decode(&body) {
		return
	}
	perm := "push"
	if body.Permission != nil && *body.Permission != "" {
		perm = *body.Permission
	}
	org := c.st.Org(repo.Owner)
	if _, ok := roleRank[perm]; !ok || perm == "none" || perm == "read" || perm == "write" {
		if org == nil || org.CustomRoles[perm] == "" {
			c.validation(docCollaborators+"#add-a-repository-collaborator", obj{"resource": "Repository", "field": "permission", "code": "invalid",
				"message": fmt.Sprintf("%s is not a valid permission.", perm)})
			return
		}
	}
	if org == nil {
		// "permission ... Only valid on organization-owned repositories";
		// personal-repo collaborators get write (guess: the value is ignored).
		perm = "push"
	}
	if strings.EqualFold(u.Login, repo.Owner) {
		c.validation(docCollaborators+"#add-a-repository-collaborator", obj{"resource": "Repository", "code": "custom", "message": "Repository owner cannot be a collaborator"})
		return
	}
	if _, ok := repo.Collaborators[u.Login]; ok || (org != nil && c.st.isOrgMember(org.Login, u.Login)) {
		repo.Collaborators[u.Login] = perm
		c.noContent()
		return
	}
	if inv := c.st.pendingInvitation(repo, u.Login); inv != nil && !c.invExpired(inv) {
		// guess (github-api.md §3.2 marks it uncertain): a PUT for someone
		// with a pending invitation updates that invitation.
		inv.Permission = invitationPermission(perm)
		c.created(c.invitationJSON(inv))
		return
	}
	inv := &Invitation{ID: c.st.id(), Repo: repo, Invitee: u.Login, Inviter: c.user.Login, Permission: invitationPermission(perm), CreatedAt: c.st.now()}
	c.st.invites[inv.ID] = inv
	c.created(c.invitationJSON(inv))
}

func hCollabDelete(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	u := c.st.User(c.param("username"))
	self := u != nil && strings.EqualFold(u.Login, c.user.Login)
	if !self && c.st.rank(repo, c.user.Login) < 5 {
		c.errMsg(403, msgAdminRights, docCollaborators+"#remove-a-repository-collaborator")
		return
	}
	if u == nil {
		c.notFound()
		return
	}
	delete(repo.Collaborators, u.Login)
	c.noContent()
}

// hCollabCheck: repos/check-collaborator — 204 if the user has access
// through any source (outside/direct collaborators, team members, org
// owners), else 404.
func hCollabCheck(c *ctx) {
	repo, u := c.loadRepoUser(3, "Must have push access to view repository collaborators.")
	if u == nil {
		return
	}
	if c.st.rank(repo, u.Login) < 1 {
		c.notFound()
		return
	}
	c.noContent()
}

// hCollabPermission: repos/get-collaborator-permission-level. `permission`
// is legacy (admin/write/read/none), `role_name` the real role, custom
// roles included. A user without access gets "none"/"none" (guess for
// role_name), or read on a public repo (guess; github-api.md §12).
func hCollabPermission(c *ctx) {
	repo, u := c.loadRepoUser(1, "")
	if u == nil {
		return
	}
	role := c.st.EffectiveRole(repo, u.Login)
	if role == "" {
		role = "none"
		if !repo.Private {
			role = "read"
		}
	}
	usr := c.simpleUser(u)
	usr["permissions"] = c.permissionsObj(repo, u.Login)
	usr["role_name"] = role
	c.json(200, obj{"permission": c.st.legacyPermission(repo, role), "role_name": role, "user": usr})
}

// hCollabList: repos/list-collaborators with affiliation outside|direct|all.
func hCollabList(c *ctx) {
	repo := c.loadRepo(3, "Must have push access to view repository collaborators.")
	if repo == nil {
		return
	}
	aff := c.query("affiliation", "all")
	org := c.st.Org(repo.Owner)
	set := map[string]bool{}
	switch aff {
	case "direct", "outside":
		for l := range repo.Collaborators {
			if aff == "outside" && org != nil && c.st.isOrgMember(org.Login, l) {
				continue
			}
			set[l] = true
		}
	case "all":
		for l := range repo.Collaborators {
			set[l] = true
		}
		for _, u := range c.st.users {
			if u.Type == "User" && c.st.rank(repo, u.Login) >= 1 {
				set[u.Login] = true
			}
		}
	default:
		c.validation(docCollaborators+"#list-repository-collaborators", obj{"resource": "Repository", "field": "affiliation", "code": "invalid"})
		return
	}
	var logins []string
	for l := range set {
		if want := c.q.Get("permission"); want != "" {
			if c.st.rank(repo, l) < roleRank[want] {
				continue
			}
		}
		logins = append(logins, l)
	}
	sort.Slice(logins, func(i, j int) bool { return c.st.User(logins[i]).ID < c.st.User(logins[j]).ID })
	writePage(c, logins, fmt.Sprintf("/repositories/%d/collaborators", repo.ID), func(l string) obj { return c.collaboratorJSON(repo, c.st.User(l)) })
}

func (c *ctx) repoInvitations(repo *Repo) []*Invitation {
	var out []*Invitation
	for _, inv := range c.st.invites {
		if inv.Repo == repo {
			out = append(out, inv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func hInvList(c *ctx) {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return
	}
	writePage(c, c.repoInvitations(repo), fmt.Sprintf("/repositories/%d/invitations", repo.ID), c.invitationJSON)
}

// loadInvitation resolves {invitation_id} among the invitations of the
// repository, for its admins (loadRepo); an unknown one is 404. It writes the
// answer and returns nil on failure.
func (c *ctx) loadInvitation() *Invitation {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return nil
	}
	inv := c.invByParam(repo)
	if inv == nil {
		c.notFound()
	}
	return inv
}

func (c *ctx) invByParam(repo *Repo) *Invitation {
	id, _ := strconv.ParseInt(c.param("invitation_id"), 10, 64)
	inv := c.st.invites[id]
	if inv == nil || (repo != nil && inv.Repo != repo) {
		return nil
	}
	return inv
}

func hInvPatch(c *ctx) {
	inv := c.loadInvitation()
	if inv == nil {
		return
	}
	var body struct {
		Permissions string `json:"permissions"`
	}
	if !c.decode(&body) {
		return
	}
	switch body.Permissions {
	case "read", "write", "maintain", "triage", "admin":
		inv.Permission = body.Permissions
	default:
		c.validation(docCollaborators+"/invitations#update-a-repository-invitation", obj{"resource": "RepositoryInvitation", "field": "permissions", "code": "invalid"})
		return
	}
	c.json(200, c.invitationJSON(inv))
}

func hInvDelete(c *ctx) {
	inv := c.loadInvitation()
	if inv == nil {
		return
	}
	delete(c.st.invites, inv.ID)
	c.noContent()
}

func hMyInvList(c *ctx) {
	var invs []*Invitation
	for _, inv := range c.st.invites {
		if strings.EqualFold(inv.Invitee, c.user.Login) {
			invs = append(invs, inv)
		}
	}
	sort.Slice(invs, func(i, j int) bool { return invs[i].ID < invs[j].ID })
	writePage(c, invs, "/user/repository_invitations", c.invitationJSON)
}

// hMyInvAccept: repos/accept-invitation-for-authenticated-user → 204; the
// invitee becomes a direct collaborator with the invited role.
func hMyInvAccept(c *ctx) {
	inv := c.invByParam(nil)
	if inv == nil || !strings.EqualFold(inv.Invitee, c.user.Login) {
		c.notFound()
		return
	}
	if c.invExpired(inv) {
		// guess: an expired invitation can no longer be accepted.
		c.notFound()
		return
	}
	inv.Repo.Collaborators[c.user.Login] = collaboratorRole(inv.Permission)
	delete(c.st.invites, inv.ID)
	c.noContent()
}

func hMyInvDecline(c *ctx) {
	inv := c.invByParam(nil)
	if inv == nil || !strings.EqualFold(inv.Invitee, c.user.Login) {
		c.notFound()
		return
	}
	delete(c.st.invites, inv.ID)
	c.noContent()
}

// ---- teams and org membership ----

// orgTeam loads org and team; teams are visible to org members (404 otherwise, guess).
func (c *ctx) orgTeam() (*Org, *Team) {
	o := c.st.Org(c.param("org"))
	if o == nil || !c.st.isOrgMember(o.Login, c.user.Login) || !c.hasScope("read:org") && !c.hasScope("repo") {
		c.notFound()
		return nil, nil
	}
	t := o.Team(c.param("team_slug"))
	if t == nil {
		c.notFound()
		return nil, nil
	}
	return o, t
}

func hTeamGet(c *ctx) {
	o, t := c.orgTeam()
	if t == nil {
		return
	}
	c.json(200, c.teamFull(o.Login, t))
}

func hTeamMembers(c *ctx) {
	_, t := c.orgTeam()
	if t == nil {
		return
	}
	role := c.q.Get("role")
	var users []*User
	for l, m := range t.Members {
		if m.State != "active" || (role == "member" || role == "maintainer") && m.Role != role {
			continue
		}
		users = append(users, c.st.User(l))
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
	writePage(c, users, "/orgs/"+c.param("org")+"/teams/"+t.Slug+"/members", c.simpleUser)
}

func (c *ctx) teamMembershipJSON(o *Org, t *Team, login string, m *TeamMember) obj {
	role := m.Role
	if o.Members[login] == "admin" {
		role = "maintainer" // org owners come back as maintainer (github-api.md §3.2)
	}
	return obj{"url": fmt.Sprintf("%s/organizations/%d/team/%d/memberships/%s", c.base, o.ID, t.ID, login), "role": role, "state": m.State}
}

// hTeamMembershipGet: teams/get-membership-for-user-in-org; 404 if not a member.
func hTeamMembershipGet(c *ctx) {
	o, t := c.orgTeam()
	if t == nil {
		return
	}
	u := c.st.User(c.param("username"))
	if u == nil || t.Members[u.Login] == nil {
		c.notFound()
		return
	}
	c.json(200, c.teamMembershipJSON(o, t, u.Login, t.Members[u.Login]))
}

func (c *ctx) canManageTeam(o *Org, t *Team) bool {
	if o.Members[c.user.Login] == "admin" {
		return true
	}
	m := t.Members[c.user.Login]
	return m != nil && m.State == "active" && m.Role == "maintainer"
}

// hTeamMembershipPut: teams/add-or-update-membership-for-user-in-org. 200
// {url, role, state}; state "pending" when the user is not an org member
// (an org invitation is sent; github-api.md §3.2).
func hTeamMembershipPut(c *ctx) {
	o, t := c.orgTeam()
	if t == nil {
		return
	}
	if !c.hasScope("write:org") {
		// A classic token without write:org (fine-grained tokens were
		// checked against members=write already): 404, with
		// X-Accepted-OAuth-Scopes saying what is needed. Guess: GitHub docs
		// "Authenticating to the REST API" only say "404 Not Found or 403
		// Forbidden"; the fine-grained wording is never sent to classic tokens.
		c.notFound()
		return
	}
	if !c.canManageTeam(o, t) {
		c.errMsg(403, "You must be an organization owner or team maintainer to add a team membership.", "https://docs.github.com/rest/teams/members#add-or-update-team-membership-for-a-user") // wording guess
		return
	}
	u := c.st.User(c.param("username"))
	if u == nil {
		c.notFound()
		return
	}
	if u.Type != "User" {
		c.validation("https://docs.github.com/rest/teams/members#add-or-update-team-membership-for-a-user", obj{"resource": "TeamMember", "field": "user", "code": "invalid"})
		return
	}
	var body struct {
		Role string `json:"role"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Role == "" {
		body.Role = "member"
	}
	if body.Role != "member" && body.Role != "maintainer" {
		c.validation("https://docs.github.com/rest/teams/members#add-or-update-team-membership-for-a-user", obj{"resource": "TeamMember", "field": "role", "code": "invalid"})
		return
	}
	m := t.Members[u.Login]
	if m == nil {
		m = &TeamMember{State: "active"}
		if !c.st.isOrgMember(o.Login, u.Login) {
			m.State = "pending"
			o.PendingInvites[u.Login] = true
		}
		t.Members[u.Login] = m
	}
	m.Role = body.Role
	c.json(200, c.teamMembershipJSON(o, t, u.Login, m))
}

func hTeamMembershipDelete(c *ctx) {
	o, t := c.orgTeam()
	if t == nil {
		return
	}
	if !c.hasScope("write:org") || !c.canManageTeam(o, t) {
		c.errMsg(403, "You must be an organization owner or team maintainer to remove a team membership.", "https://docs.github.com/rest/teams/members#remove-team-membership-for-a-user") // wording guess
		return
	}
	u := c.st.User(c.param("username"))
	if u == nil || t.Members[u.Login] == nil {
		c.notFound()
		return
	}
	if t.Members[u.Login].State == "pending" {
		// guess (github-api.md §12): removing a pending membership also cancels the org invitation
		delete(o.PendingInvites, u.Login)
	}
	delete(t.Members, u.Login)
	c.noContent()
}

// hOrgMemberCheck: orgs/check-membership-for-user — 204 member, 404 not
// (requester is a member; for non-members GitHub answers 302 to the public
// members check, simplified to 404 here: guess).
func hOrgMemberCheck(c *ctx) {
	o := c.st.Org(c.param("org"))
	u := c.st.User(c.param("username"))
	if o == nil || u == nil || !c.st.isOrgMember(o.Login, c.user.Login) || !c.st.isOrgMember(o.Login, u.Login) {
		c.notFound()
		return
	}
	c.noContent()
}

// hOrgMembershipGet: orgs/get-membership-for-user.
func hOrgMembershipGet(c *ctx) {
	o := c.st.Org(c.param("org"))
	u := c.st.User(c.param("username"))
	if o == nil || u == nil || !c.st.isOrgMember(o.Login, c.user.Login) {
		c.notFound()
		return
	}
	role, ok := o.Members[u.Login]
	state := "active"
	if !ok {
		if !o.PendingInvites[u.Login] {
			c.notFound()
			return
		}
		role, state = "member", "pending"
	}
	c.json(200, obj{"url": c.base + "/orgs/" + o.Login + "/memberships/" + u.Login, "state": state, "role": role,
		"organization_url": c.base + "/orgs/" + o.Login, "organization": c.orgSimple(o), "user": c.simpleUser(u)})
}
