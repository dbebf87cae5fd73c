package ghsim

import (
	"strings"
	"time"
)

// Seed names and facts other packages rely on.
const (
	AppGitHubActionsID   = 15368 // the GitHub Actions app id on github.com
	AppGitHubActionsSlug = "github-actions"
	AppAcmeCIID          = 90210 // a CI app installed on acme (guess id)
	AppAcmeCISlug        = "acme-ci"
	// The names GitHub's documentation examples use (the request-body
	// examples of repos/update-branch-protection and
	// repos/update-pull-request-review-protection in @octokit/openapi
	// 23.0.2): user octocat, team justice-league, apps super-ci and octoapp.
	// They exist in the acme seed so those bodies, copied verbatim, are
	// accepted as GitHub accepts them on its own example repository.
	AppSuperCIID   = 90211 // guess id
	AppSuperCISlug = "super-ci"
	AppOctoappID   = 90212 // guess id
	AppOctoappSlug = "octoapp"
	TeamDocsSlug   = "justice-league"
	TeamDocsID     = 234
)

// CreateBranch creates branch at sha and records a branch_creation event by actor.
func (st *State) CreateBranch(repo *Repo, branch, sha, actor string) {
	repo.Branches[branch] = sha
	st.recordActivity(repo, branch, "", sha, "branch_creation", actor)
}

// AddTeamMember adds login to org/team with role member|maintainer (state active).
func (st *State) AddTeamMember(org, slug, login, role string) {
	st.Org(org).Team(slug).Members[st.User(login).Login] = &TeamMember{Role: role, State: "active"}
}

// SetTeamRepo gives a team a permission (pull|triage|push|maintain|admin) on a repo.
func (st *State) SetTeamRepo(org, slug string, repo *Repo, perm string) {
	st.Org(org).Team(slug).Repos[strings.ToLower(repo.FullName())] = perm
}

// AddCollaborator makes login a direct collaborator with role (no invitation).
func (st *State) AddCollaborator(repo *Repo, login, role string) {
	repo.Collaborators[st.User(login).Login] = role
}

// OpenPR opens a pull request from head into base by author. The head
// branch must exist. autoMerge "" leaves auto-merge off, else it is the
// merge method (merge|squash|rebase) enabled by the author.
func (st *State) OpenPR(repo *Repo, head, base, author, title, autoMerge string) *Issue {
	now := st.now()
	is := &Issue{ID: st.id(), Number: len(repo.Issues) + 1, Title: title, State: "open", User: author, CreatedAt: now, UpdatedAt: now,
		Labels: []string{}, PR: &PullRequest{ID: st.id(), Head: head, HeadSHA: repo.Branches[head], Base: base}}
	if autoMerge != "" {
		is.PR.AutoMerge = &AutoMerge{EnabledBy: author, MergeMethod: autoMerge, CommitTitle: title + " (#" + itoa(is.Number) + ")", CommitMessage: ""}
	}
	repo.Issues = append(repo.Issues, is)
	return is
}

