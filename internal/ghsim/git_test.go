package ghsim

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim/exercise"
)

func putFile(t *testing.T, s *Server, tok, repoBranch, path, content, sha string) resp {
	t.Helper()
	repo, branch, _ := strings.Cut(repoBranch, "@")
	body := map[string]any{"message": "edit " + path, "content": base64.StdEncoding.EncodeToString([]byte(content)), "branch": branch}
	if sha != "" {
		body["sha"] = sha
	}
	return call(t, s, "PUT", "/repos/"+repo+"/contents/"+path, tok, body)
}

func msg(t *testing.T, r resp) string { t.Helper(); return r.json(t)["message"].(string) }

func TestContentsGetPut(t *testing.T) {
	s, _ := newAcme(t)
	tok := s.Token("bob")
	r := call(t, s, "GET", "/repos/acme/audit/contents/README.md", tok, nil)
	wantCode(t, r, 200)
	f := r.json(t)
	raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(f["content"].(string), "\n", ""))
	if string(raw) != "# audit\n" || f["encoding"] != "base64" || f["type"] != "file" {
		t.Fatalf("file = %v", f)
	}
	r = putFile(t, s, tok, "acme/audit@main", "records/1.md", "hello", "")
	wantCode(t, r, 201)
	cm := r.json(t)["commit"].(map[string]any)
	if cm["message"] != "edit records/1.md" || len(cm["parents"].([]any)) != 1 {
		t.Errorf("commit = %v", cm)
	}
	r = putFile(t, s, tok, "acme/audit@main", "README.md", "new", "")
	wantCode(t, r, 422)
	if !strings.Contains(msg(t, r), `"sha" wasn't supplied`) {
		t.Error(msg(t, r))
	}
	wantCode(t, putFile(t, s, tok, "acme/audit@main", "README.md", "new", "0000000000000000000000000000000000000000"), 409)
	wantCode(t, putFile(t, s, tok, "acme/audit@main", "README.md", "new", f["sha"].(string)), 200)
	r = call(t, s, "GET", "/repos/acme/audit/contents/README.md?ref=main", tok, nil)
	if r.json(t)["sha"] == f["sha"] {
		t.Error("sha did not change")
	}
	// directory listing and delete
	if n := len(call(t, s, "GET", "/repos/acme/audit/contents/records", tok, nil).list(t)); n != 1 {
		t.Errorf("dir entries = %d", n)
	}
	sha := call(t, s, "GET", "/repos/acme/audit/contents/records/1.md", tok, nil).json(t)["sha"]
	r = call(t, s, "DELETE", "/repos/acme/audit/contents/records/1.md", tok, map[string]any{"message": "rm", "sha": sha})
	wantCode(t, r, 200)
	if r.json(t)["content"] != nil {
		t.Error("delete content should be null")
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/contents/records/1.md", tok, nil), 404)
	// activity records the token's user
	acts := call(t, s, "GET", "/repos/acme/audit/activity", tok, nil).list(t)
	if len(acts) < 3 || acts[0].(map[string]any)["actor"].(map[string]any)["login"] != "bob" || acts[0].(map[string]any)["activity_type"] != "push" {
		t.Errorf("activity = %v", acts)
	}
	// mallory can read payments but not push: a classic token gets 404
	// (the operation declares 404, no 403; see loadRepo), a fine-grained
	// one GitHub's 403 with the permission it lacks.
	wantCode(t, putFile(t, s, s.Token("mallory"), "acme/payments@docs/runbook-update", "x", "y", ""), 404)
	fg := s.AddToken(TokenSpec{Login: "mallory", FineGrained: true, Permissions: map[string]string{"contents": "write", "metadata": "read"}})
	r = putFile(t, s, fg, "acme/payments@docs/runbook-update", "x", "y", "")
	wantCode(t, r, 403)
	if r.json(t)["message"] != "Resource not accessible by personal access token" || r.Header.Get("X-Accepted-GitHub-Permissions") != "contents=write" {
		t.Errorf("fine-grained refusal: %v %s", r.Header, r.Body)
	}
}

