package ghsim

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

func urlPathEscape(s string) string { return url.PathEscape(s) }

// Scope strings for X-Accepted-OAuth-Scopes. Values seen in @octokit/fixtures
// (github-api.md §6): "" on many writes, "repo" on lists and labels,
// "public_repo, repo" on lock, "public_repo, repo, repo:invite" on invitation accept.
const (
	scRepo       = "repo"
	scPublicRepo = "public_repo, repo"
	scNone       = ""
	scOrgRead    = "admin:org, read:org, repo, user, write:org"
	scOrgWrite   = "admin:org, write:org" // guess
	scUser       = ""                     // GET /user: any token
	scInvite     = "public_repo, repo, repo:invite"
)

func buildRoutes() []*route {
	var rs []*route
	add := func(method, pattern string, h handler, auth bool, scopes, fg string) *route {
		r := &route{method: method, pattern: pattern, segs: splitPath(pattern), h: h, auth: auth, scopes: scopes, fgPerm: fg}
		rs = append(rs, r)
		return r
	}
	const (
		adminR = "administration=read"
		adminW = "administration=write"
		meta   = "metadata=read"
		issR   = "issues=read"
		issW   = "issues=write"
		contR  = "contents=read"
		contW  = "contents=write"
		prR    = "pull_requests=read"
		memR   = "members=read"
		memW   = "members=write"
	)
	// identity / meta
	add("GET", "/user", hUser, true, scUser, "")
	add("GET", "/users/{username}", hUsersGet, false, scNone, "")
	add("GET", "/orgs/{org}", hOrgGet, false, scNone, "")
	add("GET", "/rate_limit", hRateLimit, false, scNone, "").noCount = true
	add("GET", "/repos/{owner}/{repo}", hRepoGet, false, scRepo, meta)
	add("GET", "/repositories/{repository_id}", hRepoByID, false, scRepo, meta).alias = true
	add("GET", "/repos/{owner}/{repo}/branches", hBranchList, false, scRepo, contR+";"+meta)
	add("GET", "/repos/{owner}/{repo}/branches/{branch}", hBranchGet, false, scRepo, contR+";"+meta)
	// classic branch protection
	p := "/repos/{owner}/{repo}/branches/{branch}/protection"
	add("GET", p, hProtGet, true, scRepo, adminR)
	add("PUT", p, hProtPut, true, scRepo, adminW)
	add("DELETE", p, hProtDelete, true, scRepo, adminW)
	add("GET", p+"/required_signatures", hSigGet, true, scRepo, adminR)
	add("POST", p+"/required_signatures", hSigSet(true), true, scRepo, adminW)
	add("DELETE", p+"/required_signatures", hSigSet(false), true, scRepo, adminW)
	add("GET", p+"/enforce_admins", hAdminsGet, true, scRepo, adminR)
	add("POST", p+"/enforce_admins", hAdminsSet(true), true, scRepo, adminW)
	add("DELETE", p+"/enforce_admins", hAdminsSet(false), true, scRepo, adminW)
	add("GET", p+"/required_status_checks", hChecksGet, true, scRepo, adminR)
	add("PATCH", p+"/required_status_checks", hChecksPatch, true, scRepo, adminW)
	add("DELETE", p+"/required_status_checks", hChecksDelete, true, scRepo, adminW)
	add("GET", p+"/required_pull_request_reviews", hReviewsGet, true, scRepo, adminR)
	add("PATCH", p+"/required_pull_request_reviews", hReviewsPatch, true, scRepo, adminW)
	add("DELETE", p+"/required_pull_request_reviews", hReviewsDelete, true, scRepo, adminW)
	add("GET", p+"/restrictions", hRestrictionsGet, true, scRepo, adminR)
	add("DELETE", p+"/restrictions", hRestrictionsDelete, true, scRepo, adminW)
	addAccessRoutes(add)
	addMembershipRoutes(add)
	addRulesetRoutes(add)
	addIssueRoutes(add)
	addGitRoutes(add)
	addOAuthRoutes(add)
	return rs
}

type addFunc func(method, pattern string, h handler, auth bool, scopes, fg string) *route

// ---- repo loading and access checks ----

