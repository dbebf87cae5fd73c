package ghsim

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestIssueCRUD(t *testing.T) {
	s, clk := newAcme(t)
	tok := s.Token("alice")
	r := call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"title": "glass: open payments/main", "body": "why", "labels": []string{"glass", "bug"}})
	wantCode(t, r, 201)
	is := r.json(t)
	if r.Header.Get("Location") != is["url"] || is["number"] != float64(1) || is["state"] != "open" || is["closed_at"] != nil || is["locked"] != false {
		t.Fatalf("created = %s", r.Body)
	}
	labels := is["labels"].([]any)
	if len(labels) != 2 || labels[0].(map[string]any)["color"] != "ededed" || labels[1].(map[string]any)["name"] != "bug" {
		t.Errorf("labels = %v", labels)
	}
	if is["created_at"] != "2026-03-01T12:00:00Z" || is["user"].(map[string]any)["login"] != "alice" {
		t.Errorf("created_at/user = %v %v", is["created_at"], is["user"])
	}
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"body": "no title"}), 422)
	// a reader's labels are silently dropped
	r = call(t, s, "POST", "/repos/acme/payments/issues", s.Token("mallory"), map[string]any{"title": "t", "labels": []string{"bug"}})
	wantCode(t, r, 201)
	if len(r.json(t)["labels"].([]any)) != 0 {
		t.Error("reader set labels")
	}
	// A milestone: the simulator has none, so from a pusher it is GitHub's
	// 422 for an unknown milestone and nothing is created; from a reader it
	// is silently dropped; null is no milestone.
	r = call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"title": "m", "milestone": 1})
	wantCode(t, r, 422)
	if e := r.json(t)["errors"].([]any)[0].(map[string]any); e["field"] != "milestone" || e["code"] != "invalid" || e["value"] != float64(1) {
		t.Errorf("milestone error = %s", r.Body)
	}
	wantCode(t, call(t, s, "POST", "/repos/acme/payments/issues", s.Token("mallory"), map[string]any{"title": "m", "milestone": 1}), 201)
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"title": "m", "milestone": nil}), 201)
	wantCode(t, call(t, s, "PATCH", "/repos/acme/audit/issues/1", tok, map[string]any{"milestone": 2}), 422)
	if n := len(call(t, s, "GET", "/repos/acme/audit/issues?state=all", tok, nil).list(t)); n != 2 {
		t.Errorf("audit issues = %d, want 2 (the refused create left nothing)", n)
	}
	clk.add(time.Minute)
	r = call(t, s, "PATCH", "/repos/acme/audit/issues/1", tok, map[string]any{"state": "closed", "state_reason": "not_planned", "body": "edited"})
	wantCode(t, r, 200)
	is = r.json(t)
	if is["state"] != "closed" || is["state_reason"] != "not_planned" || is["closed_at"] != "2026-03-01T12:01:00Z" || is["body"] != "edited" || is["updated_at"] != "2026-03-01T12:01:00Z" {
		t.Errorf("closed = %v", is)
	}
	is = call(t, s, "PATCH", "/repos/acme/audit/issues/1", tok, map[string]any{"state": "open"}).json(t)
	if is["state_reason"] != "reopened" || is["closed_at"] != nil {
		t.Errorf("reopened = %v", is)
	}
	// state_reason without a state change is ignored
	is = call(t, s, "PATCH", "/repos/acme/audit/issues/1", tok, map[string]any{"state_reason": "completed", "labels": []string{"glass"}}).json(t)
	if is["state_reason"] != "reopened" || len(is["labels"].([]any)) != 1 {
		t.Errorf("ignored reason = %v", is)
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/issues/99", tok, nil), 404)
	wantCode(t, call(t, s, "PATCH", "/repos/acme/audit/issues/1", s.Token("erin"), map[string]any{"body": "x"}), 404)
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", "", map[string]any{"title": "x"}), 401)
}

