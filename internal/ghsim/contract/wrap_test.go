package contract_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// canned answers every request with one fixed response.
type canned struct {
	status int
	body   string
	hdr    map[string]string
}

func (c canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range c.hdr {
		w.Header().Set(k, v)
	}
	w.WriteHeader(c.status)
	if c.body != "" {
		_, _ = w.Write([]byte(c.body))
	}
}

type prefixed struct {
	http.Handler
	prefix string
}

func (p prefixed) Prefix() string { return p.prefix }

func run(t *testing.T, h http.Handler, method, target, body string, hdr map[string]string) []contract.Violation {
	t.Helper()
	var mu sync.Mutex
	var got []contract.Violation
	wrapped := contract.Wrap(h, func(v contract.Violation) { mu.Lock(); got = append(got, v); mu.Unlock() })
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, "http://api.sim.test"+target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	wrapped.ServeHTTP(rec, req)
	return got
}

const (
	label    = `{"id":1,"node_id":"L_1","url":"https://x/l","name":"glass","description":null,"color":"ff0000","default":false}`
	protPath = "/repos/acme/payments/branches/main/protection"
)

func TestViolationsAreReported(t *testing.T) {
	okEmpty := canned{status: 200, body: `{}`}
	cases := []struct {
		name                string
		h                   http.Handler
		method, path, body  string
		hdr                 map[string]string
		wantPhase, wantText string // wantPhase "" = no violation
	}{
		{"valid label", canned{status: 200, body: label}, "GET", "/repos/acme/audit/labels/glass", "", nil, "", ""},
		{"missing required field", canned{status: 200, body: strings.Replace(label, `"name":"glass",`, "", 1)}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "name"},
		{"wrong type", canned{status: 200, body: strings.Replace(label, `"id":1`, `"id":"1"`, 1)}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "id"},
		{"undeclared status", canned{status: 418, body: `{"message":"teapot"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "status 418 is not declared"},
		{"unknown path", okEmpty, "GET", "/repos/acme/audit/frobnicate", "", nil, "route", "not in GitHub's description"},
		{"method not described", okEmpty, "POST", "/user", "", nil, "route", "method POST"},
		{"bad query enum", canned{status: 200, body: `[]`}, "GET", "/repos/acme/audit/issues?state=everything", "", nil, "request", "state"},
		{"bad path param type", canned{status: 200, body: `{}`}, "GET", "/repos/acme/audit/issues/abc", "", nil, "request", "issue_number"},
		{"bad request body", canned{status: 201, body: label}, "POST", "/repos/acme/audit/labels", `{"color":"ff0000"}`, nil, "request", "name"},
		{"body where none is described", okEmpty, "GET", "/user", `{"x":1}`, nil, "request", "body"},
		{"array instead of object", canned{status: 200, body: `[` + label + `]`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", ""},
		{"valid label through prefix", prefixed{canned{status: 200, body: label}, "/api/v3"}, "GET", "/api/v3/repos/acme/audit/labels/glass", "", nil, "", ""},
		{"prefix not stripped for other handlers", canned{status: 200, body: label}, "GET", "/api/v3/repos/acme/audit/labels/glass", "", nil, "route", ""},
		{"oauth is not REST", okEmpty, "POST", "/login/oauth/access_token", "client_id=x", nil, "", ""},

		// G1: checks without contexts on PUT protection, and only there.
		{"G1 checks only accepted", canned{status: 200, body: `{"url":"u"}`}, "PUT", protPath,
			`{"required_status_checks":{"strict":true,"checks":[{"context":"ci","app_id":-1}]},"enforce_admins":true,"required_pull_request_reviews":null,"restrictions":null}`, nil, "", ""},
		{"G1 does not excuse other errors", canned{status: 200, body: `{"url":"u"}`}, "PUT", protPath,
			`{"required_status_checks":{"strict":"yes","checks":[{"context":"ci"}]},"enforce_admins":true,"required_pull_request_reviews":null,"restrictions":null}`, nil, "request", "strict"},
		{"G1 does not excuse a missing restrictions key", canned{status: 200, body: `{"url":"u"}`}, "PUT", protPath,
			`{"required_status_checks":{"strict":true,"checks":[{"context":"ci"}]},"enforce_admins":true,"required_pull_request_reviews":null}`, nil, "request", "restrictions"},
		{"contexts and checks together: GitHub 422s", canned{status: 200, body: `{"url":"u"}`}, "PUT", protPath,
			`{"required_status_checks":{"strict":true,"contexts":["ci"],"checks":[{"context":"ci"}]},"enforce_admins":true,"required_pull_request_reviews":null,"restrictions":null}`, nil, "request", "exactly one of contexts or checks"},
		{"contexts only is fine", canned{status: 200, body: `{"url":"u"}`}, "PUT", protPath,
			`{"required_status_checks":{"strict":true,"contexts":["ci"]},"enforce_admins":true,"required_pull_request_reviews":null,"restrictions":null}`, nil, "", ""},

		// G2: 304 only for conditional GETs with an empty body.
		{"G2 conditional 304", canned{status: 304}, "GET", "/repos/acme/audit/issues", "", map[string]string{"If-None-Match": `"abc"`}, "", ""},
		{"G2 304 without condition", canned{status: 304}, "GET", "/repos/acme/audit/issues", "", nil, "response", "304"},
		{"G2 304 with a body", canned{status: 304, body: `[]`}, "GET", "/repos/acme/audit/issues", "", map[string]string{"If-None-Match": `"abc"`}, "response", "304"},

		// G3, G4: documented path gaps, with the original schemas.
		{"G3 repositories form", canned{status: 200, body: `[]`}, "GET", "/repositories/42/issues?page=2", "", nil, "", ""},
		{"G3 repositories form checks schema", canned{status: 200, body: `[{"id":1}]`}, "GET", "/repositories/42/issues", "", nil, "response", ""},
		{"G3 only listed suffixes", okEmpty, "GET", "/repositories/42/branches/main/protection", "", nil, "route", ""},
		{"G3 GET only", okEmpty, "POST", "/repositories/42/issues", `{"title":"x"}`, nil, "route", ""},
		{"G4 plural ref read checks schema", canned{status: 200, body: `[]`}, "GET", "/repos/acme/audit/git/refs/heads", "", nil, "response", ""},

		// G5, G6: undeclared errors only in their narrow shape.
		{"G5 bad credentials", canned{status: 401, body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "", ""},
		{"G5 other 401", canned{status: 401, body: `{"message":"nope"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "401"},
		{"G5 secondary rate limit 403", canned{status: 403, body: `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "", ""},
		{"G5 other 403", canned{status: 403, body: `{"message":"Forbidden","documentation_url":"https://docs.github.com/rest"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "403"},
		{"G5 503", canned{status: 503, body: `{"message":"Service Unavailable"}`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "", ""},
		{"G5 503 with junk body", canned{status: 503, body: `<html>`}, "GET", "/repos/acme/audit/labels/glass", "", nil, "response", "503"},
		{"G6 fine-grained 403", canned{status: 403, body: `{"message":"Resource not accessible by personal access token"}`, hdr: map[string]string{"X-Accepted-GitHub-Permissions": "administration=read"}}, "GET", protPath, "", nil, "", ""},
		{"G6 needs the permissions header", canned{status: 403, body: `{"message":"Resource not accessible by personal access token"}`}, "GET", protPath, "", nil, "response", "403"},

		// G7: admin-rights 403 on repository operations only.
		{"G7 admin rights", canned{status: 403, body: `{"message":"Must have admin rights to Repository.","documentation_url":"https://docs.github.com/rest"}`}, "GET", protPath, "", nil, "", ""},
		{"G7 not outside /repos", canned{status: 403, body: `{"message":"Must have admin rights to Repository."}`}, "GET", "/users/alice", "", nil, "response", "403"},

		{"G7 push access for collaborators", canned{status: 403, body: `{"message":"Must have push access to view repository collaborators."}`}, "GET", "/repos/acme/audit/collaborators", "", nil, "", ""},
		{"G7 other messages", canned{status: 403, body: `{"message":"Go away"}`}, "GET", "/repos/acme/audit/collaborators", "", nil, "response", "403"},

		// G10: 404 Not Found on repository operations only.
		{"G10 invitations 404", canned{status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`}, "GET", "/repos/acme/audit/invitations", "", nil, "", ""},
		{"G10 not outside /repos and /orgs", canned{status: 404, body: `{"message":"Not Found"}`}, "GET", "/user", "", nil, "response", "404"},
		{"G10 unknown team", canned{status: 404, body: `{"message":"Not Found"}`}, "GET", "/orgs/acme/teams/nope/members", "", nil, "", ""},
		{"G10 only Not Found", canned{status: 404, body: `{"message":"Gone fishing"}`}, "GET", "/repos/acme/audit/invitations", "", nil, "response", "404"},
		{"G10 branch not protected on DELETE", canned{status: 404, body: `{"message":"Branch not protected"}`}, "DELETE", protPath, "", nil, "", ""},
		{"G10 part of the rule off", canned{status: 404, body: `{"message":"Required status checks not enabled"}`}, "GET", protPath + "/required_pull_request_reviews", "", nil, "", ""},
		{"G10 not-protected only under protection", canned{status: 404, body: `{"message":"Branch not protected"}`}, "GET", "/repos/acme/audit/invitations", "", nil, "response", "404"},

		// G11: an undeclared 422 only answers an invalid request.
		{"G11 invalid request, 422", canned{status: 422, body: `{"message":"Validation Failed","errors":[]}`}, "PATCH", "/repos/acme/audit/invitations/1", `{"permissions":"owner"}`, nil, "request", "permissions"},
		{"G11 valid request, 422", canned{status: 422, body: `{"message":"Validation Failed","errors":[]}`}, "PATCH", "/repos/acme/audit/invitations/1", `{"permissions":"write"}`, nil, "response", "422"},

		// G8: the 409 oneOf of contents PUT is read as anyOf, nothing more.
		{"G8 contents conflict", canned{status: 409, body: `{"message":"Could not update file","documentation_url":"https://docs.github.com/x","status":"409"}`}, "PUT", "/repos/acme/audit/contents/a/b.md", `{"message":"m","content":"eA=="}`, nil, "", ""},
		{"G8 still checks types", canned{status: 409, body: `{"message":5}`}, "PUT", "/repos/acme/audit/contents/a/b.md", `{"message":"m","content":"eA=="}`, nil, "response", ""},

		// G9: a bare array of label names, as go-github sends.
		{"G9 label array", canned{status: 200, body: `[` + label + `]`}, "POST", "/repos/acme/audit/issues/1/labels", `["glass"]`, nil, "", ""},
		{"G9 label array of numbers", canned{status: 200, body: `[` + label + `]`}, "POST", "/repos/acme/audit/issues/1/labels", `[5]`, nil, "request", ""},
		{"G9 empty label array", canned{status: 200, body: `[]`}, "POST", "/repos/acme/audit/issues/1/labels", `[]`, nil, "request", ""},
		{"G9 not for other operations", canned{status: 201, body: label}, "POST", "/repos/acme/audit/labels", `["glass"]`, nil, "request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.h, tc.method, tc.path, tc.body, tc.hdr)
			if tc.wantPhase == "" {
				for _, v := range got {
					t.Errorf("unexpected violation: %s", v)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("no violation reported, want a %s violation", tc.wantPhase)
			}
			var phases []string
			for _, v := range got {
				phases = append(phases, v.Phase)
				if v.Phase == tc.wantPhase && strings.Contains(v.Err, tc.wantText) {
					t.Logf("caught: %s", v)
					return
				}
			}
			t.Errorf("want a %s violation mentioning %q, got %v: %v", tc.wantPhase, tc.wantText, phases, got)
		})
	}
}
