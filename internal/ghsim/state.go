package ghsim

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// State is the simulated world. Access it only through Server.Do (or from
// handlers, which run under the server lock).
type State struct {
	now       func() time.Time
	nextID    int64
	nextTok   int
	users     map[string]*User // lower-case login → user (orgs have a User too, Type "Organization")
	orgs      map[string]*Org
	repos     map[string]*Repo // lower-case "owner/name"
	reposByID map[int64]*Repo
	apps      map[string]*App // slug → app
	tokens    map[string]*TokenSpec
	invites   map[int64]*Invitation
	oauth     *oauthState
	rulesets  map[int64]*Ruleset // repository and organization rulesets (rulesets.go)
}

func newState(now func() time.Time) *State {
	return &State{
		now: func() time.Time { return now().UTC().Truncate(time.Second) }, nextID: 1000,
		users: map[string]*User{}, orgs: map[string]*Org{}, repos: map[string]*Repo{}, reposByID: map[int64]*Repo{},
		apps: map[string]*App{}, tokens: map[string]*TokenSpec{}, invites: map[int64]*Invitation{}, oauth: newOAuthState(),
	}
}

// Now is the simulator's clock (truncated to seconds, UTC).
func (st *State) Now() time.Time { return st.now() }

func (st *State) id() int64 { st.nextID++; return st.nextID }

// User is a GitHub account (a user, or the account behind an organization).
type User struct {
	ID        int64
	Login     string
	Name      string
	Type      string // "User" or "Organization"
	SiteAdmin bool
	TwoFactor bool
	Email     string
	CreatedAt time.Time
}

// Org is an organization.
type Org struct {
	Login             string
	ID                int64
	Name              string
	TwoFactorRequired bool
	Members           map[string]string // login → "member" | "admin"
	Teams             map[string]*Team  // slug → team
	CustomRoles       map[string]string // custom repository role name → base role (read|triage|write|maintain)
	PendingInvites    map[string]bool   // logins invited to the org (from team membership PUT)
	CreatedAt         time.Time
}

// Team is an org team.
type Team struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Privacy     string // closed | secret
	Permission  string // legacy default permission (pull)
	Members     map[string]*TeamMember
	Repos       map[string]string // lower-case "owner/name" → pull|triage|push|maintain|admin
	CreatedAt   time.Time
}

// TeamMember is one membership.
type TeamMember struct {
	Role  string // member | maintainer
	State string // active | pending
}

// App is a GitHub App (for status-check app_id and restriction apps).
type App struct {
	ID    int64
	Slug  string
	Name  string
	Owner string
}

// Repo is a repository with its git data, protection, issues and PRs.
type Repo struct {
	ID             int64
	Owner          string
	Name           string
	Description    string
	Private        bool
	DefaultBranch  string
	AllowSquash    bool
	AllowMerge     bool
	AllowRebase    bool
	AllowAutoMerge bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	PushedAt       time.Time

	Collaborators map[string]string // login → pull|triage|push|maintain|admin|custom role name
	Branches      map[string]string // branch → head sha
	Commits       map[string]*Commit
	Rules         []*Protection // classic protection rules; Pattern may contain wildcards
	Issues        []*Issue      // issues and PRs share numbers; index = number-1
	Labels        []*Label
	Comments      []*Comment
	Reviews       []*Review
	Activity      []*Activity
	nextActivity  int64
}

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.Owner + "/" + r.Name }

// Commit is one node of the commit graph.
type Commit struct {
	SHA        string
	Parents    []string
	Message    string
	Author     string // login
	AuthorDate time.Time
	CommitDate time.Time
	Tree       map[string]string // path → content
	Verified   bool              // signed (commits made through the contents API are signed by GitHub)
}

// Invitation is a repository invitation.
type Invitation struct {
	ID         int64
	Repo       *Repo
	Invitee    string
	Inviter    string
	Permission string // read|triage|write|maintain|admin (or custom role name)
	CreatedAt  time.Time
	Expired    bool
}

// Label is a repository label.
type Label struct {
	ID          int64
	Name        string
	Color       string
	Description *string
	Default     bool
}

