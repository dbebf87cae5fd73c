// Package ruleset is the lever for one repository (or organization)
// ruleset: switch its enforcement off (or to evaluate), or add a bypass
// actor (a team or a repository role) for the window, then put the ruleset
// back exactly as it was.
//
// Why raw JSON: go-github v60's ruleset types fail the whole call on rule
// types they do not know (merge_queue, code_scanning, file_path_restriction,
// ...), re-encode known rules through structs that drop newer parameters
// (allowed_merge_methods, do_not_enforce_on_create, ...), and can never clear
// bypass_actors (omitempty). A GET→PUT through them would silently weaken the
// ruleset (docs/github-api.md §0 item 8, §2.3; google/go-github #3113, #3137).
// This lever sends raw requests (client.NewRequest) and keeps every rule as
// the JSON GitHub returned.
//
// Writes are minimal partial updates: "a left-out key is don't modify"
// (repos/update-repo-ruleset; terraform-provider-github PR #2780), so a
// relax sends only {"enforcement": ...} or {"bypass_actors": [...]}, and a
// restore sends back only what differs. bypass_actors is always sent as a
// full list ([] clears it; null is a 422, terraform-provider-github PR #2875).
//
// Fields (see Keys):
//
//	source_type, source, name, target, enforcement
//	bypass_actors.visible     whether GitHub showed the list ("bypass_actors is
//	                          only returned if the user making the API request
//	                          has write access to the ruleset", description)
//	bypass_actors.TYPE:ID     one key per actor, value its bypass_mode
//	conditions                canonical JSON (sorted keys)
//	rules.TYPE                canonical JSON of each rule, parameters included
//
// One key per bypass actor means a team someone else adds during the window
// is drift glass keeps, and glass's own actor is the only one it removes.
//
// glass never writes bypass_mode "exempt": "rules will not be run for that
// actor and a bypass audit entry will not be created"
// (repository-ruleset-bypass-actor, @octokit/openapi 23.0.2).
package ruleset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Field keys.
const (
	kSourceType  = "source_type"
	kSource      = "source"
	kName        = "name"
	kTarget      = "target"
	kEnforcement = "enforcement"
	kVisible     = "bypass_actors.visible"
	kBypassP     = "bypass_actors." // + TYPE:ID
	kConditions  = "conditions"
	kRulesP      = "rules." // + rule type
)

// Relax names. Bypass names carry everything needed to add the actor, so
// overlapping overrides combine by name alone (the engine unions relax sets).
const (
	RelaxDisable  = "disable"
	RelaxEvaluate = "evaluate"
	// PrefixTeam: bypass-team:SLUG:ID[:pull_request]. Resolve fills in the
	// team id from bypass-team:SLUG.
	PrefixTeam = "bypass-team:"
	// PrefixRole: bypass-role:ROLE[:pull_request], ROLE admin|maintain|write.
	PrefixRole = "bypass-role:"
)

// Built-in repository roles as RepositoryRole bypass actors. The ids are not
// in GitHub's description: 5 is the repository admin role (TGPSKI/vanity#5
// uses RepositoryRole/5 as "the repo-admin bypass actor"); 4 write and 2
// maintain follow terraform-provider-github's repository_ruleset docs
// (from memory). GitHub lets admins, maintain and write (and custom roles
// based on write) bypass (docs "Creating rulesets for a repository", the
// rulesets-bypass-step reusable; github/docs#31532).
var roleIDs = map[string]int64{"admin": 5, "maintain": 2, "write": 4}

// Keys lists the fixed field keys (bypass actors and rules add their own).
func Keys() []string {
	return []string{kConditions, kEnforcement, kName, kSource, kSourceType, kTarget, kVisible}
}

// Lever implements lever.Lever and lever.Previewer for rulesets.
type Lever struct{ c *github.Client }

// New returns the ruleset lever using c.
func New(c *github.Client) lever.Lever { return &Lever{c: c} }

var (
	_ lever.Lever     = (*Lever)(nil)
	_ lever.Previewer = (*Lever)(nil)
	_ lever.Completer = (*Lever)(nil)
)

func (l *Lever) Kind() override.Lever { return override.LeverRuleset }

