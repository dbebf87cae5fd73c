package ghsim

import (
	"encoding/base64"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

func addGitRoutes(add addFunc) {
	const (
		contR = "contents=read"
		contW = "contents=write"
		prR   = "pull_requests=read"
	)
	r := "/repos/{owner}/{repo}"
	add("GET", r+"/contents/{path...}", hContentsGet, false, scRepo, contR)
	add("PUT", r+"/contents/{path...}", hContentsPut, true, scNone, contW)
	add("DELETE", r+"/contents/{path...}", hContentsDelete, true, scNone, contW)
	add("GET", r+"/git/ref/{ref...}", hRefGet, false, scRepo, contR)
	add("GET", r+"/git/refs/{ref...}", hRefGet, false, scRepo, contR).alias = true
	add("POST", r+"/git/refs", hRefCreate, true, scNone, contW)
	add("PATCH", r+"/git/refs/{ref...}", hRefPatch, true, scNone, contW)
	add("DELETE", r+"/git/refs/{ref...}", hRefDelete, true, scNone, contW)
	add("GET", r+"/commits", hCommitList, false, scRepo, contR)
	add("GET", r+"/commits/{commit_sha}/pulls", hCommitPulls, false, scRepo, prR)
	add("GET", r+"/commits/{ref}", hCommitGet, false, scRepo, contR)
	add("GET", r+"/compare/{basehead...}", hCompare, false, scRepo, contR)
	add("GET", r+"/activity", hActivity, false, scRepo, contR) // FG permission guess (github-api.md §6 marks it uncertain)
	add("GET", r+"/pulls", hPullList, false, scRepo, prR)
	add("GET", r+"/pulls/{pull_number}/reviews", hReviewList, false, scRepo, prR)
}

// commitJSON renders the commit schema.
func (c *ctx) commitJSON(repo *Repo, cm *Commit) obj {
	api := c.base + "/repos/" + repo.FullName()
	parents := []obj{}
	for _, p := range cm.Parents {
		parents = append(parents, obj{"sha": p, "url": api + "/commits/" + p, "html_url": c.web + "/" + repo.FullName() + "/commit/" + p})
	}
	u := c.st.User(cm.Author)
	name, email := cm.Author, cm.Author+"@users.noreply.github.com"
	if u != nil && u.Name != "" {
		name = u.Name
	}
	sig := obj{"name": name, "email": email, "date": ts(cm.AuthorDate)}
	csig := obj{"name": name, "email": email, "date": ts(cm.CommitDate)}
	var committer any = c.simpleUser(u)
	if cm.Verified {
		csig = obj{"name": "GitHub", "email": "noreply@github.com", "date": ts(cm.CommitDate)}
		committer = c.simpleUserByLogin("web-flow")
	}
	verification := obj{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil}
	if cm.Verified {
		verification = obj{"verified": true, "reason": "valid", "signature": "-----BEGIN PGP SIGNATURE-----\nsim\n-----END PGP SIGNATURE-----\n", "payload": "tree " + treeSHA(cm) + "\n", "verified_at": ts(cm.CommitDate)}
	}
	return obj{
		"sha": cm.SHA, "node_id": base64.StdEncoding.EncodeToString([]byte("C_" + cm.SHA[:20])), "url": api + "/commits/" + cm.SHA,
		"html_url": c.web + "/" + repo.FullName() + "/commit/" + cm.SHA, "comments_url": api + "/commits/" + cm.SHA + "/comments",
		"commit": obj{"url": api + "/git/commits/" + cm.SHA, "author": sig, "committer": csig, "message": cm.Message,
			"tree": obj{"sha": treeSHA(cm), "url": api + "/git/trees/" + treeSHA(cm)}, "comment_count": 0, "verification": verification},
		"author": c.simpleUser(u), "committer": committer, "parents": parents,
	}
}

// depth is the longest parent chain below sha (memoised in memo).
func (r *Repo) depth(sha string, memo map[string]int) int {
	if d, ok := memo[sha]; ok {
		return d
	}
	d := 0
	if cm := r.Commits[sha]; cm != nil {
		for _, p := range cm.Parents {
			d = max(d, r.depth(p, memo)+1)
		}
	}
	memo[sha] = d
	return d
}

func treeSHA(cm *Commit) string { return blobSHA("tree:" + cm.SHA) }

// ---- protection enforcement for direct writes ----

type pushOp int

const (
	opUpdate pushOp = iota // fast-forward update (or a contents-API commit)
	opForce                // non-fast-forward update
	opCreate
	opDelete
)

// classicRefusal returns why classic branch protection refuses a direct
// write to branch by the caller (one message per violated setting, in GitHub's order), or nil
// when it is allowed. Sources:
//   - "By default, the restrictions of a branch protection rule don't apply
//     to people with admin permissions to the repository. You can optionally
//     choose to include administrators, too." (enforce_admins) — GitHub docs
//     "About protected branches" (About branch protection rules).
//   - "By default, each branch protection rule disables force pushes to the
//     matching branches and prevents the matching branches from being
//     deleted" (same page). The rule editor lists force pushes and deletions
//     under "Rules applied to everyone including administrators" (from
//     memory), so admins cannot bypass them.
//   - The contents API answers 409 {"message": "Could not update file: 2 of
//     2 required status checks are expected. Changes must be made through a
//     pull request.", "documentation_url":
//     "https://docs.github.com/articles/about-protected-branches"}
//     (BobAnkh/auto-generate-changelog#78); the refs API fails with "Changes
//     must be made through a pull request." (googleapis/repo-automation-bots#5551).
//     "Cannot force-push to this branch" and the push-restriction text are
//     the GH006 protected-branch hook messages; "Cannot delete this
//     protected branch", the lock_branch, block_creations, linear-history
//     and signature texts are guesses.
func (c *ctx) classicRefusal(repo *Repo, branch string, op pushOp, newCommits []*Commit) []string {
	p := repo.EffectiveRule(branch)
	if p == nil {
		return nil
	}
	if op == opDelete && !p.AllowDeletions {
		return []string{"Cannot delete this protected branch"}
	}
	if op == opForce && !p.AllowForcePushes {
		return []string{"Cannot force-push to this branch"}
	}
	login := c.user.Login
	if !p.EnforceAdmins && c.st.rank(repo, login) >= 5 {
		return nil // admin bypass
	}
	if p.LockBranch {
		return []string{"Cannot change this locked branch"} // guess
	}
	if op == opCreate && p.BlockCreations {
		return []string{"Cannot create ref due to creations being restricted."} // guess
	}
	if p.Restrictions != nil && !c.st.inActors(repo, p.Restrictions, login) {
		return []string{"You're not authorized to push to this branch. Visit https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches for more information."}
	}
	if op == opDelete || op == opCreate {
		return nil
	}
	var out []string
	if p.RequiredStatusChecks != nil && len(p.RequiredStatusChecks.Checks) > 0 {
		n := len(p.RequiredStatusChecks.Checks)
		if n == 1 {
			out = append(out, fmt.Sprintf("Required status check %q is expected.", p.RequiredStatusChecks.Checks[0].Context))
		} else {
			out = append(out, fmt.Sprintf("%d of %d required status checks are expected.", n, n))
		}
	}
	if p.Reviews != nil && !c.st.inActors(repo, p.Reviews.BypassAllowances, login) {
		out = append(out, "Changes must be made through a pull request.")
	}
	for _, cm := range newCommits {
		if p.RequiredLinearHistory && len(cm.Parents) > 1 {
			out = append(out, "This branch must not contain merge commits.") // guess
			break
		}
	}
	for _, cm := range newCommits {
		if p.RequiredSignatures && !cm.Verified {
			out = append(out, "Commits must have verified signatures.") // guess
			break
		}
	}
	return out
}

const docAboutProtected = "https://docs.github.com/articles/about-protected-branches"

// inActors: is login one of the users, a member of one of the teams?
func (st *State) inActors(repo *Repo, a *Actors, login string) bool {
	if a == nil {
		return false
	}
	for _, u := range a.Users {
		if strings.EqualFold(u, login) {
			return true
		}
	}
	org := st.Org(repo.Owner)
	for _, s := range a.Teams {
		if t := org.Team(s); t != nil {
			if m := t.Members[login]; m != nil && m.State == "active" {
				return true
			}
		}
	}
	return false
}

func (r *Repo) newCommits(oldSHA, newSHA string) []*Commit {
	old := r.ancestors(oldSHA)
	var out []*Commit
	for s := range r.ancestors(newSHA) {
		if !old[s] {
			out = append(out, r.Commits[s])
		}
	}
	return out
}

// ---- contents ----

const docContents = "https://docs.github.com/rest/repos/contents"

func (c *ctx) contentFileJSON(repo *Repo, ref, p, content string, withContent bool) obj {
	api := c.base + "/repos/" + repo.FullName()
	sha := blobSHA(content)
	self := api + "/contents/" + p + "?ref=" + ref
	git := api + "/git/blobs/" + sha
	html := c.web + "/" + repo.FullName() + "/blob/" + ref + "/" + p
	o := obj{"type": "file", "size": len(content), "name": path.Base(p), "path": p, "sha": sha, "url": self, "git_url": git,
		"html_url": html, "download_url": c.web + "/raw/" + repo.FullName() + "/" + ref + "/" + p,
		"_links": obj{"self": self, "git": git, "html": html}}
	if withContent {
		o["content"] = b64(content)
		o["encoding"] = "base64"
	}
	return o
}

// refParam is the ref named by query parameter key (the default branch when
// absent) and the commit it resolves to ("" when none).
func refParam(c *ctx, repo *Repo, key string) (ref, sha string) {
	ref = c.query(key, repo.DefaultBranch)
	return ref, repo.resolve(ref)
}

func hContentsGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	ref, sha := refParam(c, repo, "ref")
	if sha == "" {
		c.errMsg(404, "No commit found for the ref "+ref, docContents+"#get-repository-content")
		return
	}
	p := strings.Trim(c.param("path"), "/")
	tree := repo.Commits[sha].Tree
	if content, ok := tree[p]; ok {
		c.json(200, c.contentFileJSON(repo, ref, p, content, true))
		return
	}
	// directory listing
	var entries []obj
	seen := map[string]bool{}
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p != "" && !strings.HasPrefix(k, p+"/") {
			continue
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(k, p), "/")
		name, _, isDir := strings.Cut(rest, "/")
		full := strings.TrimPrefix(p+"/"+name, "/")
		if seen[full] {
			continue
		}
		seen[full] = true
		if isDir {
			api := c.base + "/repos/" + repo.FullName()
			s := blobSHA("dir:" + full)
			entries = append(entries, obj{"type": "dir", "size": 0, "name": name, "path": full, "sha": s, "url": api + "/contents/" + full + "?ref=" + ref,
				"git_url": api + "/git/trees/" + s, "html_url": c.web + "/" + repo.FullName() + "/tree/" + ref + "/" + full, "download_url": nil,
				"_links": obj{"self": api + "/contents/" + full + "?ref=" + ref, "git": api + "/git/trees/" + s, "html": c.web + "/" + repo.FullName() + "/tree/" + ref + "/" + full}})
		} else {
			entries = append(entries, c.contentFileJSON(repo, ref, full, tree[k], false))
		}
	}
	if len(entries) == 0 {
		c.notFound()
		return
	}
	c.json(200, entries)
}

