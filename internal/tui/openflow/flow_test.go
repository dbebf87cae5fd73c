package openflow

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/lever/levers"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/tuitest"
)

// deps wires the flow to a real engine on the simulator, as alice.
func deps(t *testing.T, e *tuitest.Env, rules *Rules) Deps { return depsAs(t, e, rules, "alice") }

func depsAs(t *testing.T, e *tuitest.Env, rules *Rules, login string) Deps {
	gh := e.Client(login)
	eng := e.Engine(login)
	d := Deps{
		Levers:      levers.For(gh),
		DefaultRepo: "acme/payments",
		Branches: func(ctx context.Context, repo string) ([]Branch, error) {
			owner, name, _ := strings.Cut(repo, "/")
			bs, _, err := gh.Repositories.ListBranches(ctx, owner, name, &github.BranchListOptions{ListOptions: github.ListOptions{PerPage: 100}})
			var out []Branch
			for _, b := range bs {
				out = append(out, Branch{Name: b.GetName(), Protected: b.GetProtected()})
			}
			return out, err
		},
		Me: func(ctx context.Context) (string, error) {
			u, _, err := gh.Users.Get(ctx, "")
			return u.GetLogin(), err
		},
		Plan: eng.Plan,
		Open: func(ctx context.Context, pv *engine.Preview, progress func(engine.Step)) (*override.Override, error) {
			return eng.WithProgress(progress).OpenPreview(ctx, pv)
		},
		Clock:  e.Clk,
		Styles: tui.Plain(),
		Width:  80,
	}
	if rules != nil {
		d.Rules = func(ctx context.Context, repo string, lv override.Lever, branch string) (Rules, error) {
			return *rules, nil
		}
	}
	return d
}

var policyRules = Rules{Source: "acme/.github:.github/glass.yml", MinReason: 12, MaxDuration: time.Hour, DefaultDuration: 30 * time.Minute,
	Forbidden: map[string]string{"lock": "acme/.github:.github/glass.yml does not allow it on main", "all": "acme/.github:.github/glass.yml does not allow it on main",
		"admin": "acme/.github:.github/glass.yml does not allow it"}}

// namedKeys are the keys the tests name rather than type.
var namedKeys = map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "ctrl+c": tea.KeyCtrlC, "ctrl+s": tea.KeyCtrlS,
	"backspace": tea.KeyBackspace, "tab": tea.KeyTab, "down": tea.KeyDown, "up": tea.KeyUp}

