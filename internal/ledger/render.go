// Package ledger reads and writes the audit issue, glass's record of an
// override: a readable body, a versioned state block with a digest, one
// comment per step, and labels that make live overrides one list request
// away. The format is documented in docs/audit-format.md and pinned by the
// golden files in testdata/.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/override"
)

// Labels. Every override carries LabelBase and exactly one state label;
// drills also carry LabelDrill.
const (
	LabelBase      = "break-glass"
	LabelActive    = "break-glass:active"
	LabelClosed    = "break-glass:closed"
	LabelFailed    = "break-glass:failed"
	LabelRequested = "break-glass:requested"
	LabelDrill     = "break-glass:drill"
)

// labelSpec is the colour and description glass gives its labels, so that
// they are recognisable in the issue list (GitHub would otherwise
// auto-create them grey and undescribed).
type labelSpec struct{ Name, Color, Description string }

func labelSpecs() []labelSpec {
	return []labelSpec{
		{LabelBase, "b60205", "glass break-glass override (audit record)"},
		{LabelActive, "d93f0b", "glass: override in force; rolled back at expiry"},
		{LabelClosed, "0e8a16", "glass: override rolled back and verified, or denied"},
		{LabelFailed, "000000", "glass: rollback not verified; a human must look"},
		{LabelRequested, "fbca04", "glass: waiting for approval; nothing changed yet"},
		{LabelDrill, "5319e7", "glass: fire drill, not a real incident"},
	}
}

// StateLabel is the one state label for s.
func StateLabel(s override.State) string {
	switch s {
	case override.StateRequested:
		return LabelRequested
	case override.StateClosed, override.StateDenied:
		return LabelClosed
	case override.StateFailed:
		return LabelFailed
	}
	return LabelActive // applying, active, closing: the door may be open
}

// Labels returns the labels for o, base first.
func Labels(o *override.Override) []string {
	l := []string{LabelBase, StateLabel(o.State)}
	if o.Drill {
		l = append(l, LabelDrill)
	}
	return l
}

// IssueOpen reports whether o's issue must be open. Everything that may
// still need glass or a human (including failed) is open, so that one list
// of open issues finds every live override; closed and denied are closed.
func IssueOpen(s override.State) bool {
	return !(s == override.StateClosed || s == override.StateDenied)
}

// stateReason is the issue's state_reason when closed.
func stateReason(s override.State) string {
	if s == override.StateDenied {
		return "not_planned"
	}
	return "completed"
}

