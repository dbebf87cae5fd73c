// Package extend implements `glass extend`: move an active override's
// expiry, recorded with who and why.
package extend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/closecmd"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/tui"
)

// ExtendOptions are the inputs of `glass extend`.
type ExtendOptions struct {
	IO     *iostreams.IOStreams
	Engine func() (*engine.Engine, error)
	Clock  clock.Clock

	ID     string
	By     time.Duration
	Reason string
	JSON   bool
}

// NewCmdExtend returns `glass extend`.
func NewCmdExtend(f *cmdutil.Factory, runF func(*ExtendOptions) error) *cobra.Command {
	opts := &ExtendOptions{IO: f.IOStreams, Clock: f.Clock}
	var by, auditRepo string
	cmd := &cobra.Command{
		Use:   "extend ID --by DURATION --reason TEXT",
		Short: "Move an active override's expiry later, recorded in its audit issue",
		Long: `Move an active override's expiry later by --by. Who extended it, by how
much and why are recorded on the audit issue. Nothing else changes.

ID is the audit issue: OWNER/REPO#N, or #N / N with --audit-repo or -R.`,
		Example: `  glass extend acme/audit#12 --by 15m --reason "deploy still rolling out"`,
		Args:    oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := closecmd.ParseID(f, args[0], auditRepo)
			if err != nil {
				return err
			}
			opts.ID = id
			var missing []string
			if strings.TrimSpace(by) == "" {
				missing = append(missing, "--by")
			} else if opts.By, err = cmdutil.ParseDuration("--by", by); err != nil {
				return err
			}
			opts.Reason = strings.TrimSpace(opts.Reason)
			if opts.Reason == "" {
				missing = append(missing, "--reason")
			}
			if len(missing) > 0 {
				return cmdutil.FlagErrorf("missing required flags: %s; nothing was changed", strings.Join(missing, ", "))
			}
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return extendRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "How much later the override expires, a `duration` such as 15m")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "Why, in plain `text`: recorded in the audit issue")
	cmd.Flags().StringVar(&auditRepo, "audit-repo", "", "Audit repository, `OWNER/REPO`, for an ID given as a number")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the override as JSON")
	return cmd
}

func extendRun(ctx context.Context, opts *ExtendOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	o, err := eng.Extend(ctx, opts.ID, opts.By, opts.Reason)
	// The policy's webhooks hear about the extension; give them a bounded
	// moment after the result is printed, and warn about failures.
	defer func() {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, w := range eng.WaitNotifications(wctx) {
			fmt.Fprintf(opts.IO.ErrOut, "%s notification: %s\n", opts.IO.ColorScheme().WarningIcon(), w)
		}
	}()
	if errors.Is(err, engine.ErrAlreadyClosed) {
		return cmdutil.Refused("%v; only an active override can be extended: open a new one if you still need it", err)
	}
	if err != nil {
		return closecmd.MapErr(err)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, o)
	}
	now := time.Now()
	if opts.Clock != nil {
		now = opts.Clock.Now()
	}
	cs := opts.IO.ColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Extended %s by %s\n", cs.SuccessIcon(), o.ID, tui.Human(opts.By))
	fmt.Fprintf(opts.IO.Out, "Override:  %s\n", o.ID)
	fmt.Fprintf(opts.IO.Out, "Target:    %s (lever %s)\n", o.Target, o.Lever)
	fmt.Fprintf(opts.IO.Out, "Expires:   %s (in %s)\n", o.Expires.Local().Format("15:04:05 MST"), tui.Human(o.Expires.Sub(now)))
	fmt.Fprintf(opts.IO.Out, "Extended:  %s in total\n", tui.Human(o.Extended()))
	return nil
}

// oneID requires exactly one override ID (a usage error, exit 2).
func oneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cmdutil.FlagErrorf("%s needs one override ID (the audit issue), e.g. %s acme/audit#12; got %d arguments", cmd.Name(), cmd.CommandPath(), len(args))
	}
	return nil
}
