package engine

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		body, verb, reason string
		ok                 bool
	}{
		{"/approve", "approve", "", true},
		{"/approve checked with the IC\n\nmore", "approve", "checked with the IC", true},
		{"  /deny use the release branch", "deny", "use the release branch", true},
		{"/approved", "", "", false},       // not the command
		{"please /approve", "", "", false}, // not first
		{"lgtm\n/approve", "", "", false},  // only the first line counts
		{"/denyall", "", "", false},
		{"", "", "", false},
	} {
		verb, reason, ok := ParseCommand(tc.body)
		if verb != tc.verb || reason != tc.reason || ok != tc.ok {
			t.Errorf("%q: got %q %q %v", tc.body, verb, reason, ok)
		}
	}
}

func TestPolicyRequest(t *testing.T) {
	for _, tc := range []struct {
		name         string
		req          OpenRequest
		branch, perm string
		relax        []string
	}{
		{"protection", OpenRequest{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/p", Branch: "main"}, Relax: []string{"reviews"}}, "main", "", []string{"reviews"}},
		{"access", OpenRequest{Lever: override.LeverAccess, Target: override.Target{Repo: "acme/p", User: "dave", Permission: "push"}, Relax: []string{"push"}}, "", "push", nil},
		{"ruleset by id", OpenRequest{Lever: override.LeverRuleset, Target: override.Target{Repo: "acme/p", RulesetID: 7}, Relax: []string{"bypass-team:oncall:1013", "disable"}}, "*", "", []string{"bypass", "disable"}},
		{"ruleset on a branch", OpenRequest{Lever: override.LeverRuleset, Target: override.Target{Repo: "acme/p", Branch: "staging"}, Relax: []string{"bypass-role:admin"}}, "staging", "", []string{"bypass"}},
	} {
		pr := policyRequest(tc.req, "alice", t0)
		if pr.Branch != tc.branch || pr.Permission != tc.perm || !reflect.DeepEqual(pr.Relax, tc.relax) || pr.User != "alice" || pr.Lever != string(tc.req.Lever) {
			t.Errorf("%s: %+v", tc.name, pr)
		}
	}
}

// TestLoadPolicyReadsBothPlacesAtOnce: the repository's .github/glass.yml
// and the owner's (in OWNER/.github) are asked for together, one round trip
// (a barrier holds both until both are in flight); the repository's wins
// when it has one, else the owner's.
func TestLoadPolicyReadsBothPlacesAtOnce(t *testing.T) {
	const policy = "version: 1\nrules:\n  - name: %s\n    who:\n      teams: [oncall]\n    branches: [main]\n    levers:\n      protection: [reviews]\n"
	orgPolicy, repoPolicy := fmt.Sprintf(policy, "org"), fmt.Sprintf(policy, "repo")
	sim := simtest.Start(t, ghsim.WithSeed("acme"))
	commit := func(repo, content string) {
		sim.Do(func(st *ghsim.State) {
			r := st.Repo(repo)
			st.Commit(r, r.DefaultBranch, "acme-admin", "policy", map[string]string{".github/glass.yml": content})
		})
	}
	load := func() (string, int, int) {
		b := simtest.NewBarrier(sim.Client.Transport)
		gh := sim.GitHubOver(t, "alice", b)
		eng := New(Config{GitHub: gh, Ledger: ledger.NewStore(gh)})
		sim.ResetLog()
		b.Expect(2)
		p, err := eng.LoadPolicy(bg, "acme/payments")
		if err != nil {
			t.Fatal(err)
		}
		return p.Source, len(sim.Log()), b.MaxInFlight()
	}
	commit("acme/.github", orgPolicy)
	if src, n, par := load(); src != "acme/.github:.github/glass.yml" || n != 2 || par != 2 {
		t.Fatalf("owner's policy: source %q, %d requests, %d in flight together; want acme/.github's, 2 in one round trip", src, n, par)
	}
	commit("acme/payments", repoPolicy)
	if src, _, par := load(); src != "acme/payments:.github/glass.yml" || par != 2 {
		t.Fatalf("repository's policy: source %q, %d in flight together", src, par)
	}
}

func TestLateDecision(t *testing.T) {
	deadline := time.Date(2026, 3, 2, 9, 30, 0, 500_000_000, time.UTC) // 09:30:00.5
	for _, tc := range []struct {
		at   time.Time
		late bool
	}{
		{deadline.Add(-time.Hour), false},
		{time.Date(2026, 3, 2, 9, 29, 59, 0, time.UTC), false}, // the whole second ended before the deadline
		{time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), true},   // stamped in the deadline's second: may be late
		{time.Date(2026, 3, 2, 9, 30, 1, 0, time.UTC), true},
		{deadline.Add(time.Hour), true},
	} {
		if got := lateDecision(tc.at, deadline); got != tc.late {
			t.Errorf("lateDecision(%s): %v, want %v", tc.at.Format(time.RFC3339Nano), got, tc.late)
		}
	}
}