func (l *Lever) Relaxations() []lever.RelaxOption {
	return []lever.RelaxOption{
		{Name: RelaxDisable, Summary: "set the ruleset's enforcement to disabled"},
		{Name: RelaxEvaluate, Summary: "set the ruleset's enforcement to evaluate (rules reported, not enforced; GitHub Enterprise)"},
		{Name: PrefixTeam + "SLUG[:pull_request]", Summary: "add a team as bypass actor (mode always, or pull_request: pull requests only)"},
		{Name: PrefixRole + "admin|maintain|write[:pull_request]", Summary: "add a repository role as bypass actor"},
	}
}

// bypassRelax is one parsed bypass relax name.
type bypassRelax struct {
	kind string // Team | RepositoryRole
	name string // team slug or role
	id   int64  // 0 when not resolved yet
	mode string // always | pull_request
}

func (b bypassRelax) key() string { return fmt.Sprintf("%s%s:%d", kBypassP, b.kind, b.id) }

// parseBypass parses a bypass relax name. needID: a team id must be present.
func parseBypass(name string, needID bool) (bypassRelax, bool, error) {
	var b bypassRelax
	switch {
	case strings.HasPrefix(name, PrefixTeam):
		parts := strings.Split(strings.TrimPrefix(name, PrefixTeam), ":")
		b.kind, b.name, b.mode = "Team", parts[0], "always"
		rest := parts[1:]
		if len(rest) > 0 {
			if id, err := strconv.ParseInt(rest[0], 10, 64); err == nil {
				b.id, rest = id, rest[1:]
			}
		}
		if len(rest) > 0 {
			b.mode, rest = rest[0], rest[1:]
		}
		if b.name == "" || len(rest) > 0 {
			return b, true, fmt.Errorf("invalid --relax %q: expected %sSLUG[:pull_request]", name, PrefixTeam)
		}
		if needID && b.id == 0 {
			return b, true, fmt.Errorf("--relax %q names no team id (glass fills it in from the team slug before opening)", name)
		}
	case strings.HasPrefix(name, PrefixRole):
		parts := strings.Split(strings.TrimPrefix(name, PrefixRole), ":")
		b.kind, b.name, b.mode = "RepositoryRole", parts[0], "always"
		if len(parts) == 2 {
			b.mode = parts[1]
		}
		id, ok := roleIDs[b.name]
		if !ok || len(parts) > 2 {
			return b, true, fmt.Errorf("invalid --relax %q: expected %sadmin|maintain|write[:pull_request]", name, PrefixRole)
		}
		b.id = id
	default:
		return b, false, nil
	}
	switch b.mode {
	case "always", "pull_request":
	case "exempt":
		return b, true, fmt.Errorf("glass never adds an exempt bypass actor: GitHub runs no rules for it and writes no bypass audit entry (use always or pull_request)")
	default:
		return b, true, fmt.Errorf("invalid bypass mode %q in --relax %q (valid: always, pull_request)", b.mode, name)
	}
	return b, true, nil
}

// canonicalRelax writes a bypass relax name in its one spelling (mode
// always left out), so equal requests compare equal in the audit record.
func canonicalRelax(b bypassRelax) string {
	var s string
	if b.kind == "Team" {
		s = fmt.Sprintf("%s%s:%d", PrefixTeam, b.name, b.id)
	} else {
		s = PrefixRole + b.name
	}
	if b.mode != "always" {
		s += ":" + b.mode
	}
	return s
}

func (l *Lever) Validate(t override.Target, relax []string) error {
	if _, _, err := ghapi.SplitRepo(t.Repo); err != nil {
		return err
	}
	if t.RulesetID <= 0 {
		return errors.New("the ruleset lever needs a ruleset (--ruleset ID or NAME, or --branch to find the one that applies)")
	}
	if len(relax) == 0 {
		return errors.New("name what to relax with --relax (disable, evaluate, bypass-team:SLUG or bypass-role:ROLE)")
	}
	for _, r := range relax {
		if r == RelaxDisable || r == RelaxEvaluate {
			continue
		}
		if _, ok, err := parseBypass(r, true); err != nil {
			return err
		} else if !ok {
			return lever.UnknownRelax(l, r)
		}
	}
	return nil
}

