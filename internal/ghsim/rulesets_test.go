package ghsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// seededRuleset finds a seeded ruleset's id by name.
func seededRuleset(t *testing.T, s *Server, name string) int64 {
	t.Helper()
	var id int64
	s.Do(func(st *State) {
		for _, rs := range st.rulesetMap() {
			if rs.Name == name {
				id = rs.ID
			}
		}
	})
	if id == 0 {
		t.Fatalf("no seeded ruleset %q", name)
	}
	return id
}

func TestRulesetListAndGet(t *testing.T) {
	s, _ := newAcme(t)
	pay := seededRuleset(t, s, SeedRulesetPayments)
	org := seededRuleset(t, s, SeedRulesetOrg)
	a, d := s.Token("alice"), s.Token("dave")

	// includes_parents defaults to true: the org ruleset is listed too.
	list := call(t, s, "GET", "/repos/acme/payments/rulesets", d, nil).list(t)
	if len(list) != 2 {
		t.Fatalf("list = %v", list)
	}
	first := list[0].(map[string]any)
	if _, ok := first["rules"]; ok {
		t.Errorf("list items are summaries, got rules: %v", first)
	}
	if got := call(t, s, "GET", "/repos/acme/payments/rulesets?includes_parents=false", d, nil).list(t); len(got) != 1 {
		t.Errorf("includes_parents=false: %v", got)
	}
	if got := call(t, s, "GET", "/repos/acme/payments/rulesets?targets=tag", d, nil).list(t); len(got) != 0 {
		t.Errorf("targets=tag: %v", got)
	}

	// bypass_actors only for those who can edit the ruleset.
	path := fmt.Sprintf("/repos/acme/payments/rulesets/%d", pay)
	full := call(t, s, "GET", path, a, nil).json(t)
	// alice is admin (through team oncall): at least maintain, so the
	// RepositoryRole maintain actor (pull_request) matches her.
	if _, ok := full["bypass_actors"]; !ok || full["current_user_can_bypass"] != "pull_requests_only" {
		t.Errorf("admin view: %v", full)
	}
	dv := call(t, s, "GET", path, d, nil).json(t)
	if _, ok := dv["bypass_actors"]; ok || dv["current_user_can_bypass"] != "never" {
		t.Errorf("dave (push) sees bypass_actors: %v", dv)
	}
	if got := call(t, s, "GET", path, s.Token("release-bot"), nil).json(t)["current_user_can_bypass"]; got != "always" {
		t.Errorf("release-bot (team release-managers) can bypass %v", got)
	}
	if got := call(t, s, "GET", path, s.Token("frank"), nil).json(t)["current_user_can_bypass"]; got != "pull_requests_only" {
		t.Errorf("frank (maintain) can bypass %v", got)
	}
	// The unknown rule type comes back as stored.
	if !strings.Contains(string(call(t, s, "GET", path, a, nil).Body), `"type":"merge_queue"`) {
		t.Error("merge_queue rule lost")
	}

	// An org ruleset through the repository endpoint: with includes_parents only.
	opath := fmt.Sprintf("/repos/acme/payments/rulesets/%d", org)
	if got := call(t, s, "GET", opath, a, nil).json(t); got["source_type"] != "Organization" {
		t.Errorf("org via repo = %v", got)
	}
	wantCode(t, call(t, s, "GET", opath+"?includes_parents=false", a, nil), 404)
	// alice is not an org owner: no bypass_actors, org endpoints 404.
	if _, ok := call(t, s, "GET", opath, a, nil).json(t)["bypass_actors"]; ok {
		t.Error("alice sees the org ruleset's bypass actors")
	}
	wantCode(t, call(t, s, "GET", "/orgs/acme/rulesets", a, nil), 404)
	wantCode(t, call(t, s, "GET", fmt.Sprintf("/orgs/acme/rulesets/%d", org), a, nil), 404)
	ad := s.Token("acme-admin")
	if got := call(t, s, "GET", "/orgs/acme/rulesets", ad, nil).list(t); len(got) != 1 {
		t.Errorf("org list = %v", got)
	}
	og := call(t, s, "GET", fmt.Sprintf("/orgs/acme/rulesets/%d", org), ad, nil).json(t)
	if _, ok := og["current_user_can_bypass"]; ok || og["bypass_actors"] == nil {
		t.Errorf("org endpoint view = %v", og)
	}
	wantCode(t, call(t, s, "GET", fmt.Sprintf("/orgs/acme/rulesets/%d", pay), ad, nil), 404)
}

