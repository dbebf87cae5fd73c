package ruleset

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Summary is one ruleset as a repository's list shows it.
type Summary struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Target      string `json:"target"`
	SourceType  string `json:"source_type"`
	Source      string `json:"source"`
	Enforcement string `json:"enforcement"`
}

func (s Summary) String() string {
	kind := "repository ruleset"
	if s.SourceType == "Organization" {
		kind = "organization ruleset of " + s.Source
	}
	return fmt.Sprintf("%d %q (%s, %s)", s.ID, s.Name, kind, s.Enforcement)
}

// List returns the rulesets that apply to repo, its own and its parents'
// (repos/get-repo-rulesets with includes_parents=true), every page.
func List(ctx context.Context, c *github.Client, repo string) ([]Summary, error) {
	owner, name, err := ghapi.SplitRepo(repo)
	if err != nil {
		return nil, err
	}
	var out []Summary
	for page := 1; page > 0; {
		req, err := c.NewRequest("GET", fmt.Sprintf("repos/%s/%s/rulesets?includes_parents=true&per_page=100&page=%d", owner, name, page), nil)
		if err != nil {
			return nil, err
		}
		var list []Summary
		resp, err := c.Do(ctx, req, &list)
		if err != nil {
			return nil, lever.DescribeError("listing the rulesets of "+repo, err, "nothing was changed")
		}
		out = append(out, list...)
		page = resp.NextPage
	}
	return out, nil
}

// BranchRulesets returns the ids of the rulesets with active rules on
// branch, in the order GitHub lists the rules (repos/get-branch-rules: "all
// active rules that apply to the specified branch ... Rules in rulesets with
// evaluate or disabled enforcement statuses are not returned").
func BranchRulesets(ctx context.Context, c *github.Client, repo, branch string) ([]int64, error) {
	owner, name, err := ghapi.SplitRepo(repo)
	if err != nil {
		return nil, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for page := 1; page > 0; {
		req, err := c.NewRequest("GET", fmt.Sprintf("repos/%s/%s/rules/branches/%s?per_page=100&page=%d", owner, name, url.PathEscape(branch), page), nil)
		if err != nil {
			return nil, err
		}
		var rules []struct {
			RulesetID int64 `json:"ruleset_id"`
		}
		resp, err := c.Do(ctx, req, &rules)
		if err != nil {
			return nil, lever.DescribeError(fmt.Sprintf("reading the rules of %s@%s", repo, branch), err, "nothing was changed")
		}
		for _, r := range rules {
			if !seen[r.RulesetID] {
				seen[r.RulesetID] = true
				ids = append(ids, r.RulesetID)
			}
		}
		page = resp.NextPage
	}
	return ids, nil
}

// Resolve completes a ruleset request before anything changes: it finds
// the ruleset (by id, by name, or as the one ruleset with active rules on
// t.Branch) and fills the team id into bypass-team relax names. It refuses
// (*lever.RefusalError) when the choice is ambiguous or impossible, listing
// what there is.
func Resolve(ctx context.Context, c *github.Client, t override.Target, ruleset string, relax []string) (override.Target, []string, error) {
	ruleset = strings.TrimSpace(ruleset)
	switch {
	case ruleset != "":
		if id, err := strconv.ParseInt(ruleset, 10, 64); err == nil && id > 0 {
			t.RulesetID = id
			break
		}
		all, err := List(ctx, c, t.Repo)
		if err != nil {
			return t, nil, err
		}
		var match []Summary
		for _, s := range all {
			if strings.EqualFold(s.Name, ruleset) {
				match = append(match, s)
			}
		}
		switch len(match) {
		case 0:
			return t, nil, &lever.RefusalError{Reason: fmt.Sprintf("no ruleset named %q applies to %s", ruleset, t.Repo), Hint: listHint(all)}
		case 1:
			t.RulesetID = match[0].ID
		default:
			return t, nil, &lever.RefusalError{Reason: fmt.Sprintf("%d rulesets named %q apply to %s", len(match), ruleset, t.Repo), Hint: "pass --ruleset ID: " + join(match)}
		}
	case t.RulesetID > 0:
	case t.Branch == "":
		return t, nil, &lever.RefusalError{Reason: "no ruleset named", Hint: "pass --ruleset ID|NAME, or --branch to use the ruleset that applies to it; nothing was changed"}
	default:
		ids, err := BranchRulesets(ctx, c, t.Repo, t.Branch)
		if err != nil {
			return t, nil, err
		}
		switch len(ids) {
		case 0:
			return t, nil, &lever.RefusalError{
				Reason: fmt.Sprintf("no active ruleset applies to branch %s of %s: there is nothing to relax", t.Branch, t.Repo),
				Hint:   "for classic branch protection use --lever protection; nothing was changed",
			}
		case 1:
			t.RulesetID = ids[0]
		default:
			all, err := List(ctx, c, t.Repo)
			if err != nil {
				return t, nil, err
			}
			var apply []Summary
			for _, id := range ids {
				s := Summary{ID: id, Name: "?"}
				for _, x := range all {
					if x.ID == id {
						s = x
					}
				}
				apply = append(apply, s)
			}
			return t, nil, &lever.RefusalError{
				Reason: fmt.Sprintf("%d rulesets apply to %s@%s: %s", len(ids), t.Repo, t.Branch, join(apply)),
				Hint:   "pick one with --ruleset ID (an organization ruleset can only be changed by an organization owner); nothing was changed",
			}
		}
	}
	out := make([]string, 0, len(relax))
	for _, r := range relax {
		b, ok, err := parseBypass(r, false)
		if err != nil {
			return t, nil, &lever.RefusalError{Reason: err.Error(), Hint: "nothing was changed"}
		}
		if !ok {
			out = append(out, r)
			continue
		}
		if b.kind == "Team" && b.id == 0 {
			id, err := teamID(ctx, c, t.Repo, b.name)
			if err != nil {
				return t, nil, err
			}
			b.id = id
		}
		out = append(out, canonicalRelax(b))
	}
	return t, override.NormalizeRelax(out), nil
}

func teamID(ctx context.Context, c *github.Client, repo, slug string) (int64, error) {
	owner, _, err := ghapi.SplitRepo(repo)
	if err != nil {
		return 0, err
	}
	req, err := c.NewRequest("GET", fmt.Sprintf("orgs/%s/teams/%s", owner, url.PathEscape(slug)), nil)
	if err != nil {
		return 0, err
	}
	var team struct {
		ID int64 `json:"id"`
	}
	if _, err := c.Do(ctx, req, &team); err != nil {
		if ghapi.StatusCode(err) == http.StatusNotFound {
			return 0, &lever.RefusalError{
				Reason: fmt.Sprintf("team %s/%s not found, or this token cannot see it (teams exist in organizations only)", owner, slug),
				Hint:   "check the team slug; nothing was changed",
			}
		}
		return 0, lever.DescribeError(fmt.Sprintf("reading team %s/%s", owner, slug), err, "nothing was changed")
	}
	return team.ID, nil
}

func join(list []Summary) string {
	s := make([]string, len(list))
	for i, x := range list {
		s[i] = x.String()
	}
	return strings.Join(s, "; ")
}

func listHint(all []Summary) string {
	if len(all) == 0 {
		return "the repository has no rulesets; nothing was changed"
	}
	return "rulesets that apply: " + join(all) + "; nothing was changed"
}