func key(s string) tea.KeyMsg {
	if s == "space" {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	if k, ok := namedKeys[s]; ok {
		return tea.KeyMsg{Type: k}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// drive feeds keys to m, running the commands each message returns (the
// flow's commands are requests to the simulator, never timers), and
// stops early once the flow quits.
func drive(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	// The first call runs the command Init returns (what the first
	// question loads); later calls continue where the last one stopped.
	queue := tuitest.Exec(m.initCmd, nil)
	m.initCmd = nil
	var cur tea.Model = m
	for _, k := range keys {
		queue = append(queue, key(k))
	}
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		var cmd tea.Cmd
		cur, cmd = cur.Update(msg)
		queue = append(tuitest.Exec(cmd, nil), queue...)
	}
	return cur.(Model)
}

// writes counts the requests that could change anything.
func writes(e *tuitest.Env) int {
	n := 0
	for _, x := range e.Sim.Log() {
		if x.Method != "GET" && !strings.HasSuffix(x.Path, "/labels") {
			n++
		}
	}
	return n
}

func TestFullFlowOpensProtection(t *testing.T) {
	e := tuitest.New(t)
	_, before := e.Get("repos/acme/payments/branches/main/protection")
	m := New(deps(t, e, &policyRules), Known{AuditRepo: "acme/audit"})
	// repo (default accepted), lever (protection first), branch (main is
	// the first protected one), relax reviews, duration 30m (the policy
	// default), reason + incident, confirm.
	m = drive(t, m, "enter", "enter", "enter", "space", "enter", "enter")
	if m.Step() != StepReason {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	m = drive(t, m, "INC-4711: checkout returns 500", "tab", "INC-4711", "enter")
	if m.Step() != StepConfirm {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	if writes(e) != 0 {
		t.Fatalf("%d writes before confirmation", writes(e))
	}
	v := m.View()
	for _, want := range []string{"relax       reviews", "duration    30m", "required_pull_request_reviews.enabled: true → false", "incident    INC-4711"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirm screen lacks %q:\n%s", want, v)
		}
	}
	m = drive(t, m, "y")
	r := m.Result()
	if r.Err != nil || r.Override == nil || r.Override.State != override.StateActive {
		t.Fatalf("result = %+v; view:\n%s", r, m.View())
	}
	if r.Override.Duration != override.Duration(30*time.Minute) || strings.Join(r.Override.Relax, ",") != "reviews" || r.Override.Incident != "INC-4711" {
		t.Errorf("override = %+v", r.Override)
	}
	_, after := e.Get("repos/acme/payments/branches/main/protection")
	if after == before || strings.Contains(after, "required_pull_request_reviews") {
		t.Errorf("protection not relaxed: %s", after)
	}
	v = m.View()
	for _, want := range []string{"✓ policy", "✓ audit issue written", "acme/audit#1", "✓ change applied", "✓ verified", "✓ recorded on the audit issue", "✓ Opened acme/audit#1, verified", "w wait here"} {
		if !strings.Contains(v, want) {
			t.Errorf("progress view lacks %q:\n%s", want, v)
		}
	}
	// w: the countdown follows.
	m = drive(t, m, "w")
	if !m.Result().Wait {
		t.Error("w did not choose to wait")
	}
}

func TestAccessFlow(t *testing.T) {
	e := tuitest.New(t)
	m := New(deps(t, e, &policyRules), Known{Repo: "acme/payments", Lever: override.LeverAccess, Duration: 15 * time.Minute, AuditRepo: "acme/audit"})
	if m.Step() != StepUser {
		t.Fatalf("step = %v", m.Step())
	}
	m = drive(t, m)
	if !strings.Contains(m.View(), "User: alice") {
		t.Fatalf("the user does not default to the token's login:\n%s", m.View())
	}
	// Clear the default and grant dave push; admin is greyed out.
	for range "alice" {
		m = drive(t, m, "backspace")
	}
	m = drive(t, m, "dave", "enter")
	if m.Step() != StepPermission {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	m = drive(t, m, "down", "down", "down", "down", "enter")
	if m.Step() != StepPermission || !strings.Contains(m.View(), "admin: acme/.github:.github/glass.yml does not allow it") {
		t.Fatalf("admin was not refused:\n%s", m.View())
	}
	m = drive(t, m, "up", "up", "enter", "deploying the hotfix now", "ctrl+s", "enter")
	r := m.Result()
	if r.Err != nil || r.Override == nil || r.Override.Target.User != "dave" || r.Override.Target.Permission != "push" {
		t.Fatalf("result = %+v; view:\n%s", r, m.View())
	}
	if _, body := e.Get("repos/acme/payments/collaborators/dave/permission"); !strings.Contains(body, `"permission":"write"`) && !strings.Contains(body, `"role_name":"write"`) {
		t.Errorf("dave has no push: %s", body)
	}
}

// Flags given are not asked again: with everything known the flow goes
// straight to the confirmation.
func TestKnownValuesAreNotAsked(t *testing.T) {
	e := tuitest.New(t)
	k := Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"checks"}, Duration: 10 * time.Minute, Reason: "INC-1: flags only", AuditRepo: "acme/audit"}
	m := drive(t, New(deps(t, e, nil), k))
	if m.Step() != StepConfirm {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	tests := []struct {
		name  string
		known Known
		first Step
	}{
		{"repo only", Known{Repo: "acme/payments"}, StepLever},
		{"nothing", Known{}, StepRepo},
		{"branch implies lever", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main"}, StepRelax},
		{"relax given", Known{Repo: "acme/payments", Lever: override.LeverProtection, Relax: []string{"reviews"}}, StepBranch},
		{"only the reason missing", Known{Repo: "acme/payments", Lever: override.LeverAccess, User: "dave", Permission: "push", Duration: time.Minute}, StepReason},
		{"short reason is asked again", Known{Repo: "acme/payments", Lever: override.LeverAccess, User: "dave", Permission: "push", Duration: time.Minute, Reason: "x"}, StepReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drive(t, New(deps(t, e, &policyRules), tt.known))
			if m.Step() != tt.first {
				t.Errorf("first step = %v, want %v", m.Step(), tt.first)
			}
		})
	}
}

// Esc or Ctrl-C at any step before confirmation changes nothing.
func TestCancelChangesNothing(t *testing.T) {
	steps := [][]string{
		{}, {"enter"}, {"enter", "enter"}, {"enter", "enter", "enter"},
		{"enter", "enter", "enter", "space", "enter"},
		{"enter", "enter", "enter", "space", "enter", "enter"},
		{"enter", "enter", "enter", "space", "enter", "enter", "INC-1: long enough reason", "ctrl+s"},
	}
	for _, quit := range []string{"esc", "ctrl+c", "n"} {
		for i, keys := range steps {
			if quit == "n" && i != len(steps)-1 {
				continue // n only cancels on the confirmation screen
			}
			e := tuitest.New(t)
			m := drive(t, New(deps(t, e, &policyRules), Known{AuditRepo: "acme/audit"}), append(keys, quit)...)
			if !m.Result().Cancelled {
				t.Errorf("%s after %v: not cancelled (step %v)", quit, keys, m.Step())
			}
			if n := writes(e); n != 0 {
				t.Errorf("%s after %v: %d writes", quit, keys, n)
			}
		}
	}
}

func TestReasonLiveCheck(t *testing.T) {
	r := Rules{MinReason: 20, IncidentNeeded: true, IncidentPattern: `^INC-\d+$`}
	for _, tc := range []struct {
		reason, incident string
		ok               bool
		msg              string
	}{
		{"short", "", false, "✗ 5 of at least 20 characters · ✗ an incident reference is required"},
		{"a reason that is long enough", "", false, "✓ 28 characters (at least 20) · ✗ an incident reference is required"},
		{"a reason that is long enough", "42", false, "✗ the incident must match ^INC-\\d+$"},
		{"a reason that is long enough", "INC-42", true, "✓ 28 characters (at least 20)"},
	} {
		ok, msg := reasonCheck(r, tc.reason, tc.incident)
		if ok != tc.ok || !strings.Contains(msg, tc.msg) {
			t.Errorf("reasonCheck(%q, %q) = %v %q, want %v %q", tc.reason, tc.incident, ok, msg, tc.ok, tc.msg)
		}
	}
	// On screen: the check updates as the person types.
	e := tuitest.New(t)
	m := drive(t, New(deps(t, e, &policyRules), Known{Repo: "acme/payments", Lever: override.LeverAccess, User: "dave", Permission: "push", Duration: time.Minute}), "too short")
	if !strings.Contains(m.View(), "✗ 9 of at least 12 characters") {
		t.Errorf("view:\n%s", m.View())
	}
	m = drive(t, m, "ctrl+s")
	if m.Step() != StepReason {
		t.Errorf("a short reason was accepted")
	}
	m = drive(t, m, " but now fine")
	if !strings.Contains(m.View(), "✓ 22 characters (at least 12)") {
		t.Errorf("view:\n%s", m.View())
	}
}

func TestDurationBounds(t *testing.T) {
	e := tuitest.New(t)
	m := drive(t, New(deps(t, e, &policyRules), Known{Repo: "acme/payments", Lever: override.LeverAccess, User: "dave", Permission: "push"}))
	v := m.View()
	if strings.Contains(v, "2h") || !strings.Contains(v, "> 30m") {
		t.Errorf("presets above the policy's 1h offered, or the default not selected:\n%s", v)
	}
	m = drive(t, m, "down", "down", "enter", "3h", "enter")
	if m.Step() != StepDuration || !strings.Contains(m.View(), "at most 1h") {
		t.Fatalf("3h accepted:\n%s", m.View())
	}
	m.text.SetValue("")
	m = drive(t, m, "10s", "enter")
	if !strings.Contains(m.View(), "at least 1m") {
		t.Fatalf("10s accepted:\n%s", m.View())
	}
	m.text.SetValue("")
	m = drive(t, m, "45m", "enter")
	if m.Step() != StepReason || m.k.Duration != 45*time.Minute {
		t.Fatalf("step %v duration %v", m.Step(), m.k.Duration)
	}
}

// A failed open shows what was and was not changed.
func TestOpenFailureShown(t *testing.T) {
	e := tuitest.New(t)
	k := Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}, Duration: 10 * time.Minute, Reason: "INC-2: failing write", AuditRepo: "acme/audit"}
	m := drive(t, New(deps(t, e, nil), k))
	if m.Step() != StepConfirm {
		t.Fatalf("step = %v", m.Step())
	}
	// Every protection write fails from now on.
	e.Sim.SetFaults(mustFaults(t, "error-rate=1,error-status=500"))
	m = drive(t, m, "y")
	r := m.Result()
	if r.Err == nil {
		t.Fatalf("no error; view:\n%s", m.View())
	}
	v := m.View()
	if !strings.Contains(v, "X The override did not open cleanly") || !strings.Contains(v, "X audit issue written") {
		t.Errorf("view:\n%s", v)
	}
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "glass made no change") {
		t.Errorf("the failure does not say what was not changed:\n%s", v)
	}
}

