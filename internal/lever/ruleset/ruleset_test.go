package ruleset_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/levertest"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/override"
)

var ctx = context.Background()

func start(t *testing.T) *simtest.Sim {
	t.Helper()
	return simtest.Start(t, ghsim.WithSeed("acme"))
}

func seeded(t *testing.T, sim *simtest.Sim, name string) int64 {
	t.Helper()
	var id int64
	sim.Do(func(st *ghsim.State) {
		for _, rs := range st.RulesetsFor(st.Repo("acme/payments"), true) {
			if rs.Name == name {
				id = rs.ID
			}
		}
	})
	if id == 0 {
		t.Fatalf("no seeded ruleset %s", name)
	}
	return id
}

func teamID(sim *simtest.Sim, slug string) int64 {
	var id int64
	sim.Do(func(st *ghsim.State) { id = st.Org("acme").Team(slug).ID })
	return id
}

// raw GETs path as login and returns the body without updated_at (which
// GitHub moves on every PUT, even one that restores).
func raw(t *testing.T, sim *simtest.Sim, login, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", sim.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+sim.Token(login))
	res, err := sim.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s", path, b)
	}
	delete(m, "updated_at")
	out, _ := json.Marshal(m)
	return string(out)
}

// directWrite tries the door: a contents write to staging as login.
func directWrite(t *testing.T, sim *simtest.Sim, login, file string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"message": "hotfix", "branch": "staging", "content": base64.StdEncoding.EncodeToString([]byte("fix\n"))})
	req, _ := http.NewRequest("PUT", sim.URL+"repos/acme/payments/contents/"+file, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sim.Token(login))
	req.Header.Set("Content-Type", "application/json")
	res, err := sim.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// write writes want over live and checks that the fields after it equal
// want.
func write(t *testing.T, l lever.Lever, tg override.Target, live, want lever.Fields) lever.Fields {
	t.Helper()
	got := levertest.Write(t, l, tg, live, want)
	levertest.NoDiff(t, "after Write", levertest.ViaJSON(t, want), levertest.ViaJSON(t, got))
	return got
}

func TestReadKeepsEveryRule(t *testing.T) {
	sim := start(t)
	l := ruleset.New(sim.GitHub(t, "alice"))
	id := seeded(t, sim, ghsim.SeedRulesetPayments)
	s := levertest.Read(t, l, override.Target{Repo: "acme/payments", RulesetID: id})
	f := s.Fields
	for k, want := range map[string]any{
		"enforcement": "active", "source_type": "Repository", "bypass_actors.visible": true,
		fmt.Sprintf("bypass_actors.Team:%d", teamID(sim, "release-managers")): "always",
		"bypass_actors.RepositoryRole:2":                                      "pull_request",
		"rules.non_fast_forward":                                              `{"type":"non_fast_forward"}`,
	} {
		if !lever.Equal(f[k], want) {
			t.Errorf("%s = %v, want %v", k, f[k], want)
		}
	}
	// The rule go-github v60 cannot decode, and parameters it drops, are kept.
	if s, _ := f["rules.merge_queue"].(string); !strings.Contains(s, `"grouping_strategy":"ALLGREEN"`) {
		t.Errorf("merge_queue = %v", f["rules.merge_queue"])
	}
	if s, _ := f["rules.pull_request"].(string); !strings.Contains(s, `"allowed_merge_methods":["squash","rebase"]`) {
		t.Errorf("pull_request = %v", f["rules.pull_request"])
	}
	if s, _ := f["rules.required_status_checks"].(string); !strings.Contains(s, `"do_not_enforce_on_create":true`) {
		t.Errorf("required_status_checks = %v", f["rules.required_status_checks"])
	}
	if !bytes.Contains(s.Raw, []byte(`"merge_queue"`)) {
		t.Errorf("raw lacks merge_queue: %s", s.Raw)
	}
}

