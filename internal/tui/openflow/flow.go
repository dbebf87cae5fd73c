// Package openflow is the interactive `glass open`: a calm sequence of
// questions (repository, lever, branch or user and permission, what to
// relax, duration, reason and incident), a confirmation screen with the
// exact field-by-field diff from engine.Plan, and a progress view of the
// open as it happens. Values given as flags are not asked again. Nothing
// reaches GitHub's settings before the person confirms; Esc or Ctrl-C
// before that changes nothing and says so.
package openflow

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Branch is one branch the picker offers.
type Branch struct {
	Name      string
	Protected bool
}

// Ruleset is one ruleset with active rules on the chosen branch.
type Ruleset struct {
	ID   int64
	Name string
	Org  string // the organization of an organization ruleset; "" for the repository's own
}

// Rules is what policy says about the request being built. The zero value
// allows everything glass itself allows.
type Rules struct {
	Source string // "acme/.github:.github/glass.yml", "built-in defaults"
	// Forbidden maps a relax name (or access permission) policy does not
	// allow here to the reason, shown beside the greyed-out item.
	Forbidden       map[string]string
	MaxDuration     time.Duration // 0: no policy bound
	DefaultDuration time.Duration
	MinReason       int
	IncidentPattern string // Go regexp; "" any
	IncidentNeeded  bool
}

// Deps is what the flow reads and does. Plan and Open are the engine's;
// nothing else writes.
type Deps struct {
	Levers map[override.Lever]lever.Lever
	// DefaultRepo is the current git remote's OWNER/REPO, or "".
	DefaultRepo string
	// Branches lists a repository's branches (order does not matter: the
	// picker puts protected branches first).
	Branches func(ctx context.Context, repo string) ([]Branch, error)
	// Me returns the token's login (the default user of the access lever).
	Me func(ctx context.Context) (string, error)
	// Rules returns the policy view for a lever on a target; nil: no policy.
	Rules func(ctx context.Context, repo string, lv override.Lever, branch string) (Rules, error)
	// Rulesets lists the rulesets with active rules on a branch (the
	// ruleset lever asks which one when there are several); nil: not asked.
	Rulesets func(ctx context.Context, repo, branch string) ([]Ruleset, error)
	// TeamExists checks a team slug typed for a bypass (false, nil: no
	// such team, or the token cannot see it); nil: not checked here (the
	// plan checks it).
	TeamExists func(ctx context.Context, org, slug string) (bool, error)
	// Prepare completes a request before the plan (e.g. finds the ruleset
	// on the branch); nil: the request is complete as asked.
	Prepare func(ctx context.Context, req engine.OpenRequest) (engine.OpenRequest, error)
	Plan    func(ctx context.Context, req engine.OpenRequest) (*engine.Preview, error)
	// Open opens what the preview shows, reporting each step to progress.
	Open  func(ctx context.Context, pv *engine.Preview, progress func(engine.Step)) (*override.Override, error)
	Clock clock.Clock
	// MaxDuration is glass's own bound on a duration.
	MaxDuration time.Duration
	Styles      tui.Styles
	Width       int
}

// Known holds the values given as flags: they are not asked again.
type Known struct {
	Repo       string
	Lever      override.Lever // "": ask
	Branch     string
	Relax      []string
	User       string
	Permission string
	Team       string // ORG/SLUG (team lever)
	Ruleset    string // --ruleset ID or NAME (ruleset lever): not asked
	RulesetID  int64  // the ruleset chosen in the flow
	Duration   time.Duration
	Reason     string
	Incident   string
	AuditRepo  string
	Wait       bool // --wait: go straight to the countdown after opening
}

// Result is how the flow ended.
type Result struct {
	Cancelled bool               // before anything changed
	Override  *override.Override // opened (also set with Err when the open half-succeeded)
	Preview   *engine.Preview
	Err       error // the plan or the open failed
	Wait      bool  // stay in the foreground with the countdown
}

// leverOrder is how levers are listed; levers glass does not know yet
// come after, in name order.
var leverOrder = []override.Lever{override.LeverProtection, override.LeverRuleset, override.LeverAccess, override.LeverTeam}

var leverSummary = map[override.Lever]string{
	override.LeverProtection: "relax classic branch protection on one branch",
	override.LeverRuleset:    "relax a repository ruleset on one branch",
	override.LeverAccess:     "grant a user a role on the repository",
	override.LeverTeam:       "add a user to a team",
}

// targetKind is which questions a lever's target needs.
type targetKind int

const (
	targetUnknown targetKind = iota // the flow cannot ask: use flags
	targetBranch                    // branch + relax names
	targetUser                      // user + one permission
	targetTeam                      // team + user
)

func kindOf(l override.Lever) targetKind {
	switch l {
	case override.LeverProtection, override.LeverRuleset:
		return targetBranch
	case override.LeverAccess:
		return targetUser
	case override.LeverTeam:
		return targetTeam
	}
	return targetUnknown
}

