// Package override is glass's model of one break-glass event: who relaxed
// which lever on which target, why, for how long, and what was there before.
// It has no behaviour beyond validation and bookkeeping; the engine acts on it
// and the ledger records it.
package override

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Lever names the kind of emergency change.
type Lever string

const (
	LeverProtection Lever = "protection" // classic branch protection of one branch
	LeverAccess     Lever = "access"     // a direct collaborator role on a repository
	LeverRuleset    Lever = "ruleset"    // a repository ruleset
	LeverTeam       Lever = "team"       // membership of an organization team
)

// State is where an override is in its life. The order of the write-ahead
// protocol is requested → applying → active → closing → closed; failed and
// denied are terminal, like closed.
type State string

const (
	StateRequested State = "requested" // waiting for approval; nothing changed
	StateApplying  State = "applying"  // audit record written; the change may or may not have reached GitHub
	StateActive    State = "active"    // change applied and verified
	StateClosing   State = "closing"   // rollback started; may or may not have reached GitHub
	StateClosed    State = "closed"    // rolled back and verified
	StateFailed    State = "failed"    // rollback could not be verified; a human must look
	StateDenied    State = "denied"    // approval denied or timed out; nothing changed
)

// Terminal reports whether nothing more will happen to an override in state s.
func (s State) Terminal() bool {
	return s == StateClosed || s == StateFailed || s == StateDenied
}

// Target says what a lever acts on. Which fields matter depends on the lever.
type Target struct {
	Repo       string `json:"repo"`                 // OWNER/REPO
	Branch     string `json:"branch,omitempty"`     // protection, ruleset
	User       string `json:"user,omitempty"`       // access, team
	Permission string `json:"permission,omitempty"` // access: pull|triage|push|maintain|admin
	Team       string `json:"team,omitempty"`       // team: ORG/SLUG
	RulesetID  int64  `json:"ruleset_id,omitempty"` // ruleset
	// RulesetOrg is the organization that owns the ruleset, for an
	// organization ruleset (the engine fills it in from the snapshot): one
	// setting, whichever repository the override was opened from.
	RulesetOrg string `json:"ruleset_org,omitempty"`
}

// Key identifies the live setting a target touches. Overrides with the same
// key overlap and must be combined (see the engine).
func (t Target) Key(l Lever) string {
	switch l {
	case LeverProtection:
		return fmt.Sprintf("protection:%s:%s", t.Repo, t.Branch)
	case LeverAccess:
		return fmt.Sprintf("access:%s:%s", t.Repo, strings.ToLower(t.User))
	case LeverRuleset:
		if t.RulesetOrg != "" {
			// An organization ruleset is one setting for every repository
			// it applies to: overrides opened from different repositories
			// overlap (an organization login has no "/", a repository does).
			return fmt.Sprintf("ruleset:%s:%d", strings.ToLower(t.RulesetOrg), t.RulesetID)
		}
		return fmt.Sprintf("ruleset:%s:%d", t.Repo, t.RulesetID)
	case LeverTeam:
		return fmt.Sprintf("team:%s:%s", strings.ToLower(t.Team), strings.ToLower(t.User))
	}
	return fmt.Sprintf("%s:%s", l, t.Repo)
}

// String is a short human description such as "acme/payments@main".
func (t Target) String() string {
	switch {
	case t.Team != "" && t.User != "":
		return fmt.Sprintf("%s in team %s", t.User, t.Team)
	case t.User != "":
		return fmt.Sprintf("%s on %s", t.User, t.Repo)
	case t.RulesetID != 0 && t.RulesetOrg != "" && t.Branch == "":
		return fmt.Sprintf("%s ruleset %d of %s", t.Repo, t.RulesetID, t.RulesetOrg)
	case t.RulesetID != 0 && t.RulesetOrg != "":
		return fmt.Sprintf("%s ruleset %d of %s (%s)", t.Repo, t.RulesetID, t.RulesetOrg, t.Branch)
	case t.RulesetID != 0 && t.Branch == "":
		return fmt.Sprintf("%s ruleset %d", t.Repo, t.RulesetID)
	case t.RulesetID != 0:
		return fmt.Sprintf("%s ruleset %d (%s)", t.Repo, t.RulesetID, t.Branch)
	case t.Branch != "":
		return fmt.Sprintf("%s@%s", t.Repo, t.Branch)
	}
	return t.Repo
}