// The door test at lever level, for each way of relaxing: before, a direct
// write to staging is refused; relaxed, it passes; restored, it is refused
// again and the ruleset is back byte for byte (updated_at aside).
func TestRelaxRoundTripOpensAndClosesTheDoor(t *testing.T) {
	cases := []struct {
		relax  string
		writer string
	}{
		{ruleset.RelaxDisable, "alice"},
		{"bypass-team:oncall", "bob"},
		{"bypass-role:admin", "alice"},
		{"bypass-role:maintain", "frank"}, // raises maintain's pull_request to always
	}
	for i, c := range cases {
		t.Run(c.relax, func(t *testing.T) {
			sim := start(t)
			gh := sim.GitHub(t, "alice")
			l := ruleset.New(gh)
			id := seeded(t, sim, ghsim.SeedRulesetPayments)
			path := fmt.Sprintf("repos/acme/payments/rulesets/%d", id)
			before := raw(t, sim, "acme-admin", path)
			file := fmt.Sprintf("door-%d.md", i)
			if code := directWrite(t, sim, c.writer, file); code != 409 {
				t.Fatalf("door closed before: %d", code)
			}
			tg, relax, err := ruleset.Resolve(ctx, gh, override.Target{Repo: "acme/payments", Branch: "staging"}, ghsim.SeedRulesetPayments, []string{c.relax})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Validate(tg, relax); err != nil {
				t.Fatal(err)
			}
			orig := levertest.Read(t, l, tg).Fields
			want, err := l.Relax(tg, levertest.ViaJSON(t, orig), relax)
			if err != nil {
				t.Fatal(err)
			}
			if len(lever.Diff(orig, want)) != 1 {
				t.Fatalf("relax %v changes %+v", relax, lever.Diff(orig, want))
			}
			live := write(t, l, tg, orig, want)
			if code := directWrite(t, sim, c.writer, file); code != 201 {
				t.Fatalf("door still closed while relaxed: %d", code)
			}
			write(t, l, tg, live, orig)
			if code := directWrite(t, sim, c.writer, file+"2"); code != 409 {
				t.Fatalf("door open after restore: %d", code)
			}
			if after := raw(t, sim, "acme-admin", path); after != before {
				t.Errorf("ruleset not restored byte for byte:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestRelaxRules(t *testing.T) {
	l := ruleset.New(nil)
	tg := override.Target{Repo: "acme/payments", RulesetID: 7}
	base := lever.Fields{"enforcement": "active", "bypass_actors.visible": true, "bypass_actors.Team:1": "pull_request", "bypass_actors.Team:2": "always"}
	cases := []struct {
		name  string
		orig  lever.Fields
		relax []string
		want  map[string]any
		err   string
	}{
		{"disable", base, []string{"disable"}, map[string]any{"enforcement": "disabled"}, ""},
		{"evaluate", base, []string{"evaluate"}, map[string]any{"enforcement": "evaluate"}, ""},
		{"disable wins", base, []string{"disable", "evaluate"}, map[string]any{"enforcement": "disabled"}, ""},
		{"evaluate keeps disabled", lever.Fields{"enforcement": "disabled"}, []string{"evaluate"}, map[string]any{"enforcement": "disabled"}, ""},
		{"new team", base, []string{"bypass-team:x:3"}, map[string]any{"bypass_actors.Team:3": "always"}, ""},
		{"new team pr", base, []string{"bypass-team:x:3:pull_request"}, map[string]any{"bypass_actors.Team:3": "pull_request"}, ""},
		{"raise", base, []string{"bypass-team:x:1"}, map[string]any{"bypass_actors.Team:1": "always"}, ""},
		{"never lower", base, []string{"bypass-team:x:2:pull_request"}, map[string]any{"bypass_actors.Team:2": "always"}, ""},
		{"overlap", base, []string{"bypass-team:x:3:pull_request", "bypass-team:x:3"}, map[string]any{"bypass_actors.Team:3": "always"}, ""},
		{"role", base, []string{"bypass-role:write"}, map[string]any{"bypass_actors.RepositoryRole:4": "always"}, ""},
		{"invisible", lever.Fields{"enforcement": "active"}, []string{"bypass-role:write"}, nil, "did not show the bypass actors"},
		{"exempt", base, []string{"bypass-role:write:exempt"}, nil, "never adds an exempt"},
		{"unknown", base, []string{"off"}, nil, "unknown --relax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := l.Relax(tg, c.orig, c.relax)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if !lever.Equal(got[k], v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if len(lever.Diff(c.orig, got)) > len(c.want) {
				t.Errorf("other fields changed: %+v", lever.Diff(c.orig, got))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	l := ruleset.New(nil)
	ok := override.Target{Repo: "acme/payments", RulesetID: 3}
	cases := []struct {
		t     override.Target
		relax []string
		err   string
	}{
		{ok, []string{"disable"}, ""},
		{ok, []string{"bypass-team:oncall:12", "bypass-role:maintain:pull_request"}, ""},
		{override.Target{Repo: "acme/payments"}, []string{"disable"}, "needs a ruleset"},
		{override.Target{Repo: "nope", RulesetID: 3}, []string{"disable"}, "OWNER/REPO"},
		{ok, nil, "name what to relax"},
		{ok, []string{"bypass-team:oncall"}, "names no team id"},
		{ok, []string{"bypass-role:owner"}, "expected bypass-role:"},
		{ok, []string{"bypass-team:oncall:12:sometimes"}, "invalid bypass mode"},
		{ok, []string{"bypass-team:oncall:12:exempt"}, "never adds an exempt"},
		{ok, []string{"reviews"}, "unknown --relax"},
	}
	for _, c := range cases {
		err := l.Validate(c.t, c.relax)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Validate(%+v, %v) = %v, want %q", c.t, c.relax, err, c.err)
		}
	}
}

func TestResolve(t *testing.T) {
	sim := start(t)
	gh := sim.GitHub(t, "alice")
	pay := seeded(t, sim, ghsim.SeedRulesetPayments)
	org := seeded(t, sim, ghsim.SeedRulesetOrg)
	cases := []struct {
		name    string
		t       override.Target
		ruleset string
		relax   []string
		wantID  int64
		wantRel []string
		err     string
	}{
		{"by id", override.Target{Repo: "acme/payments"}, fmt.Sprint(pay), []string{"disable"}, pay, []string{"disable"}, ""},
		{"by name", override.Target{Repo: "acme/payments"}, "PAYMENTS-staging", []string{"bypass-team:oncall:always"}, pay, []string{fmt.Sprintf("bypass-team:oncall:%d", teamID(sim, "oncall"))}, ""},
		{"org by name", override.Target{Repo: "acme/payments"}, ghsim.SeedRulesetOrg, []string{"disable"}, org, []string{"disable"}, ""},
		{"unknown name", override.Target{Repo: "acme/payments"}, "nope", nil, 0, nil, "rulesets that apply: "},
		{"branch with two", override.Target{Repo: "acme/payments", Branch: "staging"}, "", nil, 0, nil, "2 rulesets apply to acme/payments@staging"},
		{"branch with none", override.Target{Repo: "acme/payments", Branch: "main"}, "", nil, 0, nil, "no active ruleset applies to branch main"},
		{"nothing named", override.Target{Repo: "acme/payments"}, "", nil, 0, nil, "no ruleset named"},
		{"unknown team", override.Target{Repo: "acme/payments"}, fmt.Sprint(pay), []string{"bypass-team:ghosts"}, 0, nil, "team acme/ghosts not found"},
		{"personal repo team", override.Target{Repo: "alice/dotfiles"}, "5", []string{"bypass-team:oncall"}, 0, nil, "not found"},
		{"exempt", override.Target{Repo: "acme/payments"}, fmt.Sprint(pay), []string{"bypass-role:admin:exempt"}, 0, nil, "never adds an exempt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, rel, err := ruleset.Resolve(ctx, gh, c.t, c.ruleset, c.relax)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !lever.IsRefusal(err) {
					t.Fatalf("err = %v, want a refusal with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tg.RulesetID != c.wantID || strings.Join(rel, ",") != strings.Join(c.wantRel, ",") {
				t.Errorf("got %d %v, want %d %v", tg.RulesetID, rel, c.wantID, c.wantRel)
			}
		})
	}
}

// Organization rulesets: refused before any change for a repository admin
// who is not an organization owner; handled through /orgs for an owner.
func TestOrganizationRuleset(t *testing.T) {
	sim := start(t)
	org := seeded(t, sim, ghsim.SeedRulesetOrg)
	tg := override.Target{Repo: "acme/payments", Branch: "staging", RulesetID: org}

	_, err := ruleset.New(sim.GitHub(t, "alice")).Read(ctx, tg)
	var r *lever.RefusalError
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "organization ruleset of acme") || !strings.Contains(r.Hint, "nothing was changed") {
		t.Fatalf("alice: %v", err)
	}

	l := ruleset.New(sim.GitHub(t, "acme-admin"))
	orig := levertest.Read(t, l, tg).Fields
	if orig["source_type"] != "Organization" || orig["bypass_actors.OrganizationAdmin:1"] != "always" {
		t.Fatalf("org fields = %v", orig)
	}
	want, _ := l.Relax(tg, orig, []string{"disable"})
	sim.ResetLog()
	live := write(t, l, tg, orig, want)
	puts := 0
	for _, e := range sim.Log() {
		if e.Method == "PUT" {
			puts++
			if e.Path != fmt.Sprintf("/orgs/acme/rulesets/%d", org) || strings.TrimSpace(string(e.ReqBody)) != `{"enforcement":"disabled"}` {
				t.Errorf("PUT %s %s", e.Path, e.ReqBody)
			}
		}
	}
	if puts != 1 {
		t.Errorf("%d PUTs", puts)
	}
	notes, err := l.(lever.Previewer).Preview(ctx, tg, orig, want)
	if err != nil || len(notes) == 0 || notes[0].Kind != "organization-ruleset" {
		t.Errorf("preview = %+v %v", notes, err)
	}
	write(t, l, tg, live, orig)
}

// Someone adds a team as bypass actor and changes a rule while glass has
// the ruleset disabled: the three-way merge keeps both (drift) and puts the
// enforcement back, and the restore PUT carries exactly that.
func TestDriftIsKept(t *testing.T) {
	sim := start(t)
	gh := sim.GitHub(t, "alice")
	l := ruleset.New(gh)
	id := seeded(t, sim, ghsim.SeedRulesetPayments)
	tg := override.Target{Repo: "acme/payments", RulesetID: id}
	orig := levertest.Read(t, l, tg).Fields
	want, _ := l.Relax(tg, orig, []string{"disable", "bypass-team:oncall:" + fmt.Sprint(teamID(sim, "oncall"))})
	expected := write(t, l, tg, orig, want)

	sec := teamID(sim, "security")
	// acme-admin adds team security, drops non_fast_forward and adds deletion.
	other := ruleset.New(sim.GitHub(t, "acme-admin"))
	edited := levertest.ViaJSON(t, levertest.Read(t, other, tg).Fields)
	edited[fmt.Sprintf("bypass_actors.Team:%d", sec)] = "always"
	delete(edited, "rules.non_fast_forward")
	edited["rules.deletion"] = `{"type":"deletion"}`
	write(t, other, tg, levertest.Read(t, other, tg).Fields, edited)

	live := levertest.Read(t, l, tg).Fields
	plan := lever.Merge(levertest.ViaJSON(t, orig), levertest.ViaJSON(t, expected), levertest.ViaJSON(t, live), levertest.ViaJSON(t, orig))
	if len(plan.Drift) != 3 || len(plan.Conflicts) != 0 {
		t.Fatalf("drift %+v conflicts %+v", plan.Drift, plan.Conflicts)
	}
	sim.ResetLog()
	write(t, l, tg, live, plan.Want)
	for _, e := range sim.Log() {
		if e.Method == "PUT" && (bytes.Contains(e.ReqBody, []byte(`"rules"`)) || !bytes.Contains(e.ReqBody, []byte(`"enforcement":"active"`))) {
			t.Errorf("restore PUT %s", e.ReqBody)
		}
	}
	final := levertest.Read(t, l, tg).Fields
	if final[fmt.Sprintf("bypass_actors.Team:%d", sec)] != "always" || final[fmt.Sprintf("bypass_actors.Team:%d", teamID(sim, "oncall"))] != nil || final["rules.deletion"] == nil {
		t.Errorf("final = %v", final)
	}
}

func TestRefusalsAndFailures(t *testing.T) {
	sim := start(t)
	id := seeded(t, sim, ghsim.SeedRulesetPayments)
	tg := override.Target{Repo: "acme/payments", RulesetID: id}

	// dave (push) sees the ruleset without its bypass actors: no bypass relax.
	dl := ruleset.New(sim.GitHub(t, "dave"))
	f := levertest.Read(t, dl, tg).Fields
	if f["bypass_actors.visible"] != false {
		t.Fatalf("dave sees bypass actors: %v", f)
	}
	if _, err := dl.Relax(tg, f, []string{"bypass-role:write"}); !lever.IsRefusal(err) {
		t.Errorf("relax without visible actors: %v", err)
	}
	// and cannot write: 403, with what glass needs.
	want, _ := dl.Relax(tg, f, []string{"disable"})
	if _, err := dl.Write(ctx, tg, f, want); err == nil || !strings.Contains(err.Error(), "needs admin") {
		t.Errorf("dave write: %v", err)
	}
	// unknown ruleset
	if _, err := dl.Read(ctx, override.Target{Repo: "acme/payments", RulesetID: 99999}); !lever.IsRefusal(err) {
		t.Errorf("unknown ruleset: %v", err)
	}

	l := ruleset.New(sim.GitHub(t, "alice"))
	orig := levertest.Read(t, l, tg).Fields
	want, _ = l.Relax(tg, orig, []string{"disable"})
	// The GET before it fails: nothing was changed.
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault500})
	if _, err := l.Write(ctx, tg, orig, want); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("GET failure: %v", err)
	}
	// Read fails.
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault503})
	if _, err := l.Read(ctx, tg); err == nil || lever.IsRefusal(err) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("read failure: %v", err)
	}
	sim.SetFaults(ghsim.Faults{})
	if f := levertest.Read(t, l, tg).Fields; f["enforcement"] != "active" {
		t.Errorf("enforcement = %v", f["enforcement"])
	}
	// Nothing to write: no request at all.
	sim.ResetLog()
	if _, err := l.Write(ctx, tg, orig, orig); err != nil || len(sim.Log()) != 0 {
		t.Errorf("no-op write: %v, %d requests", err, len(sim.Log()))
	}
	notes, _ := l.(lever.Previewer).Preview(ctx, tg, orig, orig)
	if len(notes) != 1 || notes[0].Kind != "no-op" {
		t.Errorf("no-op preview = %+v", notes)
	}
}

