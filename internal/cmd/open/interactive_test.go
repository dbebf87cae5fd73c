package open

import (
	"context"
	"fmt"
	"testing"
)

// The "which ruleset?" question lists the rulesets with active rules on
// the branch, named, with the organization of an organization ruleset.
func TestBranchRulesets(t *testing.T) {
	e := newEnv(t)
	gh := e.client(t, "alice")
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