func (c *ctx) fileCommitJSON(repo *Repo, cm *Commit) obj {
	full := c.commitJSON(repo, cm)
	inner := full["commit"].(obj)
	parents := []obj{}
	for _, p := range full["parents"].([]obj) {
		parents = append(parents, p)
	}
	return obj{"sha": cm.SHA, "node_id": full["node_id"], "url": c.base + "/repos/" + repo.FullName() + "/git/commits/" + cm.SHA,
		"html_url": full["html_url"], "author": inner["author"], "committer": inner["committer"], "message": cm.Message,
		"tree": inner["tree"], "parents": parents, "verification": inner["verification"]}
}

type contentsBody struct {
	Message *string `json:"message"`
	Content *string `json:"content"`
	SHA     *string `json:"sha"`
	Branch  *string `json:"branch"`
}

// writeContents handles PUT and DELETE …/contents/{path}
// (repos/create-or-update-file-contents, repos/delete-file). A file update
// needs the current blob sha ("Invalid request.\n\n\"sha\" wasn't
// supplied."); a stale sha is 409 "{path} does not match {sha}". A direct
// write to a protected branch that is not allowed is 409 with the
// protected-branch message (status: the operation lists 409 Conflict; the
// exact code for protection refusals is a guess).
func writeContents(c *ctx, del bool) {
	repo := c.loadRepo(3, "") // no push: 404 for classic tokens (see loadRepo)
	if repo == nil {
		return
	}
	var body contentsBody
	if !c.decode(&body) {
		return
	}
	doc := docContents + "#create-or-update-file-contents"
	if del {
		doc = docContents + "#delete-a-file"
	}
	if body.Message == nil {
		c.invalidRequest("\"message\" wasn't supplied.", doc)
		return
	}
	var content string
	if !del {
		if body.Content == nil {
			c.invalidRequest("\"content\" wasn't supplied.", doc)
			return
		}
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*body.Content, "\n", ""))
		if err != nil {
			c.invalidRequest("content is not valid Base64", doc)
			return
		}
		content = string(dec)
	} else if body.SHA == nil {
		c.invalidRequest("\"sha\" wasn't supplied.", doc)
		return
	}
	branch := repo.DefaultBranch
	if body.Branch != nil && *body.Branch != "" {
		branch = strings.TrimPrefix(*body.Branch, "refs/heads/")
	}
	head, ok := repo.Branches[branch]
	if !ok {
		c.errMsg(404, "Branch "+branch+" not found", doc)
		return
	}
	p := strings.Trim(c.param("path"), "/")
	old, exists := repo.Commits[head].Tree[p]
	switch {
	case del && !exists:
		c.notFound()
		return
	case !del && exists && body.SHA == nil:
		c.invalidRequest("\"sha\" wasn't supplied.", doc)
		return
	case exists && body.SHA != nil && *body.SHA != blobSHA(old):
		c.errMsg(409, p+" does not match "+*body.SHA, doc)
		return
	}
	if v := c.pushRefusal(repo, branch, opUpdate, nil); v != nil {
		verb := "update"
		if del {
			verb = "delete" // guess, by analogy with "Could not update file"
		} else if !exists {
			verb = "create" // guess
		}
		c.errMsg(409, "Could not "+verb+" file: "+strings.Join(v, " "), docAboutProtected)
		return
	}
	tree := map[string]string{}
	for k, v := range repo.Commits[head].Tree {
		tree[k] = v
	}
	if del {
		delete(tree, p)
	} else {
		tree[p] = content
	}
	cm := repo.addCommit([]string{head}, *body.Message, c.user.Login, c.st.now(), tree)
	cm.Verified = true // web-flow commits are signed by GitHub
	repo.Branches[branch] = cm.SHA
	repo.PushedAt = c.st.now()
	c.st.recordActivity(repo, branch, head, cm.SHA, "push", c.user.Login)
	if del {
		c.json(200, obj{"content": nil, "commit": c.fileCommitJSON(repo, cm)})
		return
	}
	status := 201
	if exists {
		status = 200
	}
	c.json(status, obj{"content": c.contentFileJSON(repo, branch, p, content, false), "commit": c.fileCommitJSON(repo, cm)})
}

