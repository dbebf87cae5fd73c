package wait

import (
	"context"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Run shows the countdown screen on a terminal (in, out) until the wait
// ends, forwarding sigs to it. If the terminal fails, it falls back to
// plain countdown lines on errOut, so the override is still closed on time.
func Run(ctx context.Context, o *override.Override, opt Options, in io.Reader, out, errOut io.Writer, sigs <-chan os.Signal) Outcome {
	p := tea.NewProgram(New(o, opt), append(tui.ProgramOptions(in, out), tea.WithContext(ctx))...)
	stop := make(chan struct{})
	defer close(stop)
	relay := make(chan os.Signal, 4) // signals that arrive after the screen ended
	go func() {
		for {
			select {
			case s := <-sigs:
				p.Send(SignalMsg{Signal: s})
				select {
				case relay <- s:
				default:
				}
			case <-stop:
				return
			}
		}
	}()
	final, err := p.Run()
	if m, ok := final.(Model); ok && m.mode == done {
		return m.out
	}
	// The screen ended without an outcome (the terminal went away, or the
	// context was cancelled): keep the promise without it.
	_ = err
	latest := o
	if m, ok := final.(Model); ok {
		latest = m.o
	}
	pl := &Plain{Engine: opt.Engine, Clock: opt.Clock, Out: errOut, Signals: relay}
	return pl.Run(context.WithoutCancel(ctx), latest)
}
