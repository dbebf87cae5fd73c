package ghsim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCommonHeaders(t *testing.T) {
	s, _ := newAcme(t)
	r := call(t, s, "GET", "/repos/acme/payments", s.Token("alice"), nil)
	wantCode(t, r, 200)
	for k, want := range map[string]string{
		"X-GitHub-Media-Type":           "github.v3; format=json",
		"X-GitHub-Api-Version-Selected": "2022-11-28",
		"Content-Type":                  "application/json; charset=utf-8",
		"X-OAuth-Scopes":                "repo, read:org, write:org, user",
		"X-Accepted-OAuth-Scopes":       "repo",
		"X-RateLimit-Limit":             "5000",
		"X-RateLimit-Remaining":         "4999",
		"X-RateLimit-Used":              "1",
		"X-RateLimit-Resource":          "core",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if r.Header.Get("X-GitHub-Request-Id") == "" || r.Header.Get("ETag") == "" {
		t.Error("missing request id or etag")
	}
	reset, _ := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	if reset != fixedNow.Add(time.Hour).Unix() {
		t.Errorf("reset = %d", reset)
	}
	m := r.json(t)
	if m["full_name"] != "acme/payments" || m["private"] != true || m["default_branch"] != "main" || m["allow_merge_commit"] != false || m["allow_squash_merge"] != true {
		t.Errorf("repo = %v", m)
	}
	if !strings.HasPrefix(m["url"].(string), "http://api.sim.test/repos/acme/payments") {
		t.Errorf("url = %v", m["url"])
	}
}

func TestUserEndpoints(t *testing.T) {
	s, _ := newAcme(t)
	r := call(t, s, "GET", "/user", s.Token("erin"), nil)
	wantCode(t, r, 200)
	m := r.json(t)
	if m["two_factor_authentication"] != false || m["login"] != "erin" || m["user_view_type"] != "private" {
		t.Errorf("private user = %v", m)
	}
	noUser := s.AddToken(TokenSpec{Login: "alice", Scopes: []string{"repo"}})
	m = call(t, s, "GET", "/user", noUser, nil).json(t)
	if _, ok := m["two_factor_authentication"]; ok {
		t.Error("two_factor_authentication visible without the user scope")
	}
	if m["user_view_type"] != "public" {
		t.Errorf("view = %v", m["user_view_type"])
	}
	wantCode(t, call(t, s, "GET", "/user", "", nil), 401)
	r = call(t, s, "GET", "/users/bob", "", nil)
	wantCode(t, r, 200)
	if r.json(t)["id"] == nil {
		t.Error("no id")
	}
	wantCode(t, call(t, s, "GET", "/users/nobody", "", nil), 404)
	org := call(t, s, "GET", "/orgs/acme", s.Token("alice"), nil).json(t)
	if org["two_factor_requirement_enabled"] != true {
		t.Errorf("org = %v", org)
	}
	r = call(t, s, "GET", "/repositories/99999", s.Token("alice"), nil)
	wantCode(t, r, 404)
	if r.json(t)["message"] != "Not Found" || r.json(t)["documentation_url"] != "https://docs.github.com/rest" {
		t.Errorf("404 body = %s", r.Body)
	}
	var id int64
	s.Do(func(st *State) { id = st.Repo("acme/payments").ID })
	r = call(t, s, "GET", "/repositories/"+strconv.FormatInt(id, 10), s.Token("alice"), nil)
	wantCode(t, r, 200)
	if r.json(t)["full_name"] != "acme/payments" {
		t.Error(string(r.Body))
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", s.Token("erin"), nil), 404)
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", "", nil), 404)
	wantCode(t, call(t, s, "GET", "/repos/acme/.github", "", nil), 200)
}

func TestScopesAndFineGrained(t *testing.T) {
	s, _ := newAcme(t)
	// classic token without repo: private repo is hidden
	tok := s.AddToken(TokenSpec{Login: "alice", Scopes: []string{"read:org"}})
	wantCode(t, call(t, s, "GET", protMain, tok, nil), 404)
	// fine-grained: no X-OAuth-Scopes; missing permission → 403 + X-Accepted-GitHub-Permissions
	fg := s.AddToken(TokenSpec{Login: "alice", FineGrained: true, Permissions: map[string]string{"administration": "read", "metadata": "read"}})
	r := call(t, s, "GET", protMain, fg, nil)
	wantCode(t, r, 200)
	if _, ok := r.Header["X-Oauth-Scopes"]; ok {
		t.Error("fine-grained token must not get X-OAuth-Scopes")
	}
	r = call(t, s, "PUT", protMain, fg, map[string]any{"required_status_checks": nil, "enforce_admins": false, "required_pull_request_reviews": nil, "restrictions": nil})
	wantCode(t, r, 403)
	if r.json(t)["message"] != "Resource not accessible by personal access token" || r.Header.Get("X-Accepted-GitHub-Permissions") != "administration=write" {
		t.Errorf("fg 403: %s %v", r.Body, r.Header)
	}
	iss := s.AddToken(TokenSpec{Login: "alice", FineGrained: true, Permissions: map[string]string{"issues": "write"}})
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", iss, map[string]any{"title": "x"}), 201)
}

// TestRoleRefusalByTokenKind: a caller whose role is too low is refused the
// way GitHub refuses that kind of token: classic tokens get GitHub's role
// message (403 "Must have admin rights to Repository.") or 404, never the
// fine-grained wording and never X-Accepted-GitHub-Permissions (a header for
// "fine-grained permission actors": GitHub changelog 2023-08-10);
// fine-grained tokens get 403 "Resource not accessible by personal access
// token" with the header.
func TestRoleRefusalByTokenKind(t *testing.T) {
	s, _ := newAcme(t)
	put := map[string]any{"required_status_checks": nil, "enforce_admins": false, "required_pull_request_reviews": nil, "restrictions": nil}
	dave := s.Token("dave") // push on payments, not admin
	daveFG := s.AddToken(TokenSpec{Login: "dave", FineGrained: true, Permissions: map[string]string{"administration": "write", "contents": "write", "metadata": "read"}})
	mallory := s.Token("mallory") // pull on payments
	cases := []struct {
		name, method, path, tok string
		body                    any
		code                    int
		msg, accepted           string
	}{
		{"classic, admin endpoint", "PUT", protMain, dave, put, 403, "Must have admin rights to Repository.", ""},
		{"classic, admin read", "GET", protMain, dave, nil, 403, "Must have admin rights to Repository.", ""},
		{"fine-grained with the permission, role too low", "PUT", protMain, daveFG, put, 403, "Resource not accessible by personal access token", "administration=write"},
		{"classic, push endpoint without push", "POST", "/repos/acme/payments/git/refs", mallory, map[string]any{"ref": "refs/heads/x", "sha": "0000000000000000000000000000000000000000"}, 404, "Not Found", ""},
		{"classic, label create without push", "POST", "/repos/acme/payments/labels", mallory, map[string]any{"name": "x", "color": "ffffff"}, 404, "Not Found", ""},
		{"classic, org write without write:org", "PUT", "/orgs/acme/teams/oncall/memberships/erin", s.AddToken(TokenSpec{Login: "acme-admin", Scopes: []string{"repo", "read:org"}}), map[string]any{"role": "member"}, 404, "Not Found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, tc.method, tc.path, tc.tok, tc.body)
			wantCode(t, r, tc.code)
			if m := r.json(t)["message"]; m != tc.msg {
				t.Errorf("message = %q, want %q", m, tc.msg)
			}
			if got := r.Header.Get("X-Accepted-GitHub-Permissions"); got != tc.accepted {
				t.Errorf("X-Accepted-GitHub-Permissions = %q, want %q", got, tc.accepted)
			}
		})
	}
	// Issues on a public repository: anyone signed in may open one.
	wantCode(t, call(t, s, "POST", "/repos/acme/.github/issues", s.Token("erin"), map[string]any{"title": "hello"}), 201)
}

func TestRateLimitExhaustion(t *testing.T) {
	s, clk := newAcme(t, WithRateLimit(3))
	tok := s.Token("bob")
	for i := 0; i < 3; i++ {
		wantCode(t, call(t, s, "GET", "/repos/acme/payments", tok, nil), 200)
	}
	// /rate_limit does not count
	r := call(t, s, "GET", "/rate_limit", tok, nil)
	wantCode(t, r, 200)
	if r.json(t)["rate"].(map[string]any)["remaining"] != float64(0) {
		t.Errorf("rate_limit = %s", r.Body)
	}
	r = call(t, s, "GET", "/repos/acme/payments", tok, nil)
	wantCode(t, r, 403)
	var bobID int64
	s.Do(func(st *State) { bobID = st.User("bob").ID })
	if r.Header.Get("X-RateLimit-Remaining") != "0" || !strings.Contains(r.json(t)["message"].(string), "API rate limit exceeded for user ID "+strconv.FormatInt(bobID, 10)+".") {
		t.Errorf("exhausted: %v %s", r.Header, r.Body)
	}
	if !strings.Contains(r.json(t)["documentation_url"].(string), "rate-limit") {
		t.Error("documentation_url")
	}
	// other tokens have their own budget
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", s.Token("alice"), nil), 200)
	clk.add(time.Hour)
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", tok, nil), 200)
}

func TestETagNotModifiedDoesNotCount(t *testing.T) {
	s, _ := newAcme(t)
	tok := s.Token("alice")
	r1 := call(t, s, "GET", "/repos/acme/payments/issues?state=all", tok, nil)
	etag := r1.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no etag")
	}
	r2 := call(t, s, "GET", "/repos/acme/payments/issues?state=all", tok, nil, "If-None-Match", etag)
	wantCode(t, r2, http.StatusNotModified)
	if len(r2.Body) != 0 {
		t.Error("304 with a body")
	}
	if r2.Header.Get("X-RateLimit-Remaining") != r1.Header.Get("X-RateLimit-Remaining") {
		t.Errorf("304 counted: %s vs %s", r2.Header.Get("X-RateLimit-Remaining"), r1.Header.Get("X-RateLimit-Remaining"))
	}
	if r2.Header.Get("ETag") != etag {
		t.Error("etag changed")
	}
	// a change invalidates the etag
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/issues", tok, map[string]any{"title": "new"}), 201)
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/issues?state=all", tok, nil, "If-None-Match", etag), 200)
}

