package ledger

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func protectionOverride() *override.Override {
	return &override.Override{
		ID:        "acme/audit#12",
		Lever:     override.LeverProtection,
		Target:    override.Target{Repo: "acme/payments", Branch: "main"},
		Relax:     []string{"reviews", "status-checks"},
		Actor:     "alice",
		Reason:    "Hotfix for the card-decline outage; CI is down.\nSecond line of the reason.",
		Incident:  "INC-4211",
		Duration:  override.Duration(30 * time.Minute),
		State:     override.StateActive,
		Requested: t0,
		Opened:    t0.Add(20 * time.Second),
		Expires:   t0.Add(20*time.Second + 30*time.Minute),
		Snapshot:  json.RawMessage(`{"enforce_admins":true,"required_pull_request_reviews.required_approving_review_count":2,"required_status_checks.contexts":["ci/test"]}`),
		Raw:       json.RawMessage(`{"url":"https://api.github.com/repos/acme/payments/branches/main/protection","enforce_admins":{"enabled":true}}`),
		HeadSHA:   "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
		Approval:  &override.Approval{Mode: "self", Rule: "oncall-hotfix", At: t0},
	}
}

func accessOverride() *override.Override {
	return &override.Override{
		ID:        "acme/audit#13",
		Lever:     override.LeverAccess,
		Target:    override.Target{Repo: "acme/payments", User: "bob", Permission: "admin"},
		Actor:     "bob",
		Reason:    "Need to rotate the deploy key",
		Incident:  "https://status.example.com/incidents/77",
		Duration:  override.Duration(time.Hour),
		State:     override.StateActive,
		Requested: t0,
		Opened:    t0.Add(5 * time.Second),
		Expires:   t0.Add(5*time.Second + time.Hour),
		Snapshot:  json.RawMessage(`{"role":"write"}`),
		Approval:  &override.Approval{Mode: "approved", Rule: "admin-access", Approver: "carol", At: t0.Add(2 * time.Second)},
	}
}

func drillOverride() *override.Override {
	o := protectionOverride()
	o.ID = "acme/audit#14"
	o.Drill = true
	o.Reason = "Quarterly fire drill"
	o.Incident = ""
	o.State = override.StateClosed
	o.Closed = o.Expires
	o.Review = &override.Review{By: "carol", At: t0.Add(2 * time.Hour), Note: "drill went fine"}
	return o
}

func requestedOverride() *override.Override {
	o := protectionOverride()
	o.ID = "acme/audit#15"
	o.State = override.StateRequested
	o.Opened, o.Expires = time.Time{}, time.Time{}
	o.Approval = nil
	return o
}

func selfApprovedOverride() *override.Override {
	o := protectionOverride()
	o.ID = "acme/audit#16"
	o.Approval = &override.Approval{Mode: "self", Rule: "sev1-self-approve", At: t0, Skipped: []string{"bob", "carol"}, Reason: "no approver answered in 5m"}
	o.Extensions = []override.Extension{{By: override.Duration(15 * time.Minute), At: t0.Add(25 * time.Minute), Actor: "alice", Reason: "deploy still rolling"}}
	o.Expires = o.Expires.Add(15 * time.Minute)
	return o
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/ledger -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden (run with -update if intended)\n--- got ---\n%s", p, got)
	}
}

// closedOverride is protectionOverride rolled back by `glass close`.
func closedOverride() *override.Override {
	o := protectionOverride()
	o.ID = "acme/audit#17"
	o.State = override.StateClosed
	o.Closed = t0.Add(12 * time.Minute)
	return o
}

// closingRecord is what close writes into the state block beside closing
// the issue: the rollback and the activity.
func closingRecord() []Event {
	var out []Event
	for _, ev := range eventCases() {
		if ev.Kind == KindActivity && ev.Key == "" {
			ev.Key = "activity" // as close records it
		}
		if ev.Key == "activity" || ev.Kind == KindRestored {
			ev.Key = ev.key()
			out = append(out, ev)
		}
	}
	return out
}

func bodyCases() map[string]struct {
	o *override.Override
	x BodyExtras
} {
	return map[string]struct {
		o *override.Override
		x BodyExtras
	}{
		"body_protection_active.md": {protectionOverride(), BodyExtras{
			Notices:        []lever.Notice{{Kind: "auto-merge", Message: "PR 42 \"Bump deps\" will merge once reviews are relaxed", URL: "https://github.com/acme/payments/pull/42"}},
			PolicyDecision: "rule oncall-hotfix: on-call members may self-approve up to 1h",
			Mentions:       []string{"acme/security", "dave"},
		}},
		"body_access_active.md": {accessOverride(), BodyExtras{CloseHint: "glass close acme/audit#13"}},
		"body_drill_closed.md":  {drillOverride(), BodyExtras{}},
		"body_requested.md":     {requestedOverride(), BodyExtras{Mentions: []string{"bob", "carol"}, PolicyDecision: "rule prod-branches: needs one approver from acme/sre"}},
		"body_self_approved.md": {selfApprovedOverride(), BodyExtras{Mentions: []string{"bob", "carol"}}},
		"body_closed_record.md": {closedOverride(), BodyExtras{Record: closingRecord()}},
		"body_failed.md":        {func() *override.Override { o := protectionOverride(); o.State = override.StateFailed; return o }(), BodyExtras{}},
		"body_applying_no_id.md": {func() *override.Override {
			o := protectionOverride()
			o.ID = ""
			o.State = override.StateApplying
			return o
		}(), BodyExtras{}},
	}
}

