package ghsim

import (
	"fmt"
	"strings"
	"testing"
)

// exercise drives every route at least once (happy paths and common
// errors). The contract validator can replay s.Log() after it.
func exercise(t *testing.T, s *Server) {
	a, d, e := s.Token("alice"), s.Token("dave"), s.Token("erin")
	ad := s.Token("acme-admin")
	var id int64
	s.Do(func(st *State) { id = st.Repo("acme/payments").ID })
	c := func(m, p, tok string, body any) resp { return call(t, s, m, p, tok, body) }
	c("GET", "/user", a, nil)
	c("GET", "/user", s.AddToken(TokenSpec{Login: "bob", Scopes: []string{"repo"}}), nil)
	c("GET", "/users/bob", a, nil)
	c("GET", "/orgs/acme", a, nil)
	c("GET", "/rate_limit", a, nil)
	c("GET", "/repos/acme/payments", a, nil)
	c("GET", fmt.Sprintf("/repositories/%d", id), a, nil)
	c("GET", "/repos/acme/payments/branches/main", a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x", a, nil)
	c("GET", protMain, a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x/protection", a, nil)
	c("GET", protMain, d, nil)
	c("GET", protMain, "", nil)
	g := c("GET", protMain, a, nil).json(t)
	put := getToPut(t, g)
	c("PUT", protMain, a, put)
	c("PUT", protMain, a, map[string]any{"enforce_admins": true})
	c("PUT", "/repos/alice/dotfiles/branches/main/protection", a, map[string]any{"required_status_checks": nil, "enforce_admins": true, "required_pull_request_reviews": nil, "restrictions": map[string]any{"users": []string{"alice"}, "teams": []string{}}})
	c("PUT", protMain, a, map[string]any{"required_status_checks": nil, "enforce_admins": true, "required_pull_request_reviews": nil, "restrictions": map[string]any{"users": []string{"ghost"}, "teams": []string{}}})
	for _, sub := range []string{"required_signatures", "enforce_admins", "required_status_checks", "required_pull_request_reviews", "restrictions"} {
		c("GET", protMain+"/"+sub, a, nil)
	}
	c("POST", protMain+"/required_signatures", a, nil)
	c("DELETE", protMain+"/required_signatures", a, nil)
	c("POST", protMain+"/enforce_admins", a, nil)
	c("PATCH", protMain+"/required_status_checks", a, map[string]any{"strict": true, "checks": []any{map[string]any{"context": "ci/build", "app_id": 15368}}})
	c("PATCH", protMain+"/required_pull_request_reviews", a, map[string]any{"required_approving_review_count": 1})
	c("DELETE", protMain+"/required_status_checks", a, nil)
	c("DELETE", protMain+"/required_pull_request_reviews", a, nil)
	c("DELETE", protMain+"/restrictions", a, nil)
	c("DELETE", protMain+"/enforce_admins", a, nil)
	c("DELETE", protMain, a, nil)
	c("PUT", protMain, a, put)
	// access
	r := c("PUT", "/repos/acme/payments/collaborators/erin", a, map[string]any{"permission": "triage"})
	inv := r.json(t)["id"]
	c("PUT", "/repos/acme/payments/collaborators/mallory", a, map[string]any{"permission": "push"})
	c("GET", "/repos/acme/payments/collaborators/erin", a, nil)
	c("GET", "/repos/acme/payments/collaborators/frank", a, nil)
	c("GET", "/repos/acme/payments/collaborators/frank/permission", a, nil)
	c("GET", "/repos/acme/payments/collaborators/erin/permission", a, nil)
	c("GET", "/repos/acme/payments/collaborators?affiliation=all&per_page=3", a, nil)
	c("GET", "/repos/acme/payments/invitations", a, nil)
	c("PATCH", fmt.Sprintf("/repos/acme/payments/invitations/%v", inv), a, map[string]any{"permissions": "write"})
	c("GET", "/user/repository_invitations", e, nil)
	c("PATCH", fmt.Sprintf("/user/repository_invitations/%v", inv), e, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", ad, nil)
	c("DELETE", "/repos/acme/payments/collaborators/erin", a, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, nil)
	inv = r.json(t)["id"]
	c("DELETE", fmt.Sprintf("/repos/acme/payments/invitations/%v", inv), a, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, nil)
	c("DELETE", fmt.Sprintf("/user/repository_invitations/%v", r.json(t)["id"]), e, nil)
	c("GET", "/orgs/acme/teams/oncall", a, nil)
	c("GET", "/orgs/acme/teams/oncall/members", a, nil)
	c("GET", "/orgs/acme/teams/oncall/memberships/alice", a, nil)
	c("PUT", "/orgs/acme/teams/release-managers/memberships/dave", ad, map[string]any{"role": "member"})
	c("PUT", "/orgs/acme/teams/release-managers/memberships/erin", ad, map[string]any{"role": "member"})
	c("DELETE", "/orgs/acme/teams/release-managers/memberships/dave", ad, nil)
	c("GET", "/orgs/acme/members/alice", a, nil)
	c("GET", "/orgs/acme/memberships/alice", a, nil)
	c("PATCH", "/user/memberships/orgs/acme", s.Token("erin"), map[string]any{"state": "active"})
	c("GET", "/user/memberships/orgs/acme", s.Token("erin"), nil)
	c("GET", "/orgs/acme/teams/oncall/repos/acme/payments", a, nil)
	c("DELETE", "/orgs/acme/memberships/erin", ad, nil)
	exerciseRulesets(t, func(m, p, tok string, body any) (int, []byte) { r := c(m, p, tok, body); return r.Code, r.Body }, a, d, ad)
	// issues
	c("POST", "/repos/acme/audit/issues", a, map[string]any{"title": "t", "body": "b", "labels": []string{"glass"}})
	c("POST", "/repos/acme/audit/issues", a, map[string]any{"body": "b"})
	c("GET", "/repos/acme/audit/issues/1", a, nil)
	c("PATCH", "/repos/acme/audit/issues/1", a, map[string]any{"state": "closed", "state_reason": "completed"})
	c("GET", "/repos/acme/audit/issues?state=all&labels=glass&per_page=1", a, nil)
	c("GET", "/repos/acme/payments/issues", a, nil)
	r = c("POST", "/repos/acme/audit/issues/1/comments", a, map[string]any{"body": "hi"})
	cid := r.json(t)["id"]
	c("GET", "/repos/acme/audit/issues/1/comments", a, nil)
	c("PATCH", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, map[string]any{"body": "x"})
	c("GET", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil)
	c("DELETE", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil)
	c("DELETE", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil) // 404 once deleted
	c("GET", "/repos/acme/audit/labels", a, nil)
	c("POST", "/repos/acme/audit/labels", a, map[string]any{"name": "glass:open", "color": "ff0000"})
	c("POST", "/repos/acme/audit/labels", a, map[string]any{"name": "glass:open", "color": "ff0000"})
	c("GET", "/repos/acme/audit/labels/glass:open", a, nil)
	c("POST", "/repos/acme/audit/issues/1/labels", a, map[string]any{"labels": []string{"x"}})
	c("PUT", "/repos/acme/audit/issues/1/lock", a, map[string]any{"lock_reason": "resolved"})
	c("DELETE", "/repos/acme/audit/issues/1/lock", a, nil)
	// git
	c("GET", "/repos/acme/audit/contents/README.md", a, nil)
	c("GET", "/repos/acme/audit/contents/README.md?ref=main", a, nil)
	r = putFile(t, s, a, "acme/audit@main", "x.md", "x", "")
	putFile(t, s, a, "acme/audit@main", "x.md", "y", "")
	putFile(t, s, d, "acme/payments@main", "x.md", "y", "")
	sha := c("GET", "/repos/acme/audit/contents/x.md", a, nil).json(t)["sha"]
	putFile(t, s, a, "acme/audit@main", "x.md", "z", sha.(string))
	sha = c("GET", "/repos/acme/audit/contents/x.md", a, nil).json(t)["sha"]
	c("DELETE", "/repos/acme/audit/contents/x.md", a, map[string]any{"message": "rm", "sha": sha})
	ref := c("GET", "/repos/acme/payments/git/ref/heads/main", a, nil).json(t)
	head := ref["object"].(map[string]any)["sha"].(string)
	c("POST", "/repos/acme/payments/git/refs", a, map[string]any{"ref": "refs/heads/tmp", "sha": head})
	c("PATCH", "/repos/acme/payments/git/refs/heads/main", a, map[string]any{"sha": head, "force": true})
	c("DELETE", "/repos/acme/payments/git/refs/heads/tmp", a, nil)
	c("DELETE", "/repos/acme/payments/git/refs/heads/release/1.x", a, nil)
	c("GET", "/repos/acme/payments/branches?protected=true&per_page=2", a, nil)
	c("GET", "/repos/acme/payments/commits?sha=main&per_page=2", a, nil)
	c("GET", "/repos/acme/payments/commits/"+head, a, nil)
	c("GET", "/repos/acme/payments/commits/"+head+"/pulls", a, nil)
	c("GET", "/repos/acme/payments/compare/release/1.x...main", a, nil)
	c("GET", "/repos/acme/payments/compare/feature/refund-limits...docs/runbook-update", a, nil)
	c("GET", "/repos/acme/payments/activity?per_page=2", a, nil)
	var fr, dr string
	s.Do(func(st *State) {
		r := st.Repo("acme/payments")
		fr, dr = r.Branches["feature/refund-limits"], r.Branches["docs/runbook-update"]
	})
	c("GET", "/repos/acme/payments/compare/"+fr+"..."+dr, a, nil)
	c("GET", "/repos/acme/payments/compare/"+head+"..."+head, a, nil)
	c("GET", "/repos/acme/payments/pulls?state=all", a, nil)
	c("GET", "/repos/acme/payments/pulls/1/reviews", a, nil)
	s.SetFaults(Faults{FailNth: 1, FailNthKind: FaultSecondary})
	c("GET", "/repos/acme/payments", a, nil)
	s.SetFaults(Faults{FailNth: 1, FailNthKind: Fault503})
	c("GET", "/repos/acme/payments", a, nil)
	s.SetFaults(Faults{})
}

func TestEveryRouteExercised(t *testing.T) {
	s, _ := newAcme(t)
	exercise(t, s)
	// device flow
	call(t, s, "POST", "/login/device/code", "", "client_id="+SimClientID, "Accept", "application/json")
	call(t, s, "POST", "/login/oauth/access_token", "", "client_id="+SimClientID, "Accept", "application/json")
	var id int64
	s.Do(func(st *State) { id = st.Repo("acme/payments").ID })
	for _, suffix := range repositoryIDAliases {
		p := fmt.Sprintf("/repositories/%d%s", id, suffix)
		p = strings.ReplaceAll(p, "{issue_number}", "1")
		call(t, s, "GET", p, s.Token("alice"), nil)
	}
	call(t, s, "GET", "/repos/acme/payments/git/refs/heads/main", s.Token("alice"), nil)
	seen := map[string]int{}
	for _, e := range s.Log() {
		if e.Route != "" && e.Status < 500 {
			seen[e.Method+" "+e.Route]++
		}
	}
	for _, r := range s.Routes() {
		if seen[r.Method+" "+r.Pattern] == 0 {
			t.Errorf("route not exercised: %s %s", r.Method, r.Pattern)
		}
	}
}