// Extension records one move of the expiry.
type Extension struct {
	By     Duration  `json:"by"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
}

// Approval records the policy decision that let the override open.
type Approval struct {
	Mode     string    `json:"mode"`               // "self" (no second person) or "approved"
	Rule     string    `json:"rule,omitempty"`     // policy rule that allowed it
	Approver string    `json:"approver,omitempty"` // who approved, when mode is "approved"
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
	Skipped  []string  `json:"skipped,omitempty"` // approvers who were not asked (self-approval)
	// Until is when a request stops waiting for approval (state requested):
	// an approval made later grants nothing, and sweep closes the request
	// as timed out.
	Until time.Time `json:"until,omitzero"`
	// NoWait marks a request whose requester did not wait for the decision
	// (glass open --no-wait): nobody polls it, so `glass approve` (when the
	// approver's token can) or the next `glass sweep` applies it once an
	// eligible approver approved it before Until.
	NoWait bool `json:"no_wait,omitempty"`
}

// Override is one break-glass event. It is serialised into the audit issue's
// state block, so field names are part of the audit format (docs/audit-format.md).
type Override struct {
	ID        string    `json:"id"`       // the audit issue, "OWNER/REPO#N"
	Lever     Lever     `json:"lever"`    //
	Target    Target    `json:"target"`   //
	Relax     []string  `json:"relax"`    // lever-specific names, sorted
	Actor     string    `json:"actor"`    // login that opened it
	Reason    string    `json:"reason"`   //
	Incident  string    `json:"incident"` // optional incident reference
	Duration  Duration  `json:"duration"` // as asked
	Drill     bool      `json:"drill"`    // a fire drill, never a real incident
	State     State     `json:"state"`    //
	Requested time.Time `json:"requested_at"`
	Opened    time.Time `json:"opened_at,omitempty"`  // when access was granted; the window starts here
	Expires   time.Time `json:"expires_at,omitempty"` // Opened + Duration + extensions
	Closed    time.Time `json:"closed_at,omitempty"`
	// Snapshot is the lever's complete view of the setting before glass
	// touched it (lever.Fields), shared by all overrides on the same key.
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
	// Raw is the setting exactly as GitHub returned it before the change,
	// kept for the audit record and byte-level comparison.
	Raw        json.RawMessage `json:"raw,omitempty"`
	HeadSHA    string          `json:"head_sha,omitempty"` // branch head when the override opened
	Extensions []Extension     `json:"extensions,omitempty"`
	Approval   *Approval       `json:"approval,omitempty"`
	// Review is the post-incident sign-off (`glass review`). It lives in the
	// state block because the audit body is re-rendered on every save, so a
	// ticked checklist must come from the model, not from the old body.
	Review *Review `json:"review,omitempty"`
}

// Review records who signed off the post-incident review checklist.
type Review struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// Extended is the total of all extensions.
func (o *Override) Extended() time.Duration {
	var d time.Duration
	for _, e := range o.Extensions {
		d += time.Duration(e.By)
	}
	return d
}

// Overdue reports whether the override should already have been rolled back.
func (o *Override) Overdue(now time.Time) bool {
	return !o.State.Terminal() && o.State != StateRequested && !o.Expires.IsZero() && !now.Before(o.Expires)
}

// NormalizeRelax sorts and de-duplicates relax names so that equal sets
// compare equal in the state block.
func NormalizeRelax(names []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(strings.ToLower(n))
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Duration is a time.Duration that reads and writes Go syntax ("1h30m") in
// JSON, so the audit record stays readable.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"15m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