// MergePR merges an open PR as actor: a new commit on base (squash-style),
// merged_at set, state closed, and a pr_merge activity event.
func (st *State) MergePR(repo *Repo, number int, actor string) *Commit {
	is := repo.Issue(number)
	before := repo.Branches[is.PR.Base]
	tree := map[string]string{}
	if h := repo.Commits[is.PR.HeadSHA]; h != nil {
		for k, v := range h.Tree {
			tree[k] = v
		}
	}
	var parents []string
	if before != "" {
		parents = []string{before}
	}
	now := st.now()
	c := repo.addCommit(parents, is.Title+" (#"+itoa(number)+")", is.User, now, tree)
	repo.Branches[is.PR.Base] = c.SHA
	t := now
	is.State, is.ClosedAt, is.UpdatedAt = "closed", &t, now
	is.PR.MergedAt = &t
	sha := c.SHA
	is.PR.MergeSHA = &sha
	is.PR.AutoMerge = nil
	st.recordActivity(repo, is.PR.Base, before, c.SHA, "pr_merge", actor)
	return c
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for i > 0 {
		b = append([]byte{digits[i%10]}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

func seedEmpty(st *State) {
	st.AddUser("web-flow", "GitHub Web Flow", false)
	st.AddUser("octocat", "The Octocat", true)
}

// seedAcme builds the "acme" world (names are relied on by other packages):
//
//	org acme (2FA required), owner acme-admin
//	users alice, bob (oncall), carol (security maintainer), dave (developers),
//	      erin (no org, no access, 2FA off), mallory (member, 2FA off, direct pull on payments),
//	      release-bot (release-managers), frank (outside collaborator, maintain on payments)
//	teams oncall (admin on payments, push on audit), security (maintain on payments, push on audit),
//	      developers (push on payments), release-managers (push on payments)
//	repos acme/payments (private), acme/audit (private), acme/.github (public), alice/dotfiles (public, personal)
//	docs-example names: octocat (member, team justice-league without repo access), apps super-ci, octoapp
func seedAcme(st *State) {
	st.AddUser("github", "GitHub", false).Type = "Organization"
	st.AddUser("web-flow", "GitHub Web Flow", false)
	st.AddUser("acme-admin", "Acme Admin", true)
	st.AddUser("alice", "Alice Oncall", true)
	st.AddUser("bob", "Bob Oncall", true)
	st.AddUser("carol", "Carol Security", true)
	st.AddUser("dave", "Dave Developer", true)
	st.AddUser("erin", "Erin Outsider", false)
	st.AddUser("mallory", "Mallory Member", false)
	st.AddUser("release-bot", "Release Bot", true)
	st.AddUser("frank", "Frank Contractor", true)

	org := st.AddOrg("acme", "acme-admin", true)
	for _, m := range []string{"alice", "bob", "carol", "dave", "mallory", "release-bot"} {
		org.Members[m] = "member"
	}
	org.CustomRoles["security-auditor"] = "read"
	st.AddApp(AppGitHubActionsID, AppGitHubActionsSlug, "GitHub Actions", "github")
	st.AddApp(AppAcmeCIID, AppAcmeCISlug, "Acme CI", "acme")
	st.oauth.clients[SimClientIDNoDevice] = false

	for _, t := range []struct{ slug, name string }{{"oncall", "On-call"}, {"security", "Security"}, {"developers", "Developers"}, {"release-managers", "Release managers"}} {
		st.AddTeam("acme", t.slug, t.name)
	}
	st.AddTeamMember("acme", "oncall", "alice", "member")
	st.AddTeamMember("acme", "oncall", "bob", "member")
	st.AddTeamMember("acme", "security", "carol", "maintainer")
	st.AddTeamMember("acme", "developers", "dave", "member")
	st.AddTeamMember("acme", "release-managers", "release-bot", "member")

	now := st.now()
	pay := st.AddRepo("acme", "payments", true, "main")
	pay.Description = "Payments service"
	pay.AllowMerge = false // squash + rebase only
	pay.AllowAutoMerge = true
	st.commitAt(pay, "main", "dave", "Add payment processor", map[string]string{"processor.go": "package payments\n\nfunc Charge() {}\n"}, now.Add(-30*24*time.Hour))
	st.commitAt(pay, "main", "alice", "Add runbook", map[string]string{"RUNBOOK.md": "# On-call runbook\n"}, now.Add(-20*24*time.Hour))
	st.commitAt(pay, "main", "dave", "Handle refunds", map[string]string{"refunds.go": "package payments\n\nfunc Refund() {}\n"}, now.Add(-10*24*time.Hour))
	st.recordActivityAt(pay, "release/1.x", "", pay.Branches["main"], "branch_creation", "release-bot", now.Add(-9*24*time.Hour))
	pay.Branches["release/1.x"] = pay.Branches["main"]
	st.commitAt(pay, "main", "dave", "Faster ledger writes", map[string]string{"ledger.go": "package payments\n\nfunc Write() {}\n"}, now.Add(-5*24*time.Hour))
	// PR branches
	pay.Branches["feature/refund-limits"] = pay.Branches["main"]
	st.recordActivityAt(pay, "feature/refund-limits", "", pay.Branches["main"], "branch_creation", "dave", now.Add(-3*24*time.Hour))
	st.commitAt(pay, "feature/refund-limits", "dave", "Limit refunds", map[string]string{"refunds.go": "package payments\n\nfunc Refund() { /* limited */ }\n"}, now.Add(-3*24*time.Hour))
	pay.Branches["docs/runbook-update"] = pay.Branches["main"]
	st.recordActivityAt(pay, "docs/runbook-update", "", pay.Branches["main"], "branch_creation", "dave", now.Add(-2*24*time.Hour))
	st.commitAt(pay, "docs/runbook-update", "dave", "Update runbook", map[string]string{"RUNBOOK.md": "# On-call runbook\n\nPage the on-call.\n"}, now.Add(-2*24*time.Hour))

	st.SetTeamRepo("acme", "oncall", pay, "admin")
	st.SetTeamRepo("acme", "security", pay, "maintain")
	st.SetTeamRepo("acme", "developers", pay, "push")
	st.SetTeamRepo("acme", "release-managers", pay, "push")
	st.AddCollaborator(pay, "mallory", "pull")
	st.AddCollaborator(pay, "frank", "maintain")

	// main, protected "the way a careful team protects it".
	actions := int64(AppGitHubActionsID)
	pay.SetProtection(&Protection{
		Pattern:              "main",
		RequiredStatusChecks: &StatusChecks{Strict: true, Checks: []Check{{Context: "ci/build", AppID: &actions}, {Context: "ci/test", AppID: nil}}},
		EnforceAdmins:        true,
		Reviews: &Reviews{
			DismissalRestrictions:        &Actors{Teams: []string{"security"}},
			DismissStaleReviews:          true,
			RequireCodeOwnerReviews:      true,
			RequiredApprovingReviewCount: 2,
			RequireLastPushApproval:      true,
		},
		Restrictions:                   &Actors{Teams: []string{"release-managers"}},
		RequiredLinearHistory:          true,
		RequiredConversationResolution: true,
	})
	// Wildcard rule covering release/1.x.
	pay.SetProtection(&Protection{Pattern: "release/*", Reviews: &Reviews{RequiredApprovingReviewCount: 1}})

	pr1 := st.OpenPR(pay, "feature/refund-limits", "main", "dave", "Limit refunds per day", "squash")
	pr1.CreatedAt, pr1.UpdatedAt = now.Add(-3*24*time.Hour), now.Add(-1*24*time.Hour)
	pr2 := st.OpenPR(pay, "docs/runbook-update", "main", "dave", "Update the on-call runbook", "")
	pr2.CreatedAt, pr2.UpdatedAt = now.Add(-2*24*time.Hour), now.Add(-2*24*time.Hour)
	pay.Reviews = append(pay.Reviews, &Review{ID: st.id(), PR: 1, User: "alice", State: "APPROVED", Body: "LGTM", CommitID: pr1.PR.HeadSHA, SubmittedAt: now.Add(-1 * 24 * time.Hour)})

	audit := st.AddRepo("acme", "audit", true, "main")
	audit.Description = "Break-glass audit records"
	st.SetTeamRepo("acme", "oncall", audit, "push")
	st.SetTeamRepo("acme", "security", audit, "push")

	st.AddRepo("acme", ".github", false, "main")
	dot := st.AddRepo("alice", "dotfiles", false, "main")
	dot.Description = "alice's dotfiles"
	seedAcmeRulesets(st)

	seedDocsExamples(st)
}

// seedDocsExamples adds the accounts GitHub's documentation examples name
// (octocat, team justice-league with id 234, apps super-ci and octoapp), last, so every
// id assigned before stays as it was. octocat is an acme member in team
// justice-league; the team has no repository access, so collaborator lists,
// roles and who may push are unchanged. GitHub's documented checks on
// restriction and bypass lists are that the names resolve (422 otherwise);
// whether it also wants push access there is not documented, and the
// simulator does not check it (guess).
func seedDocsExamples(st *State) {
	st.AddUser("octocat", "The Octocat", true)
	st.Org("acme").Members["octocat"] = "member"
	// The ruleset examples (repos/create-repo-ruleset and friends) name
	// their bypass team by id 234; the simulator's ids start above 1000,
	// so 234 collides with nothing.
	st.AddTeam("acme", TeamDocsSlug, "Justice League").ID = TeamDocsID
	st.AddTeamMember("acme", TeamDocsSlug, "octocat", "member")
	st.AddApp(AppSuperCIID, AppSuperCISlug, "Super CI", "acme")
	st.AddApp(AppOctoappID, AppOctoappSlug, "Octoapp", "acme")
}