// Relax is pure. Enforcement: disable wins over evaluate; a ruleset that is
// already as relaxed stays as it is. Bypass: an actor already present with
// always (or exempt) stays; pull_request is raised to always when asked;
// a missing actor is added with the asked mode. It refuses a ruleset whose
// bypass actors GitHub did not show (glass could not restore them).
func (l *Lever) Relax(t override.Target, orig lever.Fields, relax []string) (lever.Fields, error) {
	out := orig.Clone()
	order := map[string]int{"pull_request": 1, "always": 2, "exempt": 3}
	for _, r := range relax {
		switch r {
		case RelaxDisable:
			out[kEnforcement] = "disabled"
			continue
		case RelaxEvaluate:
			if out[kEnforcement] == "active" {
				out[kEnforcement] = "evaluate"
			}
			continue
		}
		b, ok, err := parseBypass(r, true)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, lever.UnknownRelax(l, r)
		}
		if orig[kVisible] != true {
			return nil, &lever.RefusalError{
				Reason: fmt.Sprintf("GitHub did not show the bypass actors of ruleset %d (%v) to this token, so glass could not restore them", t.RulesetID, orig[kName]),
				Hint:   "use a token with admin on the repository (organization owner for an organization ruleset), or relax with --relax disable",
			}
		}
		cur, _ := out[b.key()].(string)
		if order[cur] < order[b.mode] {
			out[b.key()] = b.mode
		}
	}
	return out, nil
}

// ---- Read ----

