package ledger

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Kind is what an event comment records.
type Kind string

const (
	KindApplied           Kind = "applied"            // change applied and verified (or not: Verified lists mismatches)
	KindOpenFailed        Kind = "open-failed"        // the change could not be made or verified; what was undone
	KindExtended          Kind = "extended"           // expiry moved
	KindRestored          Kind = "restored"           // rolled back and verified, field by field
	KindRestoreFailed     Kind = "restore-failed"     // rollback could not be verified
	KindActivity          Kind = "activity"           // what landed on the target during the window
	KindClosed            Kind = "closed"             // the record is complete
	KindPolicy            Kind = "policy"             // the policy decision, explained
	KindApprovalRequested Kind = "approval-requested" // waiting for a second person
	KindApproved          Kind = "approved"
	KindDenied            Kind = "denied"
	KindNotifyFailed      Kind = "notify-failed" // a mention or webhook could not be delivered
	KindNotified          Kind = "notified"      // every webhook received the event
	KindReconciled        Kind = "reconciled"    // a half-done open or close finished by sweep
	KindDrillReport       Kind = "drill-report"  // metrics and findings of a fire drill
	KindReviewed          Kind = "reviewed"      // post-incident review signed off
	KindDetached          Kind = "detached"      // the opener stopped waiting (glass open --wait): sweep owns the rollback
)

// Kinds lists every kind glass writes, in life-cycle order.
func Kinds() []Kind {
	return []Kind{KindPolicy, KindApprovalRequested, KindApproved, KindDenied, KindApplied, KindOpenFailed,
		KindExtended, KindDetached, KindActivity, KindRestored, KindRestoreFailed, KindReconciled, KindNotified, KindNotifyFailed,
		KindClosed, KindDrillReport, KindReviewed}
}

// Unique reports whether at most one event of kind k may exist per override
// when the caller gives no Key: Append then checks the issue before posting,
// so a retried close or a repeated sweep cannot record a second rollback.
func (k Kind) Unique() bool {
	switch k {
	case KindApplied, KindOpenFailed, KindRestored, KindRestoreFailed, KindClosed, KindApproved, KindDenied, KindApprovalRequested, KindReviewed, KindDrillReport:
		return true
	}
	return false
}

// Event is one step of an override, recorded as a comment.
type Event struct {
	Kind Kind `json:"kind"`
	// Seq orders events on one override (1, 2, ...). The Store fills it
	// when zero and it has the comment list anyway.
	Seq int `json:"seq"`
	// Key makes Append idempotent: an event whose key is on the issue is
	// not written again. Empty: the kind for unique kinds, else none.
	Key   string    `json:"key,omitempty"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor,omitempty"`
	// Summary is one line for humans (escaped).
	Summary string `json:"summary,omitempty"`
	// Verified lists fields whose live value was not the expected one after
	// a write; empty means verified.
	Verified []lever.Mismatch `json:"verified,omitempty"`
	// Fields is the field-by-field view: before glass, during the window,
	// after the rollback (any may be nil).
	Fields *FieldTable `json:"fields,omitempty"`
	// Plan is the three-way restore (drift kept, conflicts put back).
	Plan      *lever.Plan         `json:"plan,omitempty"`
	Extension *override.Extension `json:"extension,omitempty"`
	Activity  *Activity           `json:"activity,omitempty"`
	Notices   []lever.Notice      `json:"notices,omitempty"`
	// Text is free text (a denial reason, a drill report, an error).
	Text string `json:"text,omitempty"`
	// Mentions are logins and ORG/SLUG teams to notify with this comment
	// (a rollback's alert, from the policy's notify.mention); rendered as
	// a "cc" line, the only place an event links @mentions.
	Mentions []string `json:"mentions,omitempty"`
}

// FieldTable holds the three views of a setting compared in a comment.
type FieldTable struct {
	Before lever.Fields `json:"before,omitempty"`
	During lever.Fields `json:"during,omitempty"`
	After  lever.Fields `json:"after,omitempty"`
}

// Activity is what landed on the target while the override was in force.
type Activity struct {
	FromSHA     string    `json:"from_sha,omitempty"`
	ToSHA       string    `json:"to_sha,omitempty"`
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until"`
	Status      string    `json:"status,omitempty"` // compare status; "diverged" means history was rewritten
	Commits     []Commit  `json:"commits,omitempty"`
	Pushes      []Push    `json:"pushes,omitempty"`
	MergedPulls []Pull    `json:"merged_pulls,omitempty"`
	Truncated   bool      `json:"truncated,omitempty"`
	Errors      []string  `json:"errors,omitempty"`
}

