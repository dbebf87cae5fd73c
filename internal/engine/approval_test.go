package engine

import (
	"reflect"
	"testing"
	"time"

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