func hContentsPut(c *ctx)    { writeContents(c, false) }
func hContentsDelete(c *ctx) { writeContents(c, true) }

// ---- refs ----

const docRefs = "https://docs.github.com/rest/git/refs"

func (c *ctx) refJSON(repo *Repo, branch, sha string) obj {
	api := c.base + "/repos/" + repo.FullName()
	return obj{"ref": "refs/heads/" + branch, "node_id": base64.StdEncoding.EncodeToString([]byte("REF_" + repo.FullName() + ":" + branch)),
		"url": api + "/git/refs/heads/" + branch, "object": obj{"type": "commit", "sha": sha, "url": api + "/git/commits/" + sha}}
}

func refBranch(ref string) (string, bool) {
	ref = strings.TrimPrefix(ref, "refs/")
	b, ok := strings.CutPrefix(ref, "heads/")
	return b, ok && b != ""
}

func hRefGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	b, ok := refBranch(c.param("ref"))
	sha, exists := repo.Branches[b]
	if !ok || !exists {
		c.errMsg(404, "Not Found", docRefs+"#get-a-reference")
		return
	}
	c.json(200, c.refJSON(repo, b, sha))
}

func hRefCreate(c *ctx) {
	repo := c.loadRepo(3, "")
	if repo == nil {
		return
	}
	var body struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !c.decode(&body) {
		return
	}
	doc := docRefs + "#create-a-reference"
	if body.Ref == nil || body.SHA == nil {
		c.invalidRequest("\"ref\" wasn't supplied.", doc)
		return
	}
	if !strings.HasPrefix(*body.Ref, "refs/") || strings.Count(*body.Ref, "/") < 2 {
		c.errMsg(422, "Reference name must start with 'refs/' and have at least two slashes.", doc) // wording from memory
		return
	}
	b, ok := refBranch(*body.Ref)
	if !ok {
		c.errMsg(422, "Only branch refs (refs/heads/...) are simulated", doc)
		return
	}
	if _, exists := repo.Branches[b]; exists {
		c.errMsg(422, "Reference already exists", doc)
		return
	}
	if repo.Commits[*body.SHA] == nil {
		c.errMsg(422, "Object does not exist", doc)
		return
	}
	if v := c.pushRefusal(repo, b, opCreate, nil); v != nil {
		c.errMsg(422, strings.Join(v, " "), doc)
		return
	}
	c.st.CreateBranch(repo, b, *body.SHA, c.user.Login)
	c.created(c.refJSON(repo, b, *body.SHA))
}

