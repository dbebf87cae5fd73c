package policy

import (
	"strings"
	"testing"
	"time"
)

func TestAllowed(t *testing.T) {
	lim := Limits{MaxDuration: time.Hour, DefaultDuration: 30 * time.Minute}
	perms := []Permission{
		{Rule: "hotfix", Lever: LeverProtection, Branches: []string{"main"}, Allow: []string{"reviews", "checks"}, Limits: lim},
		{Rule: "release", Lever: LeverProtection, Branches: []string{"release/*"}, Allow: []string{"all"}, Limits: Limits{MaxDuration: 2 * time.Hour}},
		{Rule: "deploy", Lever: LeverAccess, Allow: []string{"push"}, Limits: lim},
		{Rule: "rs", Lever: LeverRuleset, Branches: []string{"**"}, Allow: []string{"bypass"}},
	}
	tests := []struct {
		lever, branch string
		want          string
		max           time.Duration
		ok            bool
	}{
		{LeverProtection, "main", "reviews,checks", time.Hour, true},
		{LeverProtection, "release/1.x", "reviews,checks,admins,force-push,deletions,restrictions,linear-history,signatures,conversations,lock,all", 2 * time.Hour, true},
		{LeverProtection, "dev", "", 0, false},
		{LeverAccess, "", "pull,triage,push", time.Hour, true},
		{LeverRuleset, "anything/at/all", "bypass", 0, true},
		{LeverTeam, "", "", 0, false},
	}
	for _, tt := range tests {
		names, limits, ok := Allowed(perms, tt.lever, tt.branch)
		if got := strings.Join(names, ","); got != tt.want || ok != tt.ok || limits.MaxDuration != tt.max {
			t.Errorf("Allowed(%s, %q) = %q %v %v, want %q %v %v", tt.lever, tt.branch, got, limits.MaxDuration, ok, tt.want, tt.max, tt.ok)
		}
	}
}
