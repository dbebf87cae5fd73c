package ghsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func addIssueRoutes(add addFunc) {
	const (
		issR = "issues=read"
		issW = "issues=write"
	)
	i := "/repos/{owner}/{repo}/issues"
	add("GET", i, hIssueList, false, scRepo, issR)
	add("POST", i, hIssueCreate, true, scNone, issW)
	add("GET", i+"/comments/{comment_id}", hCommentGet, false, scRepo, issR)
	add("PATCH", i+"/comments/{comment_id}", hCommentPatch, true, scNone, issW)
	add("DELETE", i+"/comments/{comment_id}", hCommentDelete, true, scNone, issW)
	add("GET", i+"/{issue_number}", hIssueGet, false, scRepo, issR)
	add("PATCH", i+"/{issue_number}", hIssuePatch, true, scNone, issW)
	add("GET", i+"/{issue_number}/comments", hCommentList, false, scRepo, issR)
	add("POST", i+"/{issue_number}/comments", hCommentCreate, true, scNone, issW)
	add("POST", i+"/{issue_number}/labels", hIssueAddLabels, true, scRepo, issW)
	add("PUT", i+"/{issue_number}/lock", hIssueLock(true), true, scPublicRepo, issW)
	add("DELETE", i+"/{issue_number}/lock", hIssueLock(false), true, scPublicRepo, issW)
	add("GET", "/repos/{owner}/{repo}/labels", hLabelList, false, scRepo, issR)
	add("POST", "/repos/{owner}/{repo}/labels", hLabelCreate, true, scRepo, issW)
	add("GET", "/repos/{owner}/{repo}/labels/{name}", hLabelGet, false, scRepo, issR)
}

const docIssues = "https://docs.github.com/rest/issues/issues"

func (c *ctx) labelJSON(repo *Repo, l *Label) obj {
	var desc any
	if l.Description != nil {
		desc = *l.Description
	}
	return obj{"id": l.ID, "node_id": nodeID("Label", l.ID), "url": c.base + "/repos/" + repo.FullName() + "/labels/" + url.PathEscape(l.Name),
		"name": l.Name, "color": l.Color, "description": desc, "default": l.Default}
}

func (c *ctx) authorAssociation(repo *Repo, login string) string {
	switch {
	case strings.EqualFold(login, repo.Owner):
		return "OWNER"
	case c.st.isOrgMember(repo.Owner, login):
		return "MEMBER"
	}
	if _, ok := repo.Collaborators[login]; ok {
		return "COLLABORATOR"
	}
	return "NONE"
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func (c *ctx) issueJSON(repo *Repo, is *Issue) obj {
	api := c.base + "/repos/" + repo.FullName()
	u := fmt.Sprintf("%s/issues/%d", api, is.Number)
	labels := []obj{}
	for _, n := range is.Labels {
		if l := repo.Label(n); l != nil {
			labels = append(labels, c.labelJSON(repo, l))
		}
	}
	ncomments := 0
	for _, cm := range repo.Comments {
		if cm.Issue == is.Number {
			ncomments++
		}
	}
	kind := "issues"
	if is.PR != nil {
		kind = "pull"
	}
	o := obj{
		"id": is.ID, "node_id": nodeID("Issue", is.ID), "url": u, "repository_url": api, "labels_url": u + "/labels{/name}",
		"comments_url": u + "/comments", "events_url": u + "/events", "html_url": fmt.Sprintf("%s/%s/%s/%d", c.web, repo.FullName(), kind, is.Number),
		"number": is.Number, "state": is.State, "state_reason": strOrNil(is.StateReason), "title": is.Title, "body": strOrNil(is.Body),
		"user": c.simpleUserByLogin(is.User), "labels": labels, "assignee": nil, "assignees": []obj{}, "milestone": nil,
		"locked": is.Locked, "active_lock_reason": strOrNil(is.LockReason), "comments": ncomments,
		"created_at": ts(is.CreatedAt), "updated_at": ts(is.UpdatedAt), "closed_at": tsOrNil(is.ClosedAt),
		"author_association": c.authorAssociation(repo, is.User), "closed_by": nil,
	}
	if is.State == "closed" {
		o["closed_by"] = c.simpleUserByLogin(is.User)
	}
	if is.PR != nil {
		pu := fmt.Sprintf("%s/pulls/%d", api, is.Number)
		hu := fmt.Sprintf("%s/%s/pull/%d", c.web, repo.FullName(), is.Number)
		o["pull_request"] = obj{"url": pu, "html_url": hu, "diff_url": hu + ".diff", "patch_url": hu + ".patch", "merged_at": tsOrNil(is.PR.MergedAt)}
		o["draft"] = is.PR.Draft
	}
	return o
}

// loadIssue resolves the repository (as loadRepo) and {issue_number} in
// it; an unknown issue is 404. It writes the answer and returns nils on failure.
func (c *ctx) loadIssue(minRank int, roleMsg string) (*Repo, *Issue) {
	repo := c.loadRepo(minRank, roleMsg)
	if repo == nil {
		return nil, nil
	}
	var is *Issue
	if n, err := strconv.Atoi(c.param("issue_number")); err == nil {
		is = repo.Issue(n)
	}
	if is == nil {
		c.notFound()
		return nil, nil
	}
	return repo, is
}

// labelNames accepts labels as strings or {name} objects (issues/create schema).
func labelNames(raw []json.RawMessage) []string {
	var out []string
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		var o struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(r, &o) == nil && o.Name != "" {
			out = append(out, o.Name)
		}
	}
	return out
}