// Issue is an issue or a pull request (PR != nil).
type Issue struct {
	ID          int64
	Number      int
	Title       string
	Body        *string
	State       string // open | closed
	StateReason *string
	Labels      []string
	User        string
	Locked      bool
	LockReason  *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    *time.Time
	PR          *PullRequest
}

// PullRequest holds the PR-only fields of an Issue.
type PullRequest struct {
	ID        int64
	Head      string // branch
	HeadSHA   string
	Base      string
	Draft     bool
	MergedAt  *time.Time
	MergeSHA  *string
	AutoMerge *AutoMerge
}

// AutoMerge is the PR's auto_merge object.
type AutoMerge struct {
	EnabledBy     string
	MergeMethod   string // merge | squash | rebase
	CommitTitle   string
	CommitMessage string
}

// Comment is an issue comment.
type Comment struct {
	ID        int64
	Issue     int
	User      string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Review is a PR review.
type Review struct {
	ID          int64
	PR          int
	User        string
	State       string // APPROVED | CHANGES_REQUESTED | COMMENTED
	Body        string
	CommitID    string
	SubmittedAt time.Time
}

// Activity is one repository activity event (repos/list-activities).
type Activity struct {
	ID        int64
	Before    string
	After     string
	Ref       string // refs/heads/...
	Timestamp time.Time
	Type      string // push | force_push | branch_creation | branch_deletion | pr_merge | merge_queue_merge
	Actor     string
}

// ---- lookups ----

// User returns the user or org account with this login (case-insensitive), or nil.
func (st *State) User(login string) *User { return st.users[strings.ToLower(login)] }

// Org returns the org, or nil.
func (st *State) Org(login string) *Org { return st.orgs[strings.ToLower(login)] }

// Repo returns the repository "owner/name", or nil.
func (st *State) Repo(fullName string) *Repo { return st.repos[strings.ToLower(fullName)] }

// App returns the app by slug, or nil.
func (st *State) App(slug string) *App { return st.apps[slug] }

func (st *State) appByID(id int64) *App {
	for _, a := range st.apps {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Team returns the team, or nil.
func (o *Org) Team(slug string) *Team {
	if o == nil {
		return nil
	}
	return o.Teams[strings.ToLower(slug)]
}

// Branch returns the head SHA of a branch, or "".
func (r *Repo) Branch(name string) string { return r.Branches[name] }

// Issue returns issue/PR number n, or nil.
func (r *Repo) Issue(n int) *Issue {
	if n < 1 || n > len(r.Issues) {
		return nil
	}
	return r.Issues[n-1]
}

// Label returns the label (case-insensitive), or nil.
func (r *Repo) Label(name string) *Label {
	for _, l := range r.Labels {
		if strings.EqualFold(l.Name, name) {
			return l
		}
	}
	return nil
}

// ---- construction helpers (used by seeds and tests) ----

// AddUser creates a user account.
func (st *State) AddUser(login, name string, twoFactor bool) *User {
	u := &User{ID: st.id(), Login: login, Name: name, Type: "User", TwoFactor: twoFactor, CreatedAt: st.now().Add(-400 * 24 * time.Hour)}
	st.users[strings.ToLower(login)] = u
	return u
}

// AddOrg creates an organization owned by owner (role admin).
func (st *State) AddOrg(login, owner string, require2FA bool) *Org {
	u := &User{ID: st.id(), Login: login, Name: login, Type: "Organization", CreatedAt: st.now().Add(-500 * 24 * time.Hour)}
	st.users[strings.ToLower(login)] = u
	o := &Org{Login: login, ID: u.ID, Name: login, TwoFactorRequired: require2FA, Members: map[string]string{}, Teams: map[string]*Team{},
		CustomRoles: map[string]string{}, PendingInvites: map[string]bool{}, CreatedAt: u.CreatedAt}
	if owner != "" {
		o.Members[owner] = "admin"
	}
	st.orgs[strings.ToLower(login)] = o
	return o
}

// AddTeam creates a team in org.
func (st *State) AddTeam(org, slug, name string) *Team {
	o := st.Org(org)
	t := &Team{ID: st.id(), Slug: slug, Name: name, Privacy: "closed", Permission: "pull", Members: map[string]*TeamMember{}, Repos: map[string]string{}, CreatedAt: st.now().Add(-300 * 24 * time.Hour)}
	o.Teams[strings.ToLower(slug)] = t
	return t
}

// AddApp registers a GitHub App.
func (st *State) AddApp(id int64, slug, name, owner string) *App {
	a := &App{ID: id, Slug: slug, Name: name, Owner: owner}
	st.apps[slug] = a
	return a
}

// AddRepo creates a repository with an initial commit on defaultBranch.
func (st *State) AddRepo(owner, name string, private bool, defaultBranch string) *Repo {
	now := st.now()
	r := &Repo{ID: st.id(), Owner: owner, Name: name, Private: private, DefaultBranch: defaultBranch,
		AllowSquash: true, AllowMerge: true, AllowRebase: true,
		CreatedAt: now.Add(-200 * 24 * time.Hour), UpdatedAt: now.Add(-24 * time.Hour), PushedAt: now.Add(-24 * time.Hour),
		Collaborators: map[string]string{}, Branches: map[string]string{}, Commits: map[string]*Commit{}}
	st.repos[strings.ToLower(r.FullName())] = r
	st.reposByID[r.ID] = r
	author := owner
	if o := st.Org(owner); o != nil {
		for l, role := range o.Members {
			if role == "admin" {
				author = l
				break
			}
		}
	}
	c := r.addCommit(nil, "Initial commit", author, now.Add(-200*24*time.Hour), map[string]string{"README.md": "# " + name + "\n"})
	r.Branches[defaultBranch] = c.SHA
	for _, l := range []struct{ n, c, d string }{{"bug", "d73a4a", "Something isn't working"}, {"documentation", "0075ca", "Improvements or additions to documentation"}, {"enhancement", "a2eeef", "New feature or request"}} {
		d := l.d
		r.Labels = append(r.Labels, &Label{ID: st.id(), Name: l.n, Color: l.c, Description: &d, Default: true})
	}
	return r
}

func (r *Repo) addCommit(parents []string, msg, author string, at time.Time, tree map[string]string) *Commit {
	h := sha1.New()
	fmt.Fprintf(h, "%s\x00%v\x00%s\x00%s\x00%d\x00", r.FullName(), parents, msg, author, at.UnixNano())
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, tree[k])
	}
	// Disambiguate identical inputs.
	for {
		sha := hex.EncodeToString(h.Sum(nil))
		if _, dup := r.Commits[sha]; !dup {
			c := &Commit{SHA: sha, Parents: append([]string(nil), parents...), Message: msg, Author: author, AuthorDate: at, CommitDate: at, Tree: tree}
			r.Commits[sha] = c
			return c
		}
		h.Write([]byte{0})
	}
}

// Commit creates a commit on top of branch's head (changing the files in
// changes; an empty value deletes a file), moves the branch, and records a
// push activity event by author. It bypasses protection (it models a push
// by someone allowed to push). It returns the new commit.
func (st *State) Commit(repo *Repo, branch, author, msg string, changes map[string]string) *Commit {
	return st.commitAt(repo, branch, author, msg, changes, st.now())
}

func (st *State) commitAt(repo *Repo, branch, author, msg string, changes map[string]string, at time.Time) *Commit {
	parent := repo.Branches[branch]
	tree := map[string]string{}
	if p := repo.Commits[parent]; p != nil {
		for k, v := range p.Tree {
			tree[k] = v
		}
	}
	for k, v := range changes {
		if v == "" {
			delete(tree, k)
		} else {
			tree[k] = v
		}
	}
	var parents []string
	if parent != "" {
		parents = []string{parent}
	}
	c := repo.addCommit(parents, msg, author, at, tree)
	repo.Branches[branch] = c.SHA
	repo.PushedAt = at
	kind := "push"
	if parent == "" {
		kind = "branch_creation"
	}
	st.recordActivityAt(repo, branch, parent, c.SHA, kind, author, at)
	return c
}

func (st *State) recordActivity(repo *Repo, branch, before, after, kind, actor string) {
	st.recordActivityAt(repo, branch, before, after, kind, actor, st.now())
}

func (st *State) recordActivityAt(repo *Repo, branch, before, after, kind, actor string, at time.Time) {
	zero := strings.Repeat("0", 40)
	if before == "" {
		before = zero
	}
	if after == "" {
		after = zero
	}
	repo.nextActivity++
	repo.Activity = append(repo.Activity, &Activity{ID: st.id(), Before: before, After: after, Ref: "refs/heads/" + branch, Timestamp: at, Type: kind, Actor: actor})
}

// isAncestor reports whether anc is reachable from sha.
func (r *Repo) isAncestor(anc, sha string) bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == anc {
			return true
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		if c := r.Commits[x]; c != nil {
			stack = append(stack, c.Parents...)
		}
	}
	return false
}

