package override

import "testing"

// TestTargetKey: overrides with equal keys are combined by the engine. An
// organization ruleset is one setting whichever repository it was reached
// through; a repository ruleset is keyed by its repository.
func TestTargetKey(t *testing.T) {
	cases := []struct {
		name string
		l    Lever
		a, b Target
		same bool
	}{
		{"org ruleset from two repositories", LeverRuleset,
			Target{Repo: "acme/payments", RulesetID: 7, RulesetOrg: "acme"}, Target{Repo: "acme/.github", RulesetID: 7, RulesetOrg: "ACME", Branch: "staging"}, true},
		{"org ruleset, other id", LeverRuleset,
			Target{Repo: "acme/payments", RulesetID: 7, RulesetOrg: "acme"}, Target{Repo: "acme/payments", RulesetID: 8, RulesetOrg: "acme"}, false},
		{"repository rulesets of two repositories", LeverRuleset,
			Target{Repo: "acme/payments", RulesetID: 7}, Target{Repo: "acme/.github", RulesetID: 7}, false},
		{"repository ruleset, branch does not matter", LeverRuleset,
			Target{Repo: "acme/payments", RulesetID: 7, Branch: "staging"}, Target{Repo: "acme/payments", RulesetID: 7}, true},
		{"org ruleset vs a repository ruleset of the same id", LeverRuleset,
			Target{Repo: "acme/payments", RulesetID: 7, RulesetOrg: "acme"}, Target{Repo: "acme/payments", RulesetID: 7}, false},
		{"team membership, case-insensitive", LeverTeam,
			Target{Repo: "acme/payments", Team: "acme/oncall", User: "Dave"}, Target{Repo: "acme/audit", Team: "ACME/oncall", User: "dave"}, true},
		{"protection of two branches", LeverProtection,
			Target{Repo: "acme/payments", Branch: "main"}, Target{Repo: "acme/payments", Branch: "staging"}, false},
		{"access of one user", LeverAccess,
			Target{Repo: "acme/payments", User: "Dave", Permission: "push"}, Target{Repo: "acme/payments", User: "dave", Permission: "admin"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ka, kb := c.a.Key(c.l), c.b.Key(c.l)
			if (ka == kb) != c.same {
				t.Errorf("keys %q and %q: same = %v, want %v", ka, kb, ka == kb, c.same)
			}
		})
	}
}

func TestTargetStringNamesTheRulesetOrganization(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{Repo: "acme/payments", RulesetID: 7, RulesetOrg: "acme", Branch: "staging"}, "acme/payments ruleset 7 of acme (staging)"},
		{Target{Repo: "acme/payments", RulesetID: 7, RulesetOrg: "acme"}, "acme/payments ruleset 7 of acme"},
		{Target{Repo: "acme/payments", RulesetID: 7}, "acme/payments ruleset 7"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.t, got, c.want)
		}
	}
}
