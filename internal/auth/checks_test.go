package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/override"
)

func bp(v bool) *bool { return &v }

func facts(mod func(f *Facts)) *Facts {
	f := &Facts{
		Identity: Identity{Login: "alice", TwoFactor: bp(true), Scopes: []string{"repo", "read:org", "write:org", "user"}},
		Repos: map[string]*repoFacts{
			"acme/payments": {Found: true, Private: true, Permissions: map[string]bool{"admin": true, "push": true, "pull": true}},
			"acme/audit":    {Found: true, Private: true, Permissions: map[string]bool{"push": true, "pull": true}},
		},
		Probes: map[string]*probeResult{},
	}
	if mod != nil {
		mod(f)
	}
	return f
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	prot := Target{Lever: override.LeverProtection, Repo: "acme/payments", AuditRepo: "acme/audit"}
	for _, tc := range []struct {
		name   string
		tok    Token
		req    Requirements
		t      Target
		actor  string
		facts  *Facts
		check  string // refusing check, "" for a pass
		reason string // substring
	}{
		{"all good", Token{Source: "keyring", Login: "alice", StoredAt: now.Add(-time.Minute)}, Requirements{FreshLogin: 15 * time.Minute}, prot, "alice", facts(nil), "", ""},
		{"stored login differs", Token{Source: "keyring", Login: "bob"}, Requirements{}, prot, "", facts(nil), "identity", "stored for bob but GitHub says it belongs to alice"},
		{"actor differs", Token{Source: "GH_TOKEN"}, Requirements{}, prot, "mallory", facts(nil), "identity", "would name mallory"},
		{"access for someone else is the admin's call", Token{Source: "GH_TOKEN"}, Requirements{}, Target{Lever: override.LeverAccess, Repo: "acme/payments", User: "bob"}, "", facts(nil), "", ""},
		{"2FA off", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = bp(false) }), "two-factor", "off for alice"},
		{"2FA off but not checked", Token{}, Requirements{TwoFactor: TwoFactorOff}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = bp(false) }), "", ""},
		{"2FA unknown, if-visible", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = nil }), "", ""},
		{"2FA unknown, required", Token{}, Requirements{TwoFactor: TwoFactorRequired}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = nil }), "two-factor", "does not show it"},
		{"2FA unknown, org requires it", Token{}, Requirements{TwoFactor: TwoFactorRequired}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = nil; f.OrgRequires2FA = bp(true) }), "", ""},
		{"2FA unknown, org does not require it", Token{}, Requirements{TwoFactor: TwoFactorRequired}, prot, "", facts(func(f *Facts) { f.Identity.TwoFactor = nil; f.OrgRequires2FA = bp(false) }), "two-factor", "does not show it"},
		{"stale login", Token{Source: "keyring", StoredAt: now.Add(-time.Hour)}, Requirements{FreshLogin: 15 * time.Minute}, prot, "", facts(nil), "fresh-login", "yours is 1h0m0s old"},
		{"env token has no login time", Token{Source: "GH_TOKEN"}, Requirements{FreshLogin: 15 * time.Minute}, prot, "", facts(nil), "fresh-login", "no login time"},
		{"no repo scope", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Identity.Scopes = []string{"read:org"} }), "permission", "lacks the `repo` scope"},
		{"public repo needs public_repo only", Token{}, Requirements{}, Target{Lever: override.LeverProtection, Repo: "alice/dotfiles"}, "", facts(func(f *Facts) {
			f.Identity.Scopes = []string{"public_repo"}
			f.Repos["alice/dotfiles"] = &repoFacts{Found: true, Permissions: map[string]bool{"admin": true}}
		}), "", ""},
		{"team lever needs write:org", Token{}, Requirements{}, Target{Lever: override.LeverTeam, Repo: "acme/payments", Team: "acme/oncall", User: "alice"}, "", facts(func(f *Facts) { f.Identity.Scopes = []string{"repo", "read:org"} }), "permission", "write:org"},
		{"not admin", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Repos["acme/payments"].Permissions["admin"] = false }), "permission", "not an administrator of acme/payments"},
		{"cannot write the audit repo", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Repos["acme/audit"].Permissions = map[string]bool{"pull": true} }), "permission", "audit repository acme/audit"},
		{"cannot see the repo", Token{}, Requirements{}, prot, "", facts(func(f *Facts) { f.Repos["acme/payments"] = &repoFacts{} }), "permission", "cannot see acme/payments"},
		{"fine-grained without administration", Token{}, Requirements{}, prot, "", facts(func(f *Facts) {
			f.Identity.FineGrained, f.Identity.Scopes = true, nil
			f.Probes["administration"] = &probeResult{Denied: true, Accepted: "administration=write"}
		}), "permission", "lacks the Administration: write permission on acme/payments"},
		{"fine-grained without issues", Token{}, Requirements{}, prot, "", facts(func(f *Facts) {
			f.Identity.FineGrained, f.Identity.Scopes = true, nil
			f.Probes["issues"] = &probeResult{Denied: true}
		}), "permission", "Issues: write permission on acme/audit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Token: tc.tok, Req: tc.req, Clock: clock.NewFake(now)}
			res, err := c.Decide(tc.facts, tc.t, tc.actor)
			if tc.check == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(res.Notes) == 0 {
					t.Error("no notes for the audit record")
				}
				return
			}
			var r *RefusalError
			if !errors.As(err, &r) || r.Check != tc.check || !strings.Contains(r.Error(), tc.reason) || r.ExitCode() != 3 {
				t.Fatalf("err = %v, want %s refusal with %q", err, tc.check, tc.reason)
			}
		})
	}
}

// Gather reads everything in one parallel round: GET /user, the repos, the
// org, and (fine-grained tokens only) the probes, with nothing written.
func TestGatherAgainstTheSimulator(t *testing.T) {
	s, ep := startSim(t)
	fg := s.AddToken(ghsim.TokenSpec{Login: "alice", FineGrained: true, Permissions: map[string]string{"metadata": "read", "administration": "read", "issues": "write"}})
	c := &Checker{GitHub: ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: fg}), Token: Token{Value: fg, Source: "GH_TOKEN"}}
	target := Target{Lever: override.LeverProtection, Repo: "acme/payments", AuditRepo: "acme/audit"}
	c.Start(context.Background(), target)
	_, err := c.Check(context.Background(), target, "alice")
	var r *RefusalError
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "Administration: write") {
		t.Fatalf("err = %v", err)
	}
	for _, e := range s.Log() {
		if e.Method != "GET" && e.Status != 403 && e.Status != 404 {
			t.Errorf("a probe changed something: %s %s → %d", e.Method, e.Path, e.Status)
		}
	}
	if n := len(s.Log()); n != 6 { // user, 2 repos, org, 2 probes
		t.Errorf("%d requests, want 6", n)
	}
}
