package ghsim

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestCollaboratorPUT(t *testing.T) {
	s, _ := newAcme(t)
	admin := s.Token("alice")
	c := "/repos/acme/payments/collaborators/"
	// erin: not an org member, not a collaborator → 201 invitation
	r := call(t, s, "PUT", c+"erin", admin, map[string]any{"permission": "maintain"})
	wantCode(t, r, 201)
	inv := r.json(t)
	id := int64(inv["id"].(float64))
	if inv["permissions"] != "maintain" || inv["invitee"].(map[string]any)["login"] != "erin" || r.Header.Get("Location") != "http://api.sim.test/user/repository_invitations/"+strconv.FormatInt(id, 10) {
		t.Fatalf("invitation = %s / %v", r.Body, r.Header.Get("Location"))
	}
	// no access until accepted
	p := call(t, s, "GET", c+"erin/permission", admin, nil).json(t)
	if p["permission"] != "none" {
		t.Errorf("before accept: %v", p)
	}
	// invitee sees and accepts it
	list := call(t, s, "GET", "/user/repository_invitations", s.Token("erin"), nil).list(t)
	if len(list) != 1 {
		t.Fatalf("invitee list = %v", list)
	}
	wantCode(t, call(t, s, "PATCH", "/user/repository_invitations/"+strconv.FormatInt(id, 10), s.Token("bob"), nil), 404)
	wantCode(t, call(t, s, "PATCH", "/user/repository_invitations/"+strconv.FormatInt(id, 10), s.Token("erin"), nil), 204)
	p = call(t, s, "GET", c+"erin/permission", admin, nil).json(t)
	if p["permission"] != "write" || p["role_name"] != "maintain" {
		t.Errorf("after accept: %v", p)
	}
	// existing collaborator → 204 permission change
	wantCode(t, call(t, s, "PUT", c+"erin", admin, map[string]any{"permission": "triage"}), 204)
	p = call(t, s, "GET", c+"erin/permission", admin, nil).json(t)
	if p["permission"] != "read" || p["role_name"] != "triage" {
		t.Errorf("triage: %v", p)
	}
	// org member → 204, default push
	wantCode(t, call(t, s, "PUT", "/repos/acme/audit/collaborators/dave", admin, nil), 403) // alice only has push on audit
	wantCode(t, call(t, s, "PUT", "/repos/acme/audit/collaborators/dave", s.Token("acme-admin"), nil), 204)
	if call(t, s, "GET", "/repos/acme/audit/collaborators/dave/permission", admin, nil).json(t)["role_name"] != "write" {
		t.Error("dave default push")
	}
	// custom role defined on the org
	wantCode(t, call(t, s, "PUT", c+"erin", admin, map[string]any{"permission": "security-auditor"}), 204)
	p = call(t, s, "GET", c+"erin/permission", admin, nil).json(t)
	if p["permission"] != "read" || p["role_name"] != "security-auditor" {
		t.Errorf("custom: %v", p)
	}
	wantCode(t, call(t, s, "PUT", c+"erin", admin, map[string]any{"permission": "superuser"}), 422)
	wantCode(t, call(t, s, "PUT", c+"erin", s.Token("dave"), nil), 403)
	wantCode(t, call(t, s, "PUT", c+"no-such-user", admin, nil), 404)
	// remove
	wantCode(t, call(t, s, "DELETE", c+"erin", admin, nil), 204)
	wantCode(t, call(t, s, "GET", c+"erin", admin, nil), 404)
	wantCode(t, call(t, s, "GET", c+"frank", admin, nil), 204)
	wantCode(t, call(t, s, "GET", c+"alice", admin, nil), 204) // via team
}

func TestPermissionLevels(t *testing.T) {
	s, _ := newAcme(t)
	tok := s.Token("carol")
	want := map[string][2]string{
		"alice": {"admin", "admin"}, "bob": {"admin", "admin"}, "carol": {"write", "maintain"}, "dave": {"write", "write"},
		"mallory": {"read", "read"}, "frank": {"write", "maintain"}, "erin": {"none", "none"}, "acme-admin": {"admin", "admin"}, "release-bot": {"write", "write"},
	}
	for login, w := range want {
		p := call(t, s, "GET", "/repos/acme/payments/collaborators/"+login+"/permission", tok, nil).json(t)
		if p["permission"] != w[0] || p["role_name"] != w[1] || p["user"].(map[string]any)["login"] != login {
			t.Errorf("%s: %v", login, p)
		}
	}
}

