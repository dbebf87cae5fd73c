package contract_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
)

type rawResp struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r rawResp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.Code, r.Body)
	}
	return m
}

// rawCaller sends requests over HTTP to a validated simulator (simtest).
func rawCaller(t *testing.T, sim *simtest.Sim) func(method, path, tok string, body any, hdr ...string) rawResp {
	base := strings.TrimSuffix(sim.URL, "/")
	return func(method, path, tok string, body any, hdr ...string) rawResp {
		t.Helper()
		var rd io.Reader
		if body != nil {
			j, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := sim.Client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return rawResp{res.StatusCode, res.Header, b}
	}
}

// getToPut converts a GET protection answer into the PUT body that restores
// it (github-api.md §1.4): checks only, app_id null → -1, every list set.
func getToPut(get map[string]any) map[string]any {
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
			r["dismissal_restrictions"] = map[string]any{"users": names(dr["users"], "login"), "teams": names(dr["teams"], "slug"), "apps": names(dr["apps"], "slug")}
		}
		put["required_pull_request_reviews"] = r
	}
	if rs, ok := get["restrictions"].(map[string]any); ok {
		put["restrictions"] = map[string]any{"users": names(rs["users"], "login"), "teams": names(rs["teams"], "slug"), "apps": names(rs["apps"], "slug")}
	}
	return put
}

const protMain = "/repos/acme/payments/branches/main/protection"

// TestEveryRouteValidated drives every simulator route over HTTP (happy
// paths and the error answers glass handles) through the validating
// simtest server: any exchange GitHub's description rejects fails it.
func TestEveryRouteValidated(t *testing.T) {
	for _, prefix := range []string{"", "/api/v3"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			var opts []ghsim.Option
			if prefix != "" {
				opts = append(opts, ghsim.WithPrefix(prefix))
			}
			sim := simtest.Start(t, append(opts, ghsim.WithSeed("acme"))...)
			exerciseAll(t, sim)
		})
	}
}