// ensureLabels returns canonical label names, creating missing labels with
// color ededed (issues/add-labels auto-creates; @octokit/fixtures add-labels-to-issue).
func (c *ctx) ensureLabels(repo *Repo, names []string) []string {
	var out []string
	for _, n := range names {
		l := repo.Label(n)
		if l == nil {
			l = &Label{ID: c.st.id(), Name: n, Color: "ededed"}
			repo.Labels = append(repo.Labels, l)
		}
		dup := false
		for _, o := range out {
			if o == l.Name {
				dup = true
			}
		}
		if !dup {
			out = append(out, l.Name)
		}
	}
	return out
}

// hIssueCreate: issues/create → 201 + Location. "Only users with push
// access can set labels for new issues. Labels are silently dropped
// otherwise." (operation description).
func hIssueCreate(c *ctx) {
	repo := c.loadRepo(1, "")
	if repo == nil {
		return
	}
	var raw struct {
		Title     json.RawMessage   `json:"title"`
		Body      *string           `json:"body"`
		Labels    []json.RawMessage `json:"labels"`
		Milestone json.RawMessage   `json:"milestone"`
	}
	if !c.decode(&raw) {
		return
	}
	if c.badMilestone(repo, raw.Milestone, docIssues+"#create-an-issue") {
		return
	}
	var title string
	if len(raw.Title) > 0 {
		if json.Unmarshal(raw.Title, &title) != nil {
			var n json.Number
			if json.Unmarshal(raw.Title, &n) == nil {
				title = n.String()
			}
		}
	}
	if strings.TrimSpace(title) == "" {
		c.validation(docIssues+"#create-an-issue", obj{"resource": "Issue", "field": "title", "code": "missing_field"})
		return
	}
	if raw.Body != nil && len(*raw.Body) > 65536 {
		c.validation(docIssues+"#create-an-issue", obj{"resource": "Issue", "field": "body", "code": "custom", "message": "body is too long (maximum is 65536 characters)"})
		return
	}
	now := c.st.now()
	is := &Issue{ID: c.st.id(), Number: len(repo.Issues) + 1, Title: title, Body: raw.Body, State: "open", User: c.user.Login, CreatedAt: now, UpdatedAt: now, Labels: []string{}}
	if c.st.rank(repo, c.user.Login) >= 3 {
		is.Labels = c.ensureLabels(repo, labelNames(raw.Labels))
	}
	repo.Issues = append(repo.Issues, is)
	c.created(c.issueJSON(repo, is))
}

func hIssueGet(c *ctx) {
	repo, is := c.loadIssue(0, "")
	if is == nil {
		return
	}
	c.json(200, c.issueJSON(repo, is))
}

