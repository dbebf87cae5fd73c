// Package exercise drives every route of the simulator (happy paths and the
// error answers glass handles) for the tests that must see each one: the
// simulator's own route test (internal/ghsim, in-process) and the contract
// test (internal/ghsim/contract, over HTTP through simtest, with and without
// a GHES prefix). It speaks HTTP only, through the caller an Env gives it, so
// that internal/ghsim's in-package tests can use it without an import cycle.
package exercise

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// ProtMain is the classic branch protection of acme/payments' main branch.
const ProtMain = "/repos/acme/payments/branches/main/protection"

// Resp is one answer.
type Resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

// Obj decodes a JSON object answer; anything else fails t.
func (r Resp) Obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.Code, r.Body)
	}
	return m
}

// Env is the simulator under exercise, seeded with "acme".
type Env struct {
	// Call sends one request with token tok ("" for none), body as JSON
	// (nil for none) and extra header name/value pairs.
	Call func(method, path, tok string, body any, hdr ...string) Resp
	// Token is a seeded user's classic token (full scopes).
	Token func(login string) string
	// ScopedToken registers a classic token with only the given scopes.
	ScopedToken func(login string, scopes ...string) string
	// Faults sets the simulator's injected faults: fail the nth request
	// with kind (ghsim.FaultKind); Faults(0, "") clears them.
	Faults func(nth int, kind string)
	// Lenient adds requests GitHub's description rejects (missing required
	// fields and the like), to check the simulator refuses them as GitHub
	// does. Only a caller whose validator accepts a refused invalid request
	// sets it (internal/ghsim's own tests do; simtest does not).
	Lenient bool
}

