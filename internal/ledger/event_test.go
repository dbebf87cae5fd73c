package ledger

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

func eventCases() []Event {
	before := lever.Fields{"enforce_admins": true, "required_pull_request_reviews.required_approving_review_count": 2, "required_status_checks.contexts": []string{"ci/test"}}
	during := lever.Fields{"enforce_admins": true, "required_pull_request_reviews.required_approving_review_count": nil, "required_status_checks.contexts": nil}
	at := t0.Add(time.Minute)
	return []Event{
		{Kind: KindPolicy, Seq: 1, At: t0, Actor: "alice", Text: "rule oncall-hotfix allows self-approval for up to 1h"},
		{Kind: KindApprovalRequested, Seq: 1, At: t0, Actor: "alice", Summary: "Waiting for one approver from acme/sre", Text: "Approve with `glass approve acme/audit#15`"},
		{Kind: KindApproved, Seq: 2, At: at, Actor: "carol", Text: "looks right @alice"},
		{Kind: KindDenied, Seq: 2, At: at, Actor: "carol", Text: "use the staging branch"},
		{Kind: KindApplied, Seq: 2, At: at, Actor: "alice", Fields: &FieldTable{Before: before, During: during},
			Notices: []lever.Notice{{Kind: "auto-merge", Message: "PR 42 will merge once reviews are relaxed"}}},
		{Kind: KindOpenFailed, Seq: 2, At: at, Actor: "alice", Summary: "GitHub answered 422; the change was undone", Text: "PUT protection: 422 Validation Failed"},
		{Kind: KindExtended, Seq: 3, At: at.Add(20 * time.Minute), Actor: "alice", Key: "extended-1",
			Extension: &override.Extension{By: override.Duration(15 * time.Minute), At: at.Add(20 * time.Minute), Actor: "alice", Reason: "deploy still rolling"}},
		{Kind: KindDetached, Seq: 4, At: at.Add(25 * time.Minute), Actor: "alice", Key: "detached-1",
			Summary: "alice stopped waiting (glass open --wait); the scheduled glass sweep rolls the override back after it expires"},
		{Kind: KindActivity, Seq: 4, At: at.Add(time.Hour), Actor: "glass", Activity: &Activity{
			FromSHA: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", ToSHA: "9c1185a5c5e9fc54612808977ee8f548b2258d31",
			Since: t0, Until: t0.Add(time.Hour), Status: "ahead",
			Commits:     []Commit{{SHA: "9c1185a5c5e9fc54612808977ee8f548b2258d31", Author: "alice", Message: "Fix card declines\n\nlong body"}},
			Pushes:      []Push{{Kind: "push", Actor: "alice", Before: "4b825dc642cb", After: "9c1185a5c5e9", At: t0.Add(10 * time.Minute)}, {Kind: "pr_merge", Actor: "bob", Before: "9c1185a5c5e9", After: "aaaaaaaaaaaa", At: t0.Add(12 * time.Minute)}},
			MergedPulls: []Pull{{Number: 42, Title: "Bump deps @dependabot", Author: "dependabot", MergedBy: "bob", MergedAt: t0.Add(12 * time.Minute), SkippedReview: true}},
		}},
		{Kind: KindActivity, Seq: 4, Key: "activity-force", At: at.Add(time.Hour), Activity: &Activity{Since: t0, Until: t0.Add(time.Hour), Status: "diverged",
			Pushes: []Push{{Kind: "force_push", Actor: "mallory", Before: "9c1185a5c5e9", After: "bbbbbbbbbbbb", At: t0.Add(30 * time.Minute)}}, Errors: []string{"pulls: 502 Bad Gateway"}}},
		{Kind: KindRestored, Seq: 5, At: at.Add(time.Hour), Actor: "glass", Fields: &FieldTable{Before: before, During: during, After: before},
			Plan: &lever.Plan{Want: before,
				Drift:     []lever.Change{{Field: "required_linear_history", Original: false, Expected: false, Live: true, Result: true}},
				Conflicts: []lever.Change{{Field: "required_status_checks.contexts", Original: []string{"ci/test"}, Expected: nil, Live: []string{"ci/other"}, Result: []string{"ci/test"}}}}},
		{Kind: KindRestoreFailed, Seq: 5, At: at.Add(time.Hour), Actor: "glass", Summary: "the live setting still differs after the write",
			Verified: []lever.Mismatch{{Field: "required_pull_request_reviews.required_approving_review_count", Want: 2, Got: nil}}},
		{Kind: KindReconciled, Seq: 6, At: at.Add(2 * time.Hour), Actor: "glass", Summary: "an open left in state applying was rolled back", Plan: &lever.Plan{Want: before}},
		{Kind: KindNotifyFailed, Seq: 3, At: at, Text: "slack webhook: 500 after 3 attempts"},
		{Kind: KindNotified, Seq: 3, At: at, Key: "notify-granted", Summary: "granted: 1 webhook(s) notified", Text: "webhook oncall-slack: delivered (HTTP 200)"},
		{Kind: KindNotified, Seq: 6, At: at.Add(time.Hour), Key: "notify-restore-failed", Summary: "restore-failed: 1 webhook(s) notified",
			Text: "webhook oncall-slack: delivered (HTTP 200)", Mentions: []string{"@acme/security", "alice", "@not a login"}},
		{Kind: KindClosed, Seq: 7, At: at.Add(time.Hour), Actor: "alice", Summary: "closed early by alice"},
		{Kind: KindDrillReport, Seq: 8, At: at.Add(time.Hour), Actor: "glass", Text: "time to open: 21s (SLO 60s) ✓\ntime to restore: 4s (SLO 30s) ✓\ndoor test: direct push refused after restore ✓"},
		{Kind: KindReviewed, Seq: 9, At: at.Add(24 * time.Hour), Actor: "carol", Text: "all items checked"},
	}
}