// hIssuePatch: issues/update. state_reason is "Ignored unless state is changed".
func hIssuePatch(c *ctx) {
	repo, is := c.loadIssue(1, "")
	if is == nil {
		return
	}
	rank := c.st.rank(repo, c.user.Login)
	if rank < 2 && !strings.EqualFold(is.User, c.user.Login) {
		c.errMsg(403, "Must have triage access to update an issue.", docIssues+"#update-an-issue") // wording guess
		return
	}
	var body struct {
		Title       *string            `json:"title"`
		Body        *string            `json:"body"`
		State       *string            `json:"state"`
		StateReason *string            `json:"state_reason"`
		Labels      *[]json.RawMessage `json:"labels"`
		Milestone   json.RawMessage    `json:"milestone"`
	}
	if !c.decode(&body) {
		return
	}
	if c.badMilestone(repo, body.Milestone, docIssues+"#update-an-issue") {
		return
	}
	now := c.st.now()
	if body.Title != nil {
		if strings.TrimSpace(*body.Title) == "" {
			c.validation(docIssues+"#update-an-issue", obj{"resource": "Issue", "field": "title", "code": "missing_field"})
			return
		}
		is.Title = *body.Title
	}
	if body.Body != nil {
		b := *body.Body
		is.Body = &b
	}
	if body.State != nil && *body.State != is.State {
		switch *body.State {
		case "closed":
			reason := "completed"
			if body.StateReason != nil && (*body.StateReason == "not_planned" || *body.StateReason == "duplicate" || *body.StateReason == "completed") {
				reason = *body.StateReason
			}
			t := now
			is.State, is.ClosedAt, is.StateReason = "closed", &t, &reason
		case "open":
			reason := "reopened"
			is.State, is.ClosedAt, is.StateReason = "open", nil, &reason
		default:
			c.validation(docIssues+"#update-an-issue", obj{"resource": "Issue", "field": "state", "code": "invalid"})
			return
		}
	}
	if body.Labels != nil && rank >= 3 {
		is.Labels = c.ensureLabels(repo, labelNames(*body.Labels))
	}
	is.UpdatedAt = now
	c.json(200, c.issueJSON(repo, is))
}

// badMilestone refuses a milestone from someone with push access: the
// simulator has no milestones, so every number is unknown, and GitHub
// answers 422 {"resource":"Issue","field":"milestone","code":"invalid"} for
// an unknown one (golang/go#25024, gavinr/github-csv-tools#57). Without push
// access the milestone "is silently dropped" (issues/create and
// issues/update descriptions), and so is null.
func (c *ctx) badMilestone(repo *Repo, m json.RawMessage, doc string) bool {
	if len(m) == 0 || string(m) == "null" || c.st.rank(repo, c.user.Login) < 3 {
		return false
	}
	var v any
	_ = json.Unmarshal(m, &v)
	c.validation(doc, obj{"value": v, "resource": "Issue", "field": "milestone", "code": "invalid"})
	return true
}

// hIssueList: issues/list-for-repo. Includes PRs (with a pull_request key),
// labels are AND-combined, since filters updated_at, Link in the
// /repositories/{id}/issues form (@octokit/fixtures paginate-issues).
func hIssueList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	state := c.query("state", "open")
	if state != "open" && state != "closed" && state != "all" {
		c.validation(docIssues+"#list-repository-issues", obj{"resource": "Issue", "field": "state", "code": "invalid"})
		return
	}
	var since time.Time
	if v := c.q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			c.validation(docIssues+"#list-repository-issues", obj{"resource": "Issue", "field": "since", "code": "invalid"})
			return
		}
		since = t
	}
	want := splitComma(c.q.Get("labels"))
	var list []*Issue
	for _, is := range repo.Issues {
		if state != "all" && is.State != state {
			continue
		}
		if !since.IsZero() && is.UpdatedAt.Before(since) {
			continue
		}
		if c.q.Get("creator") != "" && !strings.EqualFold(c.q.Get("creator"), is.User) {
			continue
		}
		ok := true
		for _, w := range want {
			has := false
			for _, l := range is.Labels {
				if strings.EqualFold(l, w) {
					has = true
				}
			}
			ok = ok && has
		}
		if ok {
			list = append(list, is)
		}
	}
	key := issueTime(c.q.Get("sort"))
	if c.q.Get("sort") == "comments" {
		comments := map[int]int{}
		for _, cm := range repo.Comments {
			comments[cm.Issue]++
		}
		key = func(is *Issue) int64 { return int64(comments[is.Number]) }
	}
	sortIssues(list, c.q.Get("direction") == "asc", key)
	writePage(c, list, fmt.Sprintf("/repositories/%d/issues", repo.ID), func(is *Issue) obj { return c.issueJSON(repo, is) })
}

// issueTime is the sort key of the issue and pull request lists: the
// update time for sort=updated, else the creation time.
func issueTime(sortKey string) func(*Issue) int64 {
	if sortKey == "updated" {
		return func(is *Issue) int64 { return is.UpdatedAt.UnixNano() }
	}
	return func(is *Issue) int64 { return is.CreatedAt.UnixNano() }
}

// sortIssues orders list by key, ties by number, descending unless asc.
func sortIssues(list []*Issue, asc bool, key func(*Issue) int64) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if !asc {
			a, b = b, a
		}
		if ka, kb := key(a), key(b); ka != kb {
			return ka < kb
		}
		return a.Number < b.Number
	})
}

