package ghsim

import (
	"strings"
	"testing"
)

// TestOrgInvitationAccepted: a team membership for a non-member is pending
// (an organization invitation) and grants nothing; once the invited user
// accepts (PATCH /user/memberships/orgs/{org} {"state":"active"}) they are
// an organization member, the team membership is active and the team's
// repository permission applies.
func TestOrgInvitationAccepted(t *testing.T) {
	s, _ := newAcme(t)
	ad, erin := s.Token("acme-admin"), s.Token("erin")
	perm := func() string {
		return call(t, s, "GET", "/repos/acme/payments/collaborators/erin/permission", ad, nil).json(t)["role_name"].(string)
	}
	wantCode(t, call(t, s, "GET", "/user/memberships/orgs/acme", erin, nil), 404)
	wantCode(t, call(t, s, "PATCH", "/user/memberships/orgs/acme", erin, map[string]any{"state": "active"}), 404)

	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/oncall/memberships/erin", ad, map[string]any{"role": "member"}), 200)
	r := call(t, s, "GET", "/user/memberships/orgs/acme", erin, nil)
	wantCode(t, r, 200)
	if m := r.json(t); m["state"] != "pending" || m["role"] != "member" {
		t.Errorf("invited: %s", r.Body)
	}
	if got := perm(); got != "none" {
		t.Errorf("permission while pending = %s", got)
	}
	wantCode(t, call(t, s, "PATCH", "/user/memberships/orgs/acme", erin, map[string]any{"state": "inactive"}), 422)

	r = call(t, s, "PATCH", "/user/memberships/orgs/acme", erin, map[string]any{"state": "active"})
	wantCode(t, r, 200)
	if m := r.json(t); m["state"] != "active" || m["role"] != "member" {
		t.Errorf("accepted: %s", r.Body)
	}
	if got := call(t, s, "GET", "/orgs/acme/teams/oncall/memberships/erin", ad, nil).json(t)["state"]; got != "active" {
		t.Errorf("team membership after acceptance = %v", got)
	}
	if got := call(t, s, "GET", "/orgs/acme/memberships/erin", ad, nil).json(t)["state"]; got != "active" {
		t.Errorf("org membership after acceptance = %v", got)
	}
	if got := perm(); got != "admin" {
		t.Errorf("permission after acceptance = %s (oncall: admin)", got)
	}
	// Accepting again changes nothing.
	r = call(t, s, "PATCH", "/user/memberships/orgs/acme", erin, map[string]any{"state": "active"})
	if wantCode(t, r, 200); r.json(t)["state"] != "active" {
		t.Errorf("again: %s", r.Body)
	}
	// Leaving the team takes the team's access away; she stays a member.
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/teams/oncall/memberships/erin", ad, nil), 204)
	if got := perm(); got != "read" && got != "none" {
		t.Errorf("permission after removal = %s", got)
	}
	wantCode(t, call(t, s, "GET", "/orgs/acme/memberships/erin", ad, nil), 200)

	// An owner removes her from the organization again; a member cannot.
	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/developers/memberships/erin", ad, map[string]any{"role": "member"}), 200)
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/memberships/erin", s.Token("alice"), nil), 403)
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/memberships/erin", ad, nil), 204)
	wantCode(t, call(t, s, "GET", "/orgs/acme/memberships/erin", ad, nil), 404)
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/developers/memberships/erin", ad, nil), 404)
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/memberships/erin", ad, nil), 404)
}

// TestOrgInvitationCancelled: removing the organization membership of an
// invited user cancels the invitation and the pending team membership.
func TestOrgInvitationCancelled(t *testing.T) {
	s, _ := newAcme(t)
	ad := s.Token("acme-admin")
	wantCode(t, call(t, s, "PUT", "/orgs/acme/teams/oncall/memberships/erin", ad, map[string]any{"role": "member"}), 200)
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/memberships/erin", ad, nil), 204)
	wantCode(t, call(t, s, "GET", "/user/memberships/orgs/acme", s.Token("erin"), nil), 404)
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/oncall/memberships/erin", ad, nil), 404)
}

// TestTeamRepoPermission: teams/check-permissions-for-repo-in-org answers
// 204 without the repository media type, 200 with the team's permissions
// and role_name with it, and 404 where the team has no access.
func TestTeamRepoPermission(t *testing.T) {
	s, _ := newAcme(t)
	a := s.Token("alice")
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/developers/repos/acme/payments", a, nil), 204)
	r := call(t, s, "GET", "/orgs/acme/teams/developers/repos/acme/payments", a, nil, "Accept", "application/vnd.github.v3.repository+json")
	wantCode(t, r, 200)
	m := r.json(t)
	p, _ := m["permissions"].(map[string]any)
	if m["role_name"] != "write" || p["push"] != true || p["maintain"] != false || m["full_name"] != "acme/payments" {
		t.Errorf("developers on payments: role_name %v, permissions %v", m["role_name"], p)
	}
	r = call(t, s, "GET", "/orgs/acme/teams/oncall/repos/acme/payments", a, nil, "Accept", "application/vnd.github.v3.repository+json")
	if role := r.json(t)["role_name"]; role != "admin" {
		t.Errorf("oncall on payments: %v", role)
	}
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/developers/repos/acme/audit", a, nil), 404)
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/no-such/repos/acme/payments", a, nil), 404)
	if r := call(t, s, "GET", "/orgs/acme/teams/developers/repos/acme/payments", s.Token("erin"), nil); r.Code != 404 || !strings.Contains(string(r.Body), "Not Found") {
		t.Errorf("outsider: %d %s", r.Code, r.Body)
	}
}