// Disabling a ruleset whose pull request and status-check rules cover the
// branch names the queued pull requests that could merge at once.
func TestPreviewAutoMerge(t *testing.T) {
	sim := start(t)
	sim.Do(func(st *ghsim.State) {
		st.OpenPR(st.Repo("acme/payments"), "feature/refund-limits", "staging", "dave", "Refund limits on staging", "squash")
		st.OpenPR(st.Repo("acme/payments"), "docs/runbook-update", "staging", "dave", "Runbook on staging", "")
	})
	l := ruleset.New(sim.GitHub(t, "alice"))
	tg := override.Target{Repo: "acme/payments", Branch: "staging", RulesetID: seeded(t, sim, ghsim.SeedRulesetPayments)}
	orig := levertest.Read(t, l, tg).Fields
	for _, c := range []struct {
		relax string
		want  int
	}{{"disable", 1}, {"evaluate", 1}, {"bypass-role:write", 0}} {
		want, err := l.Relax(tg, orig, []string{c.relax})
		if err != nil {
			t.Fatal(err)
		}
		notes, err := l.(lever.Previewer).Preview(ctx, tg, orig, want)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range notes {
			if x.Kind == "auto-merge" {
				n++
				if !strings.Contains(x.Message, `"Refund limits on staging" by dave has auto-merge (squash)`) {
					t.Errorf("notice = %s", x.Message)
				}
			}
		}
		if n != c.want {
			t.Errorf("%s: %d auto-merge notices, want %d: %+v", c.relax, n, c.want, notes)
		}
	}
	// Listing fails: the preview says so, nothing was changed.
	want, _ := l.Relax(tg, orig, []string{"disable"})
	sim.SetFaults(ghsim.Faults{FailPath: "/pulls", FailPathKind: ghsim.Fault502})
	if _, err := l.(lever.Previewer).Preview(ctx, tg, orig, want); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("failing list: %v", err)
	}
}

