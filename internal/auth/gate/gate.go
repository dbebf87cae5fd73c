// Package gate adapts auth's strict checks to engine.Gate. It is a
// package of its own so that auth (and so every command) does not depend on
// the engine.
package gate

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
)

// Gate adapts the strict checks to engine.Gate and engine.GateStarter: the
// engine calls Start before its first round of reads (so the checks' reads
// run beside it, not after it), then Check. The factory passes it as
// engine.Config.Gate.
type Gate struct {
	Checker *auth.Checker

	mu  sync.Mutex
	req *auth.Requirements // from the policy (UseIdentity); nil: Checker.Req
}

// UseIdentity implements engine.PolicyIdentityGate: the policy's two-factor
// and fresh-login requirements replace the checker's own for Check. (The
// reads Start fired do not depend on them.)
func (g *Gate) UseIdentity(id policy.Identity) {
	r := auth.Requirements{TwoFactor: string(id.Require2FA), FreshLogin: id.FreshLoginWithin}
	g.mu.Lock()
	g.req = &r
	g.mu.Unlock()
}

// TargetOf maps an open request onto what the checks need.
func TargetOf(req engine.OpenRequest) auth.Target {
	return auth.Target{Lever: req.Lever, Repo: req.Target.Repo, User: req.Target.User, Team: req.Target.Team, AuditRepo: req.AuditRepo}
}

// Start fires the checks' reads in the background (once; later calls are
// no-ops).
func (g *Gate) Start(ctx context.Context, req engine.OpenRequest) {
	g.Checker.Start(ctx, TargetOf(req))
}

// Check implements engine.Gate: a refusal becomes *engine.RefusalError
// (exit 3); what passed is recorded in the approval's reason. Any other
// error (GitHub unreachable) is returned as it is, and the engine reports
// it as a failure (exit 1), never as a refusal.
func (g *Gate) Check(ctx context.Context, req engine.OpenRequest, actor string) (*override.Approval, error) {
	t := TargetOf(req)
	g.mu.Lock()
	r := g.req
	g.mu.Unlock()
	var res *auth.Result
	var err error
	if r == nil {
		res, err = g.Checker.Check(ctx, t, actor)
	} else {
		var f *auth.Facts
		if f, err = g.Checker.Gather(ctx, t); err == nil {
			c := &auth.Checker{GitHub: g.Checker.GitHub, Token: g.Checker.Token, Clock: g.Checker.Clock, Req: *r}
			res, err = c.Decide(f, t, actor)
		}
	}
	if err != nil {
		var r *auth.RefusalError
		if errors.As(err, &r) {
			return nil, &engine.RefusalError{Reason: "strict check " + r.Check + ": " + r.Reason, Hint: r.Hint, Err: err}
		}
		return nil, err
	}
	return &override.Approval{Mode: "self", Rule: "identity checks", Reason: strings.Join(res.Notes, "; ")}, nil
}

var (
	_ engine.Gate               = (*Gate)(nil)
	_ engine.GateStarter        = (*Gate)(nil)
	_ engine.PolicyIdentityGate = (*Gate)(nil)
)