// Direct writes to a protected branch are refused as GitHub refuses them,
// and allowed once the rule is relaxed (see pushRefusal for sources).
func TestDirectWriteRefusalsAndRelaxation(t *testing.T) {
	s, _ := newAcme(t)
	alice, dave, bot := s.Token("alice"), s.Token("dave"), s.Token("release-bot")
	p := protMain
	n := 0
	try := func(tok string) resp {
		n++
		return putFile(t, s, tok, "acme/payments@main", fmt.Sprintf("hotfix-%d.txt", n), "fix", "")
	}
	steps := []struct {
		name      string
		relax     func()
		tok       string
		code      int
		msgPrefix string
	}{
		{"admin, enforce_admins on", nil, alice, 409, "Could not create file: You're not authorized to push to this branch"},
		{"developer outside restrictions", nil, dave, 409, "Could not create file: You're not authorized to push to this branch"},
		{"release-bot passes restrictions, needs checks and a PR", nil, bot, 409, "Could not create file: 2 of 2 required status checks are expected. Changes must be made through a pull request."},
		{"admin bypass once enforce_admins is off", func() { wantCode(t, call(t, s, "DELETE", p+"/enforce_admins", alice, nil), 204) }, alice, 201, ""},
		{"developer still refused", nil, dave, 409, "Could not create file: You're not authorized to push to this branch"},
		{"restrictions lifted: reviews", func() { wantCode(t, call(t, s, "DELETE", p+"/restrictions", alice, nil), 204) }, dave, 409, "Could not create file: 2 of 2 required status checks are expected. Changes must be made through a pull request."},
		{"reviews lifted: status checks", func() { wantCode(t, call(t, s, "DELETE", p+"/required_pull_request_reviews", alice, nil), 204) }, dave, 409, "Could not create file: 2 of 2 required status checks are expected."},
		{"all lifted", func() { wantCode(t, call(t, s, "DELETE", p+"/required_status_checks", alice, nil), 204) }, dave, 201, ""},
	}
	for _, st := range steps {
		if st.relax != nil {
			st.relax()
		}
		r := try(st.tok)
		if r.Code != st.code {
			t.Fatalf("%s: status %d, want %d: %s", st.name, r.Code, st.code, r.Body)
		}
		if st.msgPrefix != "" && msg(t, r) != st.msgPrefix && !strings.HasPrefix(msg(t, r), st.msgPrefix+". Visit") {
			t.Fatalf("%s: message %q", st.name, msg(t, r))
		}
	}
	// the wildcard rule governs release/1.x: reviews required for a push-level user
	r := putFile(t, s, dave, "acme/payments@release/1.x", "x.txt", "x", "")
	wantCode(t, r, 409)
	if msg(t, r) != "Could not create file: Changes must be made through a pull request." || r.json(t)["documentation_url"] != "https://docs.github.com/articles/about-protected-branches" {
		t.Error(msg(t, r))
	}
	// lock_branch
	s.Do(func(st *State) {
		pr := st.Repo("acme/payments").ExactRule("main")
		pr.LockBranch = true
	})
	wantCode(t, putFile(t, s, dave, "acme/payments@main", "y.txt", "y", ""), 409)
}