// Title is the issue title: plain text (GitHub does not render markdown in
// titles), no user-typed reason, so it stays short and neutral.
func Title(o *override.Override) string {
	prefix := "Break-glass"
	if o.Drill {
		prefix = "[drill] Break-glass"
	}
	what, on := string(o.Lever), "on"
	switch {
	case o.Lever == override.LeverAccess || o.Lever == override.LeverTeam:
		on = "for" // Target reads "bob on acme/payments"
		if o.Target.Permission != "" {
			what += " (" + o.Target.Permission + ")"
		}
	case len(o.Relax) > 0:
		what += " (" + strings.Join(o.Relax, ", ") + ")"
	}
	return plain(fmt.Sprintf("%s: %s %s %s by %s", prefix, what, on, o.Target.String(), o.Actor), 256)
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// closeHint is the command to close early.
func closeHint(o *override.Override, x BodyExtras) string {
	if x.CloseHint != "" {
		return x.CloseHint
	}
	if o.ID != "" {
		return "glass close " + o.ID
	}
	return "glass close OWNER/REPO#N   (this issue)"
}

// reviewItems is the post-incident review checklist. `glass review` signs
// it off as a whole (override.Review), so the ticks come from the model.
func reviewItems() []string {
	return []string{
		"The reason and incident reference are accurate",
		"Every commit and merged pull request in the activity comment was expected",
		"Changes that skipped review have been reviewed since",
		"The rollback was verified (see the restored comment); drift and conflicts are understood",
		"Follow-ups (runbook, policy, tooling) are filed",
	}
}

// RenderBody renders the issue body of o: a readable summary, then the state
// block. It fails with ErrTooLarge when the body would exceed GitHub's cap
// (the snapshot is the only unbounded part).
func RenderBody(o *override.Override, x BodyExtras) (string, error) {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }

	if o.Drill {
		w("## 🧯 Fire drill: break-glass override\n\n")
		w("> [!NOTE]\n> This is a **drill**, not a real incident. Everything below really happened on GitHub.\n\n")
	} else {
		w("## 🚨 Break-glass override\n\n")
	}
	if o.State == override.StateFailed {
		w("> [!CAUTION]\n> The rollback could **not be verified**. A human must check the live setting (see the comments).\n\n")
	}
	w("| | |\n|---|---|\n")
	w("| **State** | `%s` |\n", inlineCode(string(o.State)))
	w("| **Who** | %s |\n", inline(o.Actor, maxShort))
	w("| **What** | %s |\n", what(o))
	w("| **Target** | %s |\n", inline(o.Target.String(), maxShort))
	w("| **Incident** | %s |\n", orDash(inline(o.Incident, maxShort)))
	w("| **Requested** | %s |\n", ts(o.Requested))
	w("| **Opened** | %s |\n", ts(o.Opened))
	exp := ts(o.Expires)
	if d := o.Extended(); d > 0 {
		exp += fmt.Sprintf(" (asked %s, extended %s)", o.Duration, d)
	} else if o.Duration > 0 {
		exp += fmt.Sprintf(" (%s)", o.Duration)
	}
	w("| **Expires** | %s |\n", exp)
	if !o.Closed.IsZero() {
		w("| **Closed** | %s |\n", ts(o.Closed))
	}
	w("| **Approval** | %s |\n", approval(o))
	if o.HeadSHA != "" {
		w("| **Head at open** | `%s` |\n", inlineCode(o.HeadSHA))
	}
	w("\n### Why\n\n")
	for _, l := range multiline(o.Reason, maxReason) {
		w("> %s\n", l)
	}
	if len(o.Extensions) > 0 {
		w("\n### Extensions\n\n")
		for _, e := range o.Extensions {
			w("- %s by %s at %s: %s\n", e.By, inline(e.Actor, maxShort), ts(e.At), inline(e.Reason, maxShort))
		}
	}
	if x.PolicyDecision != "" {
		w("\n### Policy\n\n%s\n", inline(x.PolicyDecision, maxText))
	}
	if len(x.Notices) > 0 {
		w("\n### Side effects shown before confirming\n\n")
		for _, n := range x.Notices {
			w("- **%s**: %s", inline(n.Kind, maxShort), inline(n.Message, maxShort))
			if n.URL != "" {
				w(" (%s)", inline(n.URL, maxShort))
			}
			w("\n")
		}
	}
	switch {
	case o.State == override.StateRequested:
		w("\n### Withdraw the request\n\n```\n%s\n```\n", codeBlock(closeHint(o, x)))
	case !o.State.Terminal():
		w("\n### Close early\n\n```\n%s\n```\n", codeBlock(closeHint(o, x)))
	}
	if o.State != override.StateRequested && o.State != override.StateDenied {
		renderReview(&b, o)
	}
	if len(x.Record) > 0 {
		w("\n### Closing record\n\n<sub>Part of the state block below; the same events are posted as comments.</sub>\n")
		for _, ev := range x.Record {
			w("\n")
			renderEventText(&b, o, ev, "####")
		}
	}
	if m := mentions(x.Mentions); m != "" {
		w("\ncc %s\n", m)
	}
	w("\n---\n<sub>Written by glass. The block below is the machine-readable record (docs/audit-format.md); editing it by hand invalidates its digest.</sub>\n\n")
	blk, err := encodeState(o, x)
	if err != nil {
		return "", err
	}
	b.WriteString(blk)
	b.WriteString("\n")
	if n := len([]rune(b.String())); n > MaxBody {
		return "", fmt.Errorf("%w: body is %d characters (snapshot %d bytes, raw %d bytes)", ErrTooLarge, n, len(o.Snapshot), len(o.Raw))
	}
	return b.String(), nil
}