// TestWriteFailures: the PUT of Write (its second request, after the GET)
// fails. GitHub's own answer (500, 503, 403) means nothing changed, and the
// error says so; with no answer (dropped connection) or a gateway error
// (502) glass cannot know, so the error claims nothing about the ruleset
// and names `glass status` and `glass sweep`.
func TestWriteFailures(t *testing.T) {
	for _, c := range []struct {
		name    string
		kind    ghsim.FaultKind
		want    []string
		not     string
		unknown bool // the error also passes levertest.WantUnknownOutcome
	}{
		{"put-500", ghsim.Fault500, []string{"(PUT)", "500", "was not changed"}, "does not know", false},
		{"put-503", ghsim.Fault503, []string{"503", "was not changed"}, "does not know", false},
		{"put-502", ghsim.Fault502, []string{"does not know whether GitHub applied this change: GitHub's gateway answered 502"}, "was not changed", true},
		{"put-drop", ghsim.FaultDrop, []string{"does not know whether GitHub applied this change: the request was sent but the connection dropped"}, "was not changed", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := start(t)
			tg := override.Target{Repo: "acme/payments", RulesetID: seeded(t, sim, ghsim.SeedRulesetPayments)}
			l := ruleset.New(sim.GitHub(t, "alice"))
			orig := levertest.Read(t, l, tg).Fields
			want, _ := l.Relax(tg, orig, []string{"disable"})
			sim.SetFaults(ghsim.Faults{FailNth: 2, FailNthKind: c.kind})
			_, err := l.Write(ctx, tg, orig, want)
			sim.SetFaults(ghsim.Faults{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), c.not) {
				t.Errorf("error says %q: %v", c.not, err)
			}
			if c.unknown {
				levertest.WantUnknownOutcome(t, err, c.not)
			}
			// The simulator failed the request before carrying it out.
			if f := levertest.Read(t, l, tg).Fields; f["enforcement"] != "active" {
				t.Errorf("enforcement = %v after a failed PUT", f["enforcement"])
			}
		})
	}
}

