package engine

import (
	"context"
	"errors"

	"github.com/glass-cli/glass/internal/override"
)

// GateStarter is a Gate whose reads can start before Check is called. Open
// and Plan call Start first, so the gate's requests run beside open's first
// round of reads instead of after it. Start must be cheap, must not block
// and may be called more than once for the same request.
type GateStarter interface {
	Start(ctx context.Context, req OpenRequest)
}

// Gates chains gates: each must allow the request, in order. The approval
// of the last one is recorded; the reasons of all are joined.
type Gates []Gate

func (gs Gates) Start(ctx context.Context, req OpenRequest) {
	for _, g := range gs {
		if s, ok := g.(GateStarter); ok {
			s.Start(ctx, req)
		}
	}
}

func (gs Gates) Check(ctx context.Context, req OpenRequest, actor string) (*override.Approval, error) {
	var last *override.Approval
	var reasons []string
	for _, g := range gs {
		if g == nil {
			continue
		}
		a, err := g.Check(ctx, req, actor)
		if err != nil {
			return nil, err
		}
		if a != nil {
			if a.Reason != "" {
				reasons = append(reasons, a.Reason)
			}
			last = a
		}
	}
	if last == nil {
		return nil, nil
	}
	out := *last
	out.Reason = joinReasons(reasons)
	return &out, nil
}

func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}

// startGate starts the gate's reads and the policy's (policy.go), so they
// run beside open's first round.
func (e *Engine) startGate(ctx context.Context, req OpenRequest) {
	e.startPolicy(ctx, req.Target.Repo)
	if s, ok := e.gate.(GateStarter); ok && e.gate != nil {
		s.Start(ctx, req)
	}
}

// checkGate asks the gate. A refusal (*RefusalError, or any error with
// ExitCode 3) is exit 3; any other error (GitHub unreachable while the
// gate read what it needed) is a failure, exit 1: the gate could not
// decide, which is not a "no", and nothing was changed either way.
func (e *Engine) checkGate(ctx context.Context, req OpenRequest, actor string) (*override.Approval, error) {
	if e.gate == nil {
		return &override.Approval{Mode: "self", Rule: "no policy", At: e.clock.Now()}, nil
	}
	a, err := e.gate.Check(ctx, req, actor)
	if err != nil {
		var r *RefusalError
		if errors.As(err, &r) {
			return nil, err
		}
		var c interface{ ExitCode() int }
		if errors.As(err, &c) && c.ExitCode() == ExitRefused {
			return nil, &RefusalError{Reason: err.Error(), Err: err}
		}
		return nil, &Error{Op: "open", Step: "policy", Err: err,
			Unchanged: "nothing; glass made no change and wrote no audit record, because it could not finish the identity and policy checks",
			Next:      "check your network and GitHub's status, then run the same command again"}
	}
	if a == nil {
		a = &override.Approval{Mode: "self", Rule: "no policy"}
	}
	if a.At.IsZero() {
		a.At = e.clock.Now()
	}
	return a, nil
}
