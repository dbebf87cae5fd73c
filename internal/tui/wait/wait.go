// Package wait keeps an open override in the foreground until it expires
// (`glass open --wait`): a countdown, then the rollback, verified, and the
// result. On a terminal it is a bubbletea screen with keys (e extend, c
// close now, d detach); without one it prints plain countdown lines. Either
// way SIGINT, SIGTERM and SIGHUP never leave the door open silently: they
// close the override, or (only when the person chose to detach) the audit
// issue records that the scheduled sweep owns the rollback.
package wait

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Engine is what waiting needs from internal/engine.
type Engine interface {
	Close(ctx context.Context, id, reason string) (*engine.CloseResult, error)
	Extend(ctx context.Context, id string, by time.Duration, reason string) (*override.Override, error)
	Detach(ctx context.Context, o *override.Override, reason string) error
	// Get re-reads the override from its audit issue (a conditional
	// request: 304 while nothing changed).
	Get(ctx context.Context, id string) (*override.Override, error)
	// CloseDue closes only if the record read for the close says the
	// override is due (*engine.NotDueError otherwise).
	CloseDue(ctx context.Context, id, reason string) (*engine.CloseResult, error)
}

// DefaultRefresh is how often a wait re-reads the audit issue to see an
// extension or a close made elsewhere (another terminal, glass sweep).
// The re-read is conditional: while nothing changes GitHub answers 304,
// which does not count against the rate limit ("Best practices for using
// the REST API": use conditional requests), so an idle wait costs nothing.
const DefaultRefresh = 15 * time.Second

// closedElsewhere reports whether o was rolled back by someone else: its
// audit record is terminal (closed, or denied). A failed record is not:
// its rollback could not be verified, and closing it again retries it.
func closedElsewhere(o *override.Override) bool {
	return o.State == override.StateClosed || o.State == override.StateDenied
}

// movedNote says how someone else changed the expiry of was into now.
func movedNote(was, now *override.Override) string {
	s := "Expiry changed elsewhere"
	if len(now.Extensions) > len(was.Extensions) {
		x := now.Extensions[len(now.Extensions)-1]
		s = fmt.Sprintf("Extended elsewhere by %s (%s)", tui.Human(time.Duration(x.By)), orSomeone(x.Actor))
	}
	return fmt.Sprintf("%s: now expires at %s", s, tui.At(now.Expires))
}

func orSomeone(login string) string {
	if login == "" {
		return "someone"
	}
	return login
}

// atExpiry is what happens when the known expiry has passed: the close
// reads the audit issue's record first and goes ahead only if it says the
// override is due (Engine.CloseDue), so an extension made elsewhere keeps
// the door open as its owner asked (moved is the newer record) and a close
// made elsewhere is not done twice.
func atExpiry(ctx context.Context, eng Engine, o *override.Override) (moved *override.Override, out Outcome) {
	res, err := eng.CloseDue(ctx, o.ID, closeReason("expired"))
	var nd *engine.NotDueError
	switch {
	case errors.As(err, &nd):
		return nd.Override, Outcome{}
	case errors.Is(err, engine.ErrAlreadyClosed):
		if res != nil && res.Override != nil {
			o = res.Override // the closed record: says when
		}
		return nil, Outcome{Kind: Closed, Override: o, Why: "closed elsewhere", Already: true}
	case err != nil:
		return nil, Outcome{Kind: Failed, Override: o, Why: "expired", Err: err}
	}
	return nil, Outcome{Kind: Closed, Override: o, Result: res, Why: "expired"}
}

// Kind is how a wait ended.
type Kind int

const (
	Closed   Kind = iota + 1 // rolled back by this process (expiry, c, a signal)
	Detached                 // the person left; glass sweep owns the rollback
	Failed                   // the rollback (or the detach record) failed: Err says what
)

// Outcome is how a wait ended.
type Outcome struct {
	Kind     Kind
	Override *override.Override  // latest known (after extensions)
	Result   *engine.CloseResult // Closed
	Why      string              // "expired", "closed with c", "SIGTERM", ...
	Already  bool                // Closed: someone else (glass close, glass sweep) had already rolled it back
	Err      error               // Failed
}

// closeReason is the reason recorded on the audit issue for a close by why.
func closeReason(why string) string {
	if why == "expired" {
		return "expired; closed by glass open --wait"
	}
	return "closed by glass open --wait (" + why + ")"
}

// doClose rolls o back and turns the answer into an Outcome. An override
// someone else already closed (glass close, glass sweep) is not a failure.
func doClose(ctx context.Context, eng Engine, o *override.Override, why string) Outcome {
	res, err := eng.Close(ctx, o.ID, closeReason(why))
	switch {
	case errors.Is(err, engine.ErrAlreadyClosed):
		return Outcome{Kind: Closed, Override: o, Why: why, Already: true}
	case err != nil:
		return Outcome{Kind: Failed, Override: o, Why: why, Err: err}
	}
	return Outcome{Kind: Closed, Override: o, Result: res, Why: why}
}

func doDetach(ctx context.Context, eng Engine, o *override.Override, why string) Outcome {
	if err := eng.Detach(ctx, o, why); err != nil {
		return Outcome{Kind: Failed, Override: o, Why: "detach", Err: err}
	}
	return Outcome{Kind: Detached, Override: o, Why: why}
}

// Lines says how the wait ended, for the screen and for plain output.
func (out Outcome) Lines() []string {
	o := out.Override
	id := ""
	if o != nil {
		id = o.ID
	}
	switch out.Kind {
	case Closed:
		if out.Already {
			when := ""
			if o != nil && !o.Closed.IsZero() {
				when = " at " + tui.At(o.Closed)
			}
			return []string{
				fmt.Sprintf("✓ %s was already rolled back elsewhere%s", id, when),
				"  (by glass close or glass sweep); glass closed nothing twice.",
			}
		}
		lines := []string{fmt.Sprintf("✓ Rolled back %s (%s) and verified field by field", id, out.Why)}
		if r := out.Result; r != nil {
			if len(r.Verified) > 0 {
				lines[0] = fmt.Sprintf("! Rolled back %s (%s), but verification found %d field(s) that differ", id, out.Why, len(r.Verified))
			}
			if n := len(r.Plan.Drift); n > 0 {
				lines = append(lines, fmt.Sprintf("  kept %d change(s) someone else made during the window (see the audit issue)", n))
			}
			if r.Remaining > 0 {
				lines = append(lines, fmt.Sprintf("  %d other override(s) still open on the same setting keep what they need", r.Remaining))
			}
			if a := r.Activity; a != nil {
				s := fmt.Sprintf("  during the window: %d commit(s), %d merged pull request(s)", len(a.Commits), len(a.MergedPulls))
				if a.DirectPushes > 0 {
					s += fmt.Sprintf(", %d direct push(es) that skipped review", a.DirectPushes)
				}
				lines = append(lines, s)
			}
		}
		return lines
	case Detached:
		return []string{
			fmt.Sprintf("Detached from %s: it stays open until %s.", id, tui.At(o.Expires)),
			"The scheduled glass sweep rolls it back after that (recorded on the audit issue);",
			fmt.Sprintf("`glass close '%s'` closes it sooner.", id),
		}
	case Failed:
		return []string{
			fmt.Sprintf("X %s failed for %s: %v", out.Why, id, out.Err),
			fmt.Sprintf("  The override may still be in force: run `glass close '%s'`, and `glass status` to check.", id),
		}
	}
	return nil
}

// SignalName is a signal as people write it (SIGTERM).
func SignalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return strings.ToUpper(s.String())
}

// Signals are the ones glass handles while an override is open.
var Signals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}
