package ghsim

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

// repos/list-branches: name order, the protected filter (a classic rule or
// the seeded active ruleset on staging), pagination
// through the /repositories/{id} Link form, as go-github reads it.
func TestBranchList(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("alice"))
	ctx := context.Background()
	names := func(bs []*github.Branch) string {
		var n []string
		for _, b := range bs {
			p := ""
			if b.GetProtected() {
				p = "*"
			}
			n = append(n, b.GetName()+p)
		}
		return strings.Join(n, " ")
	}
	all, _, err := gh.Repositories.ListBranches(ctx, "acme", "payments", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(all); got != "docs/runbook-update feature/refund-limits main* release/1.x* staging*" {
		t.Errorf("all = %s", got)
	}
	prot, _, err := gh.Repositories.ListBranches(ctx, "acme", "payments", &github.BranchListOptions{Protected: github.Bool(true)})
	if err != nil || names(prot) != "main* release/1.x* staging*" {
		t.Errorf("protected = %s %v", names(prot), err)
	}
	unprot, _, err := gh.Repositories.ListBranches(ctx, "acme", "payments", &github.BranchListOptions{Protected: github.Bool(false)})
	if err != nil || names(unprot) != "docs/runbook-update feature/refund-limits" {
		t.Errorf("unprotected = %s %v", names(unprot), err)
	}
	// Two a page: the next page is reached through the Link header.
	opt := &github.BranchListOptions{ListOptions: github.ListOptions{PerPage: 2}}
	var paged []*github.Branch
	for {
		bs, resp, err := gh.Repositories.ListBranches(ctx, "acme", "payments", opt)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, bs...)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if names(paged) != names(all) {
		t.Errorf("paged = %s", names(paged))
	}
	// A repository the caller cannot see is 404.
	erin := ghClient(t, srv, s.Token("erin"))
	if _, resp, err := erin.Repositories.ListBranches(ctx, "acme", "payments", nil); err == nil || resp.StatusCode != 404 {
		t.Errorf("erin: %v", err)
	}
}
