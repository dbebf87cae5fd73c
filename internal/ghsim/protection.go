package ghsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Protection is one classic branch protection rule. Pattern is the branch
// name pattern (fnmatch with FNM_PATHNAME, as GitHub's docs describe:
// "About protected branches" / "Managing a branch protection rule").
// Actors are stored as logins / team slugs / app slugs, sorted, so that the
// GET rendering is deterministic (same state → byte-identical body).
type Protection struct {
	Pattern string

	RequiredStatusChecks *StatusChecks // nil = off (absent from GET)
	EnforceAdmins        bool
	Reviews              *Reviews // nil = off
	Restrictions         *Actors  // nil = off

	RequiredSignatures             bool
	RequiredLinearHistory          bool
	AllowForcePushes               bool
	AllowDeletions                 bool
	BlockCreations                 bool
	RequiredConversationResolution bool
	LockBranch                     bool
	AllowForkSyncing               bool
}

// StatusChecks is required_status_checks.
type StatusChecks struct {
	Strict bool
	Checks []Check
}

// Check is one required check. AppID nil = "any source" (GET shows null).
type Check struct {
	Context string
	AppID   *int64
}

// Reviews is required_pull_request_reviews.
type Reviews struct {
	DismissalRestrictions        *Actors // nil = off
	BypassAllowances             *Actors // nil = none
	DismissStaleReviews          bool
	RequireCodeOwnerReviews      bool
	RequiredApprovingReviewCount int
	RequireLastPushApproval      bool
}

// Actors lists users (logins), teams (slugs) and apps (slugs).
type Actors struct {
	Users []string
	Teams []string
	Apps  []string
}

func (a *Actors) empty() bool { return a == nil || len(a.Users)+len(a.Teams)+len(a.Apps) == 0 }

func (a *Actors) normalize() {
	if a == nil {
		return
	}
	for _, l := range []*[]string{&a.Users, &a.Teams, &a.Apps} {
		if *l == nil {
			*l = []string{}
		}
		sort.Strings(*l)
	}
}

// Clone deep-copies the rule.
func (p *Protection) Clone() *Protection {
	b, _ := json.Marshal(p)
	var q Protection
	_ = json.Unmarshal(b, &q)
	return &q
}

func isWildcard(pattern string) bool { return strings.ContainsAny(pattern, "*?[") }

// fnmatch implements the subset GitHub documents: * (not across /), ** (any),
// ? and [set].
func fnmatch(pattern, name string) bool {
	if !isWildcard(pattern) {
		return pattern == name
	}
	{
		var b strings.Builder
		b.WriteString("^")
		for i := 0; i < len(pattern); i++ {
			ch := pattern[i]
			switch {
			case ch == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
				b.WriteString(".*")
				i++
			case ch == '*':
				b.WriteString("[^/]*")
			case ch == '?':
				b.WriteString("[^/]")
			case ch == '[':
				j := strings.IndexByte(pattern[i:], ']')
				if j < 0 {
					b.WriteString(`\[`)
					continue
				}
				b.WriteString(pattern[i : i+j+1])
				i += j
			default:
				b.WriteString(regexp.QuoteMeta(string(ch)))
			}
		}
		b.WriteString("$")
		re, err := regexp.Compile(b.String())
		if err != nil {
			return false
		}
		return re.MatchString(name)
	}
}

// ExactRule returns the rule whose pattern is exactly branch, or nil.
func (r *Repo) ExactRule(branch string) *Protection {
	for _, p := range r.Rules {
		if p.Pattern == branch {
			return p
		}
	}
	return nil
}

// EffectiveRule is the rule that governs branch: an exact-name rule first,
// otherwise the oldest matching wildcard rule. Source: GitHub docs "About
// protected branches" (About branch protection rules): "the rules that
// include a specific branch name have the highest priority ... Protected
// branch rules that mention a special character, such as *, ?, or ], are
// applied in the order they were created, so older rules with these
// characters have a higher priority."
func (r *Repo) EffectiveRule(branch string) *Protection {
	if p := r.ExactRule(branch); p != nil {
		return p
	}
	for _, p := range r.Rules {
		if isWildcard(p.Pattern) && fnmatch(p.Pattern, branch) {
			return p
		}
	}
	return nil
}