// elapsedRE matches step timings (real time); the fake clock makes
// every other time on screen deterministic.
var elapsedRE = regexp.MustCompile(`\d+\.\d\ds`)

func normalize(s string) []byte {
	return []byte(elapsedRE.ReplaceAllStringFunc(s, func(x string) string {
		return strings.Map(func(r rune) rune {
			if r >= '1' && r <= '9' {
				return '0'
			}
			return r
		}, x)
	}))
}

// TestGoldenScreens renders key screens to testdata/TestGoldenScreens.
func TestGoldenScreens(t *testing.T) {
	screens := []struct {
		name  string
		known Known
		keys  []string
	}{
		{"repo", Known{}, nil},
		{"lever", Known{Repo: "acme/payments"}, nil},
		{"branch", Known{Repo: "acme/payments", Lever: override.LeverProtection}, nil},
		{"relax", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main"}, []string{"space", "down", "space"}},
		{"duration", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}}, nil},
		{"reason", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}, Duration: time.Hour}, []string{"INC-4711: checkout 500"}},
		{"confirm", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews", "checks"}, Duration: time.Hour, Reason: "INC-4711: checkout returns 500, hotfix PR 812", Incident: "INC-4711", AuditRepo: "acme/audit"}, nil},
		{"done", Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}, Duration: time.Hour, Reason: "INC-4711: checkout returns 500", AuditRepo: "acme/audit"}, []string{"y"}},
		{"ruleset", Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging"}, nil},
		{"relax-ruleset", Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Ruleset: "payments-staging"},
			[]string{"down", "down", "down", "down", "down", "p", "up", "up", "up", "space", "oncall", "enter"}},
		{"reason-ruleset", Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Ruleset: "payments-staging",
			Relax: []string{"bypass-role:write:pull_request", "bypass-team:oncall"}, Duration: 15 * time.Minute}, nil},
		{"relax-ruleset-team", Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Ruleset: "payments-staging"},
			[]string{"down", "down", "space", "on"}},
	}
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) {
			e := tuitest.New(t)
			d := deps(t, e, &policyRules)
			if sc.known.Lever == override.LeverRuleset {
				d = rulesetDeps(t, e, &policyRules, "alice", sc.known.Ruleset)
			}
			m := drive(t, New(d, sc.known), sc.keys...)
			teatest.RequireEqualOutput(t, normalize(m.View()))
			for i, l := range strings.Split(m.View(), "\n") {
				if n := len([]rune(l)); n > 80 {
					t.Errorf("line %d is %d columns (> 80): %q", i+1, n, l)
				}
			}
		})
	}
}