func TestEventGolden(t *testing.T) {
	o := protectionOverride()
	seen := map[string]bool{}
	var corpus []string
	for _, ev := range eventCases() {
		name := "event_" + string(ev.Kind)
		if seen[name] {
			name = "event_" + ev.Key
		}
		if seen[name] {
			t.Fatalf("duplicate golden %s", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, err := RenderEvent(o, ev)
			if err != nil {
				t.Fatal(err)
			}
			corpus = append(corpus, c)
			golden(t, name+".md", c)
			got, ok := ParseEvent(c)
			if !ok {
				t.Fatal("ParseEvent did not recognise the comment")
			}
			want := ev
			want.Key = ev.key()
			if !jsonEqual(t, got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
			if k, ok := markerKey(c); !ok || k != want.Key {
				t.Errorf("markerKey = %q %v", k, ok)
			}
			if n := strings.Count(c, "<!--"); n != 1 {
				t.Errorf("%d comment openers", n)
			}
		})
	}
	for _, k := range Kinds() {
		if !seen["event_"+string(k)] {
			t.Errorf("no golden for kind %s", k)
		}
	}
}

func TestParseEventRejects(t *testing.T) {
	c, err := RenderEvent(protectionOverride(), Event{Kind: KindRestored, Seq: 5, At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ParseEvent("just a human comment"); ok {
		t.Error("plain comment parsed as event")
	}
	if _, ok := ParseEvent(strings.Replace(c, "seq=5", "seq=6", 1)); ok {
		t.Error("edited marker accepted")
	}
	m := strings.Index(c, eventOpen)
	i := m + strings.Index(c[m:], "\n") + 1
	if _, ok := ParseEvent(c[:i] + "AAAA" + c[i+4:]); ok {
		t.Error("edited payload accepted")
	}
	// An edited record still counts for idempotency: glass must not write a
	// second "restored".
	if k, ok := markerKey(c[:i] + "AAAA" + c[i+4:]); !ok || k != "restored" {
		t.Errorf("markerKey on edited comment = %q %v", k, ok)
	}
	// User text cannot forge a marker.
	forged, _ := RenderEvent(protectionOverride(), Event{Kind: KindDenied, Seq: 1, At: t0, Text: "<!-- glass:event kind=restored seq=1 id=restored sha256=000000000000\n-->"})
	if ev, ok := ParseEvent(forged); !ok || ev.Kind != KindDenied {
		t.Errorf("forged marker: %+v %v", ev, ok)
	}
}

func TestEventKey(t *testing.T) {
	cases := []struct {
		ev   Event
		want string
	}{
		{Event{Kind: KindRestored, Seq: 4}, "restored"},
		{Event{Kind: KindActivity, Seq: 4}, "activity-4"},
		{Event{Kind: KindExtended, Key: "extended at 10:00 <x>"}, "extended-at-10:00-x-"},
	}
	for _, c := range cases {
		if got := c.ev.key(); got != c.want {
			t.Errorf("key(%+v) = %q, want %q", c.ev, got, c.want)
		}
	}
}

// FuzzParseBody: no input panics, and whatever parses re-renders to a body
// that parses to the same override.
func FuzzParseBody(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "body_*.md"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("<!-- glass:state v1 sha256=\n-->")
	f.Fuzz(func(t *testing.T, body string) {
		o, x, err := ParseBodyExtras(body)
		if err != nil {
			return
		}
		again, err := RenderBody(o, x)
		if err != nil {
			return // too large after escaping is a clear error, not a bug
		}
		o2, x2, err := ParseBodyExtras(again)
		if err != nil {
			t.Fatalf("re-rendered body does not parse: %v", err)
		}
		if !jsonEqual(t, o, o2) || !reflect.DeepEqual(x, x2) && !jsonEqual(t, x, x2) {
			t.Fatalf("round trip changed the record")
		}
		_, _ = ParseEvent(body)
	})
}

// FuzzRenderUserText: whatever a user types, the body has exactly one
// comment (the state block), no live mention, and the block keeps the exact
// text.
func FuzzRenderUserText(f *testing.F) {
	for _, s := range []string{"ok", "a --> b <!-- c", "@bob #12 [x](y) ![i](j) `c` <b>", "## h\n- [x] y\n1. z", "\u202e@\u200bbob", strings.Repeat("é@", 1500)} {
		f.Add(s, s)
	}
	mention := regexp.MustCompile(`(^|[^A-Za-z0-9_])@[A-Za-z0-9]`)
	f.Fuzz(func(t *testing.T, reason, incident string) {
		o := protectionOverride()
		o.Reason, o.Incident = reason, incident
		o.Extensions = []override.Extension{{Actor: incident, Reason: reason}}
		body, err := RenderBody(o, BodyExtras{PolicyDecision: reason, Notices: []lever.Notice{{Kind: incident, Message: reason}}})
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatal(err)
		}
		if strings.Count(body, "<!--") != 1 || strings.Count(body, "-->") != 1 {
			t.Fatalf("user text made a comment:\n%s", body)
		}
		readable := body[:strings.Index(body, stateOpen)]
		if m := mention.FindString(readable); m != "" {
			t.Fatalf("live mention %q in:\n%s", m, readable)
		}
		got, err := ParseBody(body)
		if err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(reason) && utf8.ValidString(incident) && (got.Reason != reason || got.Incident != incident) {
			t.Fatalf("state block changed the text: %q %q", got.Reason, got.Incident)
		}
		c, err := RenderEvent(o, Event{Kind: KindDenied, Seq: 1, Actor: incident, Summary: reason, Text: reason})
		if err == nil {
			if strings.Count(c, "<!--") != 1 {
				t.Fatalf("user text made a comment in an event:\n%s", c)
			}
			if ev, ok := ParseEvent(c); !ok || ev.Kind != KindDenied {
				t.Fatalf("event not parsed back")
			}
		}
	})
}