func TestForcePushAndDeletionRules(t *testing.T) {
	s, _ := newAcme(t)
	alice := s.Token("alice")
	admin := s.Token("acme-admin")
	// relax main for admins so only force-push rules matter
	wantCode(t, call(t, s, "DELETE", protMain+"/enforce_admins", alice, nil), 204)
	var oldMain, rewound string
	s.Do(func(st *State) {
		r := st.Repo("acme/payments")
		oldMain = r.Branches["main"]
		rewound = r.Commits[oldMain].Parents[0]
	})
	ref := "/repos/acme/payments/git/refs/heads/main"
	r := call(t, s, "PATCH", ref, alice, map[string]any{"sha": rewound})
	wantCode(t, r, 422)
	if msg(t, r) != "Update is not a fast forward" {
		t.Error(msg(t, r))
	}
	r = call(t, s, "PATCH", ref, alice, map[string]any{"sha": rewound, "force": true})
	wantCode(t, r, 422)
	if msg(t, r) != "Cannot force-push to this branch" {
		t.Error(msg(t, r))
	}
	// allow force pushes through the full PUT (GET → PUT conversion)
	put := exercise.ProtectionPUT(call(t, s, "GET", protMain, alice, nil).json(t))
	put["allow_force_pushes"] = true
	wantCode(t, call(t, s, "PUT", protMain, alice, put), 200)
	r = call(t, s, "PATCH", ref, alice, map[string]any{"sha": rewound, "force": true})
	wantCode(t, r, 200)
	if r.json(t)["object"].(map[string]any)["sha"] != rewound {
		t.Error(string(r.Body))
	}
	acts := call(t, s, "GET", "/repos/acme/payments/activity?activity_type=force_push", alice, nil).list(t)
	if len(acts) != 1 || acts[0].(map[string]any)["before"] != oldMain || acts[0].(map[string]any)["after"] != rewound {
		t.Errorf("force_push activity = %v", acts)
	}
	// fast-forward back to the old head
	wantCode(t, call(t, s, "PATCH", ref, alice, map[string]any{"sha": oldMain}), 200)
	// deletion: release/1.x is covered by release/* (allow_deletions off) — refused even for the org owner
	del := "/repos/acme/payments/git/refs/heads/release/1.x"
	r = call(t, s, "DELETE", del, admin, nil)
	wantCode(t, r, 422)
	if msg(t, r) != "Cannot delete this protected branch" {
		t.Error(msg(t, r))
	}
	s.Do(func(st *State) { st.Repo("acme/payments").ExactRule("release/*").AllowDeletions = true })
	wantCode(t, call(t, s, "DELETE", del, admin, nil), 204)
	wantCode(t, call(t, s, "DELETE", del, admin, nil), 422)
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/git/ref/heads/release/1.x", admin, nil), 404)
	// create a branch
	r = call(t, s, "POST", "/repos/acme/payments/git/refs", s.Token("dave"), map[string]any{"ref": "refs/heads/hotfix/1", "sha": oldMain})
	wantCode(t, r, 201)
	if r.json(t)["ref"] != "refs/heads/hotfix/1" || r.Header.Get("Location") == "" {
		t.Error(string(r.Body))
	}
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/git/refs", s.Token("dave"), map[string]any{"ref": "refs/heads/hotfix/1", "sha": oldMain}), 422)
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/git/refs", s.Token("dave"), map[string]any{"ref": "hotfix", "sha": oldMain}), 422)
	r = call(t, s, "GET", "/repos/acme/payments/git/ref/heads/hotfix/1", s.Token("dave"), nil)
	wantCode(t, r, 200)
	types := map[string]int{}
	for _, a := range call(t, s, "GET", "/repos/acme/payments/activity?per_page=100", alice, nil).list(t) {
		types[a.(map[string]any)["activity_type"].(string)]++
	}
	if types["branch_creation"] < 1 || types["branch_deletion"] != 1 || types["force_push"] != 1 || types["push"] < 1 {
		t.Errorf("activity types = %v", types)
	}
}