func TestIssueListFiltersAndPagination(t *testing.T) {
	s, clk := newAcme(t)
	tok := s.Token("alice")
	for i := 1; i <= 7; i++ {
		labels := []string{"glass"}
		if i%2 == 0 {
			labels = append(labels, "glass:open")
		}
		wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"title": fmt.Sprintf("issue %d", i), "labels": labels}), 201)
		clk.add(time.Minute)
	}
	call(t, s, "PATCH", "/repos/acme/audit/issues/2", tok, map[string]any{"state": "closed"})
	numbers := func(path string) []int {
		var out []int
		for _, x := range call(t, s, "GET", path, tok, nil).list(t) {
			out = append(out, int(x.(map[string]any)["number"].(float64)))
		}
		return out
	}
	if got := fmt.Sprint(numbers("/repos/acme/audit/issues?labels=glass,glass:open")); got != "[6 4]" {
		t.Errorf("labels AND = %s", got)
	}
	if got := fmt.Sprint(numbers("/repos/acme/audit/issues?labels=glass,glass:open&state=all&direction=asc")); got != "[2 4 6]" {
		t.Errorf("state=all asc = %s", got)
	}
	if got := fmt.Sprint(numbers("/repos/acme/audit/issues?state=closed")); got != "[2]" {
		t.Errorf("closed = %s", got)
	}
	if got := fmt.Sprint(numbers("/repos/acme/audit/issues?state=all&sort=updated&per_page=1")); got != "[2]" {
		t.Errorf("sort updated = %s", got)
	}
	since := fixedNow.Add(5 * time.Minute).Format(time.RFC3339)
	if got := fmt.Sprint(numbers("/repos/acme/audit/issues?since=" + since)); got != "[7 6]" {
		t.Errorf("since = %s", got)
	}
	// pagination: Link in the /repositories/{id} form, and that form is served
	r := call(t, s, "GET", "/repos/acme/audit/issues?state=all&per_page=3&labels=glass", tok, nil)
	var id int64
	s.Do(func(st *State) { id = st.Repo("acme/audit").ID })
	link := r.Header.Get("Link")
	wantNext := fmt.Sprintf(`<http://api.sim.test/repositories/%d/issues?labels=glass&state=all&per_page=3&page=2>; rel="next"`, id)
	wantLast := fmt.Sprintf(`<http://api.sim.test/repositories/%d/issues?labels=glass&state=all&per_page=3&page=3>; rel="last"`, id)
	if !strings.Contains(link, wantNext) || !strings.Contains(link, wantLast) {
		t.Fatalf("Link = %s", link)
	}
	var all []int
	next := "/repos/acme/audit/issues?state=all&per_page=3&labels=glass"
	for next != "" {
		r := call(t, s, "GET", next, tok, nil)
		wantCode(t, r, 200)
		for _, x := range r.list(t) {
			all = append(all, int(x.(map[string]any)["number"].(float64)))
		}
		m := regexp.MustCompile(`<http://api\.sim\.test([^>]*)>; rel="next"`).FindStringSubmatch(r.Header.Get("Link"))
		next = ""
		if m != nil {
			next = m[1]
		}
	}
	if fmt.Sprint(all) != "[7 6 5 4 3 2 1]" {
		t.Errorf("followed pages = %v", all)
	}
	r = call(t, s, "GET", fmt.Sprintf("/repositories/%d/issues?state=all&per_page=3&page=3", id), tok, nil)
	if !strings.Contains(r.Header.Get("Link"), `rel="prev"`) || !strings.Contains(r.Header.Get("Link"), `rel="first"`) {
		t.Errorf("last page Link = %s", r.Header.Get("Link"))
	}
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/issues?state=bogus", tok, nil), 422)
}

func TestIssueListIncludesPullRequests(t *testing.T) {
	s, _ := newAcme(t)
	list := call(t, s, "GET", "/repos/acme/payments/issues", s.Token("dave"), nil).list(t)
	if len(list) != 2 {
		t.Fatalf("issues = %d", len(list))
	}
	for _, x := range list {
		if x.(map[string]any)["pull_request"] == nil {
			t.Errorf("PR without pull_request key: %v", x)
		}
	}
}

