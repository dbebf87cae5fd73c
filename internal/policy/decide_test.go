package policy

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// teams is a Directory backed by a map of "org/slug" to members. A team
// named "*/broken" fails every lookup.
type teams map[string][]string

func (t teams) IsTeamMember(_ context.Context, org, slug, login string) (bool, error) {
	if slug == "broken" {
		return false, errors.New("HTTP 403: Resource not accessible by integration")
	}
	for _, m := range t[org+"/"+slug] {
		if strings.EqualFold(m, login) {
			return true, nil
		}
	}
	return false, nil
}

var _ Directory = teams(nil)

const decisionPolicy = `version: 1
reason: {min_length: 10, incident_pattern: '^INC-[0-9]+$'}
approval:
  approvers: {users: [carol], teams: [leads]}
notify: {mention: ["@acme/security"]}
review: {block_unreviewed_self_approved: true}
defaults: {max_duration: 1h, default_duration: 30m, max_extension: 1h}
rules:
  - name: main-needs-approval
    who: {teams: [oncall]}
    branches: [main]
    levers: {protection: [reviews, checks]}
    approval: {required: true}
  - name: release-hotfix
    who: {teams: [oncall], users: [dave]}
    branches: ["release/*"]
    levers: {protection: [all], ruleset: [bypass]}
    max_duration: 2h
    max_extension: 30m
  - name: payments-access
    repos: [payments]
    who: {users: [erin]}
    levers: {access: [push], team: [deployers]}
  - name: leads-self
    who: {teams: [leads]}
    branches: ["**"]
    levers: {protection: [all]}
    approval: {required: true, allow_self_approval: true}
`

func testDirectory() teams {
	return teams{
		"acme/oncall": {"alice", "bob"},
		"acme/leads":  {"frank", "carol"},
	}
}

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse("f.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func req(user, lever, branch string, relax ...string) Request {
	return Request{
		Repo: "acme/payments", Branch: branch, Lever: lever, Relax: relax, User: user,
		Reason: "checkout is down, hotfix needs merging", At: now,
	}
}