func TestRulesetUpdateIsPartial(t *testing.T) {
	s, clk := newAcme(t)
	pay := seededRuleset(t, s, SeedRulesetPayments)
	a := s.Token("alice")
	path := fmt.Sprintf("/repos/acme/payments/rulesets/%d", pay)
	before := call(t, s, "GET", path, a, nil).json(t)

	clk.add(60e9)
	after := call(t, s, "PUT", path, a, map[string]any{"enforcement": "disabled"})
	wantCode(t, after, 200)
	got := after.json(t)
	if got["enforcement"] != "disabled" || got["updated_at"] == before["updated_at"] {
		t.Errorf("after PUT: %v", got)
	}
	for _, k := range []string{"rules", "conditions", "bypass_actors", "name", "target"} {
		x, _ := json.Marshal(before[k])
		y, _ := json.Marshal(got[k])
		if string(x) != string(y) {
			t.Errorf("%s changed by a PUT that left it out: %s → %s", k, x, y)
		}
	}
	// null bypass_actors: 422; [] clears.
	wantCode(t, call(t, s, "PUT", path, a, `{"bypass_actors":null}`), 422)
	r := call(t, s, "PUT", path, a, map[string]any{"bypass_actors": []any{}})
	wantCode(t, r, 200)
	if l := r.json(t)["bypass_actors"].([]any); len(l) != 0 {
		t.Errorf("not cleared: %v", l)
	}
	for _, bad := range []any{
		map[string]any{"enforcement": "sometimes"},
		map[string]any{"bypass_actors": []any{map[string]any{"actor_type": "Team", "actor_id": 1}}},
		map[string]any{"bypass_actors": []any{map[string]any{"actor_type": "RepositoryRole", "actor_id": 9}}},
		map[string]any{"bypass_actors": []any{map[string]any{"actor_type": "DeployKey", "bypass_mode": "pull_request"}}},
		map[string]any{"bypass_actors": []any{map[string]any{"actor_type": "Team", "actor_id": 1, "bypass_mode": "never"}}},
		map[string]any{"rules": []any{map[string]any{"parameters": map[string]any{}}}},
		map[string]any{"rules": []any{map[string]any{"type": "deletion"}, map[string]any{"type": "deletion"}}},
		map[string]any{"name": ""},
	} {
		wantCode(t, call(t, s, "PUT", path, a, bad), 422)
	}
	// Only admins edit; an org ruleset is not editable through the repository.
	wantCode(t, call(t, s, "PUT", path, s.Token("dave"), map[string]any{"enforcement": "active"}), 403)
	org := seededRuleset(t, s, SeedRulesetOrg)
	wantCode(t, call(t, s, "PUT", fmt.Sprintf("/repos/acme/payments/rulesets/%d", org), a, map[string]any{"enforcement": "disabled"}), 404)
	wantCode(t, call(t, s, "PUT", fmt.Sprintf("/orgs/acme/rulesets/%d", org), a, map[string]any{"enforcement": "disabled"}), 404)
	r = call(t, s, "PUT", fmt.Sprintf("/orgs/acme/rulesets/%d", org), s.Token("acme-admin"), map[string]any{"enforcement": "evaluate"})
	wantCode(t, r, 200)
	if r.json(t)["enforcement"] != "evaluate" {
		t.Errorf("org PUT: %s", r.Body)
	}
}

