package ghsim

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// nodeID builds a plausible global node id (base64 of "NN:Type<id>").
func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(kind), kind, id)))
}

// simpleUser renders the simple-user schema (all required fields).
func (c *ctx) simpleUser(u *User) obj {
	if u == nil {
		return nil
	}
	api := c.base + "/users/" + u.Login
	return obj{
		"login": u.Login, "id": u.ID, "node_id": nodeID(map[bool]string{true: "Organization", false: "User"}[u.Type == "Organization"], u.ID),
		"avatar_url": fmt.Sprintf("%s/u/%d?v=4", c.web, u.ID), "gravatar_id": "", "url": api, "html_url": c.web + "/" + u.Login,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}", "gists_url": api + "/gists{/gist_id}",
		"starred_url": api + "/starred{/owner}{/repo}", "subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}", "received_events_url": api + "/received_events",
		"type": u.Type, "site_admin": u.SiteAdmin, "user_view_type": "public",
	}
}

func (c *ctx) simpleUserByLogin(login string) obj { return c.simpleUser(c.st.User(login)) }

// publicUser renders public-user (GET /users/{username}, or GET /user without the user scope).
func (c *ctx) publicUser(u *User) obj {
	o := c.simpleUser(u)
	var name any
	if u.Name != "" {
		name = u.Name
	}
	public := 0
	for _, r := range c.st.repos {
		if strings.EqualFold(r.Owner, u.Login) && !r.Private {
			public++
		}
	}
	o["name"] = name
	o["company"] = nil
	o["blog"] = ""
	o["location"] = nil
	o["email"] = nil
	o["hireable"] = nil
	o["bio"] = nil
	o["twitter_username"] = nil
	o["public_repos"] = public
	o["public_gists"] = 0
	o["followers"] = 0
	o["following"] = 0
	o["created_at"] = ts(u.CreatedAt)
	o["updated_at"] = ts(u.CreatedAt)
	return o
}

// privateUser renders private-user: GET /user with the `user` scope
// (users/get-authenticated; github-api.md §6). user_view_type "private".
func (c *ctx) privateUser(u *User) obj {
	o := c.publicUser(u)
	priv := 0
	for _, r := range c.st.repos {
		if strings.EqualFold(r.Owner, u.Login) && r.Private {
			priv++
		}
	}
	o["user_view_type"] = "private"
	o["private_gists"] = 0
	o["total_private_repos"] = priv
	o["owned_private_repos"] = priv
	o["disk_usage"] = 0
	o["collaborators"] = 0
	o["two_factor_authentication"] = u.TwoFactor
	o["plan"] = obj{"name": "pro", "space": 976562499, "private_repos": 9999, "collaborators": 0}
	return o
}

func (c *ctx) orgFull(o *Org) obj {
	api := c.base + "/orgs/" + o.Login
	return obj{
		"login": o.Login, "id": o.ID, "node_id": nodeID("Organization", o.ID), "url": api, "repos_url": api + "/repos",
		"events_url": api + "/events", "hooks_url": api + "/hooks", "issues_url": api + "/issues", "members_url": api + "/members{/member}",
		"public_members_url": api + "/public_members{/member}", "avatar_url": fmt.Sprintf("%s/u/%d?v=4", c.web, o.ID), "description": nil,
		// company, email and location are left out: organization-full marks them
		// non-nullable strings, and an unset value has nothing to show.
		"name": o.Name, "blog": "", "twitter_username": nil, "is_verified": false,
		"html_url": c.web + "/" + o.Login, "has_organization_projects": true, "has_repository_projects": true,
		"public_repos": 0, "public_gists": 0, "followers": 0, "following": 0, "type": "Organization",
		"created_at": ts(o.CreatedAt), "updated_at": ts(o.CreatedAt), "archived_at": nil,
		"two_factor_requirement_enabled": o.TwoFactorRequired,
	}
}

func (c *ctx) orgSimple(o *Org) obj {
	api := c.base + "/orgs/" + o.Login
	return obj{"login": o.Login, "id": o.ID, "node_id": nodeID("Organization", o.ID), "url": api, "repos_url": api + "/repos",
		"events_url": api + "/events", "hooks_url": api + "/hooks", "issues_url": api + "/issues", "members_url": api + "/members{/member}",
		"public_members_url": api + "/public_members{/member}", "avatar_url": fmt.Sprintf("%s/u/%d?v=4", c.web, o.ID), "description": nil}
}

// team renders the team schema (used in restrictions and lists).
func (c *ctx) team(org string, t *Team) obj {
	api := fmt.Sprintf("%s/organizations/%d/team/%d", c.base, c.st.Org(org).ID, t.ID)
	return obj{
		"id": t.ID, "node_id": nodeID("Team", t.ID), "url": api, "html_url": c.web + "/orgs/" + org + "/teams/" + t.Slug,
		"name": t.Name, "slug": t.Slug, "description": t.Description, "privacy": t.Privacy, "notification_setting": "notifications_enabled",
		"permission": t.Permission, "members_url": api + "/members{/member}", "repositories_url": api + "/repos", "parent": nil, "type": "organization",
	}
}