func TestDecide(t *testing.T) {
	p := mustParse(t, decisionPolicy)
	with := func(r Request, f func(*Request)) Request { f(&r); return r }
	cases := []struct {
		name string
		req  Request
		want Decision // only the fields checked below
	}{
		{"approval required on main", req("alice", "protection", "main", "reviews"), Decision{
			Allowed: true, Rule: "main-needs-approval", ApprovalRequired: true, Approvers: []string{"carol", "acme/leads"},
			Duration: 30 * time.Minute, Mentions: []string{"@acme/security", "@carol", "@acme/leads"},
		}},
		{"relax not granted", req("alice", "protection", "main", "admins"), Decision{
			Reasons: []string{`rule "main-needs-approval" does not allow relaxing admins on main (it allows reviews, checks); ask for less`},
		}},
		{"self-approved release hotfix, all expands", req("alice", "protection", "release/2.1", "all"), Decision{
			Allowed: true, Rule: "release-hotfix", SelfApproved: true, Approvers: []string{"carol", "acme/leads"},
			Skipped: []string{"@carol", "@acme/leads"}, Duration: 30 * time.Minute,
			Mentions: []string{"@acme/security", "@carol", "@acme/leads"},
		}},
		{"too long", with(req("alice", "protection", "release/2.1", "reviews"), func(r *Request) { r.Duration = 3 * time.Hour }), Decision{
			Reasons: []string{`rule "release-hotfix" allows at most 2h and 3h was asked; ask for 2h or less and extend later if needed`},
		}},
		{"within rule maximum", with(req("alice", "ruleset", "release/2.1", "bypass"), func(r *Request) { r.Duration = 90 * time.Minute }), Decision{
			Allowed: true, Rule: "release-hotfix", SelfApproved: true, Duration: 90 * time.Minute,
		}},
		{"user listed by login", req("dave", "ruleset", "release/1", "bypass"), Decision{Allowed: true, Rule: "release-hotfix", SelfApproved: true}},
		{"branch glob does not cross /", req("dave", "ruleset", "release/1/x", "bypass"), Decision{
			Reasons: []string{`no rule in f.yml lets dave use ruleset on acme/payments@release/1/x; run "glass policy explain -R acme/payments --user dave" to see what they may do`},
		}},
		{"nobody", req("zed", "protection", "main", "reviews"), Decision{
			Reasons: []string{`no rule in f.yml lets zed use protection on acme/payments@main; run "glass policy explain -R acme/payments --user zed" to see what they may do`},
		}},
		{"access within grant", with(req("erin", "access", ""), func(r *Request) { r.Permission = "triage" }), Decision{Allowed: true, Rule: "payments-access", SelfApproved: true}},
		{"access above grant", with(req("erin", "access", ""), func(r *Request) { r.Permission = "admin" }), Decision{
			Reasons: []string{`rule "payments-access" allows access up to push, and admin is higher; ask for push or less`},
		}},
		{"access on another repo", with(req("erin", "access", ""), func(r *Request) { r.Permission = "push"; r.Repo = "acme/web" }), Decision{
			Reasons: []string{`no rule in f.yml lets erin use access on acme/web; run "glass policy explain -R acme/web --user erin" to see what they may do`},
		}},
		{"team allowed", with(req("erin", "team", ""), func(r *Request) { r.Team = "acme/deployers" }), Decision{Allowed: true, Rule: "payments-access", SelfApproved: true}},
		{"team not allowed", with(req("erin", "team", ""), func(r *Request) { r.Team = "acme/admins" }), Decision{
			Reasons: []string{`rule "payments-access" does not allow joining acme/admins (it allows acme/deployers)`},
		}},
		{"leads may self-approve", req("frank", "protection", "main", "lock"), Decision{
			Allowed: true, Rule: "leads-self", SelfApproved: true, Approvers: []string{"carol", "acme/leads"},
			Skipped: []string{"@carol", "@acme/leads"},
		}},
		{"first rule that allows wins", req("carol", "protection", "main", "reviews"), Decision{Allowed: true, Rule: "leads-self", SelfApproved: true,
			Approvers: []string{"carol", "acme/leads"}, Skipped: []string{"@acme/leads"}}},
		{"short reason", with(req("alice", "protection", "main", "reviews"), func(r *Request) { r.Reason = "oops" }), Decision{
			Rule: "main-needs-approval", ApprovalRequired: true,
			Reasons: []string{"the reason is 4 characters; the policy requires at least 10, so say what is broken and why glass is needed"},
		}},
		{"no reason", with(req("alice", "protection", "main", "reviews"), func(r *Request) { r.Reason = "  " }), Decision{
			Rule: "main-needs-approval", ApprovalRequired: true,
			Reasons: []string{"a reason is required (at least 10 characters); pass --reason"},
		}},
		{"incident pattern", with(req("alice", "protection", "main", "reviews"), func(r *Request) { r.Incident = "JIRA-1" }), Decision{
			Rule: "main-needs-approval", ApprovalRequired: true,
			Reasons: []string{`incident reference "JIRA-1" does not match the required pattern ^INC-[0-9]+$`},
		}},
		{"incident matches", with(req("alice", "protection", "main", "reviews"), func(r *Request) { r.Incident = "INC-42" }), Decision{
			Allowed: true, Rule: "main-needs-approval", ApprovalRequired: true,
		}},
		{"unreviewed self-approval blocks", with(req("alice", "protection", "release/2", "lock"), func(r *Request) { r.UnreviewedSelfApproved = "acme/audit#3" }), Decision{
			Rule: "release-hotfix", SelfApproved: true,
			Reasons: []string{"your self-approved override acme/audit#3 has not been reviewed yet and the policy (review.block_unreviewed_self_approved) allows only one unreviewed self-approved override per person; ask a reviewer to review it first"},
		}},
		{"unreviewed does not block an approved open", with(req("alice", "protection", "main", "checks"), func(r *Request) { r.UnreviewedSelfApproved = "acme/audit#3" }), Decision{
			Allowed: true, Rule: "main-needs-approval", ApprovalRequired: true,
		}},
		{"unknown lever", req("alice", "deploy", "main"), Decision{
			Reasons: []string{`the request names unknown lever "deploy"; use one of protection, ruleset, access, team`},
		}},
		{"unknown relax and no branch", req("alice", "ruleset", "", "reviews"), Decision{
			Reasons: []string{"the request names no branch; ruleset acts on a branch", `the request names unknown relax "reviews" for ruleset; use disable, evaluate, bypass`},
		}},
		{"bad permission", with(req("erin", "access", ""), func(r *Request) { r.Permission = "write" }), Decision{
			Reasons: []string{`the request asks for permission "write"; use one of pull, triage, push, maintain, admin`},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Decide(context.Background(), c.req, testDirectory())
			if got.Allowed != c.want.Allowed || got.Rule != c.want.Rule {
				t.Errorf("allowed, rule = %v, %q; want %v, %q (reasons %q)", got.Allowed, got.Rule, c.want.Allowed, c.want.Rule, got.Reasons)
			}
			if !reflect.DeepEqual(got.Reasons, c.want.Reasons) {
				t.Errorf("reasons:\n got %q\nwant %q", got.Reasons, c.want.Reasons)
			}
			if got.ApprovalRequired != c.want.ApprovalRequired || got.SelfApproved != c.want.SelfApproved {
				t.Errorf("approval required, self = %v, %v; want %v, %v", got.ApprovalRequired, got.SelfApproved, c.want.ApprovalRequired, c.want.SelfApproved)
			}
			if c.want.Approvers != nil && !reflect.DeepEqual(got.Approvers, c.want.Approvers) {
				t.Errorf("approvers = %q, want %q", got.Approvers, c.want.Approvers)
			}
			if c.want.Skipped != nil && !reflect.DeepEqual(got.Skipped, c.want.Skipped) {
				t.Errorf("skipped = %q, want %q", got.Skipped, c.want.Skipped)
			}
			if c.want.Mentions != nil && !reflect.DeepEqual(got.Mentions, c.want.Mentions) {
				t.Errorf("mentions = %q, want %q", got.Mentions, c.want.Mentions)
			}
			if c.want.Duration != 0 && got.Duration != c.want.Duration {
				t.Errorf("duration = %v, want %v", got.Duration, c.want.Duration)
			}
			if got.Record[0] != "policy: f.yml" || len(got.Record) < 2 {
				t.Errorf("record = %q", got.Record)
			}
			if !got.Allowed && len(got.Record) != 1+len(got.Reasons) {
				t.Errorf("every refusal must be recorded: %q", got.Record)
			}
		})
	}
}

