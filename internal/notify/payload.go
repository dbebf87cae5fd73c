// Package notify tells people about overrides: it builds webhook payloads
// (a generic JSON schema and a Slack-compatible one) and delivers them with
// bounded retries, never holding up a grant. Webhook URLs are secrets: they
// come from environment variables and never appear in errors or results.
//
// The generic payload schema is documented in docs/notify.md.
package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kind is what happened to an override.
type Kind string

const (
	KindRequested     Kind = "requested"      // asked for; waiting for approval or about to open
	KindGranted       Kind = "granted"        // the change is live
	KindExtended      Kind = "extended"       // the expiry moved
	KindRestored      Kind = "restored"       // rolled back and verified
	KindRestoreFailed Kind = "restore-failed" // rollback could not be verified; a human must look
	KindDenied        Kind = "denied"         // refused by policy, or approval denied or timed out
	KindExpired       Kind = "expired"        // the window ended; rollback follows
)

// Kinds lists every kind, in the order of an override's life.
func Kinds() []Kind {
	return []Kind{KindRequested, KindGranted, KindExtended, KindRestored, KindRestoreFailed, KindDenied, KindExpired}
}

// Event is one thing worth telling people about.
type Event struct {
	Kind       Kind
	OverrideID string // the audit issue, OWNER/REPO#N
	Repo       string // OWNER/REPO of the target
	Lever      string // protection, ruleset, access, team
	Target     string // human description, e.g. "acme/payments@main"
	Actor      string // who did it
	Reason     string
	Incident   string
	ExpiresAt  time.Time // zero when not applicable
	URL        string    // the audit issue's web address
	At         time.Time
	Detail     string // extra words, e.g. why a restore failed or who approved
	Drill      bool   // a fire drill, not a real incident
}

// SchemaVersion names the generic payload's schema; it changes only when a
// field's meaning does.
const SchemaVersion = "glass.notify/v1"

// genericPayload is the generic JSON body. Field names are a public
// contract (docs/notify.md): add fields, never rename or remove them.
type genericPayload struct {
	Schema     string `json:"schema"`
	Event      Kind   `json:"event"`
	OverrideID string `json:"override_id"`
	Repo       string `json:"repo"`
	Lever      string `json:"lever"`
	Target     string `json:"target"`
	Actor      string `json:"actor"`
	Reason     string `json:"reason"`
	Incident   string `json:"incident,omitempty"`
	ExpiresAt  string `json:"expires_at,omitempty"`
	AuditURL   string `json:"audit_url,omitempty"`
	At         string `json:"at"`
	Detail     string `json:"detail,omitempty"`
	Drill      bool   `json:"drill"`
	Summary    string `json:"summary"`
}

// Generic builds the generic JSON payload.
func Generic(ev Event) ([]byte, error) {
	p := genericPayload{
		Schema: SchemaVersion, Event: ev.Kind, OverrideID: ev.OverrideID, Repo: ev.Repo,
		Lever: ev.Lever, Target: ev.Target, Actor: ev.Actor, Reason: ev.Reason,
		Incident: ev.Incident, AuditURL: ev.URL, At: stamp(ev.At), Detail: ev.Detail,
		Drill: ev.Drill, Summary: Summary(ev),
	}
	if !ev.ExpiresAt.IsZero() {
		p.ExpiresAt = stamp(ev.ExpiresAt)
	}
	return encode(p)
}

// encode writes indented JSON without HTML escaping, so "<" and "&" in a
// reason stay readable to people inspecting payloads.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Summary is a one-line description of the event, used as the Slack
// fallback text and in the generic payload.
func Summary(ev Event) string {
	var verb string
	switch ev.Kind {
	case KindRequested:
		verb = "asked to break glass on"
	case KindGranted:
		verb = "broke glass on"
	case KindExtended:
		verb = "extended the override on"
	case KindRestored:
		verb = "restored"
	case KindRestoreFailed:
		verb = "could not restore"
	case KindDenied:
		verb = "was refused on"
	case KindExpired:
		verb = "let the override expire on"
	default:
		verb = string(ev.Kind) + ":"
	}
	prefix := ""
	if ev.Drill {
		prefix = "[drill] "
	}
	s := fmt.Sprintf("%s%s %s %s (%s)", prefix, ev.Actor, verb, ev.Target, ev.Lever)
	if ev.Kind == KindRestoreFailed {
		s = fmt.Sprintf("%sglass could not restore %s (%s) after %s's override; a human must look", prefix, ev.Target, ev.Lever, ev.Actor)
	}
	return s
}

// Slack's documented limits for incoming webhooks and Block Kit:
// header text at most 150 characters, section field text at most 2000,
// at most 10 fields per section (api.slack.com/reference/block-kit/blocks).
const (
	slackHeaderMax = 150
	slackFieldMax  = 2000
)

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// Slack builds a Slack incoming-webhook payload: a plain "text" fallback
// (shown in notifications) and Block Kit "blocks".
func Slack(ev Event) ([]byte, error) {
	icon := map[Kind]string{
		KindRequested: ":hourglass:", KindGranted: ":rotating_light:", KindExtended: ":alarm_clock:",
		KindRestored: ":white_check_mark:", KindRestoreFailed: ":x:", KindDenied: ":no_entry:", KindExpired: ":stopwatch:",
	}[ev.Kind]
	summary := Summary(ev)
	header := truncate(strings.TrimSpace(icon+" "+summary), slackHeaderMax)
	fields := []slackText{
		field("Repository", ev.Repo),
		field("Lever", ev.Lever),
		field("Target", ev.Target),
		field("Actor", ev.Actor),
		field("Reason", ev.Reason),
	}
	if ev.Incident != "" {
		fields = append(fields, field("Incident", ev.Incident))
	}
	if !ev.ExpiresAt.IsZero() {
		fields = append(fields, field("Expires", stamp(ev.ExpiresAt)))
	}
	if ev.Detail != "" {
		fields = append(fields, field("Detail", ev.Detail))
	}
	blocks := []slackBlock{
		{Type: "header", Text: &slackText{Type: "plain_text", Text: header}},
		{Type: "section", Fields: fields},
	}
	ctx := "override " + slackEscape(ev.OverrideID) + " at " + stamp(ev.At)
	if ev.URL != "" {
		ctx = fmt.Sprintf("<%s|audit issue %s> at %s", slackEscape(ev.URL), slackEscape(ev.OverrideID), stamp(ev.At))
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: ctx}}})
	return encode(slackPayload{Text: slackEscape(summary), Blocks: blocks})
}

func field(name, value string) slackText {
	if value == "" {
		value = "-"
	}
	head := "*" + name + "*\n"
	return slackText{Type: "mrkdwn", Text: head + truncate(slackEscape(value), slackFieldMax-len(head))}
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control
// characters (api.slack.com/reference/surfaces/formatting#escaping), so a
// reason cannot inject links or @channel-style mentions.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
