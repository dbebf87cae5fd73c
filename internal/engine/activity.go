package engine

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/glass-cli/glass/internal/override"
)

type activityItem struct {
	Before       string    `json:"before"`
	After        string    `json:"after"`
	Ref          string    `json:"ref"`
	Timestamp    time.Time `json:"timestamp"`
	ActivityType string    `json:"activity_type"`
	Actor        *struct {
		Login string `json:"login"`
	} `json:"actor"`
}

// collectActivity lists what landed on the branch during o's window, with
// three reads in parallel: the compare from the opening head to the branch
// (catches every commit, whatever its date), the repository activity feed
// (pushes, force pushes and merges with their actors; not in go-github v60,
// operationId repos/list-activities), and the pull requests merged into the
// branch (pulls/list; there is no merged-since filter, so the newest 100
// updated are read and filtered on merged_at). github-api.md §5. Failures
// are recorded in Activity.Errors: activity never blocks a rollback.
func (e *Engine) collectActivity(ctx context.Context, o *override.Override, now time.Time) *Activity {
	t := o.Target
	owner, repo, _ := splitRepo(t.Repo)
	from := o.Opened
	if from.IsZero() {
		from = o.Requested
	}
	a := &Activity{FromSHA: o.HeadSHA, Since: from, Until: now}
	var mu sync.Mutex
	fail := func(what string, err error) {
		mu.Lock()
		a.Errors = append(a.Errors, fmt.Sprintf("%s: %v", what, err))
		mu.Unlock()
	}
	var g errgroup.Group
	g.Go(func() error {
		cmp, _, err := e.gh.Repositories.CompareCommits(ctx, owner, repo, o.HeadSHA, t.Branch, &github.ListOptions{PerPage: 100})
		if err != nil {
			fail("compare "+o.HeadSHA+"..."+t.Branch, err)
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		a.Status = cmp.GetStatus()
		for _, c := range cmp.Commits {
			cm := Commit{SHA: c.GetSHA(), Message: c.GetCommit().GetMessage()}
			if c.Author != nil {
				cm.Author = c.Author.GetLogin()
			} else {
				cm.Author = c.GetCommit().GetAuthor().GetName()
			}
			a.Commits = append(a.Commits, cm)
		}
		if n := len(cmp.Commits); n > 0 {
			a.ToSHA = cmp.Commits[n-1].GetSHA()
		} else if cmp.GetBehindBy() == 0 {
			a.ToSHA = o.HeadSHA
		}
		if cmp.GetTotalCommits() > len(cmp.Commits) {
			a.Truncated = true
		}
		return nil
	})
	g.Go(func() error {
		u := fmt.Sprintf("repos/%s/%s/activity?ref=%s&direction=desc&per_page=100", url.PathEscape(owner), url.PathEscape(repo), url.QueryEscape("refs/heads/"+t.Branch))
		req, err := e.gh.NewRequest("GET", u, nil)
		if err != nil {
			fail("activity", err)
			return nil
		}
		var items []activityItem
		if _, err := e.gh.Do(ctx, req, &items); err != nil {
			fail("activity feed", err)
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			if it.Timestamp.Before(from) || it.Timestamp.After(now) {
				continue
			}
			p := Push{Kind: it.ActivityType, Before: it.Before, After: it.After, At: it.Timestamp}
			if it.Actor != nil {
				p.Actor = it.Actor.Login
			}
			a.Pushes = append([]Push{p}, a.Pushes...) // oldest first
		}
		if len(items) == 100 {
			a.Truncated = true
		}
		return nil
	})
	g.Go(func() error {
		prs, _, err := e.gh.PullRequests.List(ctx, owner, repo, &github.PullRequestListOptions{State: "closed", Base: t.Branch, Sort: "updated", Direction: "desc", ListOptions: github.ListOptions{PerPage: 100}})
		if err != nil {
			fail("merged pull requests", err)
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		for _, pr := range prs {
			if pr.MergedAt == nil || pr.MergedAt.Before(from) || pr.MergedAt.After(now) {
				continue
			}
			a.MergedPulls = append(a.MergedPulls, Pull{Number: pr.GetNumber(), Title: pr.GetTitle(), Author: pr.GetUser().GetLogin(),
				MergedAt: pr.GetMergedAt().Time, MergedBy: pr.GetMergedBy().GetLogin()})
		}
		return nil
	})
	_ = g.Wait()
	return a
}

// markReviews sets SkippedReview on each merged pull: merged without an
// APPROVED review, submitted before the merge, by someone other than the
// author (pulls/list-reviews).
func (e *Engine) markReviews(ctx context.Context, o *override.Override, a *Activity) {
	owner, repo, _ := splitRepo(o.Target.Repo)
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(8)
	for i := range a.MergedPulls {
		p := &a.MergedPulls[i]
		g.Go(func() error {
			revs, _, err := e.gh.PullRequests.ListReviews(ctx, owner, repo, p.Number, &github.ListOptions{PerPage: 100})
			if err != nil {
				mu.Lock()
				a.Errors = append(a.Errors, fmt.Sprintf("reviews of #%d: %v", p.Number, err))
				mu.Unlock()
				return nil
			}
			ok := false
			for _, r := range revs {
				if r.GetState() == "APPROVED" && r.GetUser().GetLogin() != p.Author && !r.GetSubmittedAt().After(p.MergedAt) {
					ok = true
				}
			}
			p.SkippedReview = !ok
			return nil
		})
	}
	_ = g.Wait()
	for _, p := range a.Pushes {
		if p.Kind == "push" || p.Kind == "force_push" {
			a.DirectPushes++
		}
	}
}

func (a *Activity) summary() string {
	if a == nil {
		return ""
	}
	skipped := 0
	for _, p := range a.MergedPulls {
		if p.SkippedReview {
			skipped++
		}
	}
	s := fmt.Sprintf("during the window: %d commit(s), %d push event(s) (%d direct), %d merged pull request(s) (%d without an independent approval)",
		len(a.Commits), len(a.Pushes), a.DirectPushes, len(a.MergedPulls), skipped)
	if len(a.Errors) > 0 {
		s += fmt.Sprintf("; %d lookup(s) failed", len(a.Errors))
	}
	return s
}