func TestPrefix(t *testing.T) {
	s, _ := newAcme(t, WithPrefix("/api/v3"))
	r := call(t, s, "GET", "/api/v3/repos/acme/payments", s.Token("alice"), nil)
	wantCode(t, r, 200)
	if !strings.HasPrefix(r.json(t)["url"].(string), "http://api.sim.test/api/v3/repos/") {
		t.Errorf("url = %v", r.json(t)["url"])
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", s.Token("alice"), nil), 404)
	// device flow lives on the web host, outside the prefix
	r = call(t, s, "POST", "/login/device/code", "", "client_id="+SimClientID, "Accept", "application/json")
	wantCode(t, r, 200)
}

func TestRoutesAndLog(t *testing.T) {
	s, _ := newAcme(t)
	routes := s.Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.Method+" "+r.Pattern] = true
	}
	for _, want := range []string{"GET /repos/{owner}/{repo}/branches/{branch}/protection", "PUT /repos/{owner}/{repo}/collaborators/{username}",
		"GET /repositories/{repository_id}/issues", "POST /login/device/code", "GET /repos/{owner}/{repo}/activity"} {
		if !seen[want] {
			t.Errorf("missing route %s", want)
		}
	}
	for _, r := range routes {
		if IsOAuthPath(r.Pattern) != r.OAuth {
			t.Errorf("OAuth flag wrong on %s", r.Pattern)
		}
	}
	s.ResetLog()
	call(t, s, "GET", "/repos/acme/payments?x=1", s.Token("alice"), nil)
	call(t, s, "POST", "/repos/acme/audit/issues", s.Token("alice"), map[string]any{"title": "t"})
	log := s.Log()
	if len(log) != 2 || log[0].Query != "x=1" || log[1].Status != 201 || string(log[1].ReqBody) != `{"title":"t"}` || log[1].Seq != log[0].Seq+1 {
		t.Fatalf("log = %+v", log)
	}
	if log[0].ReqHeader.Get("Authorization") != "[redacted]" {
		t.Error("token not redacted in log")
	}
	if !log[0].At.Equal(fixedNow) {
		t.Errorf("At = %v", log[0].At)
	}
}

func TestEmptySeed(t *testing.T) {
	s := New(WithSeed("empty"))
	r := call(t, s, "GET", "/user", s.Token("octocat"), nil)
	wantCode(t, r, 200)
	wantCode(t, call(t, s, "GET", "/orgs/acme", s.Token("octocat"), nil), 404)
	if s.Token("alice") != "" || s.Token("web-flow") == "" {
		t.Error("Token for a user the seed does not have should be empty")
	}
	if len(Seeds()) != 2 {
		t.Error(Seeds())
	}
}

func TestConcurrentUse(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	s2, _ := newAcme(t)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			tok := s.Token("alice")
			for i := 0; i < 20; i++ {
				req, _ := http.NewRequest("POST", srv.URL+"/repos/acme/audit/issues", strings.NewReader(`{"title":"c"}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				if resp, err := srv.Client().Do(req); err == nil {
					resp.Body.Close()
				}
				call(t, s2, "GET", "/repos/acme/payments/branches/release%2F1.x", s2.Token("bob"), nil)
				_ = s.Log()
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	s.Do(func(st *State) {
		if n := len(st.Repo("acme/audit").Issues); n != 160 {
			t.Errorf("issues = %d", n)
		}
	})
}