func TestRulesetCreateDeleteAndBranchRules(t *testing.T) {
	s, _ := newAcme(t)
	a := s.Token("alice")
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/rulesets", a, map[string]any{"name": "x"}), 422)
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/rulesets", s.Token("dave"), map[string]any{"name": "x", "enforcement": "active"}), 403)
	r := call(t, s, "POST", "/repos/acme/payments/rulesets", a, map[string]any{
		"name": "features", "enforcement": "active",
		"conditions": map[string]any{"ref_name": map[string]any{"include": []string{"refs/heads/feature/*"}, "exclude": []string{"refs/heads/feature/keep-*"}}},
		"rules":      []any{map[string]any{"type": "deletion"}, map[string]any{"type": "update", "parameters": map[string]any{"update_allows_fetch_and_merge": false}}},
	})
	wantCode(t, r, 201)
	created := r.json(t)
	if created["target"] != "branch" || created["source"] != "acme/payments" || created["source_type"] != "Repository" {
		t.Errorf("created = %v", created)
	}
	rules := call(t, s, "GET", "/repos/acme/payments/rules/branches/feature%2Frefund-limits", a, nil).list(t)
	if len(rules) != 2 || rules[0].(map[string]any)["ruleset_id"] != created["id"] {
		t.Errorf("feature rules = %v", rules)
	}
	if l := call(t, s, "GET", "/repos/acme/payments/rules/branches/feature%2Fkeep-me", a, nil).list(t); len(l) != 0 {
		t.Errorf("excluded branch has rules: %v", l)
	}
	if l := call(t, s, "GET", "/repos/acme/payments/rules/branches/main", a, nil).list(t); len(l) != 0 {
		t.Errorf("main has ruleset rules: %v", l)
	}
	// staging: payments-staging (4 rules) and the org ruleset (2 rules).
	main := call(t, s, "GET", "/repos/acme/payments/rules/branches/staging", a, nil).list(t)
	if len(main) != 6 {
		t.Fatalf("main rules = %v", main)
	}
	if main[4].(map[string]any)["ruleset_source_type"] != "Organization" {
		t.Errorf("org rule = %v", main[4])
	}
	// disabled and evaluate rulesets are not returned.
	pay := seededRuleset(t, s, SeedRulesetPayments)
	call(t, s, "PUT", fmt.Sprintf("/repos/acme/payments/rulesets/%d", pay), a, map[string]any{"enforcement": "evaluate"})
	if l := call(t, s, "GET", "/repos/acme/payments/rules/branches/staging", a, nil).list(t); len(l) != 2 {
		t.Errorf("evaluate ruleset's rules returned: %v", l)
	}
	id := fmt.Sprint(created["id"])
	wantCode(t, call(t, s, "DELETE", "/repos/acme/payments/rulesets/"+id, a, nil), 204)
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/rulesets/"+id, a, nil), 404)
}

func TestRefNameConditions(t *testing.T) {
	repo := &Repo{DefaultBranch: "trunk"}
	cases := []struct {
		cond   string
		branch string
		want   bool
	}{
		{`{"ref_name":{"include":["~DEFAULT_BRANCH"],"exclude":[]}}`, "trunk", true},
		{`{"ref_name":{"include":["~DEFAULT_BRANCH"],"exclude":[]}}`, "main", false},
		{`{"ref_name":{"include":["~ALL"],"exclude":["refs/heads/tmp/**/*"]}}`, "tmp/a/b", false},
		{`{"ref_name":{"include":["~ALL"],"exclude":["refs/heads/tmp/**/*"]}}`, "x", true},
		{`{"ref_name":{"include":["refs/heads/release/*"],"exclude":[]}}`, "release/1.x", true},
		{`{"ref_name":{"include":["refs/heads/release/*"],"exclude":[]}}`, "release/1/x", false},
		{`{"ref_name":{"include":["refs/heads/release/**"],"exclude":[]}}`, "release/1/x", true},
		{`{"ref_name":{"include":["refs/heads/v?"],"exclude":[]}}`, "v1", true},
		{`{}`, "trunk", false},
	}
	for _, c := range cases {
		rs := &Ruleset{Target: "branch", Conditions: json.RawMessage(c.cond)}
		if got := rs.appliesToBranch(repo, c.branch); got != c.want {
			t.Errorf("%s on %s = %v, want %v", c.cond, c.branch, got, c.want)
		}
	}
	if (&Ruleset{Target: "tag", Conditions: json.RawMessage(`{"ref_name":{"include":["~ALL"]}}`)}).appliesToBranch(repo, "x") {
		t.Error("tag ruleset applies to a branch")
	}
}