// loadRepo resolves {owner}/{repo} and checks access. minRank: 0 any viewer,
// 1 read, 2 triage, 3 write, 4 maintain, 5 admin. A private repo the caller
// cannot see (or a classic token without the `repo` scope) is 404, like
// GitHub hides private repos. Everyone signed in may read a public repo.
//
// A visible repo without the needed role is refused the way GitHub refuses
// each kind of token (GitHub docs "Authenticating to the REST API": a token
// with insufficient permissions gets "a 404 Not Found or 403 Forbidden
// response"):
//   - fine-grained (and GitHub App) tokens: 403 "Resource not accessible by
//     personal access token" with X-Accepted-GitHub-Permissions naming what
//     the endpoint needs (the header is for "fine-grained permission actors"
//     only: GitHub changelog 2023-08-10; docs "Troubleshooting the REST API");
//   - classic tokens: 403 with roleMsg where GitHub has a known role refusal
//     for the endpoint (contract gap G7: "Must have admin rights to
//     Repository." and the collaborator-list messages), else 404 Not Found
//     (guess: GitHub does not reveal a write endpoint to someone who cannot
//     write; those operations declare 404 and no 403 in GitHub's
//     description, e.g. repos/create-or-update-file-contents), never the
//     fine-grained wording and never X-Accepted-GitHub-Permissions.
func (c *ctx) loadRepo(minRank int, roleMsg string) *Repo {
	repo := c.st.Repo(c.param("owner") + "/" + c.param("repo"))
	if repo == nil {
		c.notFound()
		return nil
	}
	login := ""
	if c.user != nil {
		login = c.user.Login
	}
	if !c.st.canSee(repo, login) {
		c.notFound()
		return nil
	}
	write := c.r.Method != http.MethodGet && c.r.Method != http.MethodHead
	if c.tok != nil && !c.tok.FineGrained {
		// Classic scopes: private repos need `repo`; writes to public repos
		// need `public_repo` (or `repo`). Missing → 404 (guess: GitHub hides
		// what the token cannot reach).
		if repo.Private && !c.hasScope("repo") || !repo.Private && write && !c.hasScope("public_repo") {
			c.notFound()
			return nil
		}
	}
	rank := c.st.rank(repo, login)
	if !repo.Private && login != "" && rank < 1 {
		rank = 1 // public: read for everyone
	}
	if minRank > 0 && rank < minRank {
		c.refuseRole(roleMsg)
		return nil
	}
	return repo
}

// refuseRole answers a caller whose role is too low (see loadRepo).
func (c *ctx) refuseRole(roleMsg string) {
	switch {
	case c.tok != nil && c.tok.FineGrained:
		if c.rt != nil && c.rt.fgPerm != "" {
			c.hdr.Set("X-Accepted-GitHub-Permissions", c.rt.fgPerm)
		}
		c.errMsg(403, "Resource not accessible by personal access token", docsRoot)
	case roleMsg != "":
		c.errMsg(403, roleMsg, docsRoot)
	default:
		c.notFound()
	}
}

const msgAdminRights = "Must have admin rights to Repository."

// ---- identity ----

func hUser(c *ctx) {
	// private-user only when the token has the `user` scope
	// (users/get-authenticated: "OAuth app tokens and personal access tokens
	// (classic) need the user scope in order for the response to include
	// private profile information"). Fine-grained tokens get public-user (guess).
	if c.tok != nil && !c.tok.FineGrained && c.hasScope("user") {
		c.json(200, c.privateUser(c.user))
		return
	}
	c.json(200, c.publicUser(c.user))
}

func hUsersGet(c *ctx) {
	u := c.st.User(c.param("username"))
	if u == nil {
		c.notFound()
		return
	}
	c.json(200, c.publicUser(u))
}

func hOrgGet(c *ctx) {
	o := c.st.Org(c.param("org"))
	if o == nil {
		c.notFound()
		return
	}
	body := c.orgFull(o)
	// two_factor_requirement_enabled is only shown to org members (guess:
	// the description marks it nullable; GitHub shows it to owners).
	if c.user == nil || !c.st.isOrgMember(o.Login, c.user.Login) {
		delete(body, "two_factor_requirement_enabled")
	}
	c.json(200, body)
}

func hRateLimit(c *ctx) {
	rw := c.s.rateFor(c)
	rem := max(rw.limit-rw.used, 0)
	core := obj{"limit": rw.limit, "remaining": rem, "used": rw.used, "reset": rw.reset.Unix()}
	search := obj{"limit": 30, "remaining": 30, "used": 0, "reset": c.s.now().Add(60e9).Unix()}
	c.json(200, obj{"resources": obj{"core": core, "search": search, "graphql": obj{"limit": 5000, "remaining": 5000, "used": 0, "reset": rw.reset.Unix()}}, "rate": core})
}

func hRepoGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	c.json(200, c.fullRepo(repo))
}

func hRepoByID(c *ctx) {
	id, err := strconv.ParseInt(c.param("repository_id"), 10, 64)
	repo := c.st.reposByID[id]
	if err != nil || repo == nil {
		c.notFound()
		return
	}
	c.p["owner"], c.p["repo"] = repo.Owner, repo.Name
	hRepoGet(c)
}

// hBranchList: repos/list-branches (short-branch items, in name order, 30
// a page). `protected=true` returns only branches a protection rule covers,
// `false` only the others ("List branches": "Setting to true returns only
// branches protected by branch protections or rulesets"): a classic rule
// or an active branch ruleset (the repository's own or its organization's).
func hBranchList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	rulesets := c.st.RulesetsFor(repo, true)
	protected := func(name string) bool {
		if repo.EffectiveRule(name) != nil {
			return true
		}
		for _, rs := range rulesets {
			if rs.Enforcement == "active" && rs.appliesToBranch(repo, name) {
				return true
			}
		}
		return false
	}
	var names []string
	filter := c.q.Get("protected")
	for name := range repo.Branches {
		p := protected(name)
		if filter == "true" && !p || filter == "false" && p {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	// Links use the /repos form (guess: GitHub may use /repositories/{id}
	// here as it does for issues; that form is not in the OpenAPI subset).
	writePage(c, names, "/repos/"+repo.FullName()+"/branches", func(name string) obj {
		sha := repo.Branches[name]
		return obj{"name": name, "commit": obj{"sha": sha, "url": c.base + "/repos/" + repo.FullName() + "/commits/" + sha},
			"protected": protected(name), "protection_url": c.protectionURL(repo, name)}
	})
}

// hBranchGet: repos/get-branch. `protected` is true when any rule (exact or
// wildcard) covers the branch; `protection` summarises the effective rule.
// See the wildcard note on hProtGet.
func hBranchGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	name := c.param("branch")
	sha, ok := repo.Branches[name]
	if !ok {
		c.errMsg(404, "Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch")
		return
	}
	p := repo.EffectiveRule(name)
	prot := obj{"enabled": p != nil, "required_status_checks": obj{"enforcement_level": "off", "contexts": []string{}, "checks": []obj{}}}
	if p != nil && p.RequiredStatusChecks != nil {
		lvl := "non_admins"
		if p.EnforceAdmins {
			lvl = "everyone"
		}
		sc := c.statusChecksJSON(repo, name, p.RequiredStatusChecks)
		prot["required_status_checks"] = obj{"enforcement_level": lvl, "contexts": sc["contexts"], "checks": sc["checks"]}
	}
	c.json(200, obj{
		"name": name, "commit": c.commitJSON(repo, repo.Commits[sha]),
		"_links":    obj{"self": c.base + "/repos/" + repo.FullName() + "/branches/" + pathEscapeBranch(name), "html": c.web + "/" + repo.FullName() + "/tree/" + name},
		"protected": p != nil, "protection": prot, "protection_url": c.protectionURL(repo, name),
	})
}

// ---- classic branch protection ----

const (
	docGetProtection    = "https://docs.github.com/rest/branches/branch-protection#get-branch-protection"
	docDeleteProtection = "https://docs.github.com/rest/branches/branch-protection#delete-branch-protection"
)

// protRule loads repo (admin required) and the rule whose pattern is exactly
// the branch name.
//
// Wildcard rules (what GitHub does, and what the simulator models):
//   - GET/PUT/DELETE …/branches/{branch}/protection address only a rule whose
//     pattern is exactly the branch name. The {branch} parameter "cannot
//     contain wildcard characters. To use wildcard characters in branch
//     names, use the GraphQL API" (docs.github.com, "Update branch
//     protection", operation repos/update-branch-protection). A rule renamed
//     to a pattern in the UI can no longer be read through this endpoint
//     (github/rest-api-description#577; terraform-provider-github#164;
//     octokit/octokit.net#2180; google/go-github#1362). So for a branch
//     covered only by a wildcard rule, GET and DELETE answer 404 "Branch not
//     protected", and PUT creates a new exact-name rule, which then wins over
//     the wildcard rule ("rules that include a specific branch name have the
//     highest priority", docs "About protected branches").
//   - GET …/branches/{branch} still reports protected: true for such a branch
//     (the rule applies to it; compare hub4j/github-api#2062, where
//     protected:true comes with a 404 from …/protection for a branch
//     protected by something other than an exact classic rule).
//
// The exact 404 for DELETE on a wildcard-only branch is a guess consistent with the above.
func (c *ctx) protRule(needRule bool, doc string) (*Repo, string, *Protection) {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return nil, "", nil
	}
	branch := c.param("branch")
	if _, ok := repo.Branches[branch]; !ok {
		c.errMsg(404, "Branch not found", doc)
		return nil, "", nil
	}
	p := repo.ExactRule(branch)
	if needRule && p == nil {
		c.errMsg(404, "Branch not protected", doc)
		return nil, "", nil
	}
	return repo, branch, p
}