// Commit is one commit that landed during the window.
type Commit struct {
	SHA     string `json:"sha"`
	Author  string `json:"author"`
	Message string `json:"message"`
}

// Push is one ref update: push, force_push, pr_merge, branch_deletion, ...
type Push struct {
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
	At     time.Time `json:"at"`
}

// SkippedReview reports a push that did not go through a pull request.
func (p Push) SkippedReview() bool { return p.Kind == "push" || p.Kind == "force_push" }

// Pull is one pull request merged during the window.
type Pull struct {
	Number        int       `json:"number"`
	Title         string    `json:"title"`
	Author        string    `json:"author"`
	MergedBy      string    `json:"merged_by,omitempty"`
	MergedAt      time.Time `json:"merged_at"`
	SkippedReview bool      `json:"skipped_review,omitempty"` // no approving review by someone else
}

var keyRE = regexp.MustCompile(`[^A-Za-z0-9._:-]+`)

// key is the event's idempotency id as written in the marker.
func (ev Event) key() string {
	k := ev.Key
	if k == "" && ev.Kind.Unique() {
		k = string(ev.Kind)
	}
	if k == "" {
		k = fmt.Sprintf("%s-%d", ev.Kind, ev.Seq)
	}
	k = keyRE.ReplaceAllString(k, "-")
	if len(k) > 64 {
		k = k[:64]
	}
	return k
}

func safeKind(k Kind) string {
	s := keyRE.ReplaceAllString(string(k), "-")
	if s == "" {
		s = "unknown"
	}
	return s
}

// RenderEvent renders the comment for ev on o: readable markdown, then a
// hidden marker with kind, seq, id and a short digest, followed by the event
// as base64 JSON so that a later Load recovers it exactly.
func RenderEvent(o *override.Override, ev Event) (string, error) {
	ev.Kind = Kind(safeKind(ev.Kind))
	ev.Key = ev.key()
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	renderEventText(&b, o, ev, "###")
	js, err := json.Marshal(ev)
	if err != nil {
		return "", fmt.Errorf("encode event: %w", err)
	}
	sum := sha256.Sum256(js)
	w("\n%skind=%s seq=%d id=%s sha256=%s\n", eventOpen, ev.Kind, ev.Seq, ev.Key, hex.EncodeToString(sum[:6]))
	enc := base64.StdEncoding.EncodeToString(js)
	for len(enc) > b64Line {
		w("%s\n", enc[:b64Line])
		enc = enc[b64Line:]
	}
	w("%s\n%s\n", enc, blockClose)
	if n := len([]rune(b.String())); n > MaxBody {
		return "", fmt.Errorf("%w: %s comment is %d characters", ErrTooLarge, ev.Kind, n)
	}
	return b.String(), nil
}

// renderEventText writes the readable part of ev (everything but the
// marker), its heading at level hl ("###" in a comment, "####" in the
// closing record of a body).
func renderEventText(b *strings.Builder, o *override.Override, ev Event, hl string) {
	w := func(f string, a ...any) { fmt.Fprintf(b, f, a...) }
	w("%s %s %s\n\n", hl, icon(ev), heading(ev))
	w("%s", meta(ev))
	if ev.Summary != "" {
		w("\n%s\n", inline(ev.Summary, maxText))
	}
	switch ev.Kind {
	case KindExtended:
		if e := ev.Extension; e != nil {
			w("\nExtended by **%s** by %s: %s\n", e.By, orDash(inline(e.Actor, maxShort)), orDash(inline(e.Reason, maxShort)))
		}
		if !o.Expires.IsZero() {
			w("\nNew expiry: %s\n", ts(o.Expires))
		}
	case KindActivity:
		renderActivity(b, ev.Activity)
	}
	if len(ev.Notices) > 0 {
		w("\n**Side effects**\n\n")
		for _, n := range ev.Notices {
			w("- **%s**: %s\n", inline(n.Kind, maxShort), inline(n.Message, maxShort))
		}
	}
	renderFields(b, o, ev)
	renderPlan(b, ev.Plan)
	if ev.Text != "" {
		w("\n")
		for _, l := range multiline(ev.Text, maxText) {
			w("> %s\n", l)
		}
	}
	if m := mentions(ev.Mentions); m != "" {
		w("\ncc %s\n", m)
	}
}

func icon(ev Event) string {
	switch ev.Kind {
	case KindApplied, KindRestored:
		if len(ev.Verified) > 0 {
			return "⚠️"
		}
		return "✅"
	case KindRestoreFailed, KindOpenFailed:
		return "❌"
	case KindNotifyFailed:
		return "⚠️"
	case KindNotified:
		return "📣"
	case KindDenied:
		return "⛔"
	case KindExtended, KindDetached:
		return "⏱️"
	case KindActivity:
		return "📋"
	case KindClosed, KindReviewed:
		return "🔒"
	case KindDrillReport:
		return "🧯"
	}
	return "ℹ️"
}

