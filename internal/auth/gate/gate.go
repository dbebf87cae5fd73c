// Package gate adapts auth's strict checks to engine.Gate. It is a
// package of its own so that auth (and so every command) does not depend on
// the engine.
package gate

import (
	"context"
	"errors"
	"strings"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
)

// Gate adapts the strict checks to engine.Gate and engine.GateStarter: the
// engine calls Start before its first round of reads (so the checks' reads
// run beside it, not after it), then Check. The factory passes it as
// engine.Config.Gate.
type Gate struct {
	Checker *auth.Checker
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
	res, err := g.Checker.Check(ctx, TargetOf(req), actor)
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
	_ engine.Gate        = (*Gate)(nil)
	_ engine.GateStarter = (*Gate)(nil)
)