// loadBranchRef resolves the repository for a caller with push access
// (loadRepo) and the existing branch {ref} names, with its head; a ref that
// is not an existing branch is 422 "Reference does not exist". It writes the
// answer and returns a nil repository on failure.
func (c *ctx) loadBranchRef(doc string) (repo *Repo, branch, sha string) {
	repo = c.loadRepo(3, "")
	if repo == nil {
		return nil, "", ""
	}
	b, ok := refBranch(c.param("ref"))
	sha, exists := repo.Branches[b]
	if !ok || !exists {
		c.errMsg(422, "Reference does not exist", doc)
		return nil, "", ""
	}
	return repo, b, sha
}

// hRefPatch: git/update-ref. A non-fast-forward update needs force:true
// ("Update is not a fast forward", 422) and, on a protected branch,
// allow_force_pushes. Protection refusals are 422 (status guess; the
// operation lists 409 and 422).
func hRefPatch(c *ctx) {
	doc := docRefs + "#update-a-reference"
	repo, b, old := c.loadBranchRef(doc)
	if repo == nil {
		return
	}
	var body struct {
		SHA   *string `json:"sha"`
		Force bool    `json:"force"`
	}
	if !c.decode(&body) {
		return
	}
	if body.SHA == nil {
		c.invalidRequest("\"sha\" wasn't supplied.", doc)
		return
	}
	nsha := *body.SHA
	if repo.Commits[nsha] == nil {
		c.errMsg(422, "Object does not exist", doc)
		return
	}
	op := opUpdate
	if !repo.isAncestor(old, nsha) {
		if !body.Force {
			c.errMsg(422, "Update is not a fast forward", doc)
			return
		}
		op = opForce
	}
	if v := c.pushRefusal(repo, b, op, repo.newCommits(old, nsha)); v != nil {
		c.errMsg(422, strings.Join(v, " "), doc)
		return
	}
	repo.Branches[b] = nsha
	repo.PushedAt = c.st.now()
	kind := "push"
	if op == opForce {
		kind = "force_push"
	}
	if old != nsha {
		c.st.recordActivity(repo, b, old, nsha, kind, c.user.Login)
	}
	c.json(200, c.refJSON(repo, b, nsha))
}