func (c *ctx) teamFull(org string, t *Team) obj {
	o := c.team(org, t)
	delete(o, "parent")
	members := 0
	for _, m := range t.Members {
		if m.State == "active" {
			members++
		}
	}
	o["created_at"] = ts(t.CreatedAt)
	o["updated_at"] = ts(t.CreatedAt)
	o["members_count"] = members
	o["repos_count"] = len(t.Repos)
	o["organization"] = c.orgFull(c.st.Org(org))
	return o
}

// integration renders an app (integration schema).
func (c *ctx) integration(a *App) obj {
	var owner any = nil
	if u := c.st.User(a.Owner); u != nil {
		owner = c.simpleUser(u)
	}
	return obj{"id": a.ID, "slug": a.Slug, "node_id": nodeID("Integration", a.ID), "client_id": fmt.Sprintf("Iv1.%016x", a.ID), "owner": owner, "name": a.Name,
		"description": "", "external_url": "https://" + a.Slug + ".example", "html_url": c.web + "/apps/" + a.Slug,
		"created_at": "2018-01-01T00:00:00Z", "updated_at": "2018-01-01T00:00:00Z",
		"permissions": obj{"checks": "write", "metadata": "read", "statuses": "write"}, "events": []string{"check_run", "push"}}
}

// repoURLs fills the url templates shared by repository schemas.
func (c *ctx) repoURLs(r *Repo, o obj) {
	api := c.base + "/repos/" + r.FullName()
	for k, v := range map[string]string{
		"url": "", "archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}", "blobs_url": "/git/blobs{/sha}",
		"branches_url": "/branches{/branch}", "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
		"commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}", "contents_url": "/contents/{+path}",
		"contributors_url": "/contributors", "deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
		"forks_url": "/forks", "git_commits_url": "/git/commits{/sha}", "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}",
		"hooks_url": "/hooks", "issue_comment_url": "/issues/comments{/number}", "issue_events_url": "/issues/events{/number}",
		"issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}", "languages_url": "/languages",
		"merges_url": "/merges", "milestones_url": "/milestones{/number}", "notifications_url": "/notifications{?since,all,participating}",
		"pulls_url": "/pulls{/number}", "releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
		"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags", "teams_url": "/teams", "trees_url": "/git/trees{/sha}",
	} {
		o[k] = api + v
	}
	o["html_url"] = c.web + "/" + r.FullName()
}

func (c *ctx) minimalRepo(r *Repo) obj {
	o := obj{"id": r.ID, "node_id": nodeID("Repository", r.ID), "name": r.Name, "full_name": r.FullName(), "private": r.Private,
		"owner": c.simpleUserByLogin(r.Owner), "description": nilIfEmpty(r.Description), "fork": false}
	c.repoURLs(r, o)
	return o
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// fullRepo renders full-repository (repos/get).
func (c *ctx) fullRepo(r *Repo) obj {
	o := c.minimalRepo(r)
	open := 0
	for _, is := range r.Issues {
		if is.State == "open" && is.PR == nil {
			open++
		}
	}
	vis := "public"
	if r.Private {
		vis = "private"
	}
	host := strings.TrimPrefix(strings.TrimPrefix(c.web, "http://"), "https://")
	o["clone_url"] = c.web + "/" + r.FullName() + ".git"
	o["git_url"] = "git://" + host + "/" + r.FullName() + ".git"
	o["ssh_url"] = "git@" + host + ":" + r.FullName() + ".git"
	o["svn_url"] = c.web + "/" + r.FullName()
	o["mirror_url"] = nil
	o["homepage"] = nil
	o["language"] = "Go"
	o["forks"], o["forks_count"] = 0, 0
	o["stargazers_count"], o["watchers_count"], o["watchers"] = 0, 0, 0
	o["size"] = 100
	o["default_branch"] = r.DefaultBranch
	o["open_issues"], o["open_issues_count"] = open, open
	o["is_template"] = false
	o["topics"] = []string{}
	o["has_issues"], o["has_projects"], o["has_wiki"], o["has_pages"], o["has_downloads"], o["has_discussions"] = true, true, true, false, true, false
	o["archived"], o["disabled"] = false, false
	o["visibility"] = vis
	o["pushed_at"], o["created_at"], o["updated_at"] = ts(r.PushedAt), ts(r.CreatedAt), ts(r.UpdatedAt)
	o["allow_rebase_merge"], o["allow_squash_merge"], o["allow_merge_commit"] = r.AllowRebase, r.AllowSquash, r.AllowMerge
	o["allow_auto_merge"], o["delete_branch_on_merge"], o["allow_update_branch"] = r.AllowAutoMerge, false, false
	o["allow_forking"], o["web_commit_signoff_required"] = !r.Private, false
	o["license"] = nil
	o["network_count"], o["subscribers_count"] = 0, 0
	if c.user != nil {
		rk := c.st.rank(r, c.user.Login)
		o["permissions"] = obj{"admin": rk >= 5, "maintain": rk >= 4, "push": rk >= 3, "triage": rk >= 2, "pull": rk >= 1}
	}
	if org := c.st.Org(r.Owner); org != nil {
		o["organization"] = c.simpleUserByLogin(r.Owner)
	}
	return o
}