// Read GETs the ruleset through the repository (includes_parents, so an
// organization ruleset that applies is found too). An organization ruleset
// is then read from /orgs/{org}/rulesets/{id}, the only place it can be
// edited; when the token cannot (organization owners only), Read refuses
// before anything changes.
func (l *Lever) Read(ctx context.Context, t override.Target) (lever.Snapshot, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return lever.Snapshot{}, err
	}
	raw, err := l.get(ctx, fmt.Sprintf("repos/%s/%s/rulesets/%d?includes_parents=true", owner, repo, t.RulesetID))
	if err != nil {
		if ghapi.StatusCode(err) == http.StatusNotFound {
			return lever.Snapshot{}, &lever.RefusalError{
				Reason: fmt.Sprintf("ruleset %d not found in %s (or it does not apply to the repository)", t.RulesetID, t.Repo),
				Hint:   "list the rulesets with `gh api repos/" + t.Repo + "/rulesets`; nothing was changed",
			}
		}
		return lever.Snapshot{}, lever.DescribeError(fmt.Sprintf("reading ruleset %d of %s", t.RulesetID, t.Repo), err, "nothing was changed")
	}
	var head struct {
		SourceType string `json:"source_type"`
		Source     string `json:"source"`
		Name       string `json:"name"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return lever.Snapshot{}, fmt.Errorf("decoding ruleset %d of %s: %w (nothing was changed)", t.RulesetID, t.Repo, err)
	}
	if head.SourceType == "Organization" {
		oraw, err := l.get(ctx, fmt.Sprintf("orgs/%s/rulesets/%d", url.PathEscape(head.Source), t.RulesetID))
		if err != nil {
			if s := ghapi.StatusCode(err); s == http.StatusNotFound || s == http.StatusForbidden {
				return lever.Snapshot{}, &lever.RefusalError{
					Reason: fmt.Sprintf("ruleset %d (%q) is an organization ruleset of %s, and this token cannot edit it (GET /orgs/%s/rulesets/%d answered %d): only organization owners manage organization rulesets", t.RulesetID, head.Name, head.Source, head.Source, t.RulesetID, s),
					Hint:   "nothing was changed; ask an owner of " + head.Source + " to open this override, or join a team the ruleset lets bypass with --lever team",
				}
			}
			return lever.Snapshot{}, lever.DescribeError(fmt.Sprintf("reading organization ruleset %d of %s", t.RulesetID, head.Source), err, "nothing was changed")
		}
		raw = oraw
	}
	f, err := FieldsFromJSON(raw)
	if err != nil {
		return lever.Snapshot{}, fmt.Errorf("reading ruleset %d of %s: %w (nothing was changed)", t.RulesetID, t.Repo, err)
	}
	return lever.Snapshot{Fields: f, Raw: raw}, nil
}

// rawRuleset is the part of a ruleset glass interprets; everything else in
// rules and conditions stays raw.
type rawRuleset struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	Target       string             `json:"target"`
	SourceType   string             `json:"source_type"`
	Source       string             `json:"source"`
	Enforcement  string             `json:"enforcement"`
	BypassActors *[]json.RawMessage `json:"bypass_actors"`
	Conditions   json.RawMessage    `json:"conditions"`
	Rules        []json.RawMessage  `json:"rules"`
}

type actor struct {
	ActorID    *int64 `json:"actor_id"`
	ActorType  string `json:"actor_type"`
	BypassMode string `json:"bypass_mode"`
}

func actorKey(a actor) string {
	id := "null"
	if a.ActorID != nil {
		id = strconv.FormatInt(*a.ActorID, 10)
	}
	return kBypassP + a.ActorType + ":" + id
}

// FieldsFromJSON turns a ruleset as GitHub returns it into fields.
func FieldsFromJSON(raw []byte) (lever.Fields, error) {
	var rs rawRuleset
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, fmt.Errorf("decoding the ruleset: %w", err)
	}
	f := lever.Fields{kSourceType: rs.SourceType, kSource: rs.Source, kName: rs.Name, kTarget: rs.Target,
		kEnforcement: rs.Enforcement, kVisible: rs.BypassActors != nil}
	if rs.BypassActors != nil {
		for _, r := range *rs.BypassActors {
			var a actor
			if err := json.Unmarshal(r, &a); err != nil {
				return nil, fmt.Errorf("decoding a bypass actor: %w", err)
			}
			if a.BypassMode == "" {
				a.BypassMode = "always" // the described default
			}
			f[actorKey(a)] = a.BypassMode
		}
	}
	if len(rs.Conditions) > 0 && !bytes.Equal(bytes.TrimSpace(rs.Conditions), []byte("null")) {
		c, err := canonical(rs.Conditions)
		if err != nil {
			return nil, err
		}
		f[kConditions] = c
	}
	for _, r := range rs.Rules {
		k, c, err := ruleKey(r)
		if err != nil {
			return nil, err
		}
		f[k] = c
	}
	return f, nil
}

func ruleKey(r json.RawMessage) (string, string, error) {
	var h struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(r, &h); err != nil || h.Type == "" {
		return "", "", fmt.Errorf("a rule without a type: %s", r)
	}
	c, err := canonical(r)
	return kRulesP + h.Type, c, err
}

// canonical re-encodes JSON with sorted keys and exact numbers.
func canonical(r json.RawMessage) (string, error) {
	d := json.NewDecoder(bytes.NewReader(r))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// Complete fills in the organization of an organization ruleset
// (lever.Completer), so that overrides on it opened from different
// repositories share one overlap key.
func (l *Lever) Complete(t override.Target, s lever.Snapshot) override.Target {
	if src, _ := s.Fields[kSource].(string); s.Fields[kSourceType] == "Organization" && src != "" {
		t.RulesetOrg = src
	}
	return t
}

// ---- Write ----

// path is where the ruleset is edited: the repository, or the organization
// for an organization ruleset.
func path(t override.Target, f lever.Fields) (string, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return "", err
	}
	if f[kSourceType] == "Organization" {
		src, _ := f[kSource].(string)
		if src == "" {
			src = owner
		}
		return fmt.Sprintf("orgs/%s/rulesets/%d", url.PathEscape(src), t.RulesetID), nil
	}
	return fmt.Sprintf("repos/%s/%s/rulesets/%d", owner, repo, t.RulesetID), nil
}

// Write makes want live with one partial PUT of the parts that differ. It
// first GETs the ruleset as it is now, so lists keep GitHub's order (actors
// and rules that stay keep their place, new ones go last) and a restore puts
// the JSON back as it was. The PUT answer is the verification.
func (l *Lever) Write(ctx context.Context, t override.Target, live, want lever.Fields) (lever.Fields, error) {
	p, err := path(t, live)
	if err != nil {
		return nil, err
	}
	if len(lever.Diff(live, want)) == 0 {
		return live.Clone(), nil
	}
	what := fmt.Sprintf("updating ruleset %d (%v) of %s", t.RulesetID, want[kName], t.Repo)
	curRaw, err := l.get(ctx, p)
	if err != nil {
		return nil, lever.DescribeError(what+" (GET before the PUT)", err, "nothing was changed")
	}
	body, err := putBody(curRaw, live, want)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (nothing was changed)", what, err)
	}
	if len(body) == 0 {
		return live.Clone(), nil
	}
	req, err := l.c.NewRequest("PUT", p, body)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if _, err := l.c.Do(ctx, req, &out); err != nil {
		// A dropped answer or a gateway error leaves it open whether the
		// PUT applied; any other error is GitHub saying it did not.
		return nil, lever.DescribeWriteError(what+" (PUT)", err, fmt.Sprintf("ruleset %d was not changed", t.RulesetID))
	}
	got, err := FieldsFromJSON(out.Bytes())
	if err != nil {
		return nil, nil // the caller reads to verify
	}
	return got, nil
}

// putBody builds the partial update that turns the ruleset (cur, as GET
// returned it now; live, its fields) into want.
func putBody(cur []byte, live, want lever.Fields) (map[string]any, error) {
	var rs rawRuleset
	if err := json.Unmarshal(cur, &rs); err != nil {
		return nil, fmt.Errorf("decoding the ruleset: %w", err)
	}
	body := map[string]any{}
	for _, k := range []string{kName, kTarget, kEnforcement} {
		if !lever.Equal(live[k], want[k]) && want[k] != nil {
			body[k] = want[k]
		}
	}
	if !lever.Equal(live[kConditions], want[kConditions]) {
		s, _ := want[kConditions].(string)
		if s == "" {
			return nil, errors.New("glass cannot remove a ruleset's conditions (GitHub has no way to send none)")
		}
		body[kConditions] = json.RawMessage(s)
	}
	if changed(live, want, kBypassP, kVisible) {
		if want[kVisible] != true || rs.BypassActors == nil {
			return nil, errors.New("the bypass actors are not visible to this token, so glass cannot write them")
		}
		list := []json.RawMessage{}
		seen := map[string]bool{}
		for _, r := range *rs.BypassActors {
			var a actor
			if err := json.Unmarshal(r, &a); err != nil {
				return nil, err
			}
			k := actorKey(a)
			seen[k] = true
			mode, ok := want[k].(string)
			if !ok {
				continue
			}
			a.BypassMode = mode
			b, _ := json.Marshal(a)
			list = append(list, b)
		}
		for _, k := range sortedKeys(want, kBypassP, kVisible) {
			if seen[k] {
				continue
			}
			a, err := actorFromKey(k, want[k])
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(a)
			list = append(list, b)
		}
		body["bypass_actors"] = list
	}
	if changed(live, want, kRulesP, "") {
		list := []json.RawMessage{}
		seen := map[string]bool{}
		for _, r := range rs.Rules {
			k, _, err := ruleKey(r)
			if err != nil {
				return nil, err
			}
			seen[k] = true
			if s, ok := want[k].(string); ok {
				list = append(list, json.RawMessage(s))
			}
		}
		for _, k := range sortedKeys(want, kRulesP, "") {
			if !seen[k] {
				list = append(list, json.RawMessage(want[k].(string)))
			}
		}
		body["rules"] = list
	}
	return body, nil
}

func changed(a, b lever.Fields, prefix, except string) bool {
	for _, k := range lever.Keys(a, b) {
		if strings.HasPrefix(k, prefix) && k != except && !lever.Equal(a[k], b[k]) {
			return true
		}
	}
	return false
}

func sortedKeys(f lever.Fields, prefix, except string) []string {
	var out []string
	for k, v := range f {
		if strings.HasPrefix(k, prefix) && k != except && v != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func actorFromKey(k string, mode any) (actor, error) {
	typ, id, ok := strings.Cut(strings.TrimPrefix(k, kBypassP), ":")
	m, _ := mode.(string)
	if !ok || m == "" {
		return actor{}, fmt.Errorf("bad bypass actor field %q", k)
	}
	a := actor{ActorType: typ, BypassMode: m}
	if id != "null" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return actor{}, fmt.Errorf("bad bypass actor id in %q", k)
		}
		a.ActorID = &n
	}
	return a, nil
}

// ---- Preview ----

// Preview says what the window means: who can now bypass, that an
// organization ruleset covers more than this repository, and that evaluate
// needs GitHub Enterprise.
func (l *Lever) Preview(ctx context.Context, t override.Target, orig, want lever.Fields) ([]lever.Notice, error) {
	var notes []lever.Notice
	name := fmt.Sprintf("ruleset %d (%v)", t.RulesetID, orig[kName])
	if len(lever.Diff(orig, want)) == 0 {
		notes = append(notes, lever.Notice{Kind: "no-op", Message: fmt.Sprintf("nothing to relax on %s: what was asked is already in force", name)})
		return notes, nil
	}
	if orig[kSourceType] == "Organization" {
		notes = append(notes, lever.Notice{Kind: "organization-ruleset", Message: fmt.Sprintf("%s belongs to the organization %v: the change applies to every repository and branch it targets, not only %s", name, orig[kSource], t.Repo)})
	}
	switch want[kEnforcement] {
	case "disabled":
		if orig[kEnforcement] != "disabled" {
			notes = append(notes, lever.Notice{Kind: "ruleset-disabled", Message: fmt.Sprintf("every rule of %s stops applying to everyone for the window", name)})
		}
	case "evaluate":
		if orig[kEnforcement] == "active" {
			notes = append(notes, lever.Notice{Kind: "ruleset-evaluate", Message: "evaluate reports rule violations without enforcing them; GitHub offers it with GitHub Enterprise only (repository-rule-enforcement)"})
		}
	}
	if orig[kEnforcement] == "active" && want[kEnforcement] != "active" && t.Branch != "" && (orig[kRulesP+"pull_request"] != nil || orig[kRulesP+"required_status_checks"] != nil) {
		am, err := l.autoMerge(ctx, t)
		if err != nil {
			return notes, err
		}
		notes = append(notes, am...)
	}
	for _, k := range lever.Keys(want) {
		if !strings.HasPrefix(k, kBypassP) || k == kVisible || lever.Equal(orig[k], want[k]) {
			continue
		}
		msg := fmt.Sprintf("%s may bypass %s (%v) for the window", strings.TrimPrefix(k, kBypassP), name, want[k])
		if want[k] == "pull_request" {
			msg += "; pull_request covers merging pull requests only, not direct pushes"
		}
		notes = append(notes, lever.Notice{Kind: "bypass-actor", Message: msg})
	}
	return notes, nil
}

// autoMerge lists open pull requests into t.Branch with auto-merge enabled:
// once the ruleset's pull_request and status-check rules stop applying they
// may merge at once (the same check the protection lever makes).
func (l *Lever) autoMerge(ctx context.Context, t override.Target) ([]lever.Notice, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return nil, err
	}
	var notes []lever.Notice
	for page := 1; page > 0; {
		var prs []struct {
			Number    int                    `json:"number"`
			Title     string                 `json:"title"`
			HTMLURL   string                 `json:"html_url"`
			User      struct{ Login string } `json:"user"`
			AutoMerge *struct {
				MergeMethod string `json:"merge_method"`
			} `json:"auto_merge"`
		}
		q := url.Values{"state": {"open"}, "base": {t.Branch}, "per_page": {"100"}, "page": {strconv.Itoa(page)}}
		req, err := l.c.NewRequest("GET", fmt.Sprintf("repos/%s/%s/pulls?%s", owner, repo, q.Encode()), nil)
		if err != nil {
			return nil, err
		}
		resp, err := l.c.Do(ctx, req, &prs)
		if err != nil {
			return notes, lever.DescribeError("listing open pull requests into "+t.Repo+"@"+t.Branch, err, "nothing was changed")
		}
		for _, pr := range prs {
			if pr.AutoMerge != nil {
				notes = append(notes, lever.Notice{Kind: "auto-merge", URL: pr.HTMLURL,
					Message: fmt.Sprintf("#%d %q by %s has auto-merge (%s) enabled and may merge as soon as the ruleset stops applying to %s", pr.Number, pr.Title, pr.User.Login, pr.AutoMerge.MergeMethod, t.Branch)})
			}
		}
		page = resp.NextPage
	}
	return notes, nil
}

// ---- helpers ----

func (l *Lever) get(ctx context.Context, p string) ([]byte, error) {
	req, err := l.c.NewRequest("GET", p, nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := l.c.Do(ctx, req, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
