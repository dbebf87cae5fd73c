package wait

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Plain waits without a terminal: one countdown line now and then (every
// 5 minutes, every minute in the last 10, every 10 seconds in the last
// minute, every second in the last 10), the rollback at expiry, and a
// close on SIGINT, SIGTERM or SIGHUP (there is nobody to ask, so a signal
// closes the override rather than leaving it open). Every Refresh it
// re-reads the audit issue (a conditional request, 304 while nothing
// changed): an extension made elsewhere moves the countdown, a close made
// elsewhere ends the wait; at expiry it re-reads before closing.
type Plain struct {
	Engine  Engine
	Clock   clock.Clock
	Out     io.Writer
	Signals <-chan os.Signal
	Refresh time.Duration // default DefaultRefresh; negative: only at expiry
}

// interval is how long until the next countdown line, given the time left.
func interval(left time.Duration) time.Duration {
	var step time.Duration
	switch {
	case left > 10*time.Minute:
		step = 5 * time.Minute
	case left > time.Minute:
		step = time.Minute
	case left > 10*time.Second:
		step = 10 * time.Second
	default:
		step = time.Second
	}
	// Land on round values of the countdown (4:00, 3:00, ...).
	if r := left % step; r > 0 {
		return r
	}
	return step
}

// Run waits for o and returns how it ended.
func (p *Plain) Run(ctx context.Context, o *override.Override) Outcome {
	c := p.Clock
	if c == nil {
		c = clock.Real{}
	}
	refresh := p.Refresh
	if refresh == 0 {
		refresh = DefaultRefresh
	}
	fmt.Fprintf(p.Out, "Waiting for %s to expire at %s (%s left); SIGINT, SIGTERM or SIGHUP closes it now\n", o.ID, tui.At(o.Expires), tui.Human(o.Expires.Sub(c.Now())))
	now := c.Now()
	nextLine := now.Add(interval(o.Expires.Sub(now)))
	nextRead := now.Add(refresh)
	for {
		now := c.Now()
		left := o.Expires.Sub(now)
		if left <= 0 {
			moved, out := atExpiry(context.WithoutCancel(ctx), p.Engine, o)
			if moved == nil {
				if !out.Already {
					fmt.Fprintf(p.Out, "%s expired at %s\n", o.ID, tui.At(o.Expires))
				}
				return p.finish(out)
			}
			fmt.Fprintln(p.Out, movedNote(o, moved))
			o = moved
			nextLine = now.Add(interval(o.Expires.Sub(now)))
			continue
		}
		wake := nextLine
		if refresh > 0 && nextRead.Before(wake) {
			wake = nextRead
		}
		if o.Expires.Before(wake) {
			wake = o.Expires
		}
		select {
		case <-c.After(wake.Sub(now)):
			now := c.Now()
			if refresh > 0 && !now.Before(nextRead) {
				nextRead = now.Add(refresh)
				if cur, err := p.Engine.Get(ctx, o.ID); err == nil {
					switch {
					case closedElsewhere(cur):
						return p.finish(Outcome{Kind: Closed, Override: cur, Why: "closed elsewhere", Already: true})
					case cur.State == override.StateActive && !cur.Expires.Equal(o.Expires):
						fmt.Fprintln(p.Out, movedNote(o, cur))
						o = cur
						nextLine = now.Add(interval(o.Expires.Sub(now)))
					}
				}
			}
			if left := o.Expires.Sub(now); left > 0 && !now.Before(nextLine) {
				total := o.Expires.Sub(o.Opened)
				frac := 1.0
				if total > 0 {
					frac = 1 - float64(left)/float64(total)
				}
				fmt.Fprintf(p.Out, "%s: %s left %s\n", o.ID, tui.Clock(left), tui.Bar(frac, 20))
				nextLine = now.Add(interval(left))
			}
		case sig := <-p.Signals:
			why := SignalName(sig)
			fmt.Fprintf(p.Out, "Received %s: closing %s now\n", why, o.ID)
			return p.finish(doClose(context.WithoutCancel(ctx), p.Engine, o, why))
		case <-ctx.Done():
			fmt.Fprintf(p.Out, "Interrupted: closing %s now\n", o.ID)
			return p.finish(doClose(context.WithoutCancel(ctx), p.Engine, o, "interrupted"))
		}
	}
}

// finish prints the outcome; a failure is left to the caller's error
// (which carries what changed and what to do next).
func (p *Plain) finish(out Outcome) Outcome {
	if out.Kind == Failed {
		return out
	}
	for _, l := range out.Lines() {
		fmt.Fprintln(p.Out, l)
	}
	return out
}