// TestTeatestWholeOpen runs the whole interactive open as a real
// bubbletea program (teatest) against the simulator, typing as a person
// would, and checks that the override opened.
func TestTeatestWholeOpen(t *testing.T) {
	e := tuitest.New(t)
	tm := teatest.NewTestModel(t, New(deps(t, e, &policyRules), Known{AuditRepo: "acme/audit"}), teatest.WithInitialTermSize(80, 40))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	wait("Which repository?")
	tm.Send(key("enter"))
	wait("What do you need?")
	tm.Send(key("enter"))
	wait("Which branch?")
	tm.Send(key("enter"))
	wait("What should be relaxed?")
	tm.Send(key("space"))
	tm.Send(key("enter"))
	wait("For how long?")
	tm.Send(key("enter"))
	wait("Why?")
	tm.Type("INC-4711: checkout returns 500")
	tm.Send(key("ctrl+s"))
	wait("Open this override?")
	tm.Send(key("y"))
	wait("Opened acme/audit#1")
	tm.Send(key("enter"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	r := fm.Result()
	if r.Err != nil || r.Override == nil || r.Wait {
		t.Fatalf("result = %+v", r)
	}
	_, issue := e.Get("repos/acme/audit/issues/1")
	if !strings.Contains(issue, "break-glass:active") {
		t.Errorf("audit issue not active: %s", issue)
	}
	_, prot := e.Get("repos/acme/payments/branches/main/protection")
	if strings.Contains(prot, "required_pull_request_reviews") {
		t.Errorf("reviews still required: %s", prot)
	}
}

func mustFaults(t *testing.T, spec string) ghsim.Faults {
	t.Helper()
	f, err := ghsim.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTeamFlow(t *testing.T) {
	e := tuitest.New(t)
	// acme-admin (an organization owner) may change team membership.
	m := New(depsAs(t, e, nil, "acme-admin"), Known{Repo: "acme/payments", Lever: override.LeverTeam, Duration: 15 * time.Minute, AuditRepo: "acme/audit"})
	if m.Step() != StepTeam {
		t.Fatalf("step = %v", m.Step())
	}
	m = drive(t, m, "oncall", "enter")
	for range "acme-admin" {
		m = drive(t, m, "backspace")
	}
	m = drive(t, m, "dave", "enter", "INC-6: dave joins on-call", "ctrl+s")
	if m.Step() != StepConfirm || !strings.Contains(m.View(), "team        acme/oncall") {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	m = drive(t, m, "y")
	if r := m.Result(); r.Err != nil || r.Override == nil || r.Override.Target.Team != "acme/oncall" || r.Override.Target.User != "dave" {
		t.Fatalf("result = %+v; view:\n%s", r, m.View())
	}
}

// rulesetDeps wires the ruleset questions as the command does: the
// rulesets on a branch (names when several), and Resolve before the plan
// with the --ruleset flag's value (flag; "" when not given).
func rulesetDeps(t *testing.T, e *tuitest.Env, rules *Rules, login, flag string) Deps {
	d := depsAs(t, e, rules, login)
	gh := e.Client(login)
	d.Rulesets = func(ctx context.Context, repo, branch string) ([]Ruleset, error) {
		ids, err := ruleset.BranchRulesets(ctx, gh, repo, branch)
		if err != nil {
			return nil, err
		}
		all, err := ruleset.List(ctx, gh, repo)
		if err != nil {
			return nil, err
		}
		var out []Ruleset
		for _, id := range ids {
			for _, s := range all {
				if s.ID == id {
					r := Ruleset{ID: id, Name: s.Name}
					if s.SourceType == "Organization" {
						r.Org = s.Source
					}
					out = append(out, r)
				}
			}
		}
		return out, nil
	}
	d.TeamExists = func(ctx context.Context, org, slug string) (bool, error) {
		_, resp, err := gh.Teams.GetTeamBySlug(ctx, org, slug)
		if resp != nil && resp.StatusCode == 404 {
			return false, nil
		}
		return err == nil, err
	}
	d.Prepare = func(ctx context.Context, req engine.OpenRequest) (engine.OpenRequest, error) {
		tg, relax, err := ruleset.Resolve(ctx, gh, req.Target, flag, req.Relax)
		req.Target, req.Relax = tg, relax
		return req, err
	}
	return d
}

// Two rulesets apply to acme/payments@staging (the repository's
// payments-staging and the organization's acme-staging-guard): the flow
// asks which, then offers the bypass choices (a role, with p for pull
// requests only; a team typed by slug), and opens exactly that.
func TestRulesetFlow(t *testing.T) {
	e := tuitest.New(t)
	m := drive(t, New(rulesetDeps(t, e, nil, "alice", ""), Known{Repo: "acme/payments", Lever: override.LeverRuleset, Duration: 15 * time.Minute, AuditRepo: "acme/audit"}))
	// Protected branches first: main, release/1.x, staging.
	m = drive(t, m, "down", "down", "enter")
	if m.Step() != StepRuleset {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	v := m.View()
	for _, want := range []string{"Which ruleset?", "payments-staging", "repository ruleset", "acme-staging-guard", "organization ruleset of acme (owners only)"} {
		if !strings.Contains(v, want) {
			t.Errorf("ruleset question lacks %q:\n%s", want, v)
		}
	}
	if i, j := strings.Index(v, "payments-staging"), strings.Index(v, "acme-staging-guard"); i < 0 || j < 0 {
		t.Fatalf("view:\n%s", v)
	}
	// Choose the repository's own.
	for m.items[m.cursor].label != "payments-staging" {
		m = drive(t, m, "down")
	}
	m = drive(t, m, "enter")
	if m.Step() != StepRelax || !strings.Contains(m.View(), "ruleset payments-staging") {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	v = m.View()
	for _, want := range []string{"[ ] disable", "[+] bypass-team:…", "type a team slug to add it", "[ ] bypass-role:admin", "the admin role may bypass it · always", "[ ] bypass-role:write"} {
		if !strings.Contains(v, want) {
			t.Errorf("relax list lacks %q:\n%s", want, v)
		}
	}
	// bypass-role:write, through pull requests only (p selects it too).
	for m.items[m.cursor].label != "bypass-role:write" {
		m = drive(t, m, "down")
	}
	m = drive(t, m, "p")
	if v := m.View(); !strings.Contains(v, "[x] bypass-role:write    the write role may bypass it · only via PRs") || !strings.Contains(v, "p only via PRs/always") {
		t.Errorf("view:\n%s", v)
	}
	// A team: typed, added to the list, selected.
	for m.items[m.cursor].label != "bypass-team:…" {
		m = drive(t, m, "up")
	}
	m = drive(t, m, "space", "no such slug!", "enter")
	if !strings.Contains(m.View(), "type a team slug, e.g. oncall") {
		t.Fatalf("a bad slug was accepted:\n%s", m.View())
	}
	m.text.SetValue("")
	m = drive(t, m, "oncall", "enter")
	if v := m.View(); !strings.Contains(v, "[x] bypass-team:oncall") || !strings.Contains(v, "the team's members may bypass it · always") {
		t.Fatalf("view:\n%s", v)
	}
	m = drive(t, m, "enter", "INC-7: staging deploy blocked", "ctrl+s")
	if m.Step() != StepConfirm {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	v = m.View()
	if !regexp.MustCompile(`ruleset     payments-staging \(id \d+\)`).MatchString(v) || !regexp.MustCompile(`relax       bypass-role:write:pull_request, bypass-team:oncall:\d+`).MatchString(v) {
		t.Errorf("confirm screen:\n%s", v)
	}
	m = drive(t, m, "y")
	r := m.Result()
	if r.Err != nil || r.Override == nil || r.Override.Target.RulesetID == 0 {
		t.Fatalf("result = %+v; view:\n%s", r, m.View())
	}
	if got := strings.Join(r.Override.Relax, ","); !regexp.MustCompile(`^bypass-role:write:pull_request,bypass-team:oncall:\d+$`).MatchString(got) {
		t.Errorf("relax = %s", got)
	}
	_, live := e.Get(fmt.Sprintf("repos/acme/payments/rulesets/%d", r.Override.Target.RulesetID))
	if !strings.Contains(live, `"name":"payments-staging"`) || !strings.Contains(live, `"actor_type":"RepositoryRole"`) || !strings.Contains(live, `"bypass_mode":"pull_request"`) || !strings.Contains(live, `"actor_type":"Team"`) {
		t.Errorf("live ruleset: %s", live)
	}
}

// --ruleset given as a flag is not asked again; a branch without an
// active ruleset says so and offers another branch.
func TestRulesetQuestionSkipped(t *testing.T) {
	e := tuitest.New(t)
	m := drive(t, New(rulesetDeps(t, e, nil, "alice", "payments-staging"), Known{Repo: "acme/payments", Lever: override.LeverRuleset, Ruleset: "payments-staging", Duration: 15 * time.Minute}))
	m = drive(t, m, "down", "down", "enter")
	if m.Step() != StepRelax || !strings.Contains(m.View(), "ruleset payments-staging") {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	if n := e.Count("GET", "/repos/acme/payments/rules/branches/"); n != 0 {
		t.Errorf("%d branch-rules lookups with --ruleset given", n)
	}

	m = drive(t, New(rulesetDeps(t, e, nil, "alice", ""), Known{Repo: "acme/payments", Lever: override.LeverRuleset, Duration: 15 * time.Minute}), "enter")
	if m.Step() != StepRuleset || !strings.Contains(m.View(), "no active ruleset applies to main of acme/payments") {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	m = drive(t, m, "enter")
	if m.Step() != StepBranch || m.k.Branch != "" {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
	m = drive(t, m, "down", "down", "enter")
	if m.Step() != StepRuleset || !strings.Contains(m.View(), "acme-staging-guard") {
		t.Fatalf("step = %v; view:\n%s", m.Step(), m.View())
	}
}

// Policy greys out the bypass choices when it does not allow "bypass"
// (the command maps the policy's bypass onto every bypass option).
func TestRulesetBypassGreyedByPolicy(t *testing.T) {
	e := tuitest.New(t)
	no := "acme/.github:.github/glass.yml does not allow it on staging"
	rules := Rules{Source: "acme/.github:.github/glass.yml", Forbidden: map[string]string{
		ruleset.PrefixTeam + "SLUG[:pull_request]":                 no,
		ruleset.PrefixRole + "admin|maintain|write[:pull_request]": no,
	}}
	m := drive(t, New(rulesetDeps(t, e, &rules, "alice", "payments-staging"), Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Ruleset: "payments-staging"}))
	v := m.View()
	for _, want := range []string{"[-] bypass-team:…", "[-] bypass-role:admin", "[-] bypass-role:write", "not allowed by policy", "[ ] disable"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	for m.items[m.cursor].label != "bypass-role:admin" {
		m = drive(t, m, "down")
	}
	m = drive(t, m, "space", "p")
	if m.picked["bypass-role:admin"] || !strings.Contains(m.View(), "bypass-role:admin: "+no) {
		t.Errorf("a forbidden choice was selected:\n%s", m.View())
	}
}

// update sends msgs to m without running the commands they return.
func update(m Model, msgs ...tea.Msg) (Model, tea.Cmd) {
	var cur tea.Model = m
	var cmd tea.Cmd
	for _, msg := range msgs {
		cur, cmd = cur.Update(msg)
	}
	return cur.(Model), cmd
}

// Keys typed while a list loads are not lost: they apply, in order, once
// it has loaded, and those typed during a later load wait for that one.
// Nothing typed ahead reaches the confirmation.
func TestKeysTypedWhileLoading(t *testing.T) {
	e := tuitest.New(t)
	m := New(deps(t, e, &policyRules), Known{Repo: "acme/payments", Lever: override.LeverProtection, AuditRepo: "acme/audit"})
	if m.Step() != StepBranch || m.loading != "Listing branches…" {
		t.Fatalf("step %v, loading %q", m.Step(), m.loading)
	}
	// While the branches load: pick the third (staging), then, while the
	// policy loads, select the first relaxation and go on; then, while
	// nothing loads any more, choose the default duration... and "y",
	// which must not open anything.
	load := m.initCmd
	m.initCmd = nil
	m, _ = update(m, key("down"), key("down"), key("enter"), key("space"), key("enter"))
	if m.Step() != StepBranch || len(m.pending) != 5 {
		t.Fatalf("step %v, %d pending", m.Step(), len(m.pending))
	}
	m = drive(t, feed(t, m, load))
	if m.k.Branch != "staging" || strings.Join(m.k.Relax, ",") != "reviews" || m.Step() != StepDuration {
		t.Fatalf("branch %q relax %v step %v; view:\n%s", m.k.Branch, m.k.Relax, m.Step(), m.View())
	}
	if len(m.pending) != 0 {
		t.Errorf("%d keys left pending", len(m.pending))
	}
	// Typed ahead into a load that ends on the confirmation: dropped.
	k := Known{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}, Duration: time.Hour, Reason: "INC-8: typed ahead", AuditRepo: "acme/audit"}
	m = New(deps(t, e, &policyRules), k)
	load = m.initCmd
	m.initCmd = nil
	m, _ = update(m, key("y"))
	m = drive(t, feed(t, m, load))
	if m.Step() != StepConfirm || writes(e) != 0 {
		t.Fatalf("step %v, %d writes: a key typed ahead reached the confirmation", m.Step(), writes(e))
	}
}

// A login typed while "who are you" loads replaces the default.
func TestLoginTypedWhileLoading(t *testing.T) {
	e := tuitest.New(t)
	m := New(deps(t, e, &policyRules), Known{Repo: "acme/payments", Lever: override.LeverAccess, Duration: 15 * time.Minute, AuditRepo: "acme/audit"})
	if m.Step() != StepUser || m.loading == "" {
		t.Fatalf("step %v, loading %q", m.Step(), m.loading)
	}
	load := m.initCmd
	m.initCmd = nil
	m, _ = update(m, key("dave"), key("enter"))
	m = drive(t, feed(t, m, load))
	if m.k.User != "dave" || m.Step() != StepPermission {
		t.Fatalf("user %q step %v; view:\n%s", m.k.User, m.Step(), m.View())
	}
}

// feed runs cmd and delivers what it produces to m, running what follows.
func feed(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	var cur tea.Model = m
	queue := tuitest.Exec(cmd, nil)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		var c tea.Cmd
		cur, c = cur.Update(msg)
		queue = append(tuitest.Exec(c, nil), queue...)
	}
	return cur.(Model)
}

// A team typed for a bypass is looked up before it joins the list: an
// unknown slug is refused on the spot; a lookup that fails lets it
// through with a note (the plan looks it up again).
func TestBypassTeamLookedUp(t *testing.T) {
	e := tuitest.New(t)
	m := drive(t, New(rulesetDeps(t, e, nil, "alice", "payments-staging"), Known{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Ruleset: "payments-staging"}))
	m = drive(t, m, "down", "down", "space", "oncal", "enter")
	if v := m.View(); !strings.Contains(v, "no team acme/oncal (or your token cannot see it): check the slug") || m.typing == "" || m.picked["bypass-team:oncal"] {
		t.Fatalf("an unknown team was accepted:\n%s", v)
	}
	m = drive(t, m, "l", "enter")
	if !m.picked["bypass-team:oncall"] || m.typing != "" || m.errNote != "" {
		t.Fatalf("oncall not added:\n%s", m.View())
	}
	e.Sim.SetFaults(mustFaults(t, "fail-path=^/orgs/acme/teams/:502"))
	m = drive(t, m, "down", "space", "security", "enter")
	if !m.picked["bypass-team:security"] || !strings.Contains(m.View(), "could not look the team up") {
		t.Fatalf("a failed lookup blocked the team:\n%s", m.View())
	}
}