func exerciseAll(t *testing.T, sim *simtest.Sim) {
	c := rawCaller(t, sim)
	a, d, e := sim.Token("alice"), sim.Token("dave"), sim.Token("erin")
	ad := sim.Token("acme-admin")
	var id int64
	sim.Do(func(st *ghsim.State) { id = st.Repo("acme/payments").ID })
	putFile := func(tok, repo, branch, path, content, sha string) rawResp {
		body := map[string]any{"message": "edit " + path, "content": base64.StdEncoding.EncodeToString([]byte(content)), "branch": branch}
		if sha != "" {
			body["sha"] = sha
		}
		return c("PUT", "/repos/"+repo+"/contents/"+path, tok, body)
	}

	c("GET", "/user", a, nil)
	c("GET", "/user", sim.AddToken(ghsim.TokenSpec{Login: "bob", Scopes: []string{"repo"}}), nil)
	c("GET", "/user", "bogus-token", nil)
	c("GET", "/users/bob", a, nil)
	c("GET", "/users/nobody-here", a, nil)
	c("GET", "/orgs/acme", a, nil)
	c("GET", "/rate_limit", a, nil)
	r := c("GET", "/repos/acme/payments", a, nil)
	if et := r.Header.Get("ETag"); et != "" {
		c("GET", "/repos/acme/payments", a, nil, "If-None-Match", et)
	}
	c("GET", "/repos/acme/nope", a, nil)
	c("GET", fmt.Sprintf("/repositories/%d", id), a, nil)
	c("GET", "/repos/acme/payments/branches/main", a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x", a, nil)
	c("GET", protMain, a, nil)
	c("GET", "/repos/acme/payments/branches/release%2F1.x/protection", a, nil)
	c("GET", protMain, d, nil)
	c("GET", protMain, "", nil)
	g := c("GET", protMain, a, nil).obj(t)
	put := getToPut(g)
	c("PUT", protMain, a, put)
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
	c("GET", protMain, a, nil) // 404 Branch not protected
	c("PUT", protMain, a, put)

	// access
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, map[string]any{"permission": "triage"})
	inv := r.obj(t)["id"]
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
	c("DELETE", fmt.Sprintf("/repos/acme/payments/invitations/%v", r.obj(t)["id"]), a, nil)
	r = c("PUT", "/repos/acme/payments/collaborators/erin", a, nil)
	c("DELETE", fmt.Sprintf("/user/repository_invitations/%v", r.obj(t)["id"]), e, nil)
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
	fr := sim.Token("frank")
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
	exerciseRulesets(t, func(m, p, tok string, body any) (int, []byte) { r := c(m, p, tok, body); return r.Code, r.Body }, a, d, ad)

	// issues
	c("POST", "/repos/acme/audit/issues", a, map[string]any{"title": "t", "body": "b", "labels": []string{"glass"}})
	c("GET", "/repos/acme/audit/issues/1", a, nil)
	c("PATCH", "/repos/acme/audit/issues/1", a, map[string]any{"state": "closed", "state_reason": "completed"})
	r = c("GET", "/repos/acme/audit/issues?state=all&labels=glass&per_page=1", a, nil)
	if et := r.Header.Get("ETag"); et != "" {
		c("GET", "/repos/acme/audit/issues?state=all&labels=glass&per_page=1", a, nil, "If-None-Match", et)
	}
	c("GET", "/repos/acme/payments/issues", a, nil)
	r = c("POST", "/repos/acme/audit/issues/1/comments", a, map[string]any{"body": "hi"})
	cid := r.obj(t)["id"]
	c("GET", "/repos/acme/audit/issues/1/comments", a, nil)
	c("PATCH", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, map[string]any{"body": "x"})
	c("GET", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil)
	c("DELETE", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil)
	c("GET", fmt.Sprintf("/repos/acme/audit/issues/comments/%v", cid), a, nil) // 404 once deleted
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
	sha := c("GET", "/repos/acme/audit/contents/x.md", a, nil).obj(t)["sha"]
	putFile(a, "acme/audit", "main", "x.md", "z", sha.(string))
	sha = c("GET", "/repos/acme/audit/contents/x.md", a, nil).obj(t)["sha"]
	c("DELETE", "/repos/acme/audit/contents/x.md", a, map[string]any{"message": "rm", "sha": sha})
	ref := c("GET", "/repos/acme/payments/git/ref/heads/main", a, nil).obj(t)
	head := ref["object"].(map[string]any)["sha"].(string)
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
	c("GET", "/repos/acme/payments/activity?per_page=2", a, nil)
	c("GET", "/repos/acme/payments/compare/"+head+"..."+head, a, nil)
	c("GET", "/repos/acme/payments/pulls?state=all", a, nil)
	c("GET", "/repos/acme/payments/pulls/1/reviews", a, nil)

	// the /repositories/{id} forms pagination links use
	for _, suffix := range []string{"/issues", "/issues/1/comments", "/commits", "/pulls", "/activity", "/collaborators", "/invitations", "/labels"} {
		c("GET", fmt.Sprintf("/repositories/%d%s", id, suffix), a, nil)
	}

	// injected faults
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.FaultSecondary})
	c("GET", "/repos/acme/payments", a, nil)
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault503})
	c("GET", "/repos/acme/payments", a, nil)
	sim.SetFaults(ghsim.Faults{})

	// every REST route was exercised (and so validated)
	seen := map[string]bool{}
	for _, ex := range sim.Log() {
		if ex.Route != "" && ex.Status < 500 {
			seen[ex.Method+" "+ex.Route] = true
		}
	}
	for _, rt := range sim.Routes() {
		if !rt.OAuth && !seen[rt.Method+" "+rt.Pattern] {
			t.Errorf("route not exercised: %s %s", rt.Method, rt.Pattern)
		}
	}
}
