package protection

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/glass-cli/glass/internal/lever"
)

// Field keys. A switched-off sub-object (status checks, reviews,
// restrictions) has enabled=false and its sub-fields absent, because GitHub
// omits the whole object from GET (github-api.md §1.2).
const (
	kProtected = "protected" // true | false | "pattern" (see Read)
	kOwnerType = "owner_type"

	kChecks        = "required_status_checks.enabled"
	kChecksStrict  = "required_status_checks.strict"
	kChecksList    = "required_status_checks.checks" // "context@app_id" / "context@any", in GitHub's order
	kEnforceAdmins = "enforce_admins"

	kReviews      = "required_pull_request_reviews.enabled"
	kReviewCount  = "required_pull_request_reviews.required_approving_review_count"
	kDismissStale = "required_pull_request_reviews.dismiss_stale_reviews"
	kCodeOwners   = "required_pull_request_reviews.require_code_owner_reviews"
	kLastPush     = "required_pull_request_reviews.require_last_push_approval"
	kDismissal    = "required_pull_request_reviews.dismissal_restrictions.enabled"
	kDismissalP   = "required_pull_request_reviews.dismissal_restrictions." // + users|teams|apps
	kBypassP      = "required_pull_request_reviews.bypass_pull_request_allowances."

	kRestrictions  = "restrictions.enabled"
	kRestrictionsP = "restrictions."

	kLinear        = "required_linear_history"
	kForcePush     = "allow_force_pushes"
	kDeletions     = "allow_deletions"
	kBlockCreate   = "block_creations"
	kConversations = "required_conversation_resolution"
	kLock          = "lock_branch"
	kForkSync      = "allow_fork_syncing"
	kSignatures    = "required_signatures"

	// patternValue is kProtected when GET …/branches/{b} says protected but
	// GET …/protection answers 404 "Branch not protected": the branch is
	// governed by a rule the REST endpoints cannot address (a wildcard rule
	// such as release/*, or a ruleset).
	patternValue = "pattern"
)

var actorKinds = []string{"users", "teams", "apps"}

// flagKeys are the {enabled} objects of the GET shape that PUT takes as bare
// booleans (required_signatures is separate: not part of PUT).
var flagKeys = []string{kLinear, kForcePush, kDeletions, kBlockCreate, kConversations, kLock, kForkSync}

// Keys lists every field key a protected branch has, for docs and tests.
func Keys() []string {
	ks := []string{kProtected, kOwnerType, kChecks, kChecksStrict, kChecksList, kEnforceAdmins,
		kReviews, kReviewCount, kDismissStale, kCodeOwners, kLastPush, kDismissal}
	for _, a := range actorKinds {
		ks = append(ks, kDismissalP+a)
	}
	for _, a := range actorKinds {
		ks = append(ks, kBypassP+a)
	}
	ks = append(ks, kRestrictions)
	for _, a := range actorKinds {
		ks = append(ks, kRestrictionsP+a)
	}
	ks = append(ks, flagKeys...)
	ks = append(ks, kSignatures)
	sort.Strings(ks)
	return ks
}

// ---- GET shape ----

