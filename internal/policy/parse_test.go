package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid policy; cases below add to or break it.
const minimal = `version: 1
rules:
  - name: r
    who: {users: [alice]}
    branches: [main]
    levers: {protection: [reviews]}
`

func TestStarterPolicyParses(t *testing.T) {
	p, err := Parse("glass.yml", StarterPolicy())
	if err != nil {
		t.Fatalf("starter policy does not parse:\n%v", err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("starter policy does not validate: %v", err)
	}
	if !strings.HasPrefix(string(StarterPolicy()), "#") {
		t.Error("starter policy should open with a comment explaining itself")
	}
}

func TestDefault(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Limits{MaxDuration: time.Hour, DefaultDuration: 30 * time.Minute, MaxExtension: time.Hour}
	if p.Defaults != want || p.Rules[0].Limits != want {
		t.Errorf("limits = %+v / %+v, want %+v", p.Defaults, p.Rules[0].Limits, want)
	}
	if p.Reason.MinLength != 10 || p.Approval.Required || p.Identity.Require2FA != TwoFactorIfVisible {
		t.Errorf("defaults = %+v %+v %+v", p.Reason, p.Approval, p.Identity)
	}
}

func TestParseMinimalInheritsDefaults(t *testing.T) {
	p, err := Parse("f.yml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "f.yml" || p.Rules[0].Limits != Default().Defaults || p.Reason.MinLength != 10 {
		t.Errorf("got %+v", p)
	}
}

func TestParseFull(t *testing.T) {
	src := `version: 1
audit_repo: acme/glass-audit
identity: {require_2fa: true, fresh_login_within: 12h}
reason: {min_length: 20, incident_required: true, incident_pattern: '^INC-[0-9]+$'}
approval:
  required: true
  approvers: {users: [carol], teams: [acme/sre-leads, leads]}
  allow_self_approval: true
  timeout: 15m
review: {block_unreviewed_self_approved: true}
notify:
  mention: ["@acme/security", bob]
  webhooks:
    - {name: sec, kind: slack, url_env: GLASS_WEBHOOK_SEC, events: [granted, restore-failed]}
defaults: {max_duration: 2h, default_duration: 1h, max_extension: 30m}
rules:
  - name: hotfix
    repos: [payments, "svc-*"]
    who: {teams: [oncall]}
    branches: [main, "release/*"]
    levers: {protection: [all], ruleset: [bypass, disable], access: [maintain], team: [deployers]}
    max_duration: 45m
    approval: {required: false}
`
	p, err := Parse("f.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"audit_repo", p.AuditRepo, "acme/glass-audit"},
		{"2fa", p.Identity.Require2FA, TwoFactorRequired},
		{"fresh", p.Identity.FreshLoginWithin, 12 * time.Hour},
		{"min_length", p.Reason.MinLength, 20},
		{"timeout", p.Approval.Timeout, 15 * time.Minute},
		{"approvers", fmt.Sprint(p.Approval.Approvers), "{[carol] [acme/sre-leads leads]}"},
		{"mention", fmt.Sprint(p.Notify.Mention), "[@acme/security @bob]"},
		{"webhook", fmt.Sprint(p.Notify.Webhooks), "[{sec slack GLASS_WEBHOOK_SEC [granted restore-failed]}]"},
		{"rule limits", r.Limits, Limits{45 * time.Minute, 45 * time.Minute, 30 * time.Minute}},
		{"levers", fmt.Sprint(r.Levers), "[{protection [all]} {ruleset [bypass disable]} {access [maintain]} {team [deployers]}]"},
		{"rule approval inherits approvers", fmt.Sprint(r.Approval.Required, r.Approval.Approvers.Users), "false [carol]"},
		{"block", p.Review.BlockUnreviewedSelfApproved, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

// rule wraps rule body lines (already indented by 4) into a policy whose
// rule starts on line 3, so its keys sit on line 4 onwards at column 5.
func rule(body string) string {
	return "version: 1\nrules:\n  - name: r\n" + body
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // "LINE:COL: message fragment", in order
	}{
		{"empty", "", []string{"1:1: the policy is empty"}},
		{"comment only", "# nothing\n", []string{"1:1: the policy is empty"}},
		{"syntax", "version: 1\nrules: [\n", []string{"2:1: invalid YAML:"}},
		{"two documents", minimal + "---\nversion: 1\n", []string{"7:1: a policy file holds one YAML document"}},
		{"not a mapping", "- a\n", []string{"1:1: policy must be a mapping, got a list"}},
		{"missing version and rules", "audit_repo: a/b\n", []string{"1:1: version is missing", "1:1: rules is missing"}},
		{"bad version", strings.Replace(minimal, "version: 1", "version: 2", 1), []string{"1:10: version 2 is not supported"}},
		{"version string", strings.Replace(minimal, "version: 1", "version: \"1\"", 1), []string{"1:10: version must be an integer, got the string \"1\""}},
		{"unknown key suggests", minimal + "reasn: {}\n", []string{`7:1: policy: unknown key "reasn" (did you mean "reason"?)`}},
		{"unknown key lists", minimal + "colour: red\n", []string{`7:1: policy: unknown key "colour" (known keys: version,`}},
		{"duplicate key", minimal + "audit_repo: a/b\naudit_repo: a/c\n", []string{`8:1: policy: key "audit_repo" appears twice`}},
		{"alias", minimal + "reason: &r {min_length: 5}\napproval: *r\n", []string{"7:9: anchors (&r) are not allowed", "8:11: aliases (*r) are not allowed"}},
		{"bad audit repo", minimal + "audit_repo: nope\n", []string{`7:13: audit_repo must be OWNER/REPO, got "nope"`}},
		{"2fa value", minimal + "identity: {require_2fa: maybe}\n", []string{`7:25: identity.require_2fa must be true, false or "if-visible", got the string "maybe"`}},
		{"fresh login too short", minimal + "identity: {fresh_login_within: 10s}\n", []string{"7:32: identity.fresh_login_within must be between 1m and 720h, got 10s"}},
		{"min_length string", minimal + "reason: {min_length: \"10\"}\n", []string{`7:22: reason.min_length must be an integer, got the string "10"`}},
		{"min_length zero", minimal + "reason: {min_length: 0}\n", []string{"7:22: reason.min_length must be between 1 and 1000, got 0"}},
		{"incident_required type", minimal + "reason: {incident_required: yes}\n", []string{`7:29: reason.incident_required must be true or false, got the string "yes"`}},
		{"bad regex", minimal + "reason: {incident_pattern: '(['}\n", []string{"7:28: reason.incident_pattern is not a valid regular expression: missing closing ]"}},
		{"approval without approvers", minimal + "approval: {required: true}\n", []string{"7:11: approval.required is true but no approvers are named"}},
		{"self approval without required", minimal + "approval: {allow_self_approval: true}\n", []string{"7:33: approval.allow_self_approval has no effect without required: true"}},
		{"approval timeout", minimal + "approval: {timeout: 0s}\n", []string{"7:21: approval.timeout must be between 1m and 24h, got 0s"}},
		{"approver login with @", minimal + "approval: {required: true, approvers: {users: ['@bob']}}\n", []string{`7:48: approval.approvers.users: "@bob" is not a GitHub login (write logins without @)`}},
		{"star not allowed for approvers", minimal + "approval: {required: true, approvers: {users: ['*']}}\n", []string{`7:48: approval.approvers.users: "*" is not a GitHub login`}},
		{"bad team", minimal + "approval: {required: true, approvers: {teams: ['a/b/c']}}\n", []string{`7:48: approval.approvers.teams: "a/b/c" is not a team`}},
		{"duplicate list entry", minimal + "notify: {mention: ['@a', '@A']}\n", []string{`7:26: notify.mention: "@A" is listed twice`}},
		{"bad mention", minimal + "notify: {mention: ['@a/b/c']}\n", []string{`7:20: notify.mention: "@a/b/c" is not a team`}},
		{"webhook url in file", minimal + "notify:\n  webhooks:\n    - {name: a, kind: slack, url_env: GLASS_WEBHOOK_A, url: 'https://hooks.slack.com/x'}\n", []string{"9:61: notify.webhooks[0]: webhook URLs are secrets"}},
		{"webhook env prefix", minimal + "notify:\n  webhooks:\n    - {name: a, kind: generic, url_env: GITHUB_TOKEN}\n", []string{`9:41: notify.webhooks[0].url_env must be an environment variable named GLASS_WEBHOOK_<NAME>`}},
		{"webhook kind and missing name", minimal + "notify:\n  webhooks:\n    - {kind: teams, url_env: GLASS_WEBHOOK_A}\n", []string{"9:7: notify.webhooks[0]: name is missing", `9:14: notify.webhooks[0].kind must be "generic" or "slack", got "teams"`}},
		{"webhook event", minimal + "notify:\n  webhooks:\n    - {name: a, kind: slack, url_env: GLASS_WEBHOOK_A, events: [opened]}\n", []string{`9:65: notify.webhooks[0].events: unknown event "opened"`}},
		{"webhook names repeat", minimal + "notify:\n  webhooks:\n    - {name: a, kind: slack, url_env: GLASS_WEBHOOK_A}\n    - {name: a, kind: slack, url_env: GLASS_WEBHOOK_B}\n", []string{`10:7: notify.webhooks[1]: webhook name "a" is used twice`}},
		{"bad duration", minimal + "defaults: {max_duration: 1x}\n", []string{`7:26: defaults.max_duration: "1x" is not a duration`}},
		{"duration as integer", minimal + "defaults: {max_duration: 60}\n", []string{`7:26: defaults.max_duration must be a duration such as "30m" or "1h30m", got the integer 60`}},
		{"duration too long", minimal + "defaults: {max_duration: 48h}\n", []string{"7:26: defaults.max_duration must be between 1m and 24h, got 48h"}},
		{"negative extension", minimal + "defaults: {max_extension: -1m}\n", []string{"7:27: defaults.max_extension must be between 0s and 24h, got -1m"}},
		{"default over max", minimal + "defaults: {max_duration: 1h, default_duration: 2h}\n", []string{"7:48: defaults.default_duration 2h is longer than max_duration 1h"}},
		{"rules not a list", "version: 1\nrules: {}\n", []string{"2:8: rules must be a list, got a mapping"}},
		{"rules empty", "version: 1\nrules: []\n", []string{"2:8: rules is empty"}},
		{"rule missing everything", "version: 1\nrules:\n  - {}\n", []string{"3:5: rules[0]: name is missing", "3:5: rules[0]: who is missing", "3:5: rules[0]: levers is missing"}},
		{"rule name", strings.Replace(minimal, "name: r", "name: Hot Fix", 1), []string{`3:11: rules[0].name "Hot Fix" must be lower-case letters, digits and dashes`}},
		{"rule names repeat", minimal + strings.SplitN(minimal, "rules:\n", 2)[1], []string{`7:5: rules[1]: rule name "r" is used twice`}},
		{"who empty", rule("    who: {}\n    levers: {access: [push]}\n"), []string{"4:10: rules[0].who names nobody"}},
		{"who user with slash", rule("    who: {users: [acme/oncall]}\n    levers: {access: [push]}\n"), []string{`4:19: rules[0].who.users: "acme/oncall" is not a GitHub login (teams go under teams:)`}},
		{"who not a mapping", rule("    who: [alice]\n    levers: {access: [push]}\n"), []string{"4:10: rules[0].who must be a mapping, got a list"}},
		{"unknown lever", rule("    who: {users: [a]}\n    levers: {deploy: [x]}\n"), []string{"5:13: rules[0].levers is empty", `5:14: rules[0].levers: unknown key "deploy"`}},
		{"unknown relax", rule("    who: {users: [a]}\n    branches: [main]\n    levers: {protection: [reviews, nope]}\n"), []string{`6:36: rules[0].levers.protection: unknown relax name "nope" (known: reviews,`}},
		{"unknown ruleset relax", rule("    who: {users: [a]}\n    branches: [main]\n    levers: {ruleset: [reviews]}\n"), []string{`6:24: rules[0].levers.ruleset: unknown relax name "reviews" (known: disable, evaluate, bypass)`}},
		{"unknown permission", rule("    who: {users: [a]}\n    levers: {access: [write]}\n"), []string{`5:23: rules[0].levers.access: unknown permission "write" (known: pull, triage, push, maintain, admin)`}},
		{"two permissions", rule("    who: {users: [a]}\n    levers: {access: [push, admin]}\n"), []string{"5:22: rules[0].levers.access lists 2 permissions"}},
		{"lever allows nothing", rule("    who: {users: [a]}\n    levers: {access: []}\n"), []string{"5:22: rules[0].levers.access allows nothing"}},
		{"bad team in lever", rule("    who: {users: [a]}\n    levers: {team: ['a b']}\n"), []string{`5:21: rules[0].levers.team: "a b" is not a team`}},
		{"branches missing", rule("    who: {users: [a]}\n    levers: {ruleset: [bypass]}\n"), []string{"3:5: rules[0]: branches is missing"}},
		{"branches pointless", rule("    who: {users: [a]}\n    branches: [main]\n    levers: {access: [push]}\n"), []string{"5:15: rules[0].branches has no effect"}},
		{"bad branch pattern", rule("    who: {users: [a]}\n    branches: ['rel[0-9]']\n    levers: {protection: [lock]}\n"), []string{`5:16: rules[0].branches: "rel[0-9]": character classes`}},
		{"repo with owner", rule("    who: {users: [a]}\n    repos: [acme/x]\n    levers: {access: [push]}\n"), []string{`5:13: rules[0].repos: "acme/x": patterns match the repository name`}},
		{"rule default over max", rule("    who: {users: [a]}\n    levers: {access: [push]}\n    max_duration: 10m\n    default_duration: 20m\n"), []string{"7:23: rules[0].default_duration 20m is longer than max_duration 10m"}},
		{"rule approval", rule("    who: {users: [a]}\n    levers: {access: [push]}\n    approval: {required: true, timeot: 5m}\n"), []string{"6:15: rules[0].approval.required is true but no approvers", `6:32: rules[0].approval: unknown key "timeot" (did you mean "timeout"?)`}},
		{"other version stops early", "version: 3\nreasn: {}\n", []string{"1:10: version 3 is not supported"}},
		{"many errors at once", "version: 1\nreason: {min_length: x}\nrules:\n  - name: r\n    who: {users: ['@x']}\n    levers: {access: [god]}\n",
			[]string{"2:22: reason.min_length must be an integer", `5:19: rules[0].who.users: "@x"`, `6:23: rules[0].levers.access: unknown permission "god"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse("f.yml", []byte(c.src))
			if err == nil {
				t.Fatalf("parsed without error: %+v", p)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			if len(errs) != len(c.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), len(c.want), err)
			}
			for i, w := range c.want {
				if i >= len(errs) {
					break
				}
				pos, frag, _ := strings.Cut(w, ": ")
				got := errs[i]
				if fmt.Sprintf("%d:%d", got.Line, got.Col) != pos || !strings.Contains(got.Msg, frag) || got.File != "f.yml" {
					t.Errorf("error %d = %v\n          want f.yml:%s: ...%s...", i, got, pos, frag)
				}
			}
			if !strings.HasPrefix(err.Error(), "f.yml:") {
				t.Errorf("error text %q should start with FILE:", err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("f.yml", make([]byte, MaxFileSize+1))
	if err == nil || !strings.Contains(err.Error(), "f.yml:1:1: file is") {
		t.Fatalf("err = %v", err)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"main", "main", true},
		{"main", "mainline", false},
		{"release/*", "release/1.2", true},
		{"release/*", "release/1.2/hotfix", false},
		{"release/**", "release/1.2/hotfix", true},
		{"**", "any/thing/at/all", true},
		{"*", "feature/x", false},
		{"v?", "v1", true},
		{"v?", "v10", false},
		{"?", "/", false},
		{"**/hotfix", "a/b/hotfix", true},
		{"*-rc", "1.0-rc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, c := range cases {
		if got := matchGlob(c.pattern, c.s); got != c.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 30 * time.Minute: "30m", 0: "0s", 45 * time.Second: "45s"} {
		if got := fd(d); got != want {
			t.Errorf("fd(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestDocsExamples keeps docs/policy.md honest: its complete example must
// parse and its description of the defaults must be the defaults.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy.md"))
	if err != nil {
		t.Fatal("docs/policy.md is part of the repository:", err)
	}
	block := func(after string) []byte {
		_, rest, ok := strings.Cut(string(doc), after)
		if !ok {
			t.Fatalf("no %q in docs/policy.md", after)
		}
		_, rest, _ = strings.Cut(rest, "```yaml\n")
		body, _, _ := strings.Cut(rest, "```")
		return []byte(body)
	}
	if _, err := Parse("docs/policy.md", block("## Complete example")); err != nil {
		t.Errorf("complete example: %v", err)
	}
	got, err := Parse("docs/policy.md", block("## Built-in defaults"))
	if err != nil {
		t.Fatalf("defaults example: %v", err)
	}
	got.Source = Default().Source
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("docs/policy.md's defaults differ from Default():\n%+v\n%+v", got, Default())
	}
}