func hProtGet(c *ctx) {
	repo, b, p := c.protRule(true, docGetProtection)
	if p == nil {
		return
	}
	c.json(200, c.protectionJSON(repo, b, p))
}

func hProtPut(c *ctx) {
	repo, b, _ := c.protRule(false, docUpdateProtection)
	if repo == nil {
		return
	}
	np := c.parseProtectionPUT(repo, b)
	if np == nil {
		return
	}
	// required_signatures is not part of PUT; it survives (github-api.md §0 item 3).
	if old := repo.ExactRule(b); old != nil {
		np.RequiredSignatures = old.RequiredSignatures
	}
	repo.SetProtection(np)
	c.json(200, c.protectionJSON(repo, b, np))
}

func hProtDelete(c *ctx) {
	repo, b, p := c.protRule(true, docDeleteProtection)
	if p == nil {
		return
	}
	repo.RemoveProtection(b)
	c.noContent()
}

func hSigGet(c *ctx) {
	repo, b, p := c.protRule(true, "https://docs.github.com/rest/branches/branch-protection#get-commit-signature-protection")
	if p == nil {
		return
	}
	c.json(200, obj{"url": c.protectionURL(repo, b) + "/required_signatures", "enabled": p.RequiredSignatures})
}

func hSigSet(on bool) handler {
	return func(c *ctx) {
		repo, b, p := c.protRule(true, "https://docs.github.com/rest/branches/branch-protection#create-commit-signature-protection")
		if p == nil {
			return
		}
		p.RequiredSignatures = on
		if on {
			c.json(200, obj{"url": c.protectionURL(repo, b) + "/required_signatures", "enabled": true})
		} else {
			c.noContent()
		}
	}
}

func hAdminsGet(c *ctx) {
	repo, b, p := c.protRule(true, "https://docs.github.com/rest/branches/branch-protection#get-admin-branch-protection")
	if p == nil {
		return
	}
	c.json(200, obj{"url": c.protectionURL(repo, b) + "/enforce_admins", "enabled": p.EnforceAdmins})
}

func hAdminsSet(on bool) handler {
	return func(c *ctx) {
		repo, b, p := c.protRule(true, "https://docs.github.com/rest/branches/branch-protection#set-admin-branch-protection")
		if p == nil {
			return
		}
		p.EnforceAdmins = on
		if on {
			c.json(200, obj{"url": c.protectionURL(repo, b) + "/enforce_admins", "enabled": true})
		} else {
			c.noContent()
		}
	}
}

const docStatusChecks = "https://docs.github.com/rest/branches/branch-protection#get-status-checks-protection"

func hChecksGet(c *ctx) {
	repo, b, p := c.protRule(true, docStatusChecks)
	if p == nil {
		return
	}
	if p.RequiredStatusChecks == nil {
		c.errMsg(404, "Required status checks not enabled", docStatusChecks)
		return
	}
	c.json(200, c.statusChecksJSON(repo, b, p.RequiredStatusChecks))
}

// hChecksPatch: repos/update-status-check-protection. Both contexts and
// checks optional; if both are given, checks wins (google/go-github PR #2276).
func hChecksPatch(c *ctx) {
	repo, b, p := c.protRule(true, docStatusChecks)
	if p == nil {
		return
	}
	var body putStatusChecks
	if !c.decode(&body) {
		return
	}
	if p.RequiredStatusChecks == nil {
		c.errMsg(404, "Required status checks not enabled", docStatusChecks)
		return
	}
	sc := p.RequiredStatusChecks
	if body.Strict != nil {
		sc.Strict = *body.Strict
	}
	if body.Checks != nil {
		sc.Checks = c.toChecks(nil, body.Checks)
	} else if body.Contexts != nil {
		sc.Checks = c.toChecks(body.Contexts, nil)
	}
	c.json(200, c.statusChecksJSON(repo, b, sc))
}

