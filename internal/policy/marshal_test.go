package policy

import (
	"fmt"
	"reflect"
	"testing"
)

// roundTrip checks Parse(Marshal(p)) is p again.
func roundTrip(p *Policy) error {
	b, err := p.Marshal()
	if err != nil {
		return fmt.Errorf("marshal: %v", err)
	}
	q, err := Parse("roundtrip.yml", b)
	if err != nil {
		return fmt.Errorf("marshalled policy does not parse: %v\n%s", err, b)
	}
	a, c := *p, *q
	a.Source, c.Source = "", ""
	a.Reason.incident, c.Reason.incident = nil, nil
	if !reflect.DeepEqual(a, c) {
		return fmt.Errorf("round trip changed the policy:\n before %+v\n after  %+v\n%s", a, c, b)
	}
	return nil
}

func TestMarshalRoundTrip(t *testing.T) {
	full := `version: 1
audit_repo: acme/glass-audit
identity: {require_2fa: false, fresh_login_within: 90m}
reason: {min_length: 3, incident_required: true, incident_pattern: 'yes'}
approval:
  required: true
  approvers: {users: ["123", carol], teams: [acme/sre-leads]}
  allow_self_approval: true
  timeout: 5m
notify:
  mention: ["@true"]
  webhooks: [{name: a, kind: generic, url_env: GLASS_WEBHOOK_A}]
rules:
  - name: off
    who: {users: ["*"]}
    levers: {team: ["*", x]}
    approval: {required: false}
  - name: own-approvers
    who: {users: [a]}
    branches: ["**"]
    levers: {protection: [all]}
    approval: {approvers: {}, required: false, allow_self_approval: false}
`
	for name, p := range map[string]*Policy{
		"defaults":  Default(),
		"starter":   mustParse(t, string(StarterPolicy())),
		"decisions": mustParse(t, decisionPolicy),
		"full":      mustParse(t, full),
	} {
		if err := roundTrip(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