// hRefDelete: git/delete-ref → 204; a missing ref is 422 "Reference does
// not exist"; a protected branch without allow_deletions is refused (422,
// message guess).
func hRefDelete(c *ctx) {
	doc := docRefs + "#delete-a-reference"
	repo, b, old := c.loadBranchRef(doc)
	if repo == nil {
		return
	}
	if b == repo.DefaultBranch {
		c.errMsg(422, "Cannot delete the default branch", doc) // guess
		return
	}
	if v := c.pushRefusal(repo, b, opDelete, nil); v != nil {
		c.errMsg(422, strings.Join(v, " "), doc)
		return
	}
	delete(repo.Branches, b)
	c.st.recordActivity(repo, b, old, "", "branch_deletion", c.user.Login)
	c.noContent()
}

// ---- commits, compare ----

// commitsFrom lists commits reachable from sha, newest commit date first.
func (r *Repo) commitsFrom(sha string) []*Commit {
	var out []*Commit
	for s := range r.ancestors(sha) {
		out = append(out, r.Commits[s])
	}
	depth := map[string]int{}
	for _, cm := range out {
		depth[cm.SHA] = r.depth(cm.SHA, depth)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CommitDate.Equal(out[j].CommitDate) {
			return out[i].CommitDate.After(out[j].CommitDate)
		}
		if depth[out[i].SHA] != depth[out[j].SHA] {
			return depth[out[i].SHA] > depth[out[j].SHA]
		}
		return out[i].SHA < out[j].SHA
	})
	return out
}

// hCommitList: repos/list-commits; since/until filter by commit date
// (github-api.md §5).
func hCommitList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	_, sha := refParam(c, repo, "sha")
	if sha == "" {
		c.errMsg(404, "Not Found", "https://docs.github.com/rest/commits/commits#list-commits")
		return
	}
	var since, until time.Time
	for k, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := c.q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				c.validation("https://docs.github.com/rest/commits/commits#list-commits", obj{"resource": "Commit", "field": k, "code": "invalid"})
				return
			}
			*dst = t
		}
	}
	var list []*Commit
	for _, cm := range repo.commitsFrom(sha) {
		if !since.IsZero() && cm.CommitDate.Before(since) || !until.IsZero() && cm.CommitDate.After(until) {
			continue
		}
		if p := c.q.Get("path"); p != "" {
			var parentTree map[string]string
			if len(cm.Parents) > 0 {
				parentTree = repo.Commits[cm.Parents[0]].Tree
			}
			if cm.Tree[p] == parentTree[p] {
				continue
			}
		}
		if a := c.q.Get("author"); a != "" && !strings.EqualFold(a, cm.Author) {
			continue
		}
		list = append(list, cm)
	}
	writePage(c, list, fmt.Sprintf("/repositories/%d/commits", repo.ID), func(cm *Commit) obj { return c.commitJSON(repo, cm) })
}