func hChecksDelete(c *ctx) {
	_, _, p := c.protRule(true, docStatusChecks)
	if p == nil {
		return
	}
	p.RequiredStatusChecks = nil
	c.noContent()
}

const docReviews = "https://docs.github.com/rest/branches/branch-protection#get-pull-request-review-protection"

func hReviewsGet(c *ctx) {
	repo, b, p := c.protRule(true, docReviews)
	if p == nil {
		return
	}
	if p.Reviews == nil {
		c.errMsg(404, "Pull request reviews not enabled", docReviews)
		return
	}
	c.json(200, c.reviewsJSON(repo, b, p.Reviews))
}

// hReviewsPatch: repos/update-pull-request-review-protection (partial update).
func hReviewsPatch(c *ctx) {
	repo, b, p := c.protRule(true, docReviews)
	if p == nil {
		return
	}
	var body putReviews
	if !c.decode(&body) {
		return
	}
	// Names in the lists must resolve, as for the PUT (checked before
	// anything changes; message format as the PUT's 422, guess for PATCH).
	var errs []any
	if dr := body.DismissalRestrictions; dr != nil {
		errs = append(errs, c.actorErrors(repo, dr.actors())...)
	}
	if bp := body.BypassPullRequestAllowances; bp != nil {
		errs = append(errs, c.actorErrors(repo, bp.actors())...)
	}
	if len(errs) > 0 {
		c.json(422, obj{"message": "Validation Failed", "errors": dedupe(errs), "documentation_url": docReviews})
		return
	}
	if n := body.RequiredApprovingReviewCount; n != nil && (*n < 0 || *n > 6) {
		c.validation(docReviews, obj{"resource": "ProtectedBranch", "field": "required_approving_review_count", "code": "invalid"})
		return
	}
	if p.Reviews == nil {
		// guess: PATCH on a rule without reviews enables them with defaults.
		p.Reviews = &Reviews{RequiredApprovingReviewCount: 1}
	}
	rv := p.Reviews
	if body.RequiredApprovingReviewCount != nil {
		rv.RequiredApprovingReviewCount = *body.RequiredApprovingReviewCount
	}
	if body.DismissStaleReviews != nil {
		rv.DismissStaleReviews = *body.DismissStaleReviews
	}
	if body.RequireCodeOwnerReviews != nil {
		rv.RequireCodeOwnerReviews = *body.RequireCodeOwnerReviews
	}
	if body.RequireLastPushApproval != nil {
		rv.RequireLastPushApproval = *body.RequireLastPushApproval
	}
	if dr := body.DismissalRestrictions; dr != nil {
		if dr.Users == nil && dr.Teams == nil && dr.Apps == nil {
			rv.DismissalRestrictions = nil
		} else {
			rv.DismissalRestrictions = dr.actors()
		}
	}
	if bp := body.BypassPullRequestAllowances; bp != nil {
		rv.BypassAllowances = bp.actors()
		if rv.BypassAllowances.empty() {
			rv.BypassAllowances = nil
		}
	}
	c.json(200, c.reviewsJSON(repo, b, rv))
}

func hReviewsDelete(c *ctx) {
	_, _, p := c.protRule(true, docReviews)
	if p == nil {
		return
	}
	if p.Reviews == nil {
		c.errMsg(404, "Pull request reviews not enabled", docReviews)
		return
	}
	p.Reviews = nil
	c.noContent()
}

const docRestrictions = "https://docs.github.com/rest/branches/branch-protection#get-access-restrictions"

func hRestrictionsGet(c *ctx) {
	repo, b, p := c.protRule(true, docRestrictions)
	if p == nil {
		return
	}
	if p.Restrictions == nil {
		c.errMsg(404, "Push restrictions not enabled", docRestrictions)
		return
	}
	c.json(200, c.restrictionsJSON(repo, b, p.Restrictions))
}

func hRestrictionsDelete(c *ctx) {
	_, _, p := c.protRule(true, docRestrictions)
	if p == nil {
		return
	}
	p.Restrictions = nil
	c.noContent()
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
