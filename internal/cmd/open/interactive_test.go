package open

import (
	"context"
	"fmt"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
)

// The "which ruleset?" question lists the rulesets with active rules on
// the branch, named, with the organization of an organization ruleset.
func TestBranchRulesets(t *testing.T) {
	e := newEnv(t)
	gh := e.Client("alice")
	for _, tc := range []struct{ branch, want string }{
		{"staging", `[{"payments-staging" ""} {"acme-staging-guard" "acme"}]`},
		{"main", `[]`},
	} {
		list, err := branchRulesets(context.Background(), gh, "acme/payments", tc.branch)
		if err != nil {
			t.Fatal(err)
		}
		got := "["
		for i, r := range list {
			if i > 0 {
				got += " "
			}
			if r.ID == 0 {
				t.Errorf("%s: ruleset without id: %+v", tc.branch, r)
			}
			got += fmt.Sprintf("{%q %q}", r.Name, r.Org)
		}
		got += "]"
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.branch, got, tc.want)
		}
	}
}

func TestTeamExists(t *testing.T) {
	e := newEnv(t)
	gh := e.Client("alice")
	for _, tc := range []struct {
		slug string
		want bool
	}{{"oncall", true}, {"no-such-team", false}} {
		got, err := teamExists(context.Background(), gh, "acme", tc.slug)
		if err != nil || got != tc.want {
			t.Errorf("teamExists(acme/%s) = %v, %v; want %v", tc.slug, got, err, tc.want)
		}
	}
	// Anything but a 404 is an error, not "no such team".
	e.Sim.SetFaults(ghsim.Faults{FailPath: "^/orgs/acme/teams/", FailPathKind: ghsim.Fault502})
	if ok, err := teamExists(context.Background(), gh, "acme", "oncall"); ok || err == nil {
		t.Errorf("with 502s: %v, %v", ok, err)
	}
}