func TestCollaboratorList(t *testing.T) {
	s, _ := newAcme(t)
	tok := s.Token("alice")
	logins := func(path string) []string {
		var out []string
		for _, x := range call(t, s, "GET", path, tok, nil).list(t) {
			m := x.(map[string]any)
			out = append(out, m["login"].(string)+":"+m["role_name"].(string))
			if m["permissions"] == nil {
				t.Errorf("no permissions on %v", m)
			}
		}
		return out
	}
	if got := strings.Join(logins("/repos/acme/payments/collaborators?affiliation=outside"), ","); got != "frank:maintain" {
		t.Errorf("outside = %s", got)
	}
	if got := strings.Join(logins("/repos/acme/payments/collaborators?affiliation=direct"), ","); got != "mallory:read,frank:maintain" {
		t.Errorf("direct = %s", got)
	}
	all := logins("/repos/acme/payments/collaborators?affiliation=all")
	if len(all) != 8 {
		t.Errorf("all = %v", all)
	}
	r := call(t, s, "GET", "/repos/acme/payments/collaborators?per_page=3", tok, nil)
	if !strings.Contains(r.Header.Get("Link"), `rel="next"`) || len(r.list(t)) != 3 {
		t.Errorf("paging: %v", r.Header.Get("Link"))
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/collaborators", s.Token("mallory"), nil), 403)
}

func TestInvitationsAdminSide(t *testing.T) {
	s, _ := newAcme(t)
	admin := s.Token("alice")
	r := call(t, s, "PUT", "/repos/acme/payments/collaborators/erin", admin, map[string]any{"permission": "pull"})
	wantCode(t, r, 201)
	id := strconv.Itoa(int(r.json(t)["id"].(float64)))
	// a second PUT updates the pending invitation (guess) instead of adding one
	wantCode(t, call(t, s, "PUT", "/repos/acme/payments/collaborators/erin", admin, map[string]any{"permission": "push"}), 201)
	list := call(t, s, "GET", "/repos/acme/payments/invitations", admin, nil).list(t)
	if len(list) != 1 || list[0].(map[string]any)["permissions"] != "write" || list[0].(map[string]any)["expired"] != false {
		t.Fatalf("invitations = %v", list)
	}
	r = call(t, s, "PATCH", "/repos/acme/payments/invitations/"+id, admin, map[string]any{"permissions": "read"})
	wantCode(t, r, 200)
	if r.json(t)["permissions"] != "read" {
		t.Error(string(r.Body))
	}
	wantCode(t, call(t, s, "PATCH", "/repos/acme/payments/invitations/"+id, admin, map[string]any{"permissions": "owner"}), 422)
	wantCode(t, call(t, s, "DELETE", "/repos/acme/payments/invitations/"+id, admin, nil), 204)
	wantCode(t, call(t, s, "DELETE", "/repos/acme/payments/invitations/"+id, admin, nil), 404)
	// decline
	r = call(t, s, "PUT", "/repos/acme/payments/collaborators/erin", admin, nil)
	id = strconv.Itoa(int(r.json(t)["id"].(float64)))
	wantCode(t, call(t, s, "DELETE", "/user/repository_invitations/"+id, s.Token("erin"), nil), 204)
	if len(call(t, s, "GET", "/repos/acme/payments/invitations", admin, nil).list(t)) != 0 {
		t.Error("declined invitation still listed")
	}
}

func TestTeamMembership(t *testing.T) {
	s, _ := newAcme(t)
	admin := s.Token("acme-admin")
	m := "/orgs/acme/teams/release-managers/memberships/"
	wantCode(t, call(t, s, "GET", m+"dave", admin, nil), 404)
	r := call(t, s, "PUT", m+"dave", admin, map[string]any{"role": "member"})
	wantCode(t, r, 200)
	if b := r.json(t); b["state"] != "active" || b["role"] != "member" || b["url"] == nil {
		t.Errorf("membership = %v", b)
	}
	r = call(t, s, "GET", m+"dave", admin, nil)
	wantCode(t, r, 200)
	// dave can now push to main (restrictions list release-managers) — see git tests
	wantCode(t, call(t, s, "DELETE", m+"dave", admin, nil), 204)
	wantCode(t, call(t, s, "GET", m+"dave", admin, nil), 404)
	// non-member of the org → pending
	r = call(t, s, "PUT", m+"erin", admin, map[string]any{"role": "maintainer"})
	if b := r.json(t); b["state"] != "pending" || b["role"] != "maintainer" {
		t.Errorf("pending = %v", b)
	}
	r = call(t, s, "GET", "/orgs/acme/memberships/erin", admin, nil)
	if b := r.json(t); b["state"] != "pending" {
		t.Errorf("org membership = %v", b)
	}
	// carol maintains security, so she can manage it; dave cannot manage it
	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/security/memberships/bob", s.Token("carol"), nil), 200)
	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/security/memberships/dave", s.Token("dave"), nil), 403)
	wantCode(t, call(t, s, "PUT", m+"acme", admin, nil), 422)
	// team and members
	team := call(t, s, "GET", "/orgs/acme/teams/oncall", s.Token("bob"), nil).json(t)
	if team["slug"] != "oncall" || team["members_count"] != float64(2) {
		t.Errorf("team = %v", team)
	}
	members := call(t, s, "GET", "/orgs/acme/teams/oncall/members", s.Token("bob"), nil).list(t)
	if len(members) != 2 {
		t.Errorf("members = %v", members)
	}
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/oncall", s.Token("erin"), nil), 404)
	wantCode(t, call(t, s, "GET", "/orgs/acme/members/alice", s.Token("bob"), nil), 204)
	wantCode(t, call(t, s, "GET", "/orgs/acme/members/erin", s.Token("bob"), nil), 404)
	om := call(t, s, "GET", "/orgs/acme/memberships/acme-admin", s.Token("bob"), nil).json(t)
	if om["role"] != "admin" || om["state"] != "active" {
		t.Errorf("org membership = %v", om)
	}
	// org owners come back as maintainer
	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/oncall/memberships/acme-admin", admin, map[string]any{"role": "member"}), 200)
	if call(t, s, "GET", "/orgs/acme/teams/oncall/memberships/acme-admin", admin, nil).json(t)["role"] != "maintainer" {
		t.Error("owner role")
	}
}

func TestGoGitHubAccess(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("alice"))
	ctx := context.Background()
	inv, resp, err := gh.Repositories.AddCollaborator(ctx, "acme", "payments", "erin", &github.RepositoryAddCollaboratorOptions{Permission: "pull"})
	if err != nil || resp.StatusCode != 201 || inv.GetInvitee().GetLogin() != "erin" || inv.GetPermissions() != "read" {
		t.Fatalf("AddCollaborator: %v %v %+v", err, resp.StatusCode, inv)
	}
	_, resp, err = gh.Repositories.AddCollaborator(ctx, "acme", "payments", "mallory", &github.RepositoryAddCollaboratorOptions{Permission: "triage"})
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("AddCollaborator existing: %v %v", err, resp.StatusCode)
	}
	pl, _, err := gh.Repositories.GetPermissionLevel(ctx, "acme", "payments", "mallory")
	if err != nil || pl.GetPermission() != "read" {
		t.Fatalf("permission: %v %v", err, pl)
	}
	users, _, err := gh.Repositories.ListCollaborators(ctx, "acme", "payments", &github.ListCollaboratorsOptions{Affiliation: "direct"})
	if err != nil || len(users) != 2 || users[0].GetRoleName() != "triage" {
		t.Fatalf("list: %v %v", err, users)
	}
	gh = ghClient(t, srv, s.Token("acme-admin"))
	ms, _, err := gh.Teams.AddTeamMembershipBySlug(ctx, "acme", "release-managers", "dave", &github.TeamAddTeamMembershipOptions{Role: "member"})
	if err != nil || ms.GetState() != "active" {
		t.Fatalf("team membership: %v %v", err, ms)
	}
	isCollab, _, err := gh.Repositories.IsCollaborator(ctx, "acme", "payments", "erin")
	if err != nil || isCollab {
		t.Fatalf("IsCollaborator(erin) = %v %v", isCollab, err)
	}
}

func TestExpiredInvitation(t *testing.T) {
	s, _ := newAcme(t)
	r := call(t, s, "PUT", "/repos/acme/payments/collaborators/erin", s.Token("alice"), nil)
	wantCode(t, r, 201)
	s.Do(func(st *State) {
		invs := st.Invitations(st.Repo("acme/payments"))
		if len(invs) != 1 {
			t.Fatalf("invitations = %d", len(invs))
		}
		invs[0].Expired = true
	})
	list := call(t, s, "GET", "/repos/acme/payments/invitations", s.Token("alice"), nil).list(t)
	if list[0].(map[string]any)["expired"] != true {
		t.Error("not expired")
	}
	id := strconv.Itoa(int(r.json(t)["id"].(float64)))
	wantCode(t, call(t, s, "PATCH", "/user/repository_invitations/"+id, s.Token("erin"), nil), 404)
}