type enabled struct {
	Enabled bool `json:"enabled"`
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

func (g *getActors) lists() map[string][]string {
	out := map[string][]string{"users": {}, "teams": {}, "apps": {}}
	if g == nil {
		return out
	}
	for _, u := range g.Users {
		out["users"] = append(out["users"], u.Login)
	}
	for _, t := range g.Teams {
		out["teams"] = append(out["teams"], t.Slug)
	}
	for _, a := range g.Apps {
		out["apps"] = append(out["apps"], a.Slug)
	}
	for _, l := range out {
		sort.Strings(l)
	}
	return out
}

// getProtection is the branch-protection schema (repos/get-branch-protection),
// also returned by PUT (repos/update-branch-protection).
type getProtection struct {
	RequiredStatusChecks *struct {
		Strict   bool     `json:"strict"`
		Contexts []string `json:"contexts"`
		Checks   []struct {
			Context string `json:"context"`
			AppID   *int64 `json:"app_id"`
		} `json:"checks"`
	} `json:"required_status_checks"`
	EnforceAdmins *enabled `json:"enforce_admins"`
	Reviews       *struct {
		DismissalRestrictions *getActors `json:"dismissal_restrictions"`
		Bypass                *getActors `json:"bypass_pull_request_allowances"`
		DismissStale          bool       `json:"dismiss_stale_reviews"`
		CodeOwners            bool       `json:"require_code_owner_reviews"`
		Count                 int        `json:"required_approving_review_count"`
		LastPush              bool       `json:"require_last_push_approval"`
	} `json:"required_pull_request_reviews"`
	Restrictions   *getActors `json:"restrictions"`
	Signatures     *enabled   `json:"required_signatures"`
	Linear         *enabled   `json:"required_linear_history"`
	ForcePushes    *enabled   `json:"allow_force_pushes"`
	Deletions      *enabled   `json:"allow_deletions"`
	BlockCreations *enabled   `json:"block_creations"`
	Conversations  *enabled   `json:"required_conversation_resolution"`
	Lock           *enabled   `json:"lock_branch"`
	ForkSync       *enabled   `json:"allow_fork_syncing"`
}

func on(e *enabled) bool { return e != nil && e.Enabled }

// checkString renders one required check; app_id null ("any source") is "any".
func checkString(ctx string, app *int64) string {
	if app == nil {
		return ctx + "@any"
	}
	return ctx + "@" + strconv.FormatInt(*app, 10)
}

// parseCheck splits "context@app" at the last "@" (the suffix is always
// glass's, so a context containing "@" survives).
func parseCheck(s string) (ctx string, app int64, err error) {
	i := strings.LastIndex(s, "@")
	if i < 0 {
		return "", 0, fmt.Errorf("required check %q has no @app suffix", s)
	}
	ctx, suf := s[:i], s[i+1:]
	if suf == "any" {
		// PUT app_id -1 = "any source"; GET shows null (update-branch-protection
		// docs; read-back as null is a guess, github-api.md §0 item 4).
		return ctx, -1, nil
	}
	n, err := strconv.ParseInt(suf, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("required check %q: bad app id: %v", s, err)
	}
	return ctx, n, nil
}

// fieldsFromGET converts a GET (or PUT response) body into Fields.
func fieldsFromGET(body []byte, ownerType string) (lever.Fields, error) {
	var g getProtection
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, fmt.Errorf("decoding branch protection: %w", err)
	}
	f := lever.Fields{kProtected: true, kOwnerType: ownerType}
	f[kChecks] = g.RequiredStatusChecks != nil
	if sc := g.RequiredStatusChecks; sc != nil {
		f[kChecksStrict] = sc.Strict
		checks := []string{}
		if len(sc.Checks) > 0 {
			for _, c := range sc.Checks {
				checks = append(checks, checkString(c.Context, c.AppID))
			}
		} else {
			for _, c := range sc.Contexts {
				checks = append(checks, checkString(c, nil))
			}
		}
		// GitHub's order is kept (not sorted): restoring in the same order
		// gives a byte-identical GET whether GitHub keeps the PUT order or
		// imposes its own (guess: the docs do not say).
		f[kChecksList] = checks
	}
	f[kEnforceAdmins] = on(g.EnforceAdmins)
	f[kReviews] = g.Reviews != nil
	if rv := g.Reviews; rv != nil {
		f[kReviewCount] = rv.Count
		f[kDismissStale] = rv.DismissStale
		f[kCodeOwners] = rv.CodeOwners
		f[kLastPush] = rv.LastPush
		f[kDismissal] = rv.DismissalRestrictions != nil
		if rv.DismissalRestrictions != nil {
			for k, v := range rv.DismissalRestrictions.lists() {
				f[kDismissalP+k] = v
			}
		}
		// Absent bypass allowances ≡ empty lists (GitHub omits them when empty).
		for k, v := range rv.Bypass.lists() {
			f[kBypassP+k] = v
		}
	}
	f[kRestrictions] = g.Restrictions != nil
	if g.Restrictions != nil {
		for k, v := range g.Restrictions.lists() {
			f[kRestrictionsP+k] = v
		}
	}
	f[kLinear] = on(g.Linear)
	f[kForcePush] = on(g.ForcePushes)
	f[kDeletions] = on(g.Deletions)
	f[kBlockCreate] = on(g.BlockCreations)
	f[kConversations] = on(g.Conversations)
	f[kLock] = on(g.Lock)
	f[kForkSync] = on(g.ForkSync)
	f[kSignatures] = on(g.Signatures)
	return f, nil
}