func (c *ctx) commentJSON(repo *Repo, cm *Comment) obj {
	api := c.base + "/repos/" + repo.FullName()
	return obj{"id": cm.ID, "node_id": nodeID("IssueComment", cm.ID), "url": fmt.Sprintf("%s/issues/comments/%d", api, cm.ID),
		"html_url": fmt.Sprintf("%s/%s/issues/%d#issuecomment-%d", c.web, repo.FullName(), cm.Issue, cm.ID), "body": cm.Body,
		"user": c.simpleUserByLogin(cm.User), "created_at": ts(cm.CreatedAt), "updated_at": ts(cm.UpdatedAt),
		"issue_url": fmt.Sprintf("%s/issues/%d", api, cm.Issue), "author_association": c.authorAssociation(repo, cm.User)}
}

// hCommentCreate: issues/create-comment → 201 + Location. On a locked
// issue only collaborators with write access may comment (GitHub docs
// "Locking conversations"; the 403 wording is a guess).
func hCommentCreate(c *ctx) {
	repo, is := c.loadIssue(1, "")
	if is == nil {
		return
	}
	doc := docIssues + "/comments#create-an-issue-comment"
	text, ok := c.commentBody(doc)
	if !ok {
		return
	}
	if len(text) > 65536 {
		c.validation(doc, obj{"resource": "IssueComment", "field": "body", "code": "custom", "message": "body is too long (maximum is 65536 characters)"})
		return
	}
	if is.Locked && c.st.rank(repo, c.user.Login) < 3 {
		c.errMsg(403, "Unable to create comment because issue is locked.", docIssues+"/comments#create-an-issue-comment")
		return
	}
	now := c.st.now()
	cm := &Comment{ID: c.st.id(), Issue: is.Number, User: c.user.Login, Body: text, CreatedAt: now, UpdatedAt: now}
	repo.Comments = append(repo.Comments, cm)
	is.UpdatedAt = now
	c.created(c.commentJSON(repo, cm))
}

// commentBody decodes the {body} of a comment create or update; a missing or
// empty body is 422 missing_field. It writes the answer when it returns false.
func (c *ctx) commentBody(doc string) (string, bool) {
	var body struct {
		Body *string `json:"body"`
	}
	if !c.decode(&body) {
		return "", false
	}
	if body.Body == nil || *body.Body == "" {
		c.validation(doc, obj{"resource": "IssueComment", "field": "body", "code": "missing_field"})
		return "", false
	}
	return *body.Body, true
}

func hCommentList(c *ctx) {
	repo, is := c.loadIssue(0, "")
	if is == nil {
		return
	}
	var since time.Time
	if v := c.q.Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339, v)
	}
	var list []*Comment
	for _, cm := range repo.Comments {
		if cm.Issue == is.Number && (since.IsZero() || !cm.UpdatedAt.Before(since)) {
			list = append(list, cm)
		}
	}
	writePage(c, list, fmt.Sprintf("/repositories/%d/issues/%d/comments", repo.ID, is.Number), func(cm *Comment) obj { return c.commentJSON(repo, cm) })
}

// loadComment resolves the repository (as loadRepo) and {comment_id} in
// it; an unknown comment is 404. It writes the answer and returns nils on failure.
func (c *ctx) loadComment(minRank int) (*Repo, *Comment) {
	repo := c.loadRepo(minRank, "")
	if repo == nil {
		return nil, nil
	}
	id, _ := strconv.ParseInt(c.param("comment_id"), 10, 64)
	for _, cm := range repo.Comments {
		if cm.ID == id {
			return repo, cm
		}
	}
	c.notFound()
	return nil, nil
}

func hCommentGet(c *ctx) {
	repo, cm := c.loadComment(0)
	if cm == nil {
		return
	}
	c.json(200, c.commentJSON(repo, cm))
}

func hCommentPatch(c *ctx) {
	repo, cm := c.loadComment(1)
	if cm == nil {
		return
	}
	if !strings.EqualFold(cm.User, c.user.Login) && c.st.rank(repo, c.user.Login) < 3 {
		// issues/update-comment declares only 200 and 422: someone else's
		// comment without write access is refused as loadRepo refuses a
		// role that is too low (classic: 404, guess; fine-grained: 403).
		c.refuseRole("")
		return
	}
	text, ok := c.commentBody(docIssues + "/comments#update-an-issue-comment")
	if !ok {
		return
	}
	cm.Body = text
	cm.UpdatedAt = c.st.now()
	c.json(200, c.commentJSON(repo, cm))
}