// Direct writes: the seeded payments-main blocks a contents write to staging
// for alice (admin through a team), lets release-bot (team bypass, always)
// through, blocks frank (maintain: pull_request bypass only), and stops
// blocking once disabled. The org ruleset blocks deleting and force-pushing
// staging for everyone but org owners.
func TestRulesetEnforcementOnDirectWrites(t *testing.T) {
	s, _ := newAcme(t)
	put := func(login string) resp {
		body := map[string]any{"message": "hotfix", "content": base64.StdEncoding.EncodeToString([]byte("fix\n")), "branch": "staging"}
		return call(t, s, "PUT", "/repos/acme/payments/contents/HOTFIX-"+login+".md", s.Token(login), body)
	}
	r := put("alice")
	wantCode(t, r, 409)
	msg := r.json(t)["message"].(string)
	for _, want := range []string{"Repository rule violations found for refs/heads/staging.", "Changes must be made through a pull request.", "2 of 2 required status checks are expected."} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	wantCode(t, put("frank"), 409)
	wantCode(t, put("release-bot"), 201)

	pay := seededRuleset(t, s, SeedRulesetPayments)
	a := s.Token("alice")
	path := fmt.Sprintf("/repos/acme/payments/rulesets/%d", pay)
	call(t, s, "PUT", path, a, map[string]any{"enforcement": "disabled"})
	wantCode(t, put("alice"), 201)
	call(t, s, "PUT", path, a, map[string]any{"enforcement": "active"})
	wantCode(t, put("dave"), 409)
	// A team bypass actor added for the window lets its members through.
	var oncall int64
	s.Do(func(st *State) { oncall = st.Org("acme").Team("oncall").ID })
	cur := call(t, s, "GET", path, a, nil).json(t)["bypass_actors"].([]any)
	call(t, s, "PUT", path, a, map[string]any{"bypass_actors": append(cur, map[string]any{"actor_type": "Team", "actor_id": oncall, "bypass_mode": "always"})})
	r = call(t, s, "PUT", "/repos/acme/payments/contents/HOTFIX-alice.md", a, map[string]any{"message": "again", "content": base64.StdEncoding.EncodeToString([]byte("2\n")), "branch": "staging", "sha": blobSHA("fix\n")})
	wantCode(t, r, 200)
	// pull_request mode is not enough for a direct write.
	call(t, s, "PUT", path, a, map[string]any{"bypass_actors": append(cur, map[string]any{"actor_type": "Team", "actor_id": oncall, "bypass_mode": "pull_request"})})
	wantCode(t, put("bob"), 409)

	// refs API: force-pushing staging (both rulesets forbid it).
	head := call(t, s, "GET", "/repos/acme/payments/git/ref/heads/staging", a, nil).json(t)["object"].(map[string]any)["sha"].(string)
	var old string
	s.Do(func(st *State) { old = st.Repo("acme/payments").Commits[head].Parents[0] })
	r = call(t, s, "PATCH", "/repos/acme/payments/git/refs/heads/staging", a, map[string]any{"sha": old, "force": true})
	wantCode(t, r, 422)
	if m := r.json(t)["message"].(string); !strings.Contains(m, "Cannot force-push to this branch") {
		t.Errorf("force-push message = %q", m)
	}
	// deletion: the org ruleset forbids it for everyone but org owners.
	r = call(t, s, "DELETE", "/repos/acme/payments/git/refs/heads/staging", a, nil)
	wantCode(t, r, 422)
	if m := r.json(t)["message"].(string); !strings.Contains(m, "Cannot delete this protected branch") {
		t.Errorf("deletion message = %q", m)
	}
	call(t, s, "PUT", path, a, map[string]any{"rules": []any{map[string]any{"type": "update", "parameters": map[string]any{"update_allows_fetch_and_merge": false}}}})
	wantCode(t, put("carol"), 409)
	wantCode(t, call(t, s, "DELETE", "/repos/acme/payments/git/refs/heads/staging", s.Token("acme-admin"), nil), 204)
}

// Team membership affects repository permission: a pending membership
// (non-member of the org) grants nothing until accepted; an active one
// grants the team's permission.
func TestTeamMembershipAffectsPermission(t *testing.T) {
	s, _ := newAcme(t)
	ad := s.Token("acme-admin")
	perm := func(login string) string {
		return call(t, s, "GET", "/repos/acme/payments/collaborators/"+login+"/permission", ad, nil).json(t)["role_name"].(string)
	}
	if got := perm("erin"); got != "none" {
		t.Fatalf("erin before = %s", got)
	}
	r := call(t, s, "PUT", "/orgs/acme/teams/oncall/memberships/erin", ad, map[string]any{"role": "member"})
	wantCode(t, r, 200)
	if r.json(t)["state"] != "pending" || perm("erin") != "none" {
		t.Errorf("pending membership: %s, permission %s", r.Body, perm("erin"))
	}
	if got := call(t, s, "GET", "/orgs/acme/teams/oncall/memberships/erin", ad, nil).json(t)["state"]; got != "pending" {
		t.Errorf("GET pending = %v", got)
	}
	r = call(t, s, "PUT", "/orgs/acme/teams/oncall/memberships/dave", ad, map[string]any{"role": "member"})
	if r.json(t)["state"] != "active" || perm("dave") != "admin" {
		t.Errorf("active membership: %s, permission %s", r.Body, perm("dave"))
	}
	wantCode(t, call(t, s, "DELETE", "/orgs/acme/teams/oncall/memberships/dave", ad, nil), 204)
	if got := perm("dave"); got != "write" {
		t.Errorf("dave after removal = %s (developers: push)", got)
	}
	wantCode(t, call(t, s, "GET", "/orgs/acme/teams/oncall/memberships/dave", ad, nil), 404)
}