// SetProtection stores p for its Pattern (replacing a rule with the same pattern).
func (r *Repo) SetProtection(p *Protection) {
	p.normalize()
	for i, q := range r.Rules {
		if q.Pattern == p.Pattern {
			r.Rules[i] = p
			return
		}
	}
	r.Rules = append(r.Rules, p)
}

// RemoveProtection deletes the rule with exactly this pattern. It reports whether one existed.
func (r *Repo) RemoveProtection(pattern string) bool {
	for i, q := range r.Rules {
		if q.Pattern == pattern {
			r.Rules = append(r.Rules[:i], r.Rules[i+1:]...)
			return true
		}
	}
	return false
}

func (p *Protection) normalize() {
	if p.Restrictions != nil {
		p.Restrictions.normalize()
	}
	if p.Reviews != nil {
		p.Reviews.DismissalRestrictions.normalize()
		p.Reviews.BypassAllowances.normalize()
	}
	if p.RequiredStatusChecks != nil && p.RequiredStatusChecks.Checks == nil {
		p.RequiredStatusChecks.Checks = []Check{}
	}
}

// ---- GET rendering ----

func (c *ctx) protectionURL(repo *Repo, branch string) string {
	return c.base + "/repos/" + repo.FullName() + "/branches/" + pathEscapeBranch(branch) + "/protection"
}

func pathEscapeBranch(b string) string { return strings.ReplaceAll(urlPathEscape(b), "%2F", "/") }

func (c *ctx) statusChecksJSON(repo *Repo, branch string, sc *StatusChecks) obj {
	u := c.protectionURL(repo, branch) + "/required_status_checks"
	contexts := []string{}
	checks := []obj{}
	for _, ch := range sc.Checks {
		contexts = append(contexts, ch.Context)
		var app any
		if ch.AppID != nil {
			app = *ch.AppID
		}
		checks = append(checks, obj{"context": ch.Context, "app_id": app})
	}
	return obj{"url": u, "strict": sc.Strict, "contexts": contexts, "contexts_url": u + "/contexts", "checks": checks}
}

func (c *ctx) actorsJSON(repo *Repo, a *Actors) (users, teams, apps []obj) {
	users, teams, apps = []obj{}, []obj{}, []obj{}
	for _, l := range a.Users {
		if u := c.st.User(l); u != nil {
			users = append(users, c.simpleUser(u))
		}
	}
	org := c.st.Org(repo.Owner)
	for _, s := range a.Teams {
		if t := org.Team(s); t != nil {
			teams = append(teams, c.team(org.Login, t))
		}
	}
	for _, s := range a.Apps {
		if ap := c.st.App(s); ap != nil {
			apps = append(apps, c.integration(ap))
		}
	}
	return
}

func (c *ctx) reviewsJSON(repo *Repo, branch string, rv *Reviews) obj {
	u := c.protectionURL(repo, branch) + "/required_pull_request_reviews"
	o := obj{"url": u, "dismiss_stale_reviews": rv.DismissStaleReviews, "require_code_owner_reviews": rv.RequireCodeOwnerReviews,
		"required_approving_review_count": rv.RequiredApprovingReviewCount, "require_last_push_approval": rv.RequireLastPushApproval}
	if rv.DismissalRestrictions != nil {
		us, ts, as := c.actorsJSON(repo, rv.DismissalRestrictions)
		du := u + "/dismissal_restrictions"
		o["dismissal_restrictions"] = obj{"url": du, "users_url": du + "/users", "teams_url": du + "/teams", "users": us, "teams": ts, "apps": as}
	}
	if !rv.BypassAllowances.empty() {
		us, ts, as := c.actorsJSON(repo, rv.BypassAllowances)
		o["bypass_pull_request_allowances"] = obj{"users": us, "teams": ts, "apps": as}
	}
	return o
}

func (c *ctx) restrictionsJSON(repo *Repo, branch string, a *Actors) obj {
	u := c.protectionURL(repo, branch) + "/restrictions"
	us, ts, as := c.actorsJSON(repo, a)
	return obj{"url": u, "users_url": u + "/users", "teams_url": u + "/teams", "apps_url": u + "/apps", "users": us, "teams": ts, "apps": as}
}