// renderReview writes the post-incident review checklist; there is nothing
// to review for a request that never opened.
func renderReview(b *strings.Builder, o *override.Override) {
	w := func(f string, a ...any) { fmt.Fprintf(b, f, a...) }
	w("\n### Post-incident review\n\n")
	mark := " "
	if o.Review != nil {
		mark = "x"
	}
	for _, it := range reviewItems() {
		w("- [%s] %s\n", mark, it)
	}
	if o.Review != nil {
		w("\nSigned off by %s at %s", inline(o.Review.By, maxShort), ts(o.Review.At))
		if o.Review.Note != "" {
			w(": %s", inline(o.Review.Note, maxShort))
		}
		w(".\n")
	} else {
		w("\nSign off with `glass review %s` once done.\n", inlineCode(orPlaceholder(o.ID)))
	}
}

// ParseBody decodes the state block of an audit issue body. The readable
// part is ignored: the block is the record.
func ParseBody(body string) (*override.Override, error) {
	st, err := decodeState(body)
	if err != nil {
		return nil, err
	}
	return st.Override, nil
}

// ParseBodyExtras is ParseBody that also returns the extras, so that a
// re-render keeps the notices and mentions.
func ParseBodyExtras(body string) (*override.Override, BodyExtras, error) {
	st, err := decodeState(body)
	if err != nil {
		return nil, BodyExtras{}, err
	}
	var x BodyExtras
	if st.Extras != nil {
		x = *st.Extras
	}
	return st.Override, x, nil
}

func what(o *override.Override) string {
	relax := make([]string, len(o.Relax))
	for i, r := range o.Relax {
		relax[i] = "`" + inlineCode(r) + "`"
	}
	s := "relax " + strings.Join(relax, ", ")
	if len(relax) == 0 {
		s = "change"
	}
	switch o.Lever {
	case override.LeverProtection:
		return s + " in branch protection"
	case override.LeverAccess:
		p := o.Target.Permission
		if p == "" {
			p = "access"
		}
		return fmt.Sprintf("grant `%s` on the repository", inlineCode(p))
	case override.LeverTeam:
		return "add to the team"
	case override.LeverRuleset:
		if o.Target.RulesetOrg != "" {
			return s + " in an organization ruleset of " + inline(o.Target.RulesetOrg, maxShort)
		}
		return s + " in a repository ruleset"
	}
	return s + " (" + inline(string(o.Lever), maxShort) + ")"
}

func approval(o *override.Override) string {
	a := o.Approval
	if a == nil {
		if o.State == override.StateRequested {
			return "**pending**: waiting for an approver"
		}
		return "—"
	}
	var s string
	switch a.Mode {
	case "approved":
		s = "approved by " + orDash(inline(a.Approver, maxShort))
		if a.Rule != "" {
			s += " under rule `" + inlineCode(a.Rule) + "`"
		}
	case "self":
		rule := a.Rule
		if rule == "" {
			rule = "(none)"
		}
		s = "self-approved under rule `" + inlineCode(rule) + "`"
	default:
		s = inline(a.Mode, maxShort)
	}
	if !a.At.IsZero() {
		s += " at " + ts(a.At)
	}
	if a.Reason != "" {
		s += " — " + inline(a.Reason, maxShort)
	}
	if len(a.Skipped) > 0 {
		names := make([]string, len(a.Skipped))
		for i, n := range a.Skipped {
			names[i] = inline(n, maxShort)
		}
		s += "; approvers skipped: " + strings.Join(names, ", ")
	}
	return s
}

// inlineCode makes s safe inside a single-backtick code span: backticks
// would end it, and "<!--" must never appear in the raw body.
func inlineCode(s string) string {
	s = plain(s, maxShort)
	r := strings.NewReplacer("`", "'", "<!--", "<!\u200b--", "-->", "--\u200b>", "|", "¦")
	return r.Replace(s)
}

// codeBlock makes s safe inside a fenced block.
func codeBlock(s string) string {
	s = plain(s, maxShort)
	r := strings.NewReplacer("```", "'''", "<!--", "<!\u200b--", "-->", "--\u200b>")
	return r.Replace(s)
}

func mentions(ms []string) string {
	var out []string
	seen := map[string]bool{}
	for _, m := range ms {
		m = strings.TrimPrefix(strings.TrimSpace(m), "@")
		if !validMention(m) || seen[strings.ToLower(m)] {
			continue
		}
		seen[strings.ToLower(m)] = true
		out = append(out, "@"+m)
	}
	return strings.Join(out, " ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func orPlaceholder(id string) string {
	if id == "" {
		return "OWNER/REPO#N"
	}
	return id
}
