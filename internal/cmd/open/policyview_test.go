package open

import (
	"context"
	"testing"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/override"
)

// The flow greys out the ruleset lever's bypass options by the policy's
// "bypass" (bypass-team:SLUG and bypass-role:ROLE are "bypass" to the
// policy, as engine.policyRequest maps them).
func TestPolicyRulesRulesetBypass(t *testing.T) {
	for _, tc := range []struct {
		name, allow string
		bypass      bool // the bypass options are allowed
	}{
		{"bypass allowed", "[disable, bypass]", true},
		{"bypass not allowed", "[disable]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pol := "version: 1\nrules:\n  - name: staging\n    who: {teams: [oncall]}\n    branches: [staging]\n    levers:\n      ruleset: " + tc.allow + "\n"
			e.Sim.Do(func(st *ghsim.State) {
				r := st.Repo("acme/.github")
				st.Commit(r, r.DefaultBranch, "acme-admin", "policy", map[string]string{".github/glass.yml": pol})
			})
			gh := e.Client("alice")
			lv := ruleset.New(gh)
			eng := engine.New(engine.Config{GitHub: gh, Ledger: ledger.NewStore(gh)})
			r, err := policyRules(context.Background(), eng.LoadPolicy, eng.Directory(), lv, "acme/payments", override.LeverRuleset, "staging", "alice")
			if err != nil {
				t.Fatal(err)
			}
			if r.Forbidden[ruleset.RelaxDisable] != "" || r.Forbidden[ruleset.RelaxEvaluate] == "" {
				t.Errorf("forbidden = %v", r.Forbidden)
			}
			for _, opt := range lv.Relaxations() {
				if opt.Name == ruleset.RelaxDisable || opt.Name == ruleset.RelaxEvaluate {
					continue
				}
				if got := r.Forbidden[opt.Name] == ""; got != tc.bypass {
					t.Errorf("%s allowed = %v, want %v (%q)", opt.Name, got, tc.bypass, r.Forbidden[opt.Name])
				}
			}
		})
	}
}
