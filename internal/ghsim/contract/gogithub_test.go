package contract_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
)

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// TestGoGitHubAgainstDescription drives the acme-seeded simulator with
// go-github v60, with the request shapes glass sends (github-api.md §1.4:
// checks only, explicit empty lists), through the validating simtest
// server. Any exchange GitHub's description rejects fails the test.
func TestGoGitHubAgainstDescription(t *testing.T) {
	_, before := contract.Stats()
	sim := simtest.Start(t, ghsim.WithSeed("acme"))
	ctx := context.Background()
	client := func(login string) *github.Client {
		c := github.NewClient(sim.Client).WithAuthToken(sim.Token(login))
		u, _ := url.Parse(sim.URL)
		c.BaseURL = u
		return c
	}
	gh, admin, erin := client("alice"), client("acme-admin"), client("erin")
	must := func(what string, _ *github.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	status := func(what string, resp *github.Response, want int) {
		t.Helper()
		if resp == nil || resp.StatusCode != want {
			got := 0
			if resp != nil {
				got = resp.StatusCode
			}
			t.Errorf("%s: status %d, want %d", what, got, want)
		}
	}

	// identity
	me, resp, err := gh.Users.Get(ctx, "")
	must("users/get-authenticated", resp, err)
	_, resp, err = gh.Users.Get(ctx, "bob")
	must("users/get-by-username", resp, err)
	_, resp, err = gh.Organizations.Get(ctx, "acme")
	must("orgs/get", resp, err)
	_, resp, err = gh.Organizations.GetOrgMembership(ctx, me.GetLogin(), "acme")
	must("orgs/get-membership-for-user", resp, err)
	_, resp, err = gh.Organizations.IsMember(ctx, "acme", "alice")
	must("orgs/check-membership-for-user", resp, err)
	_, resp, err = gh.RateLimit.Get(ctx)
	must("rate-limit/get", resp, err)

	// repository and branch
	repo, resp, err := gh.Repositories.Get(ctx, "acme", "payments")
	must("repos/get", resp, err)
	_, resp, err = gh.Repositories.GetBranch(ctx, "acme", "payments", "main", 0)
	must("repos/get-branch", resp, err)

	// branch protection: snapshot, relax one setting, restore exactly
	p, resp, err := gh.Repositories.GetBranchProtection(ctx, "acme", "payments", "main")
	must("repos/get-branch-protection", resp, err)
	req := protectionRequest(p)
	_, resp, err = gh.Repositories.UpdateBranchProtection(ctx, "acme", "payments", "main", req)
	must("repos/update-branch-protection", resp, err)
	_, resp, err = gh.Repositories.GetAdminEnforcement(ctx, "acme", "payments", "main")
	must("repos/get-admin-branch-protection", resp, err)
	resp, err = gh.Repositories.RemoveAdminEnforcement(ctx, "acme", "payments", "main")
	must("repos/delete-admin-branch-protection", resp, err)
	_, resp, err = gh.Repositories.AddAdminEnforcement(ctx, "acme", "payments", "main")
	must("repos/set-admin-branch-protection", resp, err)
	_, resp, err = gh.Repositories.GetSignaturesProtectedBranch(ctx, "acme", "payments", "main")
	must("repos/get-commit-signature-protection", resp, err)
	_, resp, err = gh.Repositories.RequireSignaturesOnProtectedBranch(ctx, "acme", "payments", "main")
	must("repos/create-commit-signature-protection", resp, err)
	resp, err = gh.Repositories.OptionalSignaturesOnProtectedBranch(ctx, "acme", "payments", "main")
	must("repos/delete-commit-signature-protection", resp, err)
	_, resp, err = gh.Repositories.GetRequiredStatusChecks(ctx, "acme", "payments", "main")
	must("repos/get-status-checks-protection", resp, err)
	strict := true
	_, resp, err = gh.Repositories.UpdateRequiredStatusChecks(ctx, "acme", "payments", "main", &github.RequiredStatusChecksRequest{
		Strict: &strict, Checks: []*github.RequiredStatusCheck{{Context: "ci/build", AppID: github.Int64(15368)}}})
	must("repos/update-status-check-protection", resp, err)
	_, resp, err = gh.Repositories.GetPullRequestReviewEnforcement(ctx, "acme", "payments", "main")
	must("repos/get-pull-request-review-protection", resp, err)
	_, resp, err = gh.Repositories.UpdatePullRequestReviewEnforcement(ctx, "acme", "payments", "main", &github.PullRequestReviewsEnforcementUpdate{RequiredApprovingReviewCount: 2})
	must("repos/update-pull-request-review-protection", resp, err)
	resp, err = gh.Repositories.RemoveBranchProtection(ctx, "acme", "payments", "main")
	must("repos/delete-branch-protection", resp, err)
	_, _, err = gh.Repositories.GetBranchProtection(ctx, "acme", "payments", "main")
	if err != github.ErrBranchNotProtected {
		t.Errorf("after DELETE: %v, want ErrBranchNotProtected", err)
	}
	_, resp, err = gh.Repositories.UpdateBranchProtection(ctx, "acme", "payments", "main", req)
	must("repos/update-branch-protection (restore)", resp, err)

	// access
	inv, resp, err := gh.Repositories.AddCollaborator(ctx, "acme", "payments", "erin", &github.RepositoryAddCollaboratorOptions{Permission: "triage"})
	must("repos/add-collaborator", resp, err)
	status("repos/add-collaborator (invitation)", resp, http.StatusCreated)
	_, resp, err = gh.Repositories.ListInvitations(ctx, "acme", "payments", nil)
	must("repos/list-invitations", resp, err)
	_, resp, err = gh.Repositories.UpdateInvitation(ctx, "acme", "payments", inv.GetID(), "write")
	must("repos/update-invitation", resp, err)
	_, resp, err = erin.Users.ListInvitations(ctx, nil)
	must("repos/list-invitations-for-authenticated-user", resp, err)
	resp, err = erin.Users.AcceptInvitation(ctx, inv.GetID())
	must("repos/accept-invitation-for-authenticated-user", resp, err)
	_, resp, err = gh.Repositories.IsCollaborator(ctx, "acme", "payments", "erin")
	must("repos/check-collaborator", resp, err)
	_, resp, err = gh.Repositories.GetPermissionLevel(ctx, "acme", "payments", "erin")
	must("repos/get-collaborator-permission-level", resp, err)
	_, resp, err = gh.Repositories.ListCollaborators(ctx, "acme", "payments", &github.ListCollaboratorsOptions{Affiliation: "direct", ListOptions: github.ListOptions{PerPage: 2}})
	must("repos/list-collaborators", resp, err)
	resp, err = gh.Repositories.RemoveCollaborator(ctx, "acme", "payments", "erin")
	must("repos/remove-collaborator", resp, err)
	_, resp, err = gh.Teams.GetTeamBySlug(ctx, "acme", "oncall")
	must("teams/get-by-name", resp, err)
	_, resp, err = gh.Teams.ListTeamMembersBySlug(ctx, "acme", "oncall", nil)
	must("teams/list-members-in-org", resp, err)
	_, resp, err = gh.Teams.GetTeamMembershipBySlug(ctx, "acme", "oncall", "alice")
	must("teams/get-membership-for-user-in-org", resp, err)
	_, resp, err = admin.Teams.AddTeamMembershipBySlug(ctx, "acme", "release-managers", "dave", &github.TeamAddTeamMembershipOptions{Role: "member"})
	must("teams/add-or-update-membership-for-user-in-org", resp, err)

	// the audit issue
	_, resp, err = gh.Issues.CreateLabel(ctx, "acme", "audit", &github.Label{Name: github.String("glass:open"), Color: github.String("d73a4a"), Description: github.String("open override")})
	must("issues/create-label", resp, err)
	_, resp, err = gh.Issues.GetLabel(ctx, "acme", "audit", "glass:open")
	must("issues/get-label", resp, err)
	_, resp, err = gh.Issues.ListLabels(ctx, "acme", "audit", nil)
	must("issues/list-labels-for-repo", resp, err)
	iss, resp, err := gh.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("glass: override"), Body: github.String("body"), Labels: &[]string{"glass:open"}})
	must("issues/create", resp, err)
	n := iss.GetNumber()
	_, resp, err = gh.Issues.Get(ctx, "acme", "audit", n)
	must("issues/get", resp, err)
	cm, resp, err := gh.Issues.CreateComment(ctx, "acme", "audit", n, &github.IssueComment{Body: github.String("event")})
	must("issues/create-comment", resp, err)
	_, resp, err = gh.Issues.EditComment(ctx, "acme", "audit", cm.GetID(), &github.IssueComment{Body: github.String("event (edited)")})
	must("issues/update-comment", resp, err)
	_, resp, err = gh.Issues.GetComment(ctx, "acme", "audit", cm.GetID())
	must("issues/get-comment", resp, err)
	_, resp, err = gh.Issues.ListComments(ctx, "acme", "audit", n, &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}})
	must("issues/list-comments", resp, err)
	_, resp, err = gh.Issues.AddLabelsToIssue(ctx, "acme", "audit", n, []string{"glass:closed"})
	must("issues/add-labels", resp, err)
	resp, err = gh.Issues.Lock(ctx, "acme", "audit", n, &github.LockIssueOptions{LockReason: "resolved"})
	must("issues/lock", resp, err)
	resp, err = gh.Issues.Unlock(ctx, "acme", "audit", n)
	must("issues/unlock", resp, err)
	_, resp, err = gh.Issues.Edit(ctx, "acme", "audit", n, &github.IssueRequest{State: github.String("closed"), StateReason: github.String("completed")})
	must("issues/update", resp, err)
	for i := 0; i < 3; i++ {
		_, resp, err = gh.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("page filler"), Labels: &[]string{"glass:open"}})
		must("issues/create", resp, err)
	}
	// list with pagination, following the Link header GitHub sends (the
	// /repositories/{id} form, gap G3), and a conditional re-request (G2)
	list, resp, err := gh.Issues.ListByRepo(ctx, "acme", "audit", &github.IssueListByRepoOptions{State: "all", Labels: []string{"glass:open"}, ListOptions: github.ListOptions{PerPage: 1}})
	must("issues/list-for-repo", resp, err)
	pages := len(list)
	for link := resp.Header.Get("Link"); ; {
		m := nextLink.FindStringSubmatch(link)
		if m == nil {
			break
		}
		r, err := gh.NewRequest("GET", m[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		var page []*github.Issue
		resp, err := gh.Do(ctx, r, &page)
		must("issues/list-for-repo (next page)", resp, err)
		pages += len(page)
		link = resp.Header.Get("Link")
	}
	if pages < 2 {
		t.Errorf("paginated %d issues, want several", pages)
	}
	if et := resp.Header.Get("ETag"); et != "" {
		r, _ := gh.NewRequest("GET", "repos/acme/audit/issues?state=all&labels=glass%3Aopen&per_page=1", nil)
		r.Header.Set("If-None-Match", et)
		resp, err := gh.Do(ctx, r, nil)
		if resp == nil || (resp.StatusCode != http.StatusNotModified && err != nil) {
			t.Errorf("conditional list: %v", err)
		}
	}

	// git refs, contents, window
	ref, resp, err := gh.Git.GetRef(ctx, "acme", "payments", "heads/main")
	must("git/get-ref", resp, err)
	sha := ref.GetObject().GetSHA()
	_, resp, err = gh.Git.CreateRef(ctx, "acme", "payments", &github.Reference{Ref: github.String("refs/heads/glass-drill"), Object: &github.GitObject{SHA: github.String(sha)}})
	must("git/create-ref", resp, err)
	_, resp, err = gh.Git.UpdateRef(ctx, "acme", "payments", &github.Reference{Ref: github.String("refs/heads/glass-drill"), Object: &github.GitObject{SHA: github.String(sha)}}, false)
	must("git/update-ref", resp, err)
	resp, err = gh.Git.DeleteRef(ctx, "acme", "payments", "heads/glass-drill")
	must("git/delete-ref", resp, err)
	_, _, resp, err = gh.Repositories.GetContents(ctx, "acme", "audit", "README.md", &github.RepositoryContentGetOptions{Ref: "main"})
	must("repos/get-content", resp, err)
	created, resp, err := gh.Repositories.CreateFile(ctx, "acme", "audit", "drills/1.md", &github.RepositoryContentFileOptions{Message: github.String("drill"), Content: []byte("one"), Branch: github.String("main")})
	must("repos/create-or-update-file-contents (create)", resp, err)
	upd, resp, err := gh.Repositories.UpdateFile(ctx, "acme", "audit", "drills/1.md", &github.RepositoryContentFileOptions{Message: github.String("drill 2"), Content: []byte("two"), SHA: created.Content.SHA, Branch: github.String("main")})
	must("repos/create-or-update-file-contents (update)", resp, err)
	_, resp, err = gh.Repositories.DeleteFile(ctx, "acme", "audit", "drills/1.md", &github.RepositoryContentFileOptions{Message: github.String("drill done"), SHA: upd.Content.SHA, Branch: github.String("main")})
	must("repos/delete-file", resp, err)
	_, resp, err = gh.Repositories.ListCommits(ctx, "acme", "payments", &github.CommitsListOptions{SHA: "main", ListOptions: github.ListOptions{PerPage: 5}})
	must("repos/list-commits", resp, err)
	_, resp, err = gh.Repositories.GetCommit(ctx, "acme", "payments", sha, nil)
	must("repos/get-commit", resp, err)
	_, resp, err = gh.Repositories.CompareCommits(ctx, "acme", "payments", "release/1.x", "main", nil)
	must("repos/compare-commits-with-basehead", resp, err)
	_, resp, err = gh.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "payments", sha, nil)
	must("repos/list-pull-requests-associated-with-commit", resp, err)
	prs, resp, err := gh.PullRequests.List(ctx, "acme", "payments", &github.PullRequestListOptions{State: "all"})
	must("pulls/list", resp, err)
	if len(prs) > 0 {
		_, resp, err = gh.PullRequests.ListReviews(ctx, "acme", "payments", prs[0].GetNumber(), nil)
		must("pulls/list-reviews", resp, err)
	}
	r, _ := gh.NewRequest("GET", "repos/acme/payments/activity?per_page=5&time_period=day", nil)
	resp, err = gh.Do(ctx, r, nil)
	must("repos/list-activities", resp, err)

	// errors glass handles must be described too
	_, resp, _ = gh.Repositories.Get(ctx, "acme", "no-such-repo")
	status("repos/get (missing)", resp, http.StatusNotFound)
	_, resp, _ = client("dave").Repositories.GetBranchProtection(ctx, "acme", "payments", "main")
	if resp == nil || resp.StatusCode < 400 {
		t.Errorf("non-admin protection read succeeded")
	}

	_, after := contract.Stats()
	t.Logf("validated %d exchanges for %s", after-before, repo.GetFullName())
	if after-before < 60 {
		t.Errorf("only %d exchanges validated; is the simtest hook wired?", after-before)
	}
}