// protectionJSON renders the GET …/protection body (repos/get-branch-protection,
// schema branch-protection). Switched-off objects (status checks, reviews,
// restrictions) are absent; the boolean features are {enabled} objects
// (the @octokit/fixtures branch-protection scenario; github-api.md §1.2, §1.6).
func (c *ctx) protectionJSON(repo *Repo, branch string, p *Protection) obj {
	u := c.protectionURL(repo, branch)
	o := obj{
		"url":                              u,
		"required_signatures":              obj{"url": u + "/required_signatures", "enabled": p.RequiredSignatures},
		"enforce_admins":                   obj{"url": u + "/enforce_admins", "enabled": p.EnforceAdmins},
		"required_linear_history":          obj{"enabled": p.RequiredLinearHistory},
		"allow_force_pushes":               obj{"enabled": p.AllowForcePushes},
		"allow_deletions":                  obj{"enabled": p.AllowDeletions},
		"block_creations":                  obj{"enabled": p.BlockCreations},
		"required_conversation_resolution": obj{"enabled": p.RequiredConversationResolution},
		"lock_branch":                      obj{"enabled": p.LockBranch},
		"allow_fork_syncing":               obj{"enabled": p.AllowForkSyncing},
	}
	if p.RequiredStatusChecks != nil {
		o["required_status_checks"] = c.statusChecksJSON(repo, branch, p.RequiredStatusChecks)
	}
	if p.Reviews != nil {
		o["required_pull_request_reviews"] = c.reviewsJSON(repo, branch, p.Reviews)
	}
	if p.Restrictions != nil {
		o["restrictions"] = c.restrictionsJSON(repo, branch, p.Restrictions)
	}
	return o
}

// ---- PUT parsing ----

type putActors struct {
	Users *[]string `json:"users"`
	Teams *[]string `json:"teams"`
	Apps  *[]string `json:"apps"`
}

func (a *putActors) actors() *Actors {
	out := &Actors{}
	if a.Users != nil {
		out.Users = append([]string{}, *a.Users...)
	}
	if a.Teams != nil {
		out.Teams = append([]string{}, *a.Teams...)
	}
	if a.Apps != nil {
		out.Apps = append([]string{}, *a.Apps...)
	}
	out.normalize()
	return out
}

type putCheck struct {
	Context *string `json:"context"`
	AppID   *int64  `json:"app_id"`
}

type putStatusChecks struct {
	Strict   *bool       `json:"strict"`
	Contexts *[]string   `json:"contexts"`
	Checks   *[]putCheck `json:"checks"`
}

type putReviews struct {
	DismissalRestrictions        *putActors `json:"dismissal_restrictions"`
	DismissStaleReviews          *bool      `json:"dismiss_stale_reviews"`
	RequireCodeOwnerReviews      *bool      `json:"require_code_owner_reviews"`
	RequiredApprovingReviewCount *int       `json:"required_approving_review_count"`
	RequireLastPushApproval      *bool      `json:"require_last_push_approval"`
	BypassPullRequestAllowances  *putActors `json:"bypass_pull_request_allowances"`
}

// toChecks converts status checks from a request. app_id -1 means "any
// source" and reads back as null: GitHub's update-branch-protection docs
// say "If you omit this field, GitHub will automatically select the most
// recent app ... -1 ..." — the read-back as null is a guess (github-api.md
// §0 item 4 and §12 list it as unverified). Without app_id a check is bound
// to the app that most recently reported it; the simulator has no status
// reports, so it binds contexts known to CI (ci/*) to GitHub Actions (15368)
// and others to null (guess).
func (c *ctx) toChecks(contexts *[]string, checks *[]putCheck) []Check {
	out := []Check{}
	if checks != nil {
		for _, ch := range *checks {
			ctxName := ""
			if ch.Context != nil {
				ctxName = *ch.Context
			}
			var app *int64
			if ch.AppID != nil && *ch.AppID != -1 {
				v := *ch.AppID
				app = &v
			} else if ch.AppID == nil {
				app = c.st.recentApp(ctxName)
			}
			out = append(out, Check{Context: ctxName, AppID: app})
		}
		return out
	}
	if contexts != nil {
		for _, s := range *contexts {
			out = append(out, Check{Context: s, AppID: c.st.recentApp(s)})
		}
	}
	return out
}

// recentApp models "the app that most recently reported this context":
// nothing reports in the simulator, so contexts stay unbound (null).
func (st *State) recentApp(context string) *int64 { return nil }