// hCommentDelete: issues/delete-comment → 204 No Content ("Delete an issue
// comment", docs.github.com/rest/issues/comments#delete-an-issue-comment).
// The author may delete their own comment; others need write access
// (rank 3), as for editing.
func hCommentDelete(c *ctx) {
	repo, cm := c.loadComment(1)
	if cm == nil {
		return
	}
	if !strings.EqualFold(cm.User, c.user.Login) && c.st.rank(repo, c.user.Login) < 3 {
		c.errMsg(403, "Must have write access to delete this comment.", docIssues+"/comments#delete-an-issue-comment") // wording guess
		return
	}
	kept := repo.Comments[:0]
	for _, x := range repo.Comments {
		if x != cm {
			kept = append(kept, x)
		}
	}
	repo.Comments = kept
	for _, is := range repo.Issues {
		if is.Number == cm.Issue {
			is.UpdatedAt = c.st.now()
		}
	}
	c.noContent()
}

// hIssueAddLabels: issues/add-labels; body {labels:[...]} or a bare array;
// missing labels are created with color ededed.
func hIssueAddLabels(c *ctx) {
	repo, is := c.loadIssue(3, "") // issues/add-labels declares 404, no 403
	if is == nil {
		return
	}
	var names []string
	var wrapped struct {
		Labels []json.RawMessage `json:"labels"`
	}
	var arr []json.RawMessage
	if json.Unmarshal(c.body, &wrapped) == nil && wrapped.Labels != nil {
		names = labelNames(wrapped.Labels)
	} else if json.Unmarshal(c.body, &arr) == nil {
		names = labelNames(arr)
	} else {
		c.errMsg(400, "Problems parsing JSON", docIssues)
		return
	}
	is.Labels = c.ensureLabels(repo, append(append([]string{}, is.Labels...), names...))
	is.UpdatedAt = c.st.now()
	out := []obj{}
	for _, n := range is.Labels {
		out = append(out, c.labelJSON(repo, repo.Label(n)))
	}
	c.json(200, out)
}

// hIssueLock: issues/lock, issues/unlock → 204 (@octokit/fixtures lock-issue).
func hIssueLock(lock bool) handler {
	return func(c *ctx) {
		_, is := c.loadIssue(3, "Must have push access to lock an issue.") // wording guess
		if is == nil {
			return
		}
		if !lock {
			is.Locked, is.LockReason = false, nil
			is.UpdatedAt = c.st.now()
			c.noContent()
			return
		}
		var body struct {
			LockReason *string `json:"lock_reason"`
		}
		if !c.decode(&body) {
			return
		}
		if r := body.LockReason; r != nil {
			switch *r {
			case "off-topic", "too heated", "resolved", "spam":
			default:
				c.validation(docIssues+"#lock-an-issue", obj{"resource": "Issue", "field": "lock_reason", "code": "invalid"})
				return
			}
		}
		is.Locked, is.LockReason = true, body.LockReason
		is.UpdatedAt = c.st.now()
		c.noContent()
	}
}

func hLabelList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	writePage(c, repo.Labels, fmt.Sprintf("/repositories/%d/labels", repo.ID), func(l *Label) obj { return c.labelJSON(repo, l) })
}

var hexColor = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// hLabelCreate: issues/create-label → 201 + Location; an existing name →
// 422 code already_exists (github-api.md §4.1).
func hLabelCreate(c *ctx) {
	repo := c.loadRepo(3, "") // issues/create-label declares 404, no 403
	if repo == nil {
		return
	}
	var body struct {
		Name        string  `json:"name"`
		Color       string  `json:"color"`
		Description *string `json:"description"`
	}
	if !c.decode(&body) {
		return
	}
	doc := docIssues[:len(docIssues)-len("issues")] + "labels#create-a-label"
	if body.Name == "" {
		c.validation(doc, obj{"resource": "Label", "field": "name", "code": "missing_field"})
		return
	}
	color := strings.TrimPrefix(body.Color, "#")
	if color == "" {
		color = "ededed"
	}
	if !hexColor.MatchString(color) {
		c.validation(doc, obj{"resource": "Label", "code": "invalid", "field": "color"})
		return
	}
	if body.Description != nil && len(*body.Description) > 100 {
		c.validation(doc, obj{"resource": "Label", "code": "invalid", "field": "description"})
		return
	}
	if repo.Label(body.Name) != nil {
		c.validation(doc, obj{"resource": "Label", "code": "already_exists", "field": "name"})
		return
	}
	l := &Label{ID: c.st.id(), Name: body.Name, Color: color, Description: body.Description}
	repo.Labels = append(repo.Labels, l)
	c.created(c.labelJSON(repo, l))
}

func hLabelGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	l := repo.Label(c.param("name"))
	if l == nil {
		c.notFound()
		return
	}
	c.json(200, c.labelJSON(repo, l))
}