// protectionRequest converts a GET snapshot to the PUT that restores it,
// as glass does (github-api.md §1.4): checks only, app_id null → -1,
// explicit empty lists (go-github v60 writes null for nil slices).
func protectionRequest(p *github.Protection) *github.ProtectionRequest {
	req := &github.ProtectionRequest{EnforceAdmins: p.GetEnforceAdmins().Enabled}
	if sc := p.GetRequiredStatusChecks(); sc != nil {
		var checks []*github.RequiredStatusCheck
		for _, c := range *sc.Checks {
			app := c.AppID
			if app == nil {
				app = github.Int64(-1)
			}
			checks = append(checks, &github.RequiredStatusCheck{Context: c.Context, AppID: app})
		}
		req.RequiredStatusChecks = &github.RequiredStatusChecks{Strict: sc.Strict, Checks: &checks}
	}
	if rv := p.GetRequiredPullRequestReviews(); rv != nil {
		req.RequiredPullRequestReviews = &github.PullRequestReviewsEnforcementRequest{
			DismissStaleReviews:                rv.DismissStaleReviews,
			RequireCodeOwnerReviews:            rv.RequireCodeOwnerReviews,
			RequiredApprovingReviewCount:       rv.RequiredApprovingReviewCount,
			RequireLastPushApproval:            github.Bool(rv.RequireLastPushApproval),
			DismissalRestrictionsRequest:       &github.DismissalRestrictionsRequest{Users: &[]string{}, Teams: &[]string{}, Apps: &[]string{}},
			BypassPullRequestAllowancesRequest: &github.BypassPullRequestAllowancesRequest{Users: []string{}, Teams: []string{}, Apps: []string{}},
		}
	}
	if rs := p.GetRestrictions(); rs != nil {
		r := &github.BranchRestrictionsRequest{Users: []string{}, Teams: []string{}, Apps: []string{}}
		for _, u := range rs.Users {
			r.Users = append(r.Users, u.GetLogin())
		}
		for _, tm := range rs.Teams {
			r.Teams = append(r.Teams, tm.GetSlug())
		}
		for _, a := range rs.Apps {
			r.Apps = append(r.Apps, a.GetSlug())
		}
		req.Restrictions = r
	}
	if x := p.GetRequireLinearHistory(); x != nil {
		req.RequireLinearHistory = github.Bool(x.Enabled)
	}
	if x := p.GetAllowForcePushes(); x != nil {
		req.AllowForcePushes = github.Bool(x.Enabled)
	}
	if x := p.GetAllowDeletions(); x != nil {
		req.AllowDeletions = github.Bool(x.Enabled)
	}
	if x := p.GetRequiredConversationResolution(); x != nil {
		req.RequiredConversationResolution = github.Bool(x.Enabled)
	}
	return req
}
