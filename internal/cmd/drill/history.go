package drill

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/drill"
	"github.com/glass-cli/glass/internal/iostreams"
)

// HistoryOptions are the inputs of `glass drill history`.
type HistoryOptions struct {
	IO    *iostreams.IOStreams
	Repo  string // audit repository
	Limit int
	JSON  bool
}

// NewCmdHistory returns `glass drill history`.
func NewCmdHistory(f *cmdutil.Factory, runF func(*HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List past drills with their timings and the trend per metric",
		Long: `List the drills recorded in an audit repository (-R, default: the current
repository), newest first, with the result and timings of the report glass
posted on each drill's audit issue, and per metric the newest value against
the median of the earlier drills (better, worse or steady, beyond 10%).`,
		Example: `  glass drill history -R acme/payments
  glass drill history -R acme/audit --limit 50 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 {
				return cmdutil.FlagErrorf("invalid --limit %d: want at least 1", opts.Limit)
			}
			r, err := f.BaseRepo()
			if err != nil {
				return err
			}
			opts.Repo = r
			if runF != nil {
				return runF(opts)
			}
			return historyRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 30, "Show at most `N` drills")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the history as JSON")
	return cmd
}

func historyRun(ctx context.Context, f *cmdutil.Factory, opts *HistoryOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	gh, err := f.GitHub()
	if err != nil {
		return err
	}
	h, err := drill.LoadHistory(ctx, gh, opts.Repo, opts.Limit)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, h)
	}
	h.WriteText(opts.IO.Out)
	return nil
}
