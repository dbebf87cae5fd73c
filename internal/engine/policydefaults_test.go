package engine

import (
	"reflect"
	"testing"
	"time"
)

// TestPolicyDefaults: the policy's audit_repo and default_duration fill in
// what a request leaves out, and policies off keep the old behaviour.
func TestPolicyDefaults(t *testing.T) {
	const withAudit = `version: 1
audit_repo: acme/audit
defaults: {max_duration: 1h, default_duration: 20m}
rules:
  - name: access
    who: {users: [alice]}
    default_duration: 10m
    levers: {access: [push]}
  - name: hotfix
    who: {users: [alice]}
    branches: [main]
    levers: {protection: [reviews]}
`
	const without = `version: 1
rules:
  - name: hotfix
    who: {users: [alice]}
    branches: [main]
    levers: {protection: [reviews]}
`
	e := newEnv(t)
	for _, tc := range []struct {
		name     string
		mod      []func(*Config)
		req      OpenRequest
		audit    string
		repos    []string
		duration time.Duration
	}{
		{"audit_repo and the defaults block", []func(*Config){withPolicy(t, withAudit, nil)}, protReq("reviews"), "acme/audit", []string{"acme/payments", "acme/audit"}, 20 * time.Minute},
		{"a rule's own default", []func(*Config){withPolicy(t, withAudit, nil)}, accessReq("dave", "push"), "acme/audit", []string{"acme/payments", "acme/audit"}, 10 * time.Minute},
		{"no audit_repo: the target; built-in default 30m", []func(*Config){withPolicy(t, without, nil)}, protReq("reviews"), "acme/payments", []string{"acme/payments"}, 30 * time.Minute},
		{"policies off", nil, protReq("reviews"), "acme/payments", []string{"acme/payments"}, 0},
	} {
		u := e.user("alice", tc.mod...)
		if got := u.eng.PolicyAuditRepo(bg, "acme/payments"); got != tc.audit {
			t.Errorf("%s: audit repo %q, want %q", tc.name, got, tc.audit)
		}
		if got, err := u.eng.AuditReposFor(bg, "acme/payments"); err != nil || !reflect.DeepEqual(got, tc.repos) {
			t.Errorf("%s: status/sweep repos %v %v, want %v", tc.name, got, err, tc.repos)
		}
		req := tc.req
		req.Duration = 0
		if got := u.eng.defaultDuration(bg, req, "alice"); got != tc.duration {
			t.Errorf("%s: default duration %s, want %s", tc.name, got, tc.duration)
		}
	}
}