// All sends every request of the exercise, in an order that depends on the
// state the earlier ones leave. Afterwards every route the simulator
// serves, except the device flow's, has answered at least once below 500.
func All(t testing.TB, env Env) {
	t.Helper()
	c := env.Call
	a, d, e := env.Token("alice"), env.Token("dave"), env.Token("erin")
	ad := env.Token("acme-admin")
	putFile := func(tok, repo, branch, path, content, sha string) Resp {
		body := map[string]any{"message": "edit " + path, "content": base64.StdEncoding.EncodeToString([]byte(content)), "branch": branch}
		if sha != "" {
			body["sha"] = sha
		}
		return c("PUT", "/repos/"+repo+"/contents/"+path, tok, body)
	}

	c("GET", "/user", a, nil)
	c("GET", "/user", env.ScopedToken("bob", "repo"), nil)
	c("GET", "/user", "bogus-token", nil)
	c("GET", "/users/bob", a, nil)
	c("GET", "/users/nobody-here", a, nil)
	c("GET", "/orgs/acme", a, nil)
	c("GET", "/rate_limit", a, nil)
	r := c("GET", "/repos/acme/payments", a, nil)
	id, _ := r.Obj(t)["id"].(float64)
	if et := r.Header.Get("ETag"); et != "" {
		c("GET", "/repos/acme/payments", a, nil, "If-None-Match", et)
	}
	c("GET", "/repos/acme/nope", a, nil)
	c("GET", fmt.Sprintf("/repositories/%d", int64(id)), a, nil)
	c("GET", "/repos/acme/payments/branches/main", a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x", a, nil)
	c("GET", ProtMain, a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x/protection", a, nil)
	c("GET", ProtMain, d, nil)
	c("GET", ProtMain, "", nil)
	put := ProtectionPUT(c("GET", ProtMain, a, nil).Obj(t))
	c("PUT", ProtMain, a, put)
	if env.Lenient {
		c("PUT", ProtMain, a, map[string]any{"enforce_admins": true}) // required fields missing
	}
	c("PUT", "/repos/alice/dotfiles/branches/main/protection", a, map[string]any{"required_status_checks": nil, "enforce_admins": true, "required_pull_request_reviews": nil, "restrictions": map[string]any{"users": []string{"alice"}, "teams": []string{}}})
	c("PUT", ProtMain, a, map[string]any{"required_status_checks": nil, "enforce_admins": true, "required_pull_request_reviews": nil, "restrictions": map[string]any{"users": []string{"ghost"}, "teams": []string{}}})
	for _, sub := range []string{"required_signatures", "enforce_admins", "required_status_checks", "required_pull_request_reviews", "restrictions"} {
		c("GET", ProtMain+"/"+sub, a, nil)
	}
	c("POST", ProtMain+"/required_signatures", a, nil)
	c("DELETE", ProtMain+"/required_signatures", a, nil)
	c("POST", ProtMain+"/enforce_admins", a, nil)
	c("PATCH", ProtMain+"/required_status_checks", a, map[string]any{"strict": true, "checks": []any{map[string]any{"context": "ci/build", "app_id": 15368}}})
	c("PATCH", ProtMain+"/required_pull_request_reviews", a, map[string]any{"required_approving_review_count": 1})
	c("DELETE", ProtMain+"/required_status_checks", a, nil)
	c("DELETE", ProtMain+"/required_pull_request_reviews", a, nil)
	c("DELETE", ProtMain+"/restrictions", a, nil)
	c("DELETE", ProtMain+"/enforce_admins", a, nil)
	c("DELETE", ProtMain, a, nil)
	c("GET", ProtMain, a, nil) // 404 Branch not protected
	c("PUT", ProtMain, a, put)

	// access
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, map[string]any{"permission": "triage"})
	inv := r.Obj(t)["id"]
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
	c("PUT", "/repos/acme/payments/collaborators/erin", ad, nil)
	c("DELETE", "/repos/acme/payments/collaborators/erin", a, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, nil)
	c("DELETE", fmt.Sprintf("/repos/acme/payments/invitations/%v", r.Obj(t)["id"]), a, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, nil)
	c("DELETE", fmt.Sprintf("/user/repository_invitations/%v", r.Obj(t)["id"]), e, nil)
	c("GET", "/orgs/acme/teams/oncall", a, nil)
	c("GET", "/orgs/acme/teams/oncall/members", a, nil)
	c("GET", "/orgs/acme/teams/oncall/memberships/alice", a, nil)
	c("PUT", "/orgs/acme/teams/release-managers/memberships/dave", ad, map[string]any{"role": "member"})
	c("PUT", "/orgs/acme/teams/release-managers/memberships/erin", ad, map[string]any{"role": "member"})
	c("DELETE", "/orgs/acme/teams/release-managers/memberships/dave", ad, nil)
	c("GET", "/repos/acme/payments/collaborators", d, nil)
	c("GET", "/repos/acme/payments/collaborators", e, nil)
	c("GET", "/repos/acme/payments/invitations", d, nil)
	c("GET", "/repos/acme/payments/collaborators/alice/permission", e, nil)
	c("GET", "/orgs/acme/teams/no-such-team/members", a, nil)
	c("GET", "/orgs/acme/members/alice", a, nil)
	c("GET", "/orgs/acme/memberships/alice", a, nil)
	// An organization invitation from a team membership, accepted by the
	// invited user; what a team grants on a repository.
	fr := env.Token("frank")
	c("PUT", "/orgs/acme/teams/developers/memberships/frank", ad, map[string]any{"role": "member"})
	c("GET", "/user/memberships/orgs/acme", fr, nil)
	c("GET", "/user/memberships/orgs/no-such-org", fr, nil)
	c("PATCH", "/user/memberships/orgs/acme", fr, map[string]any{"state": "active"})
	c("PATCH", "/user/memberships/orgs/acme", fr, map[string]any{"state": "active"})
	c("GET", "/user/memberships/orgs/acme", a, nil)
	c("GET", "/orgs/acme/teams/oncall/repos/acme/payments", a, nil)
	c("GET", "/orgs/acme/teams/oncall/repos/acme/payments", a, nil, "Accept", "application/vnd.github.v3.repository+json")
	c("GET", "/orgs/acme/teams/oncall/repos/alice/dotfiles", a, nil)
	c("DELETE", "/orgs/acme/memberships/frank", a, nil)
	c("DELETE", "/orgs/acme/memberships/frank", ad, nil)
	c("DELETE", "/orgs/acme/memberships/frank", ad, nil)
	rulesets(t, env, a, d, ad)

	// issues
	c("POST", "/repos/acme/audit/issues", a, map[string]any{"title": "t", "body": "b", "labels": []string{"glass"}})
	if env.Lenient {
		c("POST", "/repos/acme/audit/issues", a, map[string]any{"body": "b"}) // no title
	}
	c("GET", "/repos/acme/audit/issues/1", a, nil)
	c("PATCH", "/repos/acme/audit/issues/1", a, map[string]any{"state": "closed", "state_reason": "completed"})
	r = c("GET", "/repos/acme/audit/issues?state=all&labels=glass&per_page=1", a, nil)
	if et := r.Header.Get("ETag"); et != "" {
		c("GET", "/repos/acme/audit/issues?state=all&labels=glass&per_page=1", a, nil, "If-None-Match", et)
	}
	c("GET", "/repos/acme/payments/issues", a, nil)
	r = c("POST", "/repos/acme/audit/issues/1/comments", a, map[string]any{"body": "hi"})
	comment := fmt.Sprintf("/repos/acme/audit/issues/comments/%v", r.Obj(t)["id"])
	c("GET", "/repos/acme/audit/issues/1/comments", a, nil)
	c("PATCH", comment, a, map[string]any{"body": "x"})
	c("GET", comment, a, nil)
	c("DELETE", comment, a, nil)
	c("GET", comment, a, nil)    // 404 once deleted
	c("DELETE", comment, a, nil) // 404 once deleted
	c("GET", "/repos/acme/audit/labels", a, nil)
	c("POST", "/repos/acme/audit/labels", a, map[string]any{"name": "glass:open", "color": "ff0000"})
	c("POST", "/repos/acme/audit/labels", a, map[string]any{"name": "glass:open", "color": "ff0000"})
	c("GET", "/repos/acme/audit/labels/glass:open", a, nil)
	c("POST", "/repos/acme/audit/issues/1/labels", a, map[string]any{"labels": []string{"x"}})
	c("PUT", "/repos/acme/audit/issues/1/lock", a, map[string]any{"lock_reason": "resolved"})
	c("DELETE", "/repos/acme/audit/issues/1/lock", a, nil)

	// git and contents
	c("GET", "/repos/acme/audit/contents/README.md", a, nil)
	c("GET", "/repos/acme/audit/contents/README.md?ref=main", a, nil)
	putFile(a, "acme/audit", "main", "x.md", "x", "")
	putFile(a, "acme/audit", "main", "x.md", "y", "")
	putFile(d, "acme/payments", "main", "x.md", "y", "")
	sha := c("GET", "/repos/acme/audit/contents/x.md", a, nil).Obj(t)["sha"]
	putFile(a, "acme/audit", "main", "x.md", "z", sha.(string))
	sha = c("GET", "/repos/acme/audit/contents/x.md", a, nil).Obj(t)["sha"]
	c("DELETE", "/repos/acme/audit/contents/x.md", a, map[string]any{"message": "rm", "sha": sha})
	head := headSHA(t, c("GET", "/repos/acme/payments/git/ref/heads/main", a, nil))
	c("GET", "/repos/acme/payments/git/refs/heads/main", a, nil)
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
	feature := headSHA(t, c("GET", "/repos/acme/payments/git/ref/heads/feature/refund-limits", a, nil))
	docs := headSHA(t, c("GET", "/repos/acme/payments/git/ref/heads/docs/runbook-update", a, nil))
	c("GET", "/repos/acme/payments/compare/"+feature+"..."+docs, a, nil)
	c("GET", "/repos/acme/payments/activity?per_page=2", a, nil)
	c("GET", "/repos/acme/payments/compare/"+head+"..."+head, a, nil)
	c("GET", "/repos/acme/payments/pulls?state=all", a, nil)
	c("GET", "/repos/acme/payments/pulls/1/reviews", a, nil)

	// the /repositories/{id} forms pagination links use
	for _, suffix := range []string{"/issues", "/issues/1/comments", "/commits", "/pulls", "/activity", "/collaborators", "/invitations", "/labels"} {
		c("GET", fmt.Sprintf("/repositories/%d%s", int64(id), suffix), a, nil)
	}

	// injected faults
	env.Faults(1, "secondary")
	c("GET", "/repos/acme/payments", a, nil)
	env.Faults(1, "503")
	c("GET", "/repos/acme/payments", a, nil)
	env.Faults(0, "")
}

// headSHA is the commit a git/get-ref answer points at.
func headSHA(t testing.TB, r Resp) string {
	t.Helper()
	obj, _ := r.Obj(t)["object"].(map[string]any)
	sha, _ := obj["sha"].(string)
	if sha == "" {
		t.Fatalf("no object.sha in %d %s", r.Code, r.Body)
	}
	return sha
}

// rulesets drives every ruleset route (happy paths and refusals) as admin
// (repository admin), pusher (push access) and owner (organization owner).
func rulesets(t testing.TB, env Env, admin, pusher, owner string) {
	t.Helper()
	call := env.Call
	base := "/repos/acme/payments/rulesets"
	r := call("GET", base, pusher, nil)
	var list []struct {
		ID         int64  `json:"id"`
		SourceType string `json:"source_type"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list) == 0 {
		t.Fatalf("ruleset list: %v %s", err, r.Body)
	}
	var repoID, orgID int64
	for _, rs := range list {
		if rs.SourceType == "Organization" {
			orgID = rs.ID
		} else {
			repoID = rs.ID
		}
	}
	call("GET", base+"?includes_parents=false&targets=branch", admin, nil)
	r = call("POST", base, admin, json.RawMessage(`{"name":"tmp","enforcement":"evaluate","conditions":{"ref_name":{"include":["refs/heads/tmp/**/*"],"exclude":[]}},"rules":[{"type":"deletion"},{"type":"update","parameters":{"update_allows_fetch_and_merge":false}}],"bypass_actors":[{"actor_type":"OrganizationAdmin","actor_id":null,"bypass_mode":"always"}]}`))
	var created struct{ ID int64 }
	if r.Code != 201 || json.Unmarshal(r.Body, &created) != nil {
		t.Fatalf("create ruleset: %d %s", r.Code, r.Body)
	}
	call("POST", base, pusher, json.RawMessage(`{"name":"x","enforcement":"active"}`))
	if env.Lenient {
		call("POST", base, admin, json.RawMessage(`{"name":"x"}`)) // no enforcement
	}
	call("GET", fmt.Sprintf("%s/%d", base, repoID), admin, nil)
	call("GET", fmt.Sprintf("%s/%d", base, repoID), pusher, nil)
	call("GET", fmt.Sprintf("%s/%d", base, orgID), admin, nil)
	call("GET", fmt.Sprintf("%s/%d?includes_parents=false", base, orgID), admin, nil)
	call("PUT", fmt.Sprintf("%s/%d", base, created.ID), admin, json.RawMessage(`{"enforcement":"disabled","bypass_actors":[]}`))
	if env.Lenient {
		call("PUT", fmt.Sprintf("%s/%d", base, created.ID), admin, json.RawMessage(`{"bypass_actors":null}`))
	}
	call("DELETE", fmt.Sprintf("%s/%d", base, created.ID), admin, nil)
	call("GET", "/repos/acme/payments/rules/branches/staging", pusher, nil)
	call("GET", "/repos/acme/payments/rules/branches/staging?per_page=2&page=2", pusher, nil)
	call("GET", "/repos/acme/payments/rules/branches/main", pusher, nil)
	call("GET", "/orgs/acme/rulesets", owner, nil)
	call("GET", "/orgs/acme/rulesets", admin, nil)
	call("GET", fmt.Sprintf("/orgs/acme/rulesets/%d", orgID), owner, nil)
	call("GET", fmt.Sprintf("/orgs/acme/rulesets/%d", orgID), admin, nil)
	call("PUT", fmt.Sprintf("/orgs/acme/rulesets/%d", orgID), owner, json.RawMessage(`{"enforcement":"active"}`))
	call("PUT", fmt.Sprintf("/orgs/acme/rulesets/%d", orgID), admin, json.RawMessage(`{"enforcement":"disabled"}`))
}

// ProtectionPUT converts a GET protection answer into the PUT body that
// restores it, the way glass's lever must (github-api.md §1.4): checks
// only, app_id null → -1, every list set.
func ProtectionPUT(get map[string]any) map[string]any {
	en := func(k string) bool {
		o, _ := get[k].(map[string]any)
		return o != nil && o["enabled"] == true
	}
	names := func(list any, key string) []string {
		out := []string{}
		l, _ := list.([]any)
		for _, x := range l {
			out = append(out, x.(map[string]any)[key].(string))
		}
		return out
	}
	actors := func(a map[string]any) map[string]any {
		return map[string]any{"users": names(a["users"], "login"), "teams": names(a["teams"], "slug"), "apps": names(a["apps"], "slug")}
	}
	put := map[string]any{"enforce_admins": en("enforce_admins"), "required_linear_history": en("required_linear_history"),
		"allow_force_pushes": en("allow_force_pushes"), "allow_deletions": en("allow_deletions"), "block_creations": en("block_creations"),
		"required_conversation_resolution": en("required_conversation_resolution"), "lock_branch": en("lock_branch"), "allow_fork_syncing": en("allow_fork_syncing"),
		"required_status_checks": nil, "required_pull_request_reviews": nil, "restrictions": nil}
	if sc, ok := get["required_status_checks"].(map[string]any); ok {
		checks := []any{}
		for _, ch := range sc["checks"].([]any) {
			m := ch.(map[string]any)
			app := m["app_id"]
			if app == nil {
				app = -1
			}
			checks = append(checks, map[string]any{"context": m["context"], "app_id": app})
		}
		put["required_status_checks"] = map[string]any{"strict": sc["strict"], "checks": checks}
	}
	if rv, ok := get["required_pull_request_reviews"].(map[string]any); ok {
		r := map[string]any{"dismiss_stale_reviews": rv["dismiss_stale_reviews"], "require_code_owner_reviews": rv["require_code_owner_reviews"],
			"required_approving_review_count": rv["required_approving_review_count"], "require_last_push_approval": rv["require_last_push_approval"],
			"dismissal_restrictions": map[string]any{}, "bypass_pull_request_allowances": map[string]any{"users": []string{}, "teams": []string{}, "apps": []string{}}}
		if dr, ok := rv["dismissal_restrictions"].(map[string]any); ok {
			r["dismissal_restrictions"] = actors(dr)
		}
		put["required_pull_request_reviews"] = r
	}
	if rs, ok := get["restrictions"].(map[string]any); ok {
		put["restrictions"] = actors(rs)
	}
	return put
}