func TestDecideRecord(t *testing.T) {
	p := mustParse(t, decisionPolicy)
	got := p.Decide(context.Background(), req("alice", "protection", "release/2", "lock"), testDirectory())
	want := []string{
		"policy: f.yml",
		`allowed by rule "release-hotfix": protection relaxing lock on acme/payments@release/2 for 30m (rule maximum 2h, extensions up to 30m in total)`,
		`self-approved under rule "release-hotfix"; approvers not asked: @carol, @acme/leads`,
	}
	if !reflect.DeepEqual(got.Record, want) {
		t.Errorf("record:\n got %q\nwant %q", got.Record, want)
	}
	got = p.Decide(context.Background(), req("alice", "protection", "main", "reviews"), testDirectory())
	if w := `approval required under rule "main-needs-approval" from carol, acme/leads (not alice); waits up to 30m`; got.Record[2] != w {
		t.Errorf("record[2] = %q, want %q", got.Record[2], w)
	}
}

func TestDecideDefaults(t *testing.T) {
	p := Default()
	r := req("anyone", "protection", "main", "all")
	got := p.Decide(context.Background(), r, nil)
	if !got.Allowed || !got.SelfApproved || got.Rule != "default" || got.Duration != 30*time.Minute || got.MaxDuration != time.Hour {
		t.Fatalf("got %+v", got)
	}
	if want := `self-approved under rule "default"; the rule names no approvers`; got.Record[2] != want {
		t.Errorf("record = %q", got.Record)
	}
	r.Duration = 2 * time.Hour
	got = p.Decide(context.Background(), r, nil)
	if got.Allowed || got.Reasons[0] != `rule "default" allows at most 1h and 2h was asked; ask for 1h or less and extend later if needed` {
		t.Errorf("got %q", got.Reasons)
	}
	r.Duration, r.Reason = 0, ""
	if got = p.Decide(context.Background(), r, nil); got.Allowed {
		t.Error("the defaults must require a reason")
	}
}