func heading(ev Event) string {
	switch ev.Kind {
	case KindApplied:
		if len(ev.Verified) > 0 {
			return "Applied, verification found differences"
		}
		return "Applied and verified"
	case KindOpenFailed:
		return "Open failed"
	case KindExtended:
		return "Extended"
	case KindDetached:
		return "Detached: glass sweep owns the rollback"
	case KindRestored:
		if len(ev.Verified) > 0 {
			return "Reverted, verification found differences"
		}
		return "Reverted and verified"
	case KindRestoreFailed:
		return "Rollback could not be verified"
	case KindActivity:
		return "Activity during the window"
	case KindClosed:
		return "Closed"
	case KindPolicy:
		return "Policy decision"
	case KindApprovalRequested:
		return "Approval requested"
	case KindApproved:
		return "Approved"
	case KindDenied:
		return "Denied"
	case KindNotifyFailed:
		return "Notification failed"
	case KindNotified:
		return "Notifications delivered"
	case KindReconciled:
		return "Reconciled by sweep"
	case KindDrillReport:
		return "Drill report"
	case KindReviewed:
		return "Post-incident review signed off"
	}
	return "Event " + string(ev.Kind)
}

func meta(ev Event) string {
	s := ts(ev.At)
	if ev.Actor != "" {
		s += " · by " + inline(ev.Actor, maxShort)
	}
	return "<sub>" + s + " · step " + strconv.Itoa(ev.Seq) + "</sub>\n"
}

// cell renders a field value for a table cell: compact JSON, escaped.
func cell(v any, present bool) string {
	if !present {
		return "—"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return inline(fmt.Sprint(v), maxShort)
	}
	return inline(string(b), maxShort)
}

func renderFields(b *strings.Builder, o *override.Override, ev Event) {
	ft := ev.Fields
	if ft == nil && len(ev.Verified) == 0 {
		return
	}
	if ft == nil {
		ft = &FieldTable{}
	}
	before := ft.Before
	if before == nil && len(o.Snapshot) > 0 {
		_ = json.Unmarshal(o.Snapshot, &before) // best effort: the table is for humans
	}
	bad := map[string]lever.Mismatch{}
	for _, m := range ev.Verified {
		bad[m.Field] = m
	}
	// Only fields that differ somewhere, or failed verification: a full
	// protection snapshot is dozens of unchanged fields. Columns glass has
	// no data for are left out (applied has no "after").
	hdr := []string{"field", "before"}
	if ft.During != nil {
		hdr = append(hdr, "during")
	}
	if ft.After != nil {
		hdr = append(hdr, "after")
	}
	hdr = append(hdr, "verified")
	var rows []string
	for _, k := range lever.Keys(before, ft.During, ft.After) {
		_, isBad := bad[k]
		bv, bok := before[k]
		changed := (ft.During != nil && !lever.Equal(bv, ft.During[k])) || (ft.After != nil && !lever.Equal(bv, ft.After[k]))
		if !changed && !isBad {
			continue
		}
		row := []string{"`" + inlineCode(k) + "`", cell(bv, bok)}
		if ft.During != nil {
			v, ok := ft.During[k]
			row = append(row, cell(v, ok))
		}
		if ft.After != nil {
			v, ok := ft.After[k]
			row = append(row, cell(v, ok))
		}
		mark := "✓"
		if isBad {
			mark = "✗"
		}
		rows = append(rows, "| "+strings.Join(append(row, mark), " | ")+" |")
	}
	if len(rows) > 0 {
		fmt.Fprintf(b, "\n| %s |\n|%s\n%s\n", strings.Join(hdr, " | "), strings.Repeat("---|", len(hdr)), strings.Join(rows, "\n"))
	}
	if len(ev.Verified) > 0 {
		fmt.Fprintf(b, "\n**Not as expected** (%d):\n\n| field | want | got |\n|---|---|---|\n", len(ev.Verified))
		for _, m := range ev.Verified {
			fmt.Fprintf(b, "| `%s` | %s | %s |\n", inlineCode(m.Field), cell(m.Want, true), cell(m.Got, true))
		}
	}
}