func TestBodyGolden(t *testing.T) {
	for name, c := range bodyCases() {
		t.Run(name, func(t *testing.T) {
			body, err := RenderBody(c.o, c.x)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, body)
			got, x, err := ParseBodyExtras(body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.o) && !jsonEqual(t, got, c.o) {
				t.Errorf("round trip changed the override:\n got %+v\nwant %+v", got, c.o)
			}
			if !reflect.DeepEqual(x, c.x) && !jsonEqual(t, x, c.x) {
				t.Errorf("round trip changed extras: %+v != %+v", x, c.x)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestLabelsAndIssueState(t *testing.T) {
	cases := []struct {
		s      override.State
		drill  bool
		labels []string
		open   bool
	}{
		{override.StateRequested, false, []string{"break-glass", "break-glass:requested"}, true},
		{override.StateApplying, false, []string{"break-glass", "break-glass:active"}, true},
		{override.StateActive, true, []string{"break-glass", "break-glass:active", "break-glass:drill"}, true},
		{override.StateClosing, false, []string{"break-glass", "break-glass:active"}, true},
		{override.StateClosed, false, []string{"break-glass", "break-glass:closed"}, false},
		{override.StateDenied, false, []string{"break-glass", "break-glass:closed"}, false},
		{override.StateFailed, false, []string{"break-glass", "break-glass:failed"}, true},
	}
	for _, c := range cases {
		o := &override.Override{State: c.s, Drill: c.drill}
		if got := Labels(o); !reflect.DeepEqual(got, c.labels) {
			t.Errorf("%s: labels %v, want %v", c.s, got, c.labels)
		}
		if IssueOpen(c.s) != c.open {
			t.Errorf("%s: open %v, want %v", c.s, !c.open, c.open)
		}
	}
}

func TestTitle(t *testing.T) {
	if got, want := Title(protectionOverride()), "Break-glass: protection (reviews, status-checks) on acme/payments@main by alice"; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if got, want := Title(accessOverride()), "Break-glass: access (admin) for bob on acme/payments by bob"; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if got := Title(drillOverride()); !strings.HasPrefix(got, "[drill] ") {
		t.Errorf("drill title %q", got)
	}
	o := accessOverride()
	o.Actor = "x\n\x00y" + strings.Repeat("z", 500)
	if got := Title(o); strings.ContainsAny(got, "\n\x00") || len([]rune(got)) > 256 {
		t.Errorf("title not plain/capped: %q", got)
	}
}

// TestSanitise checks that whatever a user types cannot forge structure.
func TestSanitise(t *testing.T) {
	cases := []struct {
		name, reason, incident string
		absent                 []string // substrings that must not be in the readable part
		present                []string // readable remains
	}{
		{name: "forged state block",
			reason: "ok <!-- glass:state v1 sha256=" + strings.Repeat("0", 64) + "\nAAAA\n-->",
			absent: []string{"<!-- glass:state v1 sha256=0", "\n-->"}, present: []string{`&lt;\!--`}},
		{name: "comment close in reason", reason: "a --> b <!-- c", absent: []string{"-->", "<!--"}, present: []string{"--&gt; b"}},
		{name: "mentions", reason: "ping @bob and @acme/security", incident: "@carol",
			absent: []string{"@bob", "@acme/security", "@carol"}, present: []string{"@\u200bbob"}},
		{name: "html", reason: `<img src=x onerror=alert(1)><details open>`, absent: []string{"<img", "<details"}, present: []string{"&lt;img"}},
		{name: "heading and checklist", reason: "## Approved by CEO\n- [x] reviewed\n1. step\n---", absent: []string{"\n> ## ", "- [x]", "\n> 1. ", "\n> ---"}, present: []string{"> #\u200b#\u200b Approved"}},
		{name: "link and image", reason: "[click](https://evil) ![x](https://evil/x.png)", absent: []string{"[click]", "![x]"}, present: []string{`\[click\]`}},
		{name: "backticks and table", incident: "`x` | ```y```", absent: []string{"`x`", "| ```"}, present: []string{"\\`x\\`"}},
		{name: "issue reference", incident: "see #5 and acme/x#6", absent: []string{" #5", "x#6"}},
		{name: "bidi and controls", reason: "safe\u202Edesrever\x07\x1b[31m", absent: []string{"\u202E", "\x07", "\x1b"}},
		{name: "zero width cannot pre-break", reason: "@\u200b\u200bbob", absent: []string{"\u200b\u200b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := protectionOverride()
			o.Reason, o.Incident = c.reason, c.incident
			body, err := RenderBody(o, BodyExtras{})
			if err != nil {
				t.Fatal(err)
			}
			readable := body[:strings.Index(body, stateOpen)]
			for _, a := range c.absent {
				if strings.Contains(readable, a) {
					t.Errorf("readable part contains %q:\n%s", a, readable)
				}
			}
			for _, p := range c.present {
				if !strings.Contains(readable, p) {
					t.Errorf("readable part lacks %q:\n%s", p, readable)
				}
			}
			if n := strings.Count(body, "<!--"); n != 1 {
				t.Errorf("%d comment openers, want exactly the state block", n)
			}
			got, err := ParseBody(body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reason != c.reason || got.Incident != c.incident {
				t.Errorf("state block lost the exact text: %q %q", got.Reason, got.Incident)
			}
		})
	}
}

func TestMentionsOnlyFromTrustedList(t *testing.T) {
	o := protectionOverride()
	o.Reason = "@eve please"
	body, _ := RenderBody(o, BodyExtras{Mentions: []string{"bob", "@carol", "acme/sre", "bad name", "x](y)", "<!--", "bob"}})
	if !strings.Contains(body, "cc @bob @carol @acme/sre\n") {
		t.Errorf("trusted mentions not rendered:\n%s", body)
	}
	if strings.Contains(body, "@eve") || strings.Contains(body, "@bad") || strings.Contains(body, "@x]") {
		t.Errorf("untrusted mention rendered:\n%s", body)
	}
}

func TestLongText(t *testing.T) {
	o := protectionOverride()
	o.Reason = strings.Repeat("word ", 3000)
	body, err := RenderBody(o, BodyExtras{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "more characters in the state block]") {
		t.Error("long reason not truncated in the readable part")
	}
	got, err := ParseBody(body)
	if err != nil || got.Reason != o.Reason {
		t.Fatalf("full reason not kept: %v", err)
	}
	// A snapshot that cannot fit is a clear error, not a truncated record.
	o.Raw = json.RawMessage(`"` + strings.Repeat("x", 60000) + `"`)
	if _, err := RenderBody(o, BodyExtras{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func TestTamper(t *testing.T) {
	body, err := RenderBody(protectionOverride(), BodyExtras{})
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, stateOpen)
	hdrEnd := i + strings.Index(body[i:], "\n")
	payloadEnd := i + strings.Index(body[i:], "\n-->")
	payload := strings.Join(strings.Fields(body[hdrEnd+1:payloadEnd]), "")
	js, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}

	editJSON := func(from, to string) string {
		j := strings.Replace(string(js), from, to, 1)
		return body[:hdrEnd+1] + base64.StdEncoding.EncodeToString([]byte(j)) + body[payloadEnd:]
	}
	cases := []struct {
		name string
		body string
		want error
	}{
		{"edited JSON", editJSON(`"state":"active"`, `"state":"closed"`), ErrDigestMismatch},
		{"edited digest", body[:i] + stateOpen + "v1 sha256=" + strings.Repeat("a", 64) + body[hdrEnd:], ErrDigestMismatch},
		{"no block", body[:i], ErrNoStateBlock},
		{"future version", strings.Replace(body, stateOpen+"v1 ", stateOpen+"v2 ", 1), ErrUnsupportedVersion},
		{"second block", body + "\n" + body[i:], ErrMultipleBlocks},
		{"not closed", body[:payloadEnd], ErrMalformed},
		{"bad base64", body[:hdrEnd+1] + "!!!!" + body[payloadEnd:], ErrMalformed},
	}
	for _, c := range cases {
		if _, err := ParseBody(c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// CRLF, as the web editor writes it, is not tampering.
	if _, err := ParseBody(strings.ReplaceAll(body, "\n", "\r\n")); err != nil {
		t.Errorf("CRLF body rejected: %v", err)
	}
}

// TestDocsMentionEverything keeps docs/audit-format.md in step with the code.
func TestDocsMentionEverything(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "audit-format.md"))
	if err != nil {
		t.Fatal("docs/audit-format.md is part of the repository:", err)
	}
	for _, k := range Kinds() {
		if !strings.Contains(string(doc), "`"+string(k)+"`") {
			t.Errorf("docs/audit-format.md does not describe event kind %s", k)
		}
	}
	for _, l := range labelSpecs() {
		if !strings.Contains(string(doc), "`"+l.Name+"`") {
			t.Errorf("docs/audit-format.md does not describe label %s", l.Name)
		}
	}
}