func TestDecideIdentity(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		tfa    TwoFactorStatus
		login  time.Time
		want   string // "" for allowed
	}{
		{"if-visible, unknown", "", TwoFactorUnknown, time.Time{}, ""},
		{"if-visible, off", "", TwoFactorDisabled, time.Time{}, "two-factor authentication is off for alice and the policy requires it; enable it on GitHub, then try again"},
		{"required, unknown", "identity: {require_2fa: true}\n", TwoFactorUnknown, time.Time{}, "the policy requires two-factor authentication and glass could not confirm it for alice; sign in with a token that can read your account's 2FA status (glass auth login)"},
		{"required, on", "identity: {require_2fa: true}\n", TwoFactorEnabled, time.Time{}, ""},
		{"off, off", "identity: {require_2fa: false}\n", TwoFactorDisabled, time.Time{}, ""},
		{"fresh login, unknown", "identity: {fresh_login_within: 1h}\n", TwoFactorEnabled, time.Time{}, `the policy requires a sign-in within the last 1h and glass cannot tell when you signed in; run "glass auth login"`},
		{"fresh login, stale", "identity: {fresh_login_within: 1h}\n", TwoFactorEnabled, now.Add(-3 * time.Hour), `the policy requires a sign-in within the last 1h; your sign-in is 3h old, so run "glass auth login"`},
		{"fresh login, fresh", "identity: {fresh_login_within: 1h}\n", TwoFactorEnabled, now.Add(-10 * time.Minute), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, minimal+c.policy)
			r := req("alice", "protection", "main", "reviews")
			r.TwoFactor, r.LoginAt = c.tfa, c.login
			got := p.Decide(context.Background(), r, nil)
			switch {
			case c.want == "" && !got.Allowed:
				t.Errorf("refused: %q", got.Reasons)
			case c.want != "" && (got.Allowed || len(got.Reasons) != 1 || got.Reasons[0] != c.want):
				t.Errorf("reasons = %q\n want %q", got.Reasons, c.want)
			}
		})
	}
}

func TestDecideDirectoryErrorFailsClosed(t *testing.T) {
	p := mustParse(t, strings.Replace(minimal, "{users: [alice]}", "{teams: [broken]}", 1))
	got := p.Decide(context.Background(), req("alice", "protection", "main", "reviews"), testDirectory())
	want := `rule "r": could not check who may use it: team acme/broken: HTTP 403: Resource not accessible by integration; try again, or ask an admin to check the token can read team membership`
	if got.Allowed || len(got.Reasons) != 1 || got.Reasons[0] != want {
		t.Errorf("reasons = %q", got.Reasons)
	}
	if got = p.Decide(context.Background(), req("alice", "protection", "main", "reviews"), nil); got.Allowed {
		t.Error("no directory must fail closed")
	}
}

func TestCanApprove(t *testing.T) {
	p := mustParse(t, decisionPolicy)
	r := req("alice", "protection", "main", "reviews")
	cases := []struct {
		rule, approver string
		ok             bool
		why            string
	}{
		{"main-needs-approval", "carol", true, `carol approved under rule "main-needs-approval" (listed by login)`},
		{"main-needs-approval", "frank", true, `frank approved under rule "main-needs-approval" (member of acme/leads)`},
		{"main-needs-approval", "bob", false, `bob is not an approver under rule "main-needs-approval"; approvers: carol, acme/leads`},
		{"main-needs-approval", "alice", false, `alice asked for this override and may not approve it (rule "main-needs-approval" does not allow self-approval); ask another approver`},
		{"gone", "carol", false, `rule "gone" is not in f.yml any more; the request must be made again`},
	}
	for _, c := range cases {
		ok, why := p.CanApprove(context.Background(), r, c.rule, c.approver, testDirectory())
		if ok != c.ok || why != c.why {
			t.Errorf("CanApprove(%s, %s) = %v, %q; want %v, %q", c.rule, c.approver, ok, why, c.ok, c.why)
		}
	}
	r.User = "frank"
	ok, why := p.CanApprove(context.Background(), r, "leads-self", "frank", testDirectory())
	if !ok || why != `frank self-approved under rule "leads-self" (member of acme/leads)` {
		t.Errorf("self-approval under leads-self = %v, %q", ok, why)
	}
}

func TestCheckExtension(t *testing.T) {
	p := mustParse(t, decisionPolicy)
	cases := []struct {
		rule         string
		extended, by time.Duration
		want         string
	}{
		{"release-hotfix", 0, 30 * time.Minute, ""},
		{"release-hotfix", 20 * time.Minute, 15 * time.Minute, `extending by 15m would bring the total extension to 35m, over the 30m allowed by rule "release-hotfix"; at most 10m is left`},
		{"main-needs-approval", 30 * time.Minute, 30 * time.Minute, ""},
		{"removed-rule", 0, 2 * time.Hour, "extending by 2h would bring the total extension to 2h, over the 1h allowed by the policy defaults; at most 1h is left"},
		{"release-hotfix", 0, 0, "an extension must be positive, got 0s"},
	}
	for _, c := range cases {
		err := p.CheckExtension(c.rule, c.extended, c.by)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckExtension(%s, %v, %v) = %q, want %q", c.rule, c.extended, c.by, got, c.want)
		}
	}
	none := mustParse(t, minimal+"defaults: {max_extension: 0s}\n")
	if err := none.CheckExtension("r", 0, time.Minute); err == nil || err.Error() != `rule "r" allows no extensions; open a new override with a new reason` {
		t.Errorf("err = %v", err)
	}
}