// ---- value helpers (Fields may have gone through JSON: float64, []any) ----

func boolOf(v any) bool { b, _ := v.(bool); return b }

func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

func strsOf(v any) []string {
	switch l := v.(type) {
	case []string:
		return append([]string{}, l...)
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

// ---- PUT shape ----

// putBody converts Fields into the PUT body of repos/update-branch-protection
// (github-api.md §1.3, §1.4). Every field is sent explicitly (PUT replaces
// everything); lists are never null; checks go as `checks` only (never with
// `contexts`: 422 "More than one subschema in oneOf matched", ossf/allstar#155,
// google/go-github#2976); app_id null → -1. Personal repos get no
// dismissal_restrictions / bypass_pull_request_allowances keys and
// restrictions null (422 "Only organization repositories can have users and
// team restrictions", §0 item 7). go-github v60's ProtectionRequest cannot be
// used: it writes null for nil slices and has no way to leave a key out per
// owner type, so the body is built here.
func putBody(f lever.Fields) (map[string]any, error) {
	org := f[kOwnerType] != "User"
	body := map[string]any{}
	if boolOf(f[kChecks]) {
		checks := []map[string]any{}
		for _, s := range strsOf(f[kChecksList]) {
			ctx, app, err := parseCheck(s)
			if err != nil {
				return nil, err
			}
			checks = append(checks, map[string]any{"context": ctx, "app_id": app})
		}
		body["required_status_checks"] = map[string]any{"strict": boolOf(f[kChecksStrict]), "checks": checks}
	} else {
		body["required_status_checks"] = nil
	}
	body["enforce_admins"] = boolOf(f[kEnforceAdmins])
	if boolOf(f[kReviews]) {
		n, ok := intOf(f[kReviewCount])
		if !ok {
			// Left out, GitHub stores 1 (@octokit/fixtures branch-protection);
			// never leave it out.
			n = 1
		}
		rv := map[string]any{
			"dismiss_stale_reviews":           boolOf(f[kDismissStale]),
			"require_code_owner_reviews":      boolOf(f[kCodeOwners]),
			"required_approving_review_count": n,
			"require_last_push_approval":      boolOf(f[kLastPush]),
		}
		if org {
			// "Pass an empty dismissal_restrictions object to disable"
			// (update-branch-protection docs).
			dr := map[string]any{}
			if boolOf(f[kDismissal]) {
				for _, a := range actorKinds {
					dr[a] = strsOf(f[kDismissalP+a])
				}
			}
			rv["dismissal_restrictions"] = dr
			bp := map[string]any{}
			for _, a := range actorKinds {
				bp[a] = strsOf(f[kBypassP+a])
			}
			rv["bypass_pull_request_allowances"] = bp
		}
		body["required_pull_request_reviews"] = rv
	} else {
		body["required_pull_request_reviews"] = nil
	}
	if boolOf(f[kRestrictions]) && org {
		rs := map[string]any{}
		for _, a := range actorKinds {
			rs[a] = strsOf(f[kRestrictionsP+a])
		}
		body["restrictions"] = rs
	} else {
		body["restrictions"] = nil
	}
	for _, k := range flagKeys {
		body[k] = boolOf(f[k])
	}
	return body, nil
}