func renderPlan(b *strings.Builder, p *lever.Plan) {
	if p == nil {
		return
	}
	if len(p.Drift) == 0 && len(p.Conflicts) == 0 {
		b.WriteString("\nNobody else changed the setting during the window.\n")
		return
	}
	table := func(title string, cs []lever.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(b, "\n**%s** (%d):\n\n| field | before | glass set | found | restored to |\n|---|---|---|---|---|\n", title, len(cs))
		for _, c := range cs {
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", inlineCode(c.Field), cell(c.Original, true), cell(c.Expected, true), cell(c.Live, true), cell(c.Result, true))
		}
	}
	table("Drift kept: changed by someone else on a field glass did not touch", p.Drift)
	table("Conflicts put back: changed by someone else on a field glass relaxed", p.Conflicts)
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func renderActivity(b *strings.Builder, a *Activity) {
	if a == nil {
		return
	}
	w := func(f string, x ...any) { fmt.Fprintf(b, f, x...) }
	w("\nWindow %s → %s", ts(a.Since), ts(a.Until))
	if a.FromSHA != "" || a.ToSHA != "" {
		w(", `%s` → `%s`", inlineCode(short(a.FromSHA)), inlineCode(short(a.ToSHA)))
	}
	w(".\n")
	if a.Status == "diverged" || a.Status == "behind" {
		w("\n**History was rewritten** (compare status `%s`): a force push replaced commits.\n", inlineCode(a.Status))
	}
	if len(a.Commits) == 0 && len(a.Pushes) == 0 && len(a.MergedPulls) == 0 {
		w("\nNothing landed during the window.\n")
	}
	if len(a.Commits) > 0 {
		w("\n**Commits** (%d):\n\n", len(a.Commits))
		for _, c := range a.Commits {
			w("- `%s` %s — %s\n", inlineCode(short(c.SHA)), inline(firstLine(c.Message), 100), inline(c.Author, maxShort))
		}
	}
	if len(a.Pushes) > 0 {
		w("\n**Pushes** (%d):\n\n", len(a.Pushes))
		for _, p := range a.Pushes {
			mark := ""
			switch {
			case p.Kind == "force_push":
				mark = " — ⚠️ **force push, skipped review**"
			case p.SkippedReview():
				mark = " — ⚠️ **skipped review**"
			}
			w("- %s by %s at %s: `%s` → `%s`%s\n", inline(p.Kind, maxShort), inline(p.Actor, maxShort), ts(p.At), inlineCode(short(p.Before)), inlineCode(short(p.After)), mark)
		}
	}
	if len(a.MergedPulls) > 0 {
		w("\n**Merged pull requests** (%d):\n\n", len(a.MergedPulls))
		for _, p := range a.MergedPulls {
			mark := ""
			if p.SkippedReview {
				mark = " — ⚠️ **skipped review**"
			}
			// "PR 12", not "#12": the record must not cross-reference.
			w("- PR %d %s by %s, merged by %s at %s%s\n", p.Number, inline(p.Title, 100), inline(p.Author, maxShort), orDash(inline(p.MergedBy, maxShort)), ts(p.MergedAt), mark)
		}
	}
	if a.Truncated {
		w("\nThe list is truncated to the first page; see the compare view for the rest.\n")
	}
	for _, e := range a.Errors {
		w("\n⚠️ Could not read: %s\n", inline(e, maxShort))
	}
}

var markerRE = regexp.MustCompile(`<!-- glass:event kind=([A-Za-z0-9._:-]+) seq=(-?[0-9]+) id=([A-Za-z0-9._:-]+) sha256=([0-9a-f]{12})\n([A-Za-z0-9+/=\n]*)-->`)

// ParseEvent reads the event a glass comment records. ok is false for a
// comment that is not a glass event, or whose payload does not match its
// digest (edited by hand).
func ParseEvent(body string) (Event, bool) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	ms := markerRE.FindAllStringSubmatch(body, -1)
	if len(ms) != 1 {
		return Event{}, false
	}
	m := ms[0]
	seq, err := strconv.Atoi(m[2])
	if err != nil {
		return Event{}, false
	}
	js, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(m[5], "\n", ""))
	if err != nil {
		return Event{}, false
	}
	sum := sha256.Sum256(js)
	if hex.EncodeToString(sum[:6]) != m[4] {
		return Event{}, false
	}
	var ev Event
	if err := json.Unmarshal(js, &ev); err != nil {
		return Event{}, false
	}
	if string(ev.Kind) != m[1] || ev.Seq != seq || ev.Key != m[3] {
		return Event{}, false
	}
	return ev, true
}

var markerKeyRE = regexp.MustCompile(`<!-- glass:event kind=[A-Za-z0-9._:-]+ seq=-?[0-9]+ id=([A-Za-z0-9._:-]+)`)

// markerKey reads only the id from a marker, without checking the payload:
// for idempotency, an edited "restored" comment still means the rollback
// was recorded.
func markerKey(body string) (string, bool) {
	m := markerKeyRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}