func (c *ctx) filesChanged(repo *Repo, from map[string]string, to map[string]string) []obj {
	var names []string
	seen := map[string]bool{}
	for k := range from {
		seen[k] = true
	}
	for k := range to {
		seen[k] = true
	}
	for k := range seen {
		if from[k] != to[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := []obj{}
	for _, n := range names {
		status := "modified"
		if _, ok := from[n]; !ok {
			status = "added"
		} else if _, ok := to[n]; !ok {
			status = "removed"
		}
		add, del := strings.Count(to[n], "\n"), strings.Count(from[n], "\n")
		sha := blobSHA(to[n])
		out = append(out, obj{"sha": sha, "filename": n, "status": status, "additions": add, "deletions": del, "changes": add + del,
			"blob_url": c.web + "/" + repo.FullName() + "/blob/" + sha + "/" + n, "raw_url": c.web + "/" + repo.FullName() + "/raw/" + sha + "/" + n,
			"contents_url": c.base + "/repos/" + repo.FullName() + "/contents/" + n + "?ref=" + sha})
	}
	return out
}

// loadCommit resolves the repository (any viewer, see loadRepo) and the
// commit the path parameter param names; one that resolves to nothing is
// 422 {"resource":"Commit","field":"sha","code":"invalid"} with "No commit
// found for SHA: …" (doc: the operation's documentation). It writes the
// answer and returns a nil repository on failure.
func (c *ctx) loadCommit(param, doc string) (*Repo, string) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return nil, ""
	}
	sha := repo.resolve(c.param(param))
	if sha == "" {
		c.validation(doc, obj{"resource": "Commit", "field": "sha", "code": "invalid", "message": "No commit found for SHA: " + c.param(param)})
		return nil, ""
	}
	return repo, sha
}

func hCommitGet(c *ctx) {
	repo, sha := c.loadCommit("ref", "https://docs.github.com/rest/commits/commits#get-a-commit")
	if repo == nil {
		return
	}
	cm := repo.Commits[sha]
	o := c.commitJSON(repo, cm)
	var parentTree map[string]string
	if len(cm.Parents) > 0 {
		parentTree = repo.Commits[cm.Parents[0]].Tree
	}
	files := c.filesChanged(repo, parentTree, cm.Tree)
	add, del := 0, 0
	for _, f := range files {
		add += f["additions"].(int)
		del += f["deletions"].(int)
	}
	o["files"] = files
	o["stats"] = obj{"additions": add, "deletions": del, "total": add + del}
	c.json(200, o)
}

// hCompare: repos/compare-commits-with-basehead.
func hCompare(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	bh := c.param("basehead")
	base, head, ok := strings.Cut(bh, "...")
	doc := "https://docs.github.com/rest/commits/commits#compare-two-commits"
	if !ok {
		c.notFound()
		return
	}
	bs, hs := repo.resolve(base), repo.resolve(head)
	if bs == "" || hs == "" {
		c.errMsg(404, "Not Found", doc)
		return
	}
	ba, ha := repo.ancestors(bs), repo.ancestors(hs)
	var ahead, behind []*Commit
	for s := range ha {
		if !ba[s] {
			ahead = append(ahead, repo.Commits[s])
		}
	}
	for s := range ba {
		if !ha[s] {
			behind = append(behind, repo.Commits[s])
		}
	}
	// merge base: the newest common ancestor
	var mb *Commit
	for s := range ha {
		if ba[s] && (mb == nil || repo.Commits[s].CommitDate.After(mb.CommitDate) || repo.Commits[s].CommitDate.Equal(mb.CommitDate) && repo.isAncestor(mb.SHA, s)) {
			mb = repo.Commits[s]
		}
	}
	status := "identical"
	switch {
	case len(ahead) > 0 && len(behind) > 0:
		status = "diverged"
	case len(ahead) > 0:
		status = "ahead"
	case len(behind) > 0:
		status = "behind"
	}
	// oldest first, like GitHub
	depth := map[string]int{}
	sort.Slice(ahead, func(i, j int) bool {
		if !ahead[i].CommitDate.Equal(ahead[j].CommitDate) {
			return ahead[i].CommitDate.Before(ahead[j].CommitDate)
		}
		if di, dj := repo.depth(ahead[i].SHA, depth), repo.depth(ahead[j].SHA, depth); di != dj {
			return di < dj
		}
		return ahead[i].SHA < ahead[j].SHA
	})
	commits := []obj{}
	for _, cm := range ahead {
		commits = append(commits, c.commitJSON(repo, cm))
	}
	var mbJSON any
	var mbTree map[string]string
	if mb != nil {
		mbJSON = c.commitJSON(repo, mb)
		mbTree = mb.Tree
	}
	api := c.base + "/repos/" + repo.FullName()
	html := c.web + "/" + repo.FullName() + "/compare/" + bh
	c.json(200, obj{"url": api + "/compare/" + bh, "html_url": html, "permalink_url": c.web + "/" + repo.FullName() + "/compare/" + bs[:7] + "..." + hs[:7],
		"diff_url": html + ".diff", "patch_url": html + ".patch", "base_commit": c.commitJSON(repo, repo.Commits[bs]), "merge_base_commit": mbJSON,
		"status": status, "ahead_by": len(ahead), "behind_by": len(behind), "total_commits": len(ahead), "commits": commits,
		"files": c.filesChanged(repo, mbTree, repo.Commits[hs].Tree)})
}

// ---- activity ----

