package ghsim

// Repository and organization rulesets: CRUD, the rules that apply to a
// branch, and their enforcement on direct writes (contents API, refs API).
//
// Sources (GitHub docs, REST "Rules" and the operations in
// testdata/openapi/api.github.com.subset.json, @octokit/openapi 23.0.2):
//   - repos/get-repo-rulesets, repos/get-repo-ruleset: includes_parents
//     (default true) adds rulesets "configured at higher levels that apply
//     to this repository"; current_user_can_bypass "is only returned when
//     querying the repository-level endpoint".
//   - repos/update-repo-ruleset is a partial update: a left-out key is left
//     alone, `bypass_actors: null` is 422 "data cannot be null", [] clears the
//     list (terraform-provider-github PRs #2780 and #2875, google/go-github
//     #3137; docs/github-api.md §2.2).
//   - "bypass_actors is only returned if the user making the API request has
//     write access to the ruleset" (repository-ruleset schema description).
//   - repos/get-branch-rules: "Returns all active rules that apply to the
//     specified branch. The branch does not need to exist ... Rules in
//     rulesets with evaluate or disabled enforcement statuses are not
//     returned."
//   - Ref conditions: "~DEFAULT_BRANCH to include the default branch or ~ALL
//     to include all branches" (repository-ruleset-conditions); patterns use
//     fnmatch with File::FNM_PATHNAME (docs "Creating rulesets for a
//     repository", "Using fnmatch syntax").
//   - Who can bypass: "Repository admins or organization owners; the
//     Maintain or Write role ...; Teams; GitHub Apps" (docs reusable
//     rulesets-bypass-step, github/docs#31532); bypass_mode "pull_request
//     means that an actor can only bypass rules on pull requests ... When
//     bypass_mode is exempt, rules will not be run for that actor and a
//     bypass audit entry will not be created" (repository-ruleset-bypass-actor).
//   - Enforcement: "evaluate allows admins to test rules before enforcing
//     them" (repository-rule-enforcement): only active rulesets block.
//   - Anyone with read access can view a repository's rulesets; admins (or a
//     custom role with "edit repository rules") create, edit and delete them
//     (docs "Managing rulesets for a repository", "Who can use this
//     feature?"). Organization rulesets are managed by organization owners
//     (docs "Creating rulesets for repositories in your organization").

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Ruleset is a repository or organization ruleset. Conditions and rules
// are kept as the JSON the client sent (compacted), so rule types and
// parameters the simulator does not interpret survive a round trip, as they
// do on GitHub.
type Ruleset struct {
	ID          int64
	Name        string
	Target      string // branch | tag | push
	SourceType  string // Repository | Organization
	Source      string // "owner/repo" or the org login
	Enforcement string // disabled | active | evaluate
	Bypass      []BypassActor
	Conditions  json.RawMessage // nil: null
	Rules       []json.RawMessage
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// BypassActor is one entry of bypass_actors.
type BypassActor struct {
	ActorID    *int64 `json:"actor_id"`
	ActorType  string `json:"actor_type"`
	BypassMode string `json:"bypass_mode"`
}

// RepositoryRole bypass actor ids of the built-in roles. The ids are not in
// GitHub's description; 5 is "Repository admin" (TGPSKI/vanity#5 uses
// RepositoryRole/5 as the repo-admin bypass), 4 write and 2 maintain
// (terraform-provider-github's repository_ruleset docs, from memory).
var repositoryRoleIDs = map[int64]string{5: "admin", 4: "write", 2: "maintain"}

// RepositoryRoleID returns the bypass actor id of a built-in role (0 if none).
func RepositoryRoleID(role string) int64 {
	for id, r := range repositoryRoleIDs {
		if r == role {
			return id
		}
	}
	return 0
}

func (st *State) rulesetMap() map[int64]*Ruleset {
	if st.rulesets == nil {
		st.rulesets = map[int64]*Ruleset{}
	}
	return st.rulesets
}

// AddRuleset stores rs (assigning an id and timestamps) and returns it.
func (st *State) AddRuleset(rs *Ruleset) *Ruleset {
	rs.ID = st.id()
	if rs.CreatedAt.IsZero() {
		rs.CreatedAt = st.now()
	}
	if rs.UpdatedAt.IsZero() {
		rs.UpdatedAt = rs.CreatedAt
	}
	if rs.Target == "" {
		rs.Target = "branch"
	}
	st.rulesetMap()[rs.ID] = rs
	return rs
}

// Rulesets lists every ruleset, by id.
func (st *State) Rulesets() []*Ruleset {
	var out []*Ruleset
	for _, rs := range st.rulesetMap() {
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Ruleset returns the ruleset with this id, or nil.
func (st *State) Ruleset(id int64) *Ruleset { return st.rulesetMap()[id] }

// RulesetsFor lists the rulesets that apply to repo, by id: its own and,
// when parents is true, the organization rulesets whose repository
// condition matches it.
func (st *State) RulesetsFor(repo *Repo, parents bool) []*Ruleset {
	var out []*Ruleset
	for _, rs := range st.rulesetMap() {
		switch rs.SourceType {
		case "Repository":
			if strings.EqualFold(rs.Source, repo.FullName()) {
				out = append(out, rs)
			}
		case "Organization":
			if parents && strings.EqualFold(rs.Source, repo.Owner) && rs.appliesToRepo(repo) {
				out = append(out, rs)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (st *State) orgRulesets(org string) []*Ruleset {
	var out []*Ruleset
	for _, rs := range st.rulesetMap() {
		if rs.SourceType == "Organization" && strings.EqualFold(rs.Source, org) {
			out = append(out, rs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type patternList struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

type conditions struct {
	RefName        *patternList `json:"ref_name"`
	RepositoryName *patternList `json:"repository_name"`
	RepositoryID   *struct {
		IDs []int64 `json:"repository_ids"`
	} `json:"repository_id"`
}

func (rs *Ruleset) conds() conditions {
	var c conditions
	if len(rs.Conditions) > 0 {
		_ = json.Unmarshal(rs.Conditions, &c)
	}
	return c
}

// appliesToRepo evaluates an organization ruleset's repository condition:
// repository_name include/exclude (fnmatch, "~ALL") or repository_id.
// Property conditions are not simulated (they match nothing).
func (rs *Ruleset) appliesToRepo(repo *Repo) bool {
	c := rs.conds()
	switch {
	case c.RepositoryName != nil:
		return matchList(*c.RepositoryName, repo.Name, func(p string) bool { return p == "~ALL" })
	case c.RepositoryID != nil:
		for _, id := range c.RepositoryID.IDs {
			if id == repo.ID {
				return true
			}
		}
	}
	return false
}

// matchList: one include must match and no exclude may (the condition
// descriptions: "One of these patterns must match ... The condition will
// not pass if any of these patterns match").
func matchList(l patternList, name string, special func(string) bool) bool {
	m := func(p string) bool { return special(p) || fnmatch(p, name) }
	ok := false
	for _, p := range l.Include {
		if m(p) {
			ok = true
			break
		}
	}
	for _, p := range l.Exclude {
		if m(p) {
			return false
		}
	}
	return ok
}

// appliesToBranch reports whether a branch ruleset's ref_name condition
// matches refs/heads/branch of repo. A ruleset without a ref_name condition
// targets no branch (guess: the UI creates a branch ruleset with no targets
// that way, and it applies to nothing).
func (rs *Ruleset) appliesToBranch(repo *Repo, branch string) bool {
	if rs.Target != "branch" {
		return false
	}
	c := rs.conds()
	if c.RefName == nil {
		return false
	}
	ref := "refs/heads/" + branch
	return matchList(*c.RefName, ref, func(p string) bool {
		return p == "~ALL" || p == "~DEFAULT_BRANCH" && branch == repo.DefaultBranch
	})
}

// bypassMode is the most permissive bypass_mode of the actors that match
// login on repo: "exempt", "always", "pull_request", or "" for none.
func (st *State) bypassMode(rs *Ruleset, repo *Repo, login string) string {
	best := ""
	order := map[string]int{"": 0, "pull_request": 1, "always": 2, "exempt": 3}
	org := st.Org(repo.Owner)
	u := st.User(login)
	for _, a := range rs.Bypass {
		match := false
		switch a.ActorType {
		case "OrganizationAdmin":
			match = org != nil && org.Members[login] == "admin"
		case "Team":
			if org != nil && a.ActorID != nil {
				for _, t := range org.Teams {
					if t.ID == *a.ActorID {
						m := t.Members[login]
						match = m != nil && m.State == "active"
					}
				}
			}
		case "RepositoryRole":
			// A user whose role is at least the named role (guess: GitHub
			// documents the eligible roles, not how higher roles inherit).
			if a.ActorID != nil {
				if role, ok := repositoryRoleIDs[*a.ActorID]; ok {
					match = st.rank(repo, login) >= roleRank[role]
				}
			}
		case "User":
			match = u != nil && a.ActorID != nil && u.ID == *a.ActorID
		}
		if match && order[a.BypassMode] > order[best] {
			best = a.BypassMode
		}
	}
	return best
}

type ruleHead struct {
	Type       string `json:"type"`
	Parameters struct {
		Checks []struct {
			Context string `json:"context"`
		} `json:"required_status_checks"`
		DoNotEnforceOnCreate bool `json:"do_not_enforce_on_create"`
	} `json:"parameters"`
}

// rulesetRefusal returns the ruleset rules a direct write by the caller
// violates (nil when none), with GitHub's GH013 heading first. Only active
// rulesets block; an actor with bypass_mode always (or exempt) is not
// checked; pull_request bypass covers pull requests only, so a direct write
// is checked. Messages: "Changes must be made through a pull request.",
// "Required status check \"X\" is expected." and "Cannot force-push to
// this branch" are the texts GitHub prints for GH013 rule violations on
// push (seen in public push logs, e.g. community discussion #57488); "Cannot
// update this protected ref.", "Cannot delete this protected branch" and the
// creation text are guesses in the same style.
func (c *ctx) rulesetRefusal(repo *Repo, branch string, op pushOp) []string {
	login := c.user.Login
	var out []string
	for _, rs := range c.st.RulesetsFor(repo, true) {
		if rs.Enforcement != "active" || !rs.appliesToBranch(repo, branch) {
			continue
		}
		if m := c.st.bypassMode(rs, repo, login); m == "always" || m == "exempt" {
			continue
		}
		for _, raw := range rs.Rules {
			var r ruleHead
			if json.Unmarshal(raw, &r) != nil {
				continue
			}
			switch r.Type {
			case "pull_request":
				if op == opUpdate || op == opForce {
					out = append(out, "Changes must be made through a pull request.")
				}
			case "required_status_checks":
				if op == opUpdate || op == opForce || op == opCreate && !r.Parameters.DoNotEnforceOnCreate {
					switch n := len(r.Parameters.Checks); {
					case n == 1:
						out = append(out, fmt.Sprintf("Required status check %q is expected.", r.Parameters.Checks[0].Context))
					case n > 1:
						out = append(out, fmt.Sprintf("%d of %d required status checks are expected.", n, n))
					}
				}
			case "non_fast_forward":
				if op == opForce {
					out = append(out, "Cannot force-push to this branch")
				}
			case "update":
				if op == opUpdate || op == opForce {
					out = append(out, "Cannot update this protected ref.")
				}
			case "deletion":
				if op == opDelete {
					out = append(out, "Cannot delete this protected branch")
				}
			case "creation":
				if op == opCreate {
					out = append(out, "Cannot create ref due to creations being restricted.")
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append([]string{"Repository rule violations found for refs/heads/" + branch + "."}, dedupeStrings(out)...)
}

func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// pushRefusal combines classic branch protection and rulesets: both apply
// to a branch at once ("Rulesets work alongside any branch protection
// rules", docs "About rulesets": layering).
func (c *ctx) pushRefusal(repo *Repo, branch string, op pushOp, newCommits []*Commit) []string {
	out := c.classicRefusal(repo, branch, op, newCommits)
	return append(out, c.rulesetRefusal(repo, branch, op)...)
}

// ---- routes ----

func addRulesetRoutes(add addFunc) {
	const (
		adminW = "administration=write"
		meta   = "metadata=read"
		orgAdm = "organization_administration=read"
		orgAdW = "organization_administration=write"
	)
	r := "/repos/{owner}/{repo}/rulesets"
	add("GET", r, hRulesetList, false, scRepo, meta)
	add("POST", r, hRulesetCreate, true, scRepo, adminW)
	add("GET", r+"/{ruleset_id}", hRulesetGet, false, scRepo, meta)
	add("PUT", r+"/{ruleset_id}", hRulesetPut, true, scRepo, adminW)
	add("DELETE", r+"/{ruleset_id}", hRulesetDelete, true, scRepo, adminW)
	add("GET", "/repos/{owner}/{repo}/rules/branches/{branch}", hBranchRules, false, scRepo, meta)
	o := "/orgs/{org}/rulesets"
	add("GET", o, hOrgRulesetList, true, scOrgRead, orgAdm)
	add("GET", o+"/{ruleset_id}", hOrgRulesetGet, true, scOrgRead, orgAdm)
	add("PUT", o+"/{ruleset_id}", hOrgRulesetPut, true, scOrgWrite, orgAdW)
}

const docRules = "https://docs.github.com/rest/repos/rules"

func (c *ctx) rulesetLinks(rs *Ruleset) obj {
	if rs.SourceType == "Organization" {
		return obj{"self": obj{"href": fmt.Sprintf("%s/orgs/%s/rulesets/%d", c.base, rs.Source, rs.ID)},
			"html": obj{"href": fmt.Sprintf("%s/organizations/%s/settings/rules/%d", c.web, rs.Source, rs.ID)}}
	}
	return obj{"self": obj{"href": fmt.Sprintf("%s/repos/%s/rulesets/%d", c.base, rs.Source, rs.ID)},
		"html": obj{"href": fmt.Sprintf("%s/%s/rules/%d", c.web, rs.Source, rs.ID)}}
}

// rulesetJSON renders a ruleset. full adds conditions, rules and (when
// withBypass) bypass_actors; repo, when non-nil, adds current_user_can_bypass
// (repository-level endpoints only).
// rulesetSummary is a ruleset as the lists give it (see hRulesetList).
func (c *ctx) rulesetSummary(rs *Ruleset) obj { return c.rulesetJSON(rs, false, false, nil) }

func (c *ctx) rulesetJSON(rs *Ruleset, full, withBypass bool, repo *Repo) obj {
	o := obj{"id": rs.ID, "name": rs.Name, "target": rs.Target, "source_type": rs.SourceType, "source": rs.Source,
		"enforcement": rs.Enforcement, "node_id": nodeID("RepositoryRuleset", rs.ID), "_links": c.rulesetLinks(rs),
		"created_at": ts(rs.CreatedAt), "updated_at": ts(rs.UpdatedAt)}
	if !full {
		return o
	}
	if withBypass {
		ba := make([]BypassActor, len(rs.Bypass))
		copy(ba, rs.Bypass)
		o["bypass_actors"] = ba
	}
	if len(rs.Conditions) > 0 {
		o["conditions"] = rs.Conditions
	} else {
		o["conditions"] = nil
	}
	rules := make([]json.RawMessage, len(rs.Rules))
	copy(rules, rs.Rules)
	o["rules"] = rules
	if repo != nil && c.user != nil {
		o["current_user_can_bypass"] = map[string]string{"": "never", "always": "always", "pull_request": "pull_requests_only", "exempt": "exempt"}[c.st.bypassMode(rs, repo, c.user.Login)]
	}
	return o
}

// canEditRuleset: repository rulesets need admin on the repository,
// organization rulesets an organization owner.
func (c *ctx) canEditRuleset(rs *Ruleset, repo *Repo) bool {
	if c.user == nil {
		return false
	}
	if rs.SourceType == "Organization" {
		o := c.st.Org(rs.Source)
		return o != nil && o.Members[c.user.Login] == "admin"
	}
	return repo != nil && c.st.rank(repo, c.user.Login) >= 5
}

func includesParents(c *ctx) bool { return c.q.Get("includes_parents") != "false" }

func hRulesetList(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	all := c.st.RulesetsFor(repo, includesParents(c))
	if t := c.q.Get("targets"); t != "" {
		want := map[string]bool{}
		for _, x := range splitComma(t) {
			want[x] = true
		}
		var keep []*Ruleset
		for _, rs := range all {
			if want[rs.Target] {
				keep = append(keep, rs)
			}
		}
		all = keep
	}
	// The list gives each ruleset's summary, without rules, conditions and
	// bypass actors (from memory; go-github's GetAllRulesets callers fetch
	// each ruleset for its rules).
	writePage(c, all, "/repos/"+repo.FullName()+"/rulesets", c.rulesetSummary)
}

func (c *ctx) rulesetByParam(repo *Repo, parents bool) *Ruleset {
	id, err := strconv.ParseInt(c.param("ruleset_id"), 10, 64)
	if err != nil {
		return nil
	}
	for _, rs := range c.st.RulesetsFor(repo, parents) {
		if rs.ID == id {
			return rs
		}
	}
	return nil
}

func hRulesetGet(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	rs := c.rulesetByParam(repo, includesParents(c))
	if rs == nil {
		c.errMsg(404, "Not Found", docRules+"#get-a-repository-ruleset")
		return
	}
	c.json(200, c.rulesetJSON(rs, true, c.canEditRuleset(rs, repo), repo))
}

// rulesetBody is the create/update body; fields are raw so that "left out"
// and null can be told apart (partial update).
type rulesetBody map[string]json.RawMessage

func isNull(r json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(r), []byte("null")) }

// applyRulesetBody validates body and applies it to rs (a copy on create).
// It writes the 422 itself and returns false on invalid input.
func (c *ctx) applyRulesetBody(rs *Ruleset, body rulesetBody, org bool, doc string) bool {
	bad := func(msg string) bool {
		c.errMsg(422, msg, doc)
		return false
	}
	str := func(k string) (string, bool, bool) {
		r, ok := body[k]
		if !ok {
			return "", false, true
		}
		var s string
		if json.Unmarshal(r, &s) != nil {
			return "", true, false
		}
		return s, true, true
	}
	if s, ok, valid := str("name"); !valid || ok && strings.TrimSpace(s) == "" {
		return bad("Invalid property /name: data must be a non-empty string")
	} else if ok {
		rs.Name = s
	}
	if s, ok, valid := str("target"); !valid {
		return bad("Invalid property /target: data must be a string")
	} else if ok {
		if s != "branch" && s != "tag" && s != "push" && !(org && s == "repository") {
			return bad(fmt.Sprintf("Invalid property /target: `%s` is not a possible value.", s))
		}
		rs.Target = s
	}
	if s, ok, valid := str("enforcement"); !valid {
		return bad("Invalid property /enforcement: data must be a string")
	} else if ok {
		if s != "disabled" && s != "active" && s != "evaluate" {
			return bad(fmt.Sprintf("Invalid property /enforcement: `%s` is not a possible value.", s))
		}
		rs.Enforcement = s
	}
	if r, ok := body["bypass_actors"]; ok {
		if isNull(r) {
			// terraform-provider-github PR #2875 quotes this 422.
			return bad("Invalid property /bypass_actors: data cannot be null.")
		}
		var actors []BypassActor
		if err := json.Unmarshal(r, &actors); err != nil {
			return bad("Invalid property /bypass_actors: data must be an array")
		}
		owner := c.st.Org(strings.SplitN(rs.Source, "/", 2)[0])
		for i := range actors {
			a := &actors[i]
			if a.BypassMode == "" {
				a.BypassMode = "always" // "default": "always"
			}
			switch a.BypassMode {
			case "always", "pull_request", "exempt":
			default:
				return bad(fmt.Sprintf("Invalid property /bypass_actors/%d/bypass_mode: `%s` is not a possible value.", i, a.BypassMode))
			}
			switch a.ActorType {
			case "OrganizationAdmin":
				if owner == nil {
					// "OrganizationAdmin is not applicable for personal repositories."
					return bad("OrganizationAdmin is not applicable for personal repositories.")
				}
				one := int64(1) // GitHub stores 1 (older description: "should be 1")
				a.ActorID = &one
			case "DeployKey":
				if a.BypassMode == "pull_request" {
					return bad("pull_request bypass mode is not applicable for the DeployKey actor type.")
				}
				a.ActorID = nil
			case "Team":
				found := false
				if owner != nil && a.ActorID != nil {
					for _, t := range owner.Teams {
						found = found || t.ID == *a.ActorID
					}
				}
				if !found {
					return bad(fmt.Sprintf("Invalid property /bypass_actors/%d: team %v not found in the owner organization.", i, ptrVal(a.ActorID))) // wording guess
				}
			case "RepositoryRole":
				if a.ActorID == nil || repositoryRoleIDs[*a.ActorID] == "" {
					return bad(fmt.Sprintf("Invalid property /bypass_actors/%d: unknown repository role %v.", i, ptrVal(a.ActorID))) // wording guess
				}
			case "Integration", "User":
				if a.ActorID == nil {
					return bad(fmt.Sprintf("Invalid property /bypass_actors/%d: actor_id is required for %s.", i, a.ActorType))
				}
			default:
				return bad(fmt.Sprintf("Invalid property /bypass_actors/%d/actor_type: `%s` is not a possible value.", i, a.ActorType))
			}
			if a.BypassMode == "pull_request" && rs.Target != "branch" {
				return bad("pull_request bypass mode is only applicable to branch rulesets.")
			}
		}
		rs.Bypass = actors
	}
	if r, ok := body["conditions"]; ok {
		var probe map[string]json.RawMessage
		if !isNull(r) && json.Unmarshal(r, &probe) != nil {
			return bad("Invalid property /conditions: data must be an object")
		}
		if isNull(r) {
			rs.Conditions = nil
		} else {
			rs.Conditions = compact(r)
		}
	}
	if r, ok := body["rules"]; ok {
		var rules []json.RawMessage
		if err := json.Unmarshal(r, &rules); err != nil {
			return bad("Invalid property /rules: data must be an array")
		}
		seen := map[string]bool{}
		for i, rr := range rules {
			var h ruleHead
			if json.Unmarshal(rr, &h) != nil || h.Type == "" {
				return bad(fmt.Sprintf("Invalid property /rules/%d: data must have property type", i))
			}
			if seen[h.Type] {
				// Each rule type appears at most once in a ruleset (guess).
				return bad(fmt.Sprintf("Invalid property /rules/%d: duplicate rule type %s", i, h.Type))
			}
			seen[h.Type] = true
			rules[i] = compact(rr)
		}
		rs.Rules = rules
	}
	return true
}

func ptrVal(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func compact(r json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, r) != nil {
		return append(json.RawMessage(nil), r...)
	}
	return b.Bytes()
}

func hRulesetCreate(c *ctx) {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return
	}
	var body rulesetBody
	if !c.decode(&body) {
		return
	}
	doc := docRules + "#create-a-repository-ruleset"
	if _, ok := body["name"]; !ok {
		c.errMsg(422, "Invalid request.\n\n\"name\" wasn't supplied.", doc)
		return
	}
	if _, ok := body["enforcement"]; !ok {
		c.errMsg(422, "Invalid request.\n\n\"enforcement\" wasn't supplied.", doc)
		return
	}
	rs := &Ruleset{SourceType: "Repository", Source: repo.FullName(), Target: "branch"}
	if !c.applyRulesetBody(rs, body, false, doc) {
		return
	}
	c.st.AddRuleset(rs)
	c.json(201, c.rulesetJSON(rs, true, true, repo))
}

// hRulesetPut: repos/update-repo-ruleset, a partial update of a ruleset
// the repository owns. An organization ruleset is not editable here (guess:
// 404, as for a ruleset that does not belong to the repository; it is
// edited at /orgs/{org}/rulesets/{id}).
func hRulesetPut(c *ctx) {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return
	}
	doc := docRules + "#update-a-repository-ruleset"
	rs := c.rulesetByParam(repo, false)
	if rs == nil {
		c.errMsg(404, "Not Found", doc)
		return
	}
	c.updateRuleset(rs, repo, false, doc)
}

func (c *ctx) updateRuleset(rs *Ruleset, repo *Repo, org bool, doc string) {
	var body rulesetBody
	if !c.decode(&body) {
		return
	}
	next := *rs
	next.Bypass = append([]BypassActor(nil), rs.Bypass...)
	next.Rules = append([]json.RawMessage(nil), rs.Rules...)
	if !c.applyRulesetBody(&next, body, org, doc) {
		return
	}
	next.UpdatedAt = c.st.now()
	*rs = next
	c.json(200, c.rulesetJSON(rs, true, true, repo))
}

func hRulesetDelete(c *ctx) {
	repo := c.loadRepo(5, msgAdminRights)
	if repo == nil {
		return
	}
	rs := c.rulesetByParam(repo, false)
	if rs == nil {
		c.errMsg(404, "Not Found", docRules+"#delete-a-repository-ruleset")
		return
	}
	delete(c.st.rulesetMap(), rs.ID)
	c.noContent()
}

// hBranchRules: repos/get-branch-rules. Each active rule that applies to
// the branch, with ruleset_source_type, ruleset_source and ruleset_id.
func hBranchRules(c *ctx) {
	repo := c.loadRepo(0, "")
	if repo == nil {
		return
	}
	branch := c.param("branch")
	var out []json.RawMessage
	for _, rs := range c.st.RulesetsFor(repo, true) {
		if rs.Enforcement != "active" || !rs.appliesToBranch(repo, branch) {
			continue
		}
		for _, raw := range rs.Rules {
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				continue
			}
			m["ruleset_source_type"], _ = json.Marshal(rs.SourceType)
			m["ruleset_source"], _ = json.Marshal(rs.Source)
			m["ruleset_id"], _ = json.Marshal(rs.ID)
			b, _ := json.Marshal(m)
			out = append(out, b)
		}
	}
	writePage(c, out, "/repos/"+repo.FullName()+"/rules/branches/"+pathEscapeBranch(branch), func(r json.RawMessage) json.RawMessage { return r })
}

// orgOwner loads {org} for an organization owner. Others get 404: the
// operations declare only 200/404/500 (repos/get-org-rulesets), and
// organization rulesets are an owner's setting.
func (c *ctx) orgOwner() *Org {
	o := c.st.Org(c.param("org"))
	if o == nil || c.user == nil || o.Members[c.user.Login] != "admin" {
		c.notFound()
		return nil
	}
	return o
}

func hOrgRulesetList(c *ctx) {
	o := c.orgOwner()
	if o == nil {
		return
	}
	writePage(c, c.st.orgRulesets(o.Login), "/orgs/"+o.Login+"/rulesets", c.rulesetSummary)
}

func (c *ctx) orgRulesetByParam(o *Org) *Ruleset {
	id, _ := strconv.ParseInt(c.param("ruleset_id"), 10, 64)
	rs := c.st.Ruleset(id)
	if rs == nil || rs.SourceType != "Organization" || !strings.EqualFold(rs.Source, o.Login) {
		c.errMsg(404, "Not Found", docRules)
		return nil
	}
	return rs
}

func hOrgRulesetGet(c *ctx) {
	o := c.orgOwner()
	if o == nil {
		return
	}
	if rs := c.orgRulesetByParam(o); rs != nil {
		c.json(200, c.rulesetJSON(rs, true, true, nil))
	}
}

func hOrgRulesetPut(c *ctx) {
	o := c.orgOwner()
	if o == nil {
		return
	}
	if rs := c.orgRulesetByParam(o); rs != nil {
		c.updateRuleset(rs, nil, true, "https://docs.github.com/rest/orgs/rules#update-an-organization-repository-ruleset")
	}
}

// ---- seed ----

// Seeded ruleset names (other packages rely on them).
const (
	SeedRulesetPayments = "payments-staging"   // acme/payments: branch staging
	SeedRulesetOrg      = "acme-staging-guard" // acme: branch staging of every repository
)

// seedAcmeRulesets adds, to the acme world: branch staging in acme/payments
// (at main's head); the repository ruleset payments-staging on staging with
// pull_request, required_status_checks and non_fast_forward, and a
// merge_queue rule go-github v60 cannot decode (bypass: team
// release-managers, always; RepositoryRole maintain, pull_request only);
// and the organization ruleset acme-staging-guard (deletion and
// non_fast_forward on staging in every repository; bypass: organization
// admins). Neither covers main, so classic protection alone governs main
// and the protection lever's door test is unaffected.
func seedAcmeRulesets(st *State) {
	pay := st.Repo("acme/payments")
	if pay == nil {
		return
	}
	pay.Branches["staging"] = pay.Branches["main"]
	st.recordActivityAt(pay, "staging", "", pay.Branches["main"], "branch_creation", "release-bot", st.now().Add(-7*24*time.Hour))
	rm := st.Org("acme").Team("release-managers").ID
	maintain := RepositoryRoleID("maintain")
	st.AddRuleset(&Ruleset{
		Name: SeedRulesetPayments, Target: "branch", SourceType: "Repository", Source: pay.FullName(), Enforcement: "active",
		Bypass: []BypassActor{
			{ActorID: &rm, ActorType: "Team", BypassMode: "always"},
			{ActorID: &maintain, ActorType: "RepositoryRole", BypassMode: "pull_request"},
		},
		Conditions: json.RawMessage(`{"ref_name":{"include":["refs/heads/staging"],"exclude":[]}}`),
		Rules: []json.RawMessage{
			json.RawMessage(`{"type":"pull_request","parameters":{"allowed_merge_methods":["squash","rebase"],"dismiss_stale_reviews_on_push":true,"require_code_owner_review":false,"require_last_push_approval":true,"required_approving_review_count":1,"required_review_thread_resolution":true}}`),
			json.RawMessage(`{"type":"required_status_checks","parameters":{"do_not_enforce_on_create":true,"required_status_checks":[{"context":"ci/build","integration_id":15368},{"context":"ci/test"}],"strict_required_status_checks_policy":true}}`),
			json.RawMessage(`{"type":"non_fast_forward"}`),
			json.RawMessage(`{"type":"merge_queue","parameters":{"check_response_timeout_minutes":60,"grouping_strategy":"ALLGREEN","max_entries_to_build":5,"max_entries_to_merge":5,"merge_method":"SQUASH","min_entries_to_merge":1,"min_entries_to_merge_wait_minutes":5}}`),
		},
		CreatedAt: st.now().Add(-60 * 24 * time.Hour), UpdatedAt: st.now().Add(-30 * 24 * time.Hour),
	})
	st.AddRuleset(&Ruleset{
		Name: SeedRulesetOrg, Target: "branch", SourceType: "Organization", Source: "acme", Enforcement: "active",
		Bypass:     []BypassActor{{ActorID: ptr64(1), ActorType: "OrganizationAdmin", BypassMode: "always"}},
		Conditions: json.RawMessage(`{"ref_name":{"include":["refs/heads/staging"],"exclude":[]},"repository_name":{"include":["~ALL"],"exclude":[],"protected":false}}`),
		Rules:      []json.RawMessage{json.RawMessage(`{"type":"deletion"}`), json.RawMessage(`{"type":"non_fast_forward"}`)},
		CreatedAt:  st.now().Add(-90 * 24 * time.Hour), UpdatedAt: st.now().Add(-90 * 24 * time.Hour),
	})
}

func ptr64(v int64) *int64 { return &v }
