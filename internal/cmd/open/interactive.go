package open

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/wait"
)

// The interactive parts of `glass open` live in internal/tui; this file
// only dispatches to them, so the non-interactive path stays as it is.

// wait keeps o in the foreground when --wait was given (or chosen at the
// end of the interactive flow): a countdown screen on a terminal, plain
// countdown lines without one. It returns an error with the engine's exit
// code when the rollback fails.
func (o *OpenOptions) wait(ctx context.Context, ov *override.Override) error {
	if !o.Wait || ov == nil {
		return nil
	}
	eng, err := o.Engine()
	if err != nil {
		return err
	}
	sigs := o.sigs
	if sigs == nil {
		stop := o.catchSignals()
		defer stop()
		sigs = o.sigs
	}
	var out wait.Outcome
	if o.IO.CanPrompt() {
		opt := wait.Options{Engine: eng, Clock: o.Clock, Styles: tui.NewStyles(o.IO.Out, o.IO.ColorEnabled()), Width: o.IO.TerminalWidth()}
		out = wait.Run(ctx, ov, opt, o.IO.In, o.IO.Out, o.IO.ErrOut, sigs)
		if out.Kind != wait.Failed {
			for _, l := range out.Lines() {
				fmt.Fprintln(o.IO.ErrOut, l)
			}
		}
	} else {
		pl := &wait.Plain{Engine: eng, Clock: o.Clock, Out: o.IO.ErrOut, Signals: sigs}
		out = pl.Run(ctx, ov)
	}
	if out.Kind == wait.Failed {
		return cmdutil.WithCode(engine.ExitCode(out.Err), fmt.Errorf("--wait: %w", out.Err))
	}
	return nil
}

// catchSignals starts holding SIGINT, SIGTERM and SIGHUP for --wait from
// the start of the command: a signal that arrives while the override is
// being opened lets the open finish (nothing is left half-done) and then
// closes it. It returns the function that stops catching them.
func (o *OpenOptions) catchSignals() func() {
	if !o.Wait {
		return func() {}
	}
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, wait.Signals...)
	o.sigs = ch
	return func() { signal.Stop(ch) }
}
