package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// WithProgress returns an engine that reports progress events to fn,
// sharing everything else (client, levers, ledger, clock, gate) with e.
// The interactive flow uses it to show each step of one open as it happens.
func (e *Engine) WithProgress(fn func(Step)) *Engine {
	c := *e
	c.progress = fn
	return &c
}

// AlsoProgress returns an engine that reports progress events to fn as
// well as to its Config's Progress hook (which WithProgress replaces): the
// non-interactive `glass open` prints each step beside the factory's
// approval messages.
func (e *Engine) AlsoProgress(fn func(Step)) *Engine {
	c := *e
	prev := e.progress
	c.progress = func(s Step) {
		if prev != nil {
			prev(s)
		}
		fn(s)
	}
	return &c
}

// Detach records on the audit issue of o (as Open or Extend returned it)
// that whoever opened it stopped waiting in the foreground (`glass open
// --wait`): the scheduled sweep owns the rollback. It changes nothing on
// the target. The record is keyed per expiry, so a repeated detach is
// written once.
func (e *Engine) Detach(ctx context.Context, o *override.Override, reason string) error {
	if o == nil || o.ID == "" {
		return &RefusalError{Reason: "no override to detach from"}
	}
	id := o.ID
	now := e.clock.Now()
	summary := fmt.Sprintf("%s stopped waiting (glass open --wait); the scheduled glass sweep rolls the override back after it expires at %s",
		orDash(o.Actor), o.Expires.UTC().Format(time.RFC3339))
	ev := ledger.Event{Kind: ledger.KindDetached, Key: fmt.Sprintf("detached-%d", o.Expires.Unix()), At: now, Actor: o.Actor, Summary: summary, Text: reason}
	if err := e.appendEvent(ctx, o, ev); err != nil {
		return &Error{Op: "detach", Step: "record", Err: err, Unchanged: "the override: it stays in force until it expires or is closed",
			Next: fmt.Sprintf("nothing is needed for the rollback (glass sweep does it); `glass close '%s'` closes it now", id)}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