// invalidRequest writes GitHub's schema-validation 422 (validation-error-simple):
// "Invalid request.\n\n<detail>".
func (c *ctx) invalidRequest(detail, doc string) {
	c.json(422, obj{"message": "Invalid request.\n\n" + detail, "documentation_url": doc})
}

const docUpdateProtection = "https://docs.github.com/rest/branches/branch-protection#update-branch-protection"

// parseProtectionPUT validates and converts the PUT body
// (repos/update-branch-protection). It writes the error response and
// returns nil on failure.
func (c *ctx) parseProtectionPUT(repo *Repo, branch string) *Protection {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &raw); err != nil || raw == nil {
		c.errMsg(400, "Problems parsing JSON", docUpdateProtection)
		return nil
	}
	// The four required keys (github-api.md §0 item 1: 422 "restrictions" wasn't supplied).
	var missing []string
	for _, k := range []string{"required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"} {
		if _, ok := raw[k]; !ok {
			missing = append(missing, fmt.Sprintf("%q wasn't supplied.", k))
		}
	}
	if len(missing) > 0 {
		c.invalidRequest(strings.Join(missing, "\n"), docUpdateProtection)
		return nil
	}
	var body struct {
		RequiredStatusChecks       *putStatusChecks `json:"required_status_checks"`
		EnforceAdmins              *bool            `json:"enforce_admins"`
		RequiredPullRequestReviews *putReviews      `json:"required_pull_request_reviews"`
		Restrictions               *putActors       `json:"restrictions"`
		RequiredLinearHistory      *bool            `json:"required_linear_history"`
		AllowForcePushes           *bool            `json:"allow_force_pushes"`
		AllowDeletions             *bool            `json:"allow_deletions"`
		BlockCreations             *bool            `json:"block_creations"`
		RequiredConversationRes    *bool            `json:"required_conversation_resolution"`
		LockBranch                 *bool            `json:"lock_branch"`
		AllowForkSyncing           *bool            `json:"allow_fork_syncing"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		c.invalidRequest("For 'properties/…', "+err.Error(), docUpdateProtection)
		return nil
	}
	b := func(p *bool) bool { return p != nil && *p }
	p := &Protection{Pattern: branch, EnforceAdmins: b(body.EnforceAdmins),
		RequiredLinearHistory: b(body.RequiredLinearHistory), AllowForcePushes: b(body.AllowForcePushes), AllowDeletions: b(body.AllowDeletions),
		BlockCreations: b(body.BlockCreations), RequiredConversationResolution: b(body.RequiredConversationRes), LockBranch: b(body.LockBranch),
		AllowForkSyncing: b(body.AllowForkSyncing)}
	if sc := body.RequiredStatusChecks; sc != nil {
		// Exactly one of contexts / checks: both or neither → 422 "More than
		// one subschema in oneOf matched" / "No subschema in oneOf matched"
		// (ossf/allstar#155, google/go-github#2976, google/go-github PR #2276).
		if sc.Contexts != nil && sc.Checks != nil {
			c.invalidRequest("More than one subschema in \"oneOf\" matched.", docUpdateProtection)
			return nil
		}
		if sc.Contexts == nil && sc.Checks == nil {
			c.invalidRequest("No subschema in \"oneOf\" matched.", docUpdateProtection)
			return nil
		}
		if sc.Strict == nil {
			c.invalidRequest("\"strict\" wasn't supplied.", docUpdateProtection)
			return nil
		}
		if sc.Checks != nil {
			for _, ch := range *sc.Checks {
				if ch.Context == nil {
					c.invalidRequest("\"context\" wasn't supplied.", docUpdateProtection)
					return nil
				}
			}
		}
		p.RequiredStatusChecks = &StatusChecks{Strict: *sc.Strict, Checks: c.toChecks(sc.Contexts, sc.Checks)}
	}
	org := c.st.Org(repo.Owner)
	var errs []any
	checkActors := func(a *Actors) { errs = append(errs, c.actorErrors(repo, a)...) }
	if rv := body.RequiredPullRequestReviews; rv != nil {
		r := &Reviews{DismissStaleReviews: b(rv.DismissStaleReviews), RequireCodeOwnerReviews: b(rv.RequireCodeOwnerReviews),
			RequireLastPushApproval: b(rv.RequireLastPushApproval), RequiredApprovingReviewCount: 1}
		// Left out → 1 (the @octokit/fixtures branch-protection scenario).
		if rv.RequiredApprovingReviewCount != nil {
			n := *rv.RequiredApprovingReviewCount
			if n < 0 || n > 6 {
				// Range 0–6 from the operation's request schema; the exact error text is a guess.
				errs = append(errs, fmt.Sprintf("Invalid value for required_approving_review_count: %d is not between 0 and 6", n))
			}
			r.RequiredApprovingReviewCount = n
		}
		// "Pass an empty dismissal_restrictions object to disable" (operation docs).
		if dr := rv.DismissalRestrictions; dr != nil && (dr.Users != nil || dr.Teams != nil || dr.Apps != nil) {
			r.DismissalRestrictions = dr.actors()
			checkActors(r.DismissalRestrictions)
		}
		if bp := rv.BypassPullRequestAllowances; bp != nil {
			r.BypassAllowances = bp.actors()
			checkActors(r.BypassAllowances)
			if r.BypassAllowances.empty() {
				r.BypassAllowances = nil
			}
		}
		p.Reviews = r
	}
	if rs := body.Restrictions; rs != nil {
		var keys map[string]json.RawMessage
		_ = json.Unmarshal(raw["restrictions"], &keys)
		for _, k := range []string{"users", "teams", "apps"} {
			v, ok := keys[k]
			if !ok && k != "apps" {
				c.invalidRequest(fmt.Sprintf("%q wasn't supplied.", k), docUpdateProtection)
				return nil
			}
			// go-github v60 sends nil slices as null (github-api.md §0 item 5);
			// the schema wants an array (message format as GitHub's schema
			// validator, wording guess).
			if ok && string(v) == "null" {
				c.invalidRequest(fmt.Sprintf("For 'properties/%s', nil is not an array.", k), docUpdateProtection)
				return nil
			}
		}
		p.Restrictions = rs.actors()
		if org == nil {
			// github-api.md §0 item 7: personal repos reject restrictions
			// (guess: even empty lists count as restrictions here).
			errs = append(errs, "Only organization repositories can have users and team restrictions")
		} else {
			checkActors(p.Restrictions)
		}
	}
	if p.RequiredLinearHistory && !repo.AllowSquash && !repo.AllowRebase {
		// github-api.md §1.4: linear history needs squash or rebase merging (wording guess).
		errs = append(errs, "Required linear history cannot be enabled when merge commits are the only allowed merge method")
	}
	if len(errs) > 0 {
		c.json(422, obj{"message": "Validation Failed", "errors": dedupe(errs), "documentation_url": docUpdateProtection})
		return nil
	}
	p.normalize()
	return p
}

// actorErrors lists GitHub's 422 errors for users, teams or apps named in a
// restriction, dismissal or bypass list: they must resolve, and only
// organization repositories may have any.
func (c *ctx) actorErrors(repo *Repo, a *Actors) []any {
	if a.empty() {
		return nil
	}
	org := c.st.Org(repo.Owner)
	if org == nil {
		return []any{"Only organization repositories can have users and team restrictions"}
	}
	var errs []any
	for _, l := range a.Users {
		if c.st.User(l) == nil {
			errs = append(errs, fmt.Sprintf("Could not resolve to a User with the login of '%s'.", l))
		}
	}
	for _, s := range a.Teams {
		if org.Team(s) == nil {
			errs = append(errs, fmt.Sprintf("Could not resolve to a Team with the slug of '%s'.", s))
		}
	}
	for _, s := range a.Apps {
		if c.st.App(s) == nil {
			errs = append(errs, fmt.Sprintf("Could not resolve to an App with the slug of '%s'.", s))
		}
	}
	return errs
}

func dedupe(in []any) []any {
	seen := map[any]bool{}
	var out []any
	for _, e := range in {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// ParseProtectionGET converts a GET-shaped protection JSON body (as returned
// by GET …/protection) into a rule for pattern. Tests use it to set
// protection "by hand" (drift).
func ParseProtectionGET(pattern string, body []byte) (*Protection, error) {
	var g struct {
		RequiredStatusChecks *struct {
			Strict   bool     `json:"strict"`
			Contexts []string `json:"contexts"`
			Checks   []struct {
				Context string `json:"context"`
				AppID   *int64 `json:"app_id"`
			} `json:"checks"`
		} `json:"required_status_checks"`
		EnforceAdmins *struct{ Enabled bool } `json:"enforce_admins"`
		Reviews       *struct {
			DismissalRestrictions *getActors `json:"dismissal_restrictions"`
			Bypass                *getActors `json:"bypass_pull_request_allowances"`
			DismissStale          bool       `json:"dismiss_stale_reviews"`
			CodeOwners            bool       `json:"require_code_owner_reviews"`
			Count                 int        `json:"required_approving_review_count"`
			LastPush              bool       `json:"require_last_push_approval"`
		} `json:"required_pull_request_reviews"`
		Restrictions   *getActors              `json:"restrictions"`
		Signatures     *struct{ Enabled bool } `json:"required_signatures"`
		Linear         *struct{ Enabled bool } `json:"required_linear_history"`
		Force          *struct{ Enabled bool } `json:"allow_force_pushes"`
		Deletions      *struct{ Enabled bool } `json:"allow_deletions"`
		BlockCreations *struct{ Enabled bool } `json:"block_creations"`
		Conversation   *struct{ Enabled bool } `json:"required_conversation_resolution"`
		Lock           *struct{ Enabled bool } `json:"lock_branch"`
		ForkSync       *struct{ Enabled bool } `json:"allow_fork_syncing"`
	}
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, fmt.Errorf("ghsim: parse protection: %w", err)
	}
	en := func(x *struct{ Enabled bool }) bool { return x != nil && x.Enabled }
	p := &Protection{Pattern: pattern, EnforceAdmins: en(g.EnforceAdmins), RequiredSignatures: en(g.Signatures), RequiredLinearHistory: en(g.Linear),
		AllowForcePushes: en(g.Force), AllowDeletions: en(g.Deletions), BlockCreations: en(g.BlockCreations),
		RequiredConversationResolution: en(g.Conversation), LockBranch: en(g.Lock), AllowForkSyncing: en(g.ForkSync)}
	if sc := g.RequiredStatusChecks; sc != nil {
		p.RequiredStatusChecks = &StatusChecks{Strict: sc.Strict, Checks: []Check{}}
		if len(sc.Checks) > 0 {
			for _, ch := range sc.Checks {
				p.RequiredStatusChecks.Checks = append(p.RequiredStatusChecks.Checks, Check{Context: ch.Context, AppID: ch.AppID})
			}
		} else {
			for _, s := range sc.Contexts {
				p.RequiredStatusChecks.Checks = append(p.RequiredStatusChecks.Checks, Check{Context: s})
			}
		}
	}
	if rv := g.Reviews; rv != nil {
		p.Reviews = &Reviews{DismissStaleReviews: rv.DismissStale, RequireCodeOwnerReviews: rv.CodeOwners, RequiredApprovingReviewCount: rv.Count, RequireLastPushApproval: rv.LastPush}
		if rv.DismissalRestrictions != nil {
			p.Reviews.DismissalRestrictions = rv.DismissalRestrictions.actors()
		}
		if rv.Bypass != nil && !rv.Bypass.actors().empty() {
			p.Reviews.BypassAllowances = rv.Bypass.actors()
		}
	}
	if g.Restrictions != nil {
		p.Restrictions = g.Restrictions.actors()
	}
	p.normalize()
	return p, nil
}

type getActors struct {
	Users []struct {
		Login string `json:"login"`
	} `json:"users"`
	Teams []struct {
		Slug string `json:"slug"`
	} `json:"teams"`
	Apps []struct {
		Slug string `json:"slug"`
	} `json:"apps"`
}

func (g *getActors) actors() *Actors {
	a := &Actors{Users: []string{}, Teams: []string{}, Apps: []string{}}
	for _, u := range g.Users {
		a.Users = append(a.Users, u.Login)
	}
	for _, t := range g.Teams {
		a.Teams = append(a.Teams, t.Slug)
	}
	for _, x := range g.Apps {
		a.Apps = append(a.Apps, x.Slug)
	}
	a.normalize()
	return a
}

// SetProtectionFromGET parses a GET-shaped body and stores it as the rule for pattern.
func (r *Repo) SetProtectionFromGET(pattern string, body []byte) error {
	p, err := ParseProtectionGET(pattern, body)
	if err != nil {
		return err
	}
	r.SetProtection(p)
	return nil
}