func TestCommitsCompareActivityPulls(t *testing.T) {
	s, clk := newAcme(t)
	tok := s.Token("alice")
	list := call(t, s, "GET", "/repos/acme/payments/commits?sha=main", tok, nil).list(t)
	if len(list) != 5 {
		t.Fatalf("commits = %d", len(list))
	}
	first := list[0].(map[string]any)
	if first["commit"].(map[string]any)["message"] != "Faster ledger writes" || first["author"].(map[string]any)["login"] != "dave" {
		t.Errorf("head commit = %v", first["commit"])
	}
	since := fixedNow.Add(-15 * 24 * time.Hour).Format(time.RFC3339)
	until := fixedNow.Add(-7 * 24 * time.Hour).Format(time.RFC3339)
	if n := len(call(t, s, "GET", "/repos/acme/payments/commits?since="+since+"&until="+until, tok, nil).list(t)); n != 1 {
		t.Errorf("since/until commits = %d", n)
	}
	r := call(t, s, "GET", "/repos/acme/payments/commits?per_page=2", tok, nil)
	if !strings.Contains(r.Header.Get("Link"), "/repositories/") {
		t.Errorf("commits Link = %s", r.Header.Get("Link"))
	}
	head := first["sha"].(string)
	c := call(t, s, "GET", "/repos/acme/payments/commits/"+head, tok, nil).json(t)
	if len(c["files"].([]any)) != 1 || c["stats"] == nil {
		t.Errorf("commit = %v", c["files"])
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/commits/deadbeefdeadbeef", tok, nil), 422)
	// compare
	cmp := func(bh string) map[string]any {
		return call(t, s, "GET", "/repos/acme/payments/compare/"+bh, tok, nil).json(t)
	}
	if m := cmp("main...main"); m["status"] != "identical" || m["ahead_by"] != float64(0) {
		t.Errorf("identical = %v", m["status"])
	}
	if m := cmp("release/1.x...main"); m["status"] != "ahead" || m["ahead_by"] != float64(1) || m["behind_by"] != float64(0) {
		t.Errorf("ahead = %v %v %v", m["status"], m["ahead_by"], m["behind_by"])
	}
	if m := cmp("main...release/1.x"); m["status"] != "behind" || m["behind_by"] != float64(1) {
		t.Errorf("behind = %v", m["status"])
	}
	if m := cmp("feature/refund-limits...docs/runbook-update"); m["status"] != "diverged" || m["ahead_by"] != float64(1) || m["behind_by"] != float64(1) || len(m["commits"].([]any)) != 1 {
		t.Errorf("diverged = %v %v %v", m["status"], m["ahead_by"], m["behind_by"])
	}
	// commits pushed during a window show up in compare and activity
	clk.add(time.Hour)
	var pushed string
	s.Do(func(st *State) {
		pushed = st.Commit(st.Repo("acme/payments"), "main", "bob", "direct push", map[string]string{"x": "1"}).SHA
	})
	if m := cmp(head + "..." + pushed); m["ahead_by"] != float64(1) {
		t.Errorf("window compare = %v", m["ahead_by"])
	}
	if prs := call(t, s, "GET", "/repos/acme/payments/commits/"+pushed+"/pulls", tok, nil).list(t); len(prs) != 0 {
		t.Errorf("direct push has PRs: %v", prs)
	}
	acts := call(t, s, "GET", "/repos/acme/payments/activity?ref=main&direction=desc&per_page=1", tok, nil)
	a := acts.list(t)[0].(map[string]any)
	if a["after"] != pushed || a["actor"].(map[string]any)["login"] != "bob" || a["ref"] != "refs/heads/main" || a["timestamp"] != "2026-03-01T13:00:00Z" {
		t.Errorf("activity = %v", a)
	}
	link := acts.Header.Get("Link")
	if !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "after=") {
		t.Errorf("activity Link = %s", link)
	}
	// follow the cursor
	next := link[strings.Index(link, "/repos/"):strings.Index(link, ">")]
	a2 := call(t, s, "GET", next, tok, nil).list(t)[0].(map[string]any)
	if a2["after"] != a["before"] {
		t.Errorf("cursor page: %v", a2)
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/activity?activity_type=bogus", tok, nil), 422)
	// pulls
	prs := call(t, s, "GET", "/repos/acme/payments/pulls?state=open&base=main", tok, nil).list(t)
	if len(prs) != 2 {
		t.Fatalf("pulls = %d", len(prs))
	}
	var withAuto, without int
	for _, x := range prs {
		m := x.(map[string]any)
		if m["merged_at"] != nil {
			t.Error("open PR merged")
		}
		if am, ok := m["auto_merge"].(map[string]any); ok {
			withAuto++
			if am["merge_method"] != "squash" || am["enabled_by"].(map[string]any)["login"] != "dave" {
				t.Errorf("auto_merge = %v", am)
			}
		} else if m["auto_merge"] == nil {
			without++
		}
	}
	if withAuto != 1 || without != 1 {
		t.Errorf("auto-merge split %d/%d", withAuto, without)
	}
	// merge PR 1 and find it from the merge commit
	var merge string
	s.Do(func(st *State) { merge = st.MergePR(st.Repo("acme/payments"), 1, "dave").SHA })
	closed := call(t, s, "GET", "/repos/acme/payments/pulls?state=closed&base=main&sort=updated&direction=desc", tok, nil).list(t)
	if len(closed) != 1 || closed[0].(map[string]any)["merged_at"] == nil || closed[0].(map[string]any)["auto_merge"] != nil {
		t.Errorf("closed = %v", closed)
	}
	if prs := call(t, s, "GET", "/repos/acme/payments/commits/"+merge+"/pulls", tok, nil).list(t); len(prs) != 1 {
		t.Errorf("merge commit PRs = %d", len(prs))
	}
	if acts := call(t, s, "GET", "/repos/acme/payments/activity?activity_type=pr_merge", tok, nil).list(t); len(acts) != 1 {
		t.Errorf("pr_merge activity = %v", acts)
	}
	rv := call(t, s, "GET", "/repos/acme/payments/pulls/1/reviews", tok, nil).list(t)
	if len(rv) != 1 || rv[0].(map[string]any)["state"] != "APPROVED" {
		t.Errorf("reviews = %v", rv)
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/payments/pulls/99/reviews", tok, nil), 404)
}

func TestGoGitHubGit(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("alice"))
	ctx := context.Background()
	ref, _, err := gh.Git.GetRef(ctx, "acme", "payments", "heads/release/1.x")
	if err != nil || ref.GetObject().GetSHA() == "" {
		t.Fatalf("GetRef: %v %v", err, ref)
	}
	b, _, err := gh.Repositories.GetBranch(ctx, "acme", "payments", "release/1.x", 0)
	if err != nil || !b.GetProtected() {
		t.Fatalf("GetBranch: %v %v", err, b)
	}
	cmp, _, err := gh.Repositories.CompareCommits(ctx, "acme", "payments", "release/1.x", "main", nil)
	if err != nil || cmp.GetStatus() != "ahead" || cmp.GetAheadBy() != 1 {
		t.Fatalf("Compare: %v %v", err, cmp)
	}
	commits, _, err := gh.Repositories.ListCommits(ctx, "acme", "payments", &github.CommitsListOptions{SHA: "main", Since: fixedNow.Add(-6 * 24 * time.Hour)})
	if err != nil || len(commits) != 1 {
		t.Fatalf("ListCommits: %v %d", err, len(commits))
	}
	prs, _, err := gh.PullRequests.List(ctx, "acme", "payments", &github.PullRequestListOptions{State: "all", Base: "main"})
	if err != nil || len(prs) != 2 {
		t.Fatalf("PullRequests.List: %v %d", err, len(prs))
	}
	_, _, err = gh.Repositories.CreateFile(ctx, "acme", "payments", "x.txt", &github.RepositoryContentFileOptions{Message: github.String("x"), Content: []byte("x"), Branch: github.String("main")})
	var er *github.ErrorResponse
	if err == nil || !errorsAs(err, &er) || er.Response.StatusCode != 409 {
		t.Fatalf("protected write: %v", err)
	}
}