// ancestors returns all commits reachable from sha (including it).
func (r *Repo) ancestors(sha string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[x] || r.Commits[x] == nil {
			continue
		}
		seen[x] = true
		stack = append(stack, r.Commits[x].Parents...)
	}
	return seen
}

// resolve turns a branch name, "refs/heads/x", or a (short) sha into a sha.
func (r *Repo) resolve(ref string) string {
	ref = strings.TrimPrefix(ref, "refs/heads/")
	if ref == "" {
		return ""
	}
	if s, ok := r.Branches[ref]; ok {
		return s
	}
	if _, ok := r.Commits[ref]; ok {
		return ref
	}
	if len(ref) >= 7 {
		for s := range r.Commits {
			if strings.HasPrefix(s, ref) {
				return s
			}
		}
	}
	return ""
}

func blobSHA(content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00%s", len(content), content)
	return hex.EncodeToString(h.Sum(nil))
}

func b64(s string) string {
	// GitHub wraps base64 content at 60 characters with "\n".
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

// ---- permissions ----

var roleRank = map[string]int{"none": 0, "read": 1, "pull": 1, "triage": 2, "write": 3, "push": 3, "maintain": 4, "admin": 5}

// rankOf maps a role (incl. custom role names) to a rank.
func (st *State) rankOf(repo *Repo, role string) int {
	if r, ok := roleRank[role]; ok {
		return r
	}
	if o := st.Org(repo.Owner); o != nil {
		if base, ok := o.CustomRoles[role]; ok {
			return roleRank[base]
		}
	}
	return 0
}

// EffectiveRole is the highest role the user has on repo, considering the
// owner, org owners (→ admin), direct collaborators and teams. It returns the
// role name as GitHub's role_name reports it: admin, maintain, write, triage,
// read, a custom role name, or "" for none.
func (st *State) EffectiveRole(repo *Repo, login string) string {
	if login == "" {
		return ""
	}
	if strings.EqualFold(repo.Owner, login) {
		return "admin"
	}
	best, bestRank := "", 0
	consider := func(role string) {
		if rk := st.rankOf(repo, role); rk > bestRank {
			best, bestRank = role, rk
		}
	}
	if o := st.Org(repo.Owner); o != nil {
		if o.Members[strings.ToLower(login)] == "admin" || o.Members[login] == "admin" {
			return "admin"
		}
		for _, t := range o.Teams {
			if m := t.Members[login]; m != nil && m.State == "active" {
				if p, ok := t.Repos[strings.ToLower(repo.FullName())]; ok {
					consider(p)
				}
			}
		}
	}
	for l, role := range repo.Collaborators {
		if strings.EqualFold(l, login) {
			consider(role)
		}
	}
	return canonicalRole(best)
}

func canonicalRole(r string) string {
	switch r {
	case "pull":
		return "read"
	case "push":
		return "write"
	}
	return r
}

func (st *State) rank(repo *Repo, login string) int {
	return st.rankOf(repo, st.EffectiveRole(repo, login))
}

// canSee: private repos need read access; public repos are visible to all.
func (st *State) canSee(repo *Repo, login string) bool {
	return !repo.Private || st.rank(repo, login) >= 1
}

func (st *State) isOrgMember(org, login string) bool {
	o := st.Org(org)
	if o == nil {
		return false
	}
	_, ok := o.Members[login]
	return ok
}

// Invitations lists the repository invitations of repo (oldest first).
func (st *State) Invitations(repo *Repo) []*Invitation {
	var out []*Invitation
	for _, inv := range st.invites {
		if inv.Repo == repo {
			out = append(out, inv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Users lists all accounts (users and org accounts), sorted by id.
func (st *State) Users() []*User {
	var out []*User
	for _, u := range st.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