// TestWriteDroppedAfterApply: GitHub carried out the PUT, then the
// connection died before its answer (blackout after request 2). The error
// must not claim the ruleset is unchanged: the read-back shows it disabled.
func TestWriteDroppedAfterApply(t *testing.T) {
	sim := start(t)
	tg := override.Target{Repo: "acme/payments", RulesetID: seeded(t, sim, ghsim.SeedRulesetPayments)}
	l := ruleset.New(sim.GitHub(t, "alice"))
	orig := levertest.Read(t, l, tg).Fields
	want, _ := l.Relax(tg, orig, []string{"disable"})
	sim.SetFaults(ghsim.Faults{BlackoutAfter: 2})
	_, err := l.Write(ctx, tg, orig, want)
	sim.SetFaults(ghsim.Faults{})
	levertest.WantUnknownOutcome(t, err, "was not changed")
	if f := levertest.Read(t, l, tg).Fields; f["enforcement"] != "disabled" {
		t.Errorf("enforcement = %v, want disabled (the PUT applied before the drop)", f["enforcement"])
	}
}

// TestComplete: an organization ruleset's target names its organization
// (its overlap key), a repository ruleset's does not.
func TestComplete(t *testing.T) {
	l := ruleset.New(nil).(lever.Completer)
	base := override.Target{Repo: "acme/payments", RulesetID: 7}
	for _, c := range []struct {
		name   string
		fields lever.Fields
		want   string
	}{
		{"organization", lever.Fields{"source_type": "Organization", "source": "acme"}, "acme"},
		{"repository", lever.Fields{"source_type": "Repository", "source": "acme/payments"}, ""},
		{"organization without a source", lever.Fields{"source_type": "Organization"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := l.Complete(base, lever.Snapshot{Fields: c.fields})
			if got.RulesetOrg != c.want || got.RulesetID != 7 || got.Repo != "acme/payments" {
				t.Errorf("Complete = %+v, want RulesetOrg %q and the rest unchanged", got, c.want)
			}
		})
	}
}
