package notify

import (
	"fmt"
	"strings"
)

// Mention is the audit-issue comment that alerts people to ev: the
// mentions, then the summary and the facts. It is Markdown; text from the
// request is quoted so it cannot add mentions of its own.
func Mention(ev Event, who []string) string {
	var b strings.Builder
	if len(who) > 0 {
		b.WriteString("cc " + strings.Join(who, " ") + "\n\n")
	}
	fmt.Fprintf(&b, "**%s**: %s\n", ev.Kind, Summary(ev))
	if ev.Reason != "" {
		fmt.Fprintf(&b, "\n> %s\n", quoteMarkdown(ev.Reason))
	}
	if ev.Incident != "" {
		fmt.Fprintf(&b, "\nIncident: `%s`\n", strings.ReplaceAll(ev.Incident, "`", "'"))
	}
	if !ev.ExpiresAt.IsZero() {
		fmt.Fprintf(&b, "\nExpires: %s\n", stamp(ev.ExpiresAt))
	}
	if ev.Detail != "" {
		fmt.Fprintf(&b, "\n%s\n", quoteMarkdown(ev.Detail))
	}
	return b.String()
}

// quoteMarkdown keeps free text on one line and stops "@name" in it from
// notifying anyone (a zero-width joiner after @ breaks GitHub's mention).
func quoteMarkdown(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "@", "@\u200d")
}

// Describe renders a delivery result as one line for the audit issue. It
// never contains the URL: Err is already redacted.
func (r Result) Describe() string {
	switch {
	case r.Delivered && r.Attempts == 1:
		return fmt.Sprintf("webhook %s: delivered (HTTP %d)", r.Target, r.Status)
	case r.Delivered:
		return fmt.Sprintf("webhook %s: delivered on attempt %d (HTTP %d)", r.Target, r.Attempts, r.Status)
	case r.Attempts == 0:
		return fmt.Sprintf("webhook %s: NOT delivered (nothing sent): %v", r.Target, r.Err)
	}
	return fmt.Sprintf("webhook %s: NOT delivered after %d attempts: %v", r.Target, r.Attempts, r.Err)
}
