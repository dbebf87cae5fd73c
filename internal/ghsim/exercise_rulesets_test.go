package ghsim

import (
	"encoding/json"
	"fmt"
	"testing"
)

// exerciseRulesets drives every ruleset route (happy paths and refusals).
// internal/ghsim/contract has the same steps (exercise_rulesets_test.go).
func exerciseRulesets(t *testing.T, call func(method, path, tok string, body any) (int, []byte), admin, pusher, owner string) {
	t.Helper()
	base := "/repos/acme/payments/rulesets"
	_, body := call("GET", base, pusher, nil)
	var list []struct {
		ID         int64  `json:"id"`
		SourceType string `json:"source_type"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list) == 0 {
		t.Fatalf("ruleset list: %v %s", err, body)
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
	code, body := call("POST", base, admin, json.RawMessage(`{"name":"tmp","enforcement":"evaluate","conditions":{"ref_name":{"include":["refs/heads/tmp/**/*"],"exclude":[]}},"rules":[{"type":"deletion"},{"type":"update","parameters":{"update_allows_fetch_and_merge":false}}],"bypass_actors":[{"actor_type":"OrganizationAdmin","actor_id":null,"bypass_mode":"always"}]}`))
	var created struct{ ID int64 }
	if code != 201 || json.Unmarshal(body, &created) != nil {
		t.Fatalf("create ruleset: %d %s", code, body)
	}
	call("POST", base, pusher, json.RawMessage(`{"name":"x","enforcement":"active"}`))
	call("POST", base, admin, json.RawMessage(`{"name":"x"}`))
	call("GET", fmt.Sprintf("%s/%d", base, repoID), admin, nil)
	call("GET", fmt.Sprintf("%s/%d", base, repoID), pusher, nil)
	call("GET", fmt.Sprintf("%s/%d", base, orgID), admin, nil)
	call("GET", fmt.Sprintf("%s/%d?includes_parents=false", base, orgID), admin, nil)
	call("PUT", fmt.Sprintf("%s/%d", base, created.ID), admin, json.RawMessage(`{"enforcement":"disabled","bypass_actors":[]}`))
	call("PUT", fmt.Sprintf("%s/%d", base, created.ID), admin, json.RawMessage(`{"bypass_actors":null}`))
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