func TestCommentsLabelsLock(t *testing.T) {
	s, clk := newAcme(t)
	tok := s.Token("alice")
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues", tok, map[string]any{"title": "audit"}), 201)
	var ids []int
	for i := 0; i < 4; i++ {
		clk.add(time.Second)
		r := call(t, s, "POST", "/repos/acme/audit/issues/1/comments", tok, map[string]any{"body": fmt.Sprintf("c%d", i)})
		wantCode(t, r, 201)
		if r.Header.Get("Location") == "" {
			t.Error("no Location")
		}
		ids = append(ids, int(r.json(t)["id"].(float64)))
	}
	r := call(t, s, "GET", "/repos/acme/audit/issues/1/comments?per_page=2", tok, nil)
	if len(r.list(t)) != 2 || !regexp.MustCompile(`/repositories/\d+/issues/1/comments\?per_page=2&page=2>; rel="next"`).MatchString(r.Header.Get("Link")) {
		t.Errorf("comments page: %s", r.Header.Get("Link"))
	}
	if is := call(t, s, "GET", "/repos/acme/audit/issues/1", tok, nil).json(t); is["comments"] != float64(4) {
		t.Errorf("comments count = %v", is["comments"])
	}
	cpath := "/repos/acme/audit/issues/comments/" + strconv.Itoa(ids[0])
	clk.add(time.Second)
	r = call(t, s, "PATCH", cpath, tok, map[string]any{"body": "edited"})
	wantCode(t, r, 200)
	if c := r.json(t); c["body"] != "edited" || c["updated_at"] == c["created_at"] {
		t.Errorf("edited = %v", c)
	}
	wantCode(t, call(t, s, "GET", cpath, tok, nil), 200)
	wantCode(t, call(t, s, "PATCH", cpath, s.Token("bob"), map[string]any{"body": "x"}), 200) // bob has push on audit
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/issues/comments/1", tok, nil), 404)
	// delete-comment: 204, then gone (404), and the issue's count drops.
	last := "/repos/acme/audit/issues/comments/" + strconv.Itoa(ids[3])
	wantCode(t, call(t, s, "DELETE", last, tok, nil), 204)
	wantCode(t, call(t, s, "GET", last, tok, nil), 404)
	wantCode(t, call(t, s, "DELETE", last, tok, nil), 404)
	if is := call(t, s, "GET", "/repos/acme/audit/issues/1", tok, nil).json(t); is["comments"] != float64(3) {
		t.Errorf("comments count after a delete = %v", is["comments"])
	}
	// labels
	r = call(t, s, "POST", "/repos/acme/audit/labels", tok, map[string]any{"name": "glass", "color": "B60205", "description": "break-glass"})
	wantCode(t, r, 201)
	if r.json(t)["color"] != "B60205" || r.Header.Get("Location") == "" {
		t.Error(string(r.Body))
	}
	r = call(t, s, "POST", "/repos/acme/audit/labels", tok, map[string]any{"name": "Glass", "color": "000000"})
	wantCode(t, r, 422)
	if e := r.json(t)["errors"].([]any)[0].(map[string]any); e["code"] != "already_exists" || e["resource"] != "Label" {
		t.Errorf("already_exists = %s", r.Body)
	}
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/labels", tok, map[string]any{"name": "x", "color": "red"}), 422)
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/labels/glass", tok, nil), 200)
	wantCode(t, call(t, s, "GET", "/repos/acme/audit/labels/nope", tok, nil), 404)
	r = call(t, s, "POST", "/repos/acme/audit/issues/1/labels", tok, map[string]any{"labels": []string{"glass", "glass:closed"}})
	wantCode(t, r, 200)
	got := r.list(t)
	if len(got) != 2 || got[1].(map[string]any)["color"] != "ededed" || got[1].(map[string]any)["description"] != nil || got[0].(map[string]any)["color"] != "B60205" {
		t.Errorf("add labels = %s", r.Body)
	}
	if n := len(call(t, s, "GET", "/repos/acme/audit/labels", tok, nil).list(t)); n != 5 {
		t.Errorf("labels = %d", n)
	}
	// lock
	wantCode(t, call(t, s, "PUT", "/repos/acme/audit/issues/1/lock", tok, map[string]any{"lock_reason": "resolved"}), 204)
	is := call(t, s, "GET", "/repos/acme/audit/issues/1", tok, nil).json(t)
	if is["locked"] != true || is["active_lock_reason"] != "resolved" {
		t.Errorf("locked = %v", is)
	}
	wantCode(t, call(t, s, "PUT", "/repos/acme/audit/issues/1/lock", tok, map[string]any{"lock_reason": "boring"}), 422)
	wantCode(t, call(t, s, "POST", "/repos/acme/audit/issues/1/comments", tok, map[string]any{"body": "still allowed for writers"}), 201)
	wantCode(t, call(t, s, "PUT", "/repos/acme/audit/issues/1/lock", s.Token("dave"), nil), 404) // dave cannot see audit
	wantCode(t, call(t, s, "DELETE", "/repos/acme/audit/issues/1/lock", tok, nil), 204)
	if call(t, s, "GET", "/repos/acme/audit/issues/1", tok, nil).json(t)["locked"] != false {
		t.Error("still locked")
	}
}

func TestGoGitHubIssues(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("bob"))
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, _, err := gh.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String(fmt.Sprint("t", i)), Labels: &[]string{"glass"}}); err != nil {
			t.Fatal(err)
		}
	}
	opt := &github.IssueListByRepoOptions{Labels: []string{"glass"}, State: "all", ListOptions: github.ListOptions{PerPage: 2}}
	var n int
	for {
		list, resp, err := gh.Issues.ListByRepo(ctx, "acme", "audit", opt)
		if err != nil {
			t.Fatal(err)
		}
		n += len(list)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if n != 5 {
		t.Errorf("paged %d issues", n)
	}
	is, _, err := gh.Issues.Edit(ctx, "acme", "audit", 1, &github.IssueRequest{State: github.String("closed"), StateReason: github.String("completed")})
	if err != nil || is.GetState() != "closed" || is.GetStateReason() != "completed" {
		t.Fatalf("edit: %v %v", err, is)
	}
	if _, err := gh.Issues.Lock(ctx, "acme", "audit", 1, &github.LockIssueOptions{LockReason: "resolved"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Issues.CreateComment(ctx, "acme", "audit", 1, &github.IssueComment{Body: github.String("closed by glass")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Issues.CreateLabel(ctx, "acme", "audit", &github.Label{Name: github.String("glass")}); err == nil {
		t.Error("duplicate label accepted")
	}
}