// hActivity: repos/list-activities. Items: id, node_id, before, after, ref,
// timestamp, activity_type, actor. Cursor pagination with before/after and a
// Link header (cursor format is opaque; ours is a guess).
func hActivity(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	doc := "https://docs.github.com/rest/repos/repos#list-repository-activities"
	ref := c.q.Get("ref")
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	var cutoff time.Time
	now := c.st.now()
	switch c.q.Get("time_period") {
	case "":
	case "day":
		cutoff = now.Add(-24 * time.Hour)
	case "week":
		cutoff = now.Add(-7 * 24 * time.Hour)
	case "month":
		cutoff = now.AddDate(0, -1, 0)
	case "quarter":
		cutoff = now.AddDate(0, -3, 0)
	case "year":
		cutoff = now.AddDate(-1, 0, 0)
	default:
		c.validationSimple(doc, "time_period must be one of day, week, month, quarter, year") // wording guess
		return
	}
	at := c.q.Get("activity_type")
	switch at {
	case "", "push", "force_push", "branch_creation", "branch_deletion", "pr_merge", "merge_queue_merge":
	default:
		c.validationSimple(doc, "activity_type must be one of push, force_push, branch_creation, branch_deletion, pr_merge, merge_queue_merge") // wording guess
		return
	}
	var list []*Activity
	for _, a := range repo.Activity {
		if ref != "" && a.Ref != ref || at != "" && a.Type != at || !cutoff.IsZero() && a.Timestamp.Before(cutoff) {
			continue
		}
		if actor := c.q.Get("actor"); actor != "" && !strings.EqualFold(actor, a.Actor) {
			continue
		}
		list = append(list, a)
	}
	asc := c.q.Get("direction") == "asc"
	// Repo.Activity is in insertion (chronological) order.
	if !asc {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	perPage := 30
	if v, err := strconv.Atoi(c.q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	start := 0
	if cur := c.q.Get("after"); cur != "" {
		id := decodeCursor(cur)
		for i, a := range list {
			if a.ID == id {
				start = i + 1
			}
		}
	}
	end := min(start+perPage, len(list))
	if cur := c.q.Get("before"); cur != "" {
		id := decodeCursor(cur)
		for i, a := range list {
			if a.ID == id {
				end = i
				start = max(0, end-perPage)
			}
		}
	}
	page := list[start:end]
	var links []string
	mk := func(k, v string) string {
		q := c.r.URL.Query()
		q.Del("after")
		q.Del("before")
		q.Set(k, v)
		return "<" + c.base + "/repos/" + repo.FullName() + "/activity?" + q.Encode() + ">"
	}
	if end < len(list) && len(page) > 0 {
		links = append(links, mk("after", encodeCursor(page[len(page)-1].ID))+`; rel="next"`)
	}
	if start > 0 && len(page) > 0 {
		links = append(links, mk("before", encodeCursor(page[0].ID))+`; rel="prev"`)
	}
	if len(links) > 0 {
		c.hdr.Set("Link", strings.Join(links, ", "))
	}
	out := []obj{}
	for _, a := range page {
		out = append(out, obj{"id": a.ID, "node_id": nodeID("RepositoryActivity", a.ID), "before": a.Before, "after": a.After, "ref": a.Ref,
			"timestamp": ts(a.Timestamp), "activity_type": a.Type, "actor": c.simpleUserByLogin(a.Actor)})
	}
	c.json(200, out)
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("cursor:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) int64 {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return -1
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(string(b), "cursor:"), 10, 64)
	return id
}

// ---- pulls ----

func (c *ctx) pullJSON(repo *Repo, is *Issue) obj {
	api := c.base + "/repos/" + repo.FullName()
	u := fmt.Sprintf("%s/pulls/%d", api, is.Number)
	html := fmt.Sprintf("%s/%s/pull/%d", c.web, repo.FullName(), is.Number)
	iss := c.issueJSON(repo, is)
	pr := is.PR
	owner := c.simpleUserByLogin(repo.Owner)
	rjson := c.fullRepo(repo)
	side := func(ref, sha string) obj {
		return obj{"label": repo.Owner + ":" + ref, "ref": ref, "sha": sha, "user": owner, "repo": rjson}
	}
	baseSHA := repo.Branches[pr.Base]
	var am any
	if pr.AutoMerge != nil {
		am = obj{"enabled_by": c.simpleUserByLogin(pr.AutoMerge.EnabledBy), "merge_method": pr.AutoMerge.MergeMethod,
			"commit_title": pr.AutoMerge.CommitTitle, "commit_message": pr.AutoMerge.CommitMessage}
	}
	return obj{
		"url": u, "id": pr.ID, "node_id": nodeID("PullRequest", pr.ID), "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
		"issue_url": fmt.Sprintf("%s/issues/%d", api, is.Number), "commits_url": u + "/commits", "review_comments_url": u + "/comments",
		"review_comment_url": api + "/pulls/comments{/number}", "comments_url": fmt.Sprintf("%s/issues/%d/comments", api, is.Number),
		"statuses_url": api + "/statuses/" + pr.HeadSHA, "number": is.Number, "state": is.State, "locked": is.Locked, "title": is.Title,
		"user": iss["user"], "body": iss["body"], "labels": iss["labels"], "milestone": nil, "active_lock_reason": iss["active_lock_reason"],
		"created_at": iss["created_at"], "updated_at": iss["updated_at"], "closed_at": iss["closed_at"], "merged_at": tsOrNil(pr.MergedAt),
		"merge_commit_sha": strOrNil(pr.MergeSHA), "assignee": nil, "assignees": []obj{}, "requested_reviewers": []obj{}, "requested_teams": []obj{},
		"head": side(pr.Head, pr.HeadSHA), "base": side(pr.Base, baseSHA),
		"_links": obj{"self": obj{"href": u}, "html": obj{"href": html}, "issue": obj{"href": fmt.Sprintf("%s/issues/%d", api, is.Number)},
			"comments": obj{"href": fmt.Sprintf("%s/issues/%d/comments", api, is.Number)}, "review_comments": obj{"href": u + "/comments"},
			"review_comment": obj{"href": api + "/pulls/comments{/number}"}, "commits": obj{"href": u + "/commits"}, "statuses": obj{"href": api + "/statuses/" + pr.HeadSHA}},
		"author_association": iss["author_association"], "auto_merge": am, "draft": pr.Draft,
	}
}

// hPullList: pulls/list (state, head, base, sort, direction, paging).
func hPullList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	state := c.query("state", "open")
	var list []*Issue
	for _, is := range repo.Issues {
		if is.PR == nil || state != "all" && is.State != state {
			continue
		}
		if b := c.q.Get("base"); b != "" && is.PR.Base != b {
			continue
		}
		if h := c.q.Get("head"); h != "" {
			_, hb, found := strings.Cut(h, ":")
			if !found {
				hb = h
			}
			if is.PR.Head != hb {
				continue
			}
		}
		list = append(list, is)
	}
	sortKey := c.q.Get("sort")
	// direction default: desc when sort is created (or absent), else asc? GitHub:
	// "Default: desc when sort is created or sort is not specified, otherwise asc."
	asc := c.q.Get("direction") == "asc" || c.q.Get("direction") == "" && sortKey != "" && sortKey != "created"
	sortIssues(list, asc, issueTime(sortKey))
	writePage(c, list, fmt.Sprintf("/repositories/%d/pulls", repo.ID), func(is *Issue) obj { return c.pullJSON(repo, is) })
}

// hCommitPulls: repos/list-pull-requests-associated-with-commit — PRs whose
// head contains the commit, or whose merge commit it is. Empty list = pushed
// without a PR.
func hCommitPulls(c *ctx) {
	repo, sha := c.loadCommit("commit_sha", "https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit")
	if repo == nil {
		return
	}
	out := []obj{}
	for _, is := range repo.Issues {
		if is.PR == nil {
			continue
		}
		merged := is.PR.MergeSHA != nil && *is.PR.MergeSHA == sha
		inHead := repo.isAncestor(sha, is.PR.HeadSHA) && !repo.isAncestor(sha, repo.Branches[is.PR.Base])
		if merged || (inHead && is.State == "open") || (inHead && is.PR.MergedAt != nil) {
			out = append(out, c.pullJSON(repo, is))
		}
	}
	c.json(200, out)
}

func hReviewList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	n, _ := strconv.Atoi(c.param("pull_number"))
	is := repo.Issue(n)
	if is == nil || is.PR == nil {
		c.notFound()
		return
	}
	var list []*Review
	for _, rv := range repo.Reviews {
		if rv.PR == n {
			list = append(list, rv)
		}
	}
	html := fmt.Sprintf("%s/%s/pull/%d", c.web, repo.FullName(), n)
	writePage(c, list, fmt.Sprintf("/repos/%s/pulls/%d/reviews", repo.FullName(), n), func(rv *Review) obj {
		return obj{"id": rv.ID, "node_id": nodeID("PullRequestReview", rv.ID), "user": c.simpleUserByLogin(rv.User), "body": rv.Body,
			"state": rv.State, "html_url": fmt.Sprintf("%s#pullrequestreview-%d", html, rv.ID),
			"pull_request_url": fmt.Sprintf("%s/repos/%s/pulls/%d", c.base, repo.FullName(), n), "commit_id": rv.CommitID,
			"submitted_at": ts(rv.SubmittedAt), "author_association": c.authorAssociation(repo, rv.User),
			"_links": obj{"html": obj{"href": fmt.Sprintf("%s#pullrequestreview-%d", html, rv.ID)}, "pull_request": obj{"href": fmt.Sprintf("%s/repos/%s/pulls/%d", c.base, repo.FullName(), n)}}}
	})
}
