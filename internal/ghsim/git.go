package ghsim

func addGitRoutes(add addFunc) {}

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
	return obj{
		"sha": cm.SHA, "node_id": nodeID("Commit", int64(len(cm.SHA))) + cm.SHA[:8], "url": api + "/commits/" + cm.SHA,
		"html_url": c.web + "/" + repo.FullName() + "/commit/" + cm.SHA, "comments_url": api + "/commits/" + cm.SHA + "/comments",
		"commit": obj{"url": api + "/git/commits/" + cm.SHA, "author": sig, "committer": csig, "message": cm.Message,
			"tree": obj{"sha": treeSHA(cm), "url": api + "/git/trees/" + treeSHA(cm)}, "comment_count": 0,
			"verification": obj{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil}},
		"author": c.simpleUser(u), "committer": c.simpleUser(u), "parents": parents,
	}
}

func treeSHA(cm *Commit) string { return blobSHA("tree:" + cm.SHA) }
