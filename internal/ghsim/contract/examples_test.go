package contract_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/ghsim/exercise"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
)

// exampleCase says where (in the acme seed) and as whom one of GitHub's
// documented request-body examples is sent, and what GitHub answers there.
type exampleCase struct {
	user string
	// path is the concrete path; setup may prepare state and return it
	// instead (e.g. an invitation id).
	path  string
	setup func(t *testing.T, sim *simtest.Sim, call caller) string
	want  int
	// body, if set, must appear in the response body.
	body string
	// why explains a non-2xx answer: the example names something that only
	// exists on GitHub's own example repository.
	why string
	// check runs after the exchange, e.g. to read the result back.
	check func(t *testing.T, call caller)
}

type caller = func(method, path, tok string, body any, hdr ...string) exercise.Resp

// exampleCases covers every request-body example of the description
// (testdata/openapi, kept by the subset generator) for an operation the
// simulator serves, keyed "operationId example-name". A served operation with
// an example and no case fails TestDocumentedExamples, so new routes bring
// their examples in.
var exampleCases = map[string]exampleCase{
	"repos/update-branch-protection default": {
		user: "alice", path: "/repos/acme/payments/branches/main/protection", want: 200,
		check: func(t *testing.T, call caller) {
			// The GET shape names the example's logins and slugs as objects.
			var got struct {
				Restrictions struct {
					Users []struct{ Login string } `json:"users"`
					Teams []struct{ Slug string }  `json:"teams"`
					Apps  []struct{ Slug string }  `json:"apps"`
				} `json:"restrictions"`
				Reviews struct {
					Dismissal struct {
						Users []struct{ Login string } `json:"users"`
					} `json:"dismissal_restrictions"`
				} `json:"required_pull_request_reviews"`
				LockBranch struct{ Enabled bool } `json:"lock_branch"`
			}
			r := call("GET", "/repos/acme/payments/branches/main/protection", "alice", nil)
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Code != 200 {
				t.Fatalf("GET after PUT: %d %s", r.Code, r.Body)
			}
			rs := got.Restrictions
			if len(rs.Users) != 1 || rs.Users[0].Login != "octocat" || len(rs.Teams) != 1 || rs.Teams[0].Slug != "justice-league" ||
				len(rs.Apps) != 1 || rs.Apps[0].Slug != "super-ci" || len(got.Reviews.Dismissal.Users) != 1 || !got.LockBranch.Enabled {
				t.Errorf("GET after the docs' PUT: %s", r.Body)
			}
		},
	},
	"repos/update-pull-request-review-protection default": {
		user: "alice", path: "/repos/acme/payments/branches/main/protection/required_pull_request_reviews", want: 200,
		body: `"slug":"octoapp"`,
	},
	"repos/update-status-check-protection default": {
		user: "alice", path: "/repos/acme/payments/branches/main/protection/required_status_checks", want: 200,
		body: `"contexts":["continuous-integration/travis-ci"]`,
	},
	"teams/add-or-update-membership-for-user-in-org default": {
		user: "acme-admin", path: "/orgs/acme/teams/justice-league/memberships/octocat", want: 200,
		body: `"role":"maintainer"`,
	},
	"orgs/update-membership-for-authenticated-user default": {
		// erin is invited to acme by a pending team membership; she accepts
		// ({"state":"active"}) and the team membership becomes active.
		user: "erin", want: 200, body: `"state":"active"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			if r := call("PUT", "/orgs/acme/teams/oncall/memberships/erin", "acme-admin", map[string]any{"role": "member"}); !strings.Contains(string(r.Body), `"state":"pending"`) {
				t.Fatalf("invitation: %d %s", r.Code, r.Body)
			}
			return "/user/memberships/orgs/acme"
		},
		check: func(t *testing.T, call caller) {
			if r := call("GET", "/orgs/acme/teams/oncall/memberships/erin", "acme-admin", nil); !strings.Contains(string(r.Body), `"state":"active"`) {
				t.Errorf("team membership after acceptance: %s", r.Body)
			}
			if r := call("GET", "/repos/acme/payments/collaborators/erin/permission", "acme-admin", nil); !strings.Contains(string(r.Body), `"role_name":"admin"`) {
				t.Errorf("erin's permission through oncall after acceptance: %s", r.Body)
			}
		},
	},
	"repos/add-collaborator new-invitation-is-created": {
		// erin is not an acme member: GitHub invites (201) instead of adding.
		user: "alice", path: "/repos/acme/payments/collaborators/erin", want: 201,
		body: `"permissions":"triage"`,
	},
	"repos/update-invitation default": {
		user: "alice", want: 200, body: `"permissions":"write"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			r := call("PUT", "/repos/acme/payments/collaborators/erin", "alice", map[string]any{"permission": "pull"})
			if r.Code != 201 {
				t.Fatalf("invite: %d %s", r.Code, r.Body)
			}
			return fmt.Sprintf("/repos/acme/payments/invitations/%v", r.Obj(t)["id"])
		},
	},
	"repos/create-or-update-file-contents example-for-creating-a-file": {
		user: "alice", path: "/repos/acme/audit/contents/notes/hello.txt", want: 201,
	},
	"repos/create-or-update-file-contents example-for-updating-a-file": {
		user: "alice", want: 409, body: "does not match 95b966ae1c166bd92f8ae7d1c313e738c731dfc3",
		why: "the example's sha names a blob in GitHub's example repository; anywhere else it is stale (409)",
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			p := "/repos/acme/audit/contents/notes/hello.txt"
			if r := call("PUT", p, "alice", map[string]any{"message": "add", "content": "bXkgbmV3IGZpbGUgY29udGVudHM="}); r.Code != 201 {
				t.Fatalf("create: %d %s", r.Code, r.Body)
			}
			return p
		},
	},
	"repos/delete-file default": {
		user: "alice", want: 409, body: "does not match 329688480d39049927147c162b9d2deaf885005f",
		why: "the example's sha names a blob in GitHub's example repository",
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			p := "/repos/acme/audit/contents/notes/hello.txt"
			if r := call("PUT", p, "alice", map[string]any{"message": "add", "content": "bXkgbmV3IGZpbGUgY29udGVudHM="}); r.Code != 201 {
				t.Fatalf("create: %d %s", r.Code, r.Body)
			}
			return p
		},
	},
	"git/create-ref default": {
		user: "alice", path: "/repos/acme/audit/git/refs", want: 422, body: "Object does not exist",
		why: "the example's sha names a commit in GitHub's example repository",
	},
	"git/update-ref default": {
		user: "alice", path: "/repos/acme/audit/git/refs/heads/main", want: 422, body: "Object does not exist",
		why: "the example's sha names a commit in GitHub's example repository",
	},
	"issues/create default": {
		user: "alice", path: "/repos/acme/audit/issues", want: 422, body: `"field":"milestone"`,
		why: "milestone 1 exists in GitHub's example repository; acme/audit has no milestones",
	},
	"issues/update default": {
		user: "alice", want: 422, body: `"field":"milestone"`,
		why:   "milestone 1 exists in GitHub's example repository; acme/audit has no milestones",
		setup: newIssue,
	},
	"issues/create-comment default": {
		user: "alice", want: 201, body: `"body":"Me too"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			return newIssue(t, sim, call) + "/comments"
		},
	},
	"issues/update-comment default": {
		user: "alice", want: 200, body: `"body":"Me too"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			r := call("POST", newIssue(t, sim, call)+"/comments", "alice", map[string]any{"body": "first"})
			if r.Code != 201 {
				t.Fatalf("comment: %d %s", r.Code, r.Body)
			}
			return fmt.Sprintf("/repos/acme/audit/issues/comments/%v", r.Obj(t)["id"])
		},
	},
	"issues/add-labels default": {
		user: "alice", want: 200, body: `"name":"enhancement"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			return newIssue(t, sim, call) + "/labels"
		},
	},
	"issues/lock default": {
		user: "alice", want: 204,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			return newIssue(t, sim, call) + "/lock"
		},
	},
	"repos/create-repo-ruleset default": {
		// bypass team 234 is justice-league in the seed
		user: "alice", path: "/repos/acme/payments/rulesets", want: 201, body: `"name":"super cool ruleset"`,
	},
	"repos/update-repo-ruleset default": {
		user: "alice", want: 200, body: `"name":"super cool ruleset"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			return "/repos/acme/payments/rulesets/" + firstRuleset(t, call, "/repos/acme/payments/rulesets")
		},
	},
	"repos/update-org-ruleset default": {
		user: "acme-admin", want: 200, body: `"name":"super cool ruleset"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			return "/orgs/acme/rulesets/" + firstRuleset(t, call, "/orgs/acme/rulesets")
		},
	},
	"issues/create-label default": {
		// Every new repository gets the default labels bug, documentation
		// and enhancement (GitHub docs "Managing labels"), so on a fresh
		// repository the example is GitHub's 422 already_exists...
		user: "alice", path: "/repos/acme/audit/labels", want: 422, body: `"code":"already_exists"`,
		why: "a new repository already has the default label bug",
	},
	"issues/create-label default/after deleting bug": {
		// ...and once someone deleted bug, it is created.
		user: "alice", path: "/repos/acme/audit/labels", want: 201, body: `"color":"f29513"`,
		setup: func(t *testing.T, sim *simtest.Sim, call caller) string {
			sim.Do(func(st *ghsim.State) {
				r := st.Repo("acme/audit")
				var keep []*ghsim.Label
				for _, l := range r.Labels {
					if l.Name != "bug" {
						keep = append(keep, l)
					}
				}
				r.Labels = keep
			})
			return "/repos/acme/audit/labels"
		},
	},
}

// firstRuleset returns the id of the first ruleset listed at path.
func firstRuleset(t *testing.T, call caller, path string) string {
	t.Helper()
	r := call("GET", path, "acme-admin", nil)
	var list []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || r.Code != 200 || len(list) == 0 {
		t.Fatalf("GET %s: %d %s", path, r.Code, r.Body)
	}
	return fmt.Sprint(list[0].ID)
}

func newIssue(t *testing.T, sim *simtest.Sim, call caller) string {
	t.Helper()
	r := call("POST", "/repos/acme/audit/issues", "alice", map[string]any{"title": "example target"})
	if r.Code != 201 {
		t.Fatalf("issue: %d %s", r.Code, r.Body)
	}
	return fmt.Sprintf("/repos/acme/audit/issues/%v", r.Obj(t)["number"])
}

type docExample struct {
	op      contract.Operation
	name    string
	value   any
	summary string
}

// servedExamples lists the request-body examples of every operation the
// simulator serves.
func servedExamples(t *testing.T) []docExample {
	spec := contract.MustLoad()
	var out []docExample
	seen := map[string]bool{}
	for _, r := range ghsim.New().Routes() {
		if r.OAuth || r.Alias {
			continue
		}
		op, ok := spec.Lookup(r.Method, r.Pattern)
		if !ok || seen[op.OperationID] {
			continue
		}
		seen[op.OperationID] = true
		o := spec.Doc.Paths.Value(op.Path).GetOperation(op.Method)
		if o.RequestBody == nil || o.RequestBody.Value == nil {
			continue
		}
		mt := o.RequestBody.Value.Content.Get("application/json")
		if mt == nil {
			continue
		}
		for name, ex := range mt.Examples {
			if ex == nil || ex.Value == nil {
				t.Fatalf("%s example %s: unresolved", op.OperationID, name)
			}
			out = append(out, docExample{op: op, name: name, value: ex.Value.Value, summary: ex.Value.Summary})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].op.OperationID+" "+out[i].name < out[j].op.OperationID+" "+out[j].name
	})
	return out
}

// TestDocumentedExamples replays GitHub's own documentation examples (the
// request bodies of @octokit/openapi, byte for byte) against the acme seed,
// through the contract validator, and expects GitHub's answer: success,
// unless the example names an object that exists only in GitHub's example
// repository (a commit or blob sha, a milestone), where the answer is
// GitHub's refusal for that. The "Update branch protection" body must be
// accepted: that is the issue's "a PUT of a body copied from GitHub's
// documentation example is accepted".
func TestDocumentedExamples(t *testing.T) {
	exs := servedExamples(t)
	if len(exs) < 10 {
		t.Fatalf("only %d documented examples found for served operations; did the subset lose its request examples?", len(exs))
	}
	used := map[string]bool{}
	for _, ex := range exs {
		key := ex.op.OperationID + " " + ex.name
		if _, ok := exampleCases[key]; !ok {
			t.Errorf("GitHub documents an example %q (%s) for %s %s, which the simulator serves: add a case %q to exampleCases in internal/ghsim/contract/examples_test.go", ex.name, ex.summary, ex.op.Method, ex.op.Path, key)
		}
		// A case keyed "op example/variant" replays the same example in another state.
		var keys []string
		for k := range exampleCases {
			if k == key || strings.HasPrefix(k, key+"/") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			used[k] = true
			runExample(t, ex, k, exampleCases[k])
		}
	}
	for key := range exampleCases {
		if !used[key] {
			t.Errorf("exampleCases has %q, which is not a documented example of a served operation", key)
		}
	}
}

func runExample(t *testing.T, ex docExample, key string, tc exampleCase) {
	t.Helper()
	{
		t.Run(strings.ReplaceAll(key, " ", "/"), func(t *testing.T) {
			sim := simtest.Start(t)
			base := rawCaller(t, sim)
			call := func(method, path, user string, body any, hdr ...string) exercise.Resp {
				t.Helper()
				return base(method, path, sim.Token(user), body, hdr...)
			}
			path := tc.path
			if tc.setup != nil {
				path = tc.setup(t, sim, call)
			}
			raw, err := json.Marshal(ex.value)
			if err != nil {
				t.Fatal(err)
			}
			r := call(ex.op.Method, path, tc.user, json.RawMessage(raw))
			if r.Code != tc.want {
				t.Fatalf("%s %s with the documented body %s: %d, want %d (%s): %s", ex.op.Method, path, raw, r.Code, tc.want, tc.why, r.Body)
			}
			if tc.want >= 300 && tc.why == "" {
				t.Errorf("case expects %d but does not say why", tc.want)
			}
			if tc.body != "" && !strings.Contains(string(r.Body), tc.body) {
				t.Errorf("response lacks %s: %s", tc.body, r.Body)
			}
			if tc.check != nil {
				tc.check(t, call)
			}
		})
	}
}