// sortedLevers lists the available levers in presentation order.
func sortedLevers(m map[override.Lever]lever.Lever) []override.Lever {
	var out []override.Lever
	seen := map[override.Lever]bool{}
	for _, l := range leverOrder {
		if m[l] != nil {
			out = append(out, l)
			seen[l] = true
		}
	}
	var rest []override.Lever
	for l, lv := range m {
		if !seen[l] && lv != nil {
			rest = append(rest, l)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}

// sortBranches puts protected branches first, each group in name order.
func sortBranches(bs []Branch) []Branch {
	out := append([]Branch(nil), bs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Protected != out[j].Protected {
			return out[i].Protected
		}
		return out[i].Name < out[j].Name
	})
	return out
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

// slugRE is a team slug as GitHub makes them (lower-case words and dashes;
// a guess wide enough for the slugs in the wild, checked again by the
// ruleset lever's team lookup).
var slugRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

var loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-(?:[A-Za-z0-9])){0,38}$`)

// presets are the durations offered; those above the bound are left out.
var presets = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}

// reasonCheck is the live verdict on the reason and incident fields.
func reasonCheck(r Rules, reason, incident string) (ok bool, msg string) {
	n := len([]rune(strings.TrimSpace(reason)))
	min := max(r.MinReason, 1)
	var parts []string
	ok = n >= min
	if ok {
		parts = append(parts, fmt.Sprintf("✓ %d characters (at least %d)", n, min))
	} else {
		parts = append(parts, fmt.Sprintf("✗ %d of at least %d characters", n, min))
	}
	inc := strings.TrimSpace(incident)
	switch {
	case inc == "" && r.IncidentNeeded:
		ok = false
		parts = append(parts, "✗ an incident reference is required")
	case inc != "" && r.IncidentPattern != "":
		re, err := regexp.Compile(r.IncidentPattern)
		if err == nil && !re.MatchString(inc) {
			ok = false
			parts = append(parts, fmt.Sprintf("✗ the incident must match %s", r.IncidentPattern))
		}
	}
	return ok, strings.Join(parts, " · ")
}

// choice is one relax name a lever option stands for: a plain name, or
// one concrete value of a template such as bypass-role:admin|maintain|write
// [:pull_request] (each alternative, with the optional suffix as a mode)
// or bypass-team:SLUG[:pull_request] (a name the person types).
type choice struct {
	value  string // the relax name (without the mode suffix); "" when typed
	prefix string // for a typed name: what goes before it (bypass-team:)
	mode   string // the optional suffix (":pull_request"), "" when none
}

// expand lists the choices of one lever option.
func expand(name string) []choice {
	if !strings.ContainsAny(name, "|[") && !hasPlaceholder(name) {
		return []choice{{value: name}}
	}
	base, mode := name, ""
	if i := strings.Index(name, "["); i >= 0 {
		base, mode = name[:i], strings.Trim(name[i:], "[]")
	}
	i := strings.LastIndex(base, ":")
	prefix, alts := base[:i+1], base[i+1:]
	if hasPlaceholder(alts) {
		return []choice{{prefix: prefix, mode: mode}}
	}
	var out []choice
	for _, a := range strings.Split(alts, "|") {
		out = append(out, choice{value: prefix + a, mode: mode})
	}
	return out
}

// hasPlaceholder reports whether s has an upper-case placeholder (SLUG).
func hasPlaceholder(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '|' || r == '[' || r == ']' }) {
		if len(w) > 1 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return true
		}
	}
	return false
}

// bypassNotes explains the ruleset lever's bypass choices in one line
// each (GitHub: a bypass actor in mode always may bypass the ruleset;
// in mode pull_request only by merging a pull request; REST docs,
// "Create a repository ruleset", bypass_actors.bypass_mode).
var bypassNotes = map[string]string{
	"bypass-role:admin":    "the admin role may bypass it",
	"bypass-role:maintain": "the maintain role may bypass it",
	"bypass-role:write":    "the write role may bypass it",
}

// choiceNote is the one-line explanation of a choice (value with or
// without its mode suffix).
func choiceNote(value, mode string, withMode bool, summary string) string {
	note, ok := bypassNotes[value]
	if !ok && strings.HasPrefix(value, "bypass-team:") {
		note, ok = "the team's members may bypass it", true
	}
	if !ok {
		return summary
	}
	if mode == "" {
		return note
	}
	if withMode {
		return note + " · only via PRs"
	}
	return note + " · always"
}

// parseDuration reads a free-entry duration and applies the bounds.
func parseDuration(s string, maxD time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use 45m or 1h30m", strings.TrimSpace(s))
	}
	if d < time.Minute {
		return 0, fmt.Errorf("at least 1m")
	}
	if maxD > 0 && d > maxD {
		return 0, fmt.Errorf("at most %s", tui.Human(maxD))
	}
	return d, nil
}
