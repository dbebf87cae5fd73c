// Package closecmd implements `glass close`: roll an override back now,
// verify, and close its audit issue. (A package cannot be named close.)
package closecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// CloseOptions are the inputs of `glass close`.
type CloseOptions struct {
	IO     *iostreams.IOStreams
	Engine func() (*engine.Engine, error)

	ID     string // OWNER/REPO#N
	Reason string
	JSON   bool
}

// NewCmdClose returns `glass close`.
func NewCmdClose(f *cmdutil.Factory, runF func(*CloseOptions) error) *cobra.Command {
	opts := &CloseOptions{IO: f.IOStreams}
	var auditRepo string
	cmd := &cobra.Command{
		Use:   "close ID [--reason TEXT]",
		Short: "Roll an override back now, verify, and close its audit issue",
		Long: `Roll an override back now. glass puts the setting back as it was before the
override (keeping what other open overrides on the same setting still need),
verifies it field by field, records the result and closes the audit issue.

Fields that someone else changed during the window are kept and reported
(drift); fields glass had relaxed are put back even if someone changed
them, and reported (conflict).

ID is the audit issue: OWNER/REPO#N, or #N / N with --audit-repo or -R.`,
		Example: `  glass close acme/audit#12 --reason "fix merged"
  glass close 12 --audit-repo acme/audit`,
		Args: oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := ParseID(f, args[0], auditRepo)
			if err != nil {
				return err
			}
			opts.ID = id
			opts.Reason = strings.TrimSpace(opts.Reason)
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return closeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "Why it is closed early, in plain `text`: recorded in the audit issue")
	cmd.Flags().StringVar(&auditRepo, "audit-repo", "", "Audit repository, `OWNER/REPO`, for an ID given as a number")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the result as JSON")
	return cmd
}

// ParseID reads an override ID argument: OWNER/REPO#N, or #N / N in the
// audit repository given by --audit-repo, else -R. Exported for extend.
func ParseID(f *cmdutil.Factory, arg, auditRepo string) (string, error) {
	def := ""
	switch {
	case auditRepo != "":
		r, err := cmdutil.ParseRepo(auditRepo)
		if err != nil {
			return "", cmdutil.FlagErrorf("invalid --audit-repo %q: expected OWNER/REPO", auditRepo)
		}
		def = r
	case f.RepoOverride != "":
		r, err := cmdutil.ParseRepo(f.RepoOverride)
		if err != nil {
			return "", err
		}
		def = r
	}
	repo, n, err := ledger.ParseID(arg, def)
	if err != nil {
		return "", cmdutil.FlagErrorf("%v; nothing was changed", err)
	}
	if _, err := cmdutil.ParseRepo(repo); err != nil {
		return "", cmdutil.FlagErrorf("override ID %q: repository must be OWNER/REPO; nothing was changed", arg)
	}
	return ledger.FormatID(repo, n), nil
}

// MapErr gives engine errors their exit codes. An ID that names no override
// is a usage error (exit 2): the input was wrong and nothing changed.
func MapErr(err error) error {
	if err == nil {
		return nil
	}
	var fe *cmdutil.FlagError
	var ee *cmdutil.ExitError
	if errors.As(err, &fe) || errors.As(err, &ee) {
		return err
	}
	var no *ledger.NotOverrideError
	if errors.As(err, &no) {
		return cmdutil.FlagErrorf("%s is not a glass override (no valid audit record); nothing was changed", no.ID)
	}
	if errors.Is(err, engine.ErrNotFound) || errors.Is(err, ledger.ErrNotFound) {
		return cmdutil.FlagErrorWrap(err)
	}
	return cmdutil.WithCode(engine.ExitCode(err), err)
}

// Result is `glass close --json`.
type Result struct {
	ID        string          `json:"id"`
	Lever     override.Lever  `json:"lever"`
	Target    override.Target `json:"target"`
	State     override.State  `json:"state"`
	Verified  bool            `json:"verified"`
	Drift     []lever.Change  `json:"drift"`
	Conflicts []lever.Change  `json:"conflicts"`
	Remaining int             `json:"remaining"`
}

// NewResult summarises a rollback for --json.
func NewResult(r *engine.CloseResult) Result {
	o := r.Override
	res := Result{ID: o.ID, Lever: o.Lever, Target: o.Target, State: o.State, Verified: len(r.Verified) == 0,
		Drift: r.Plan.Drift, Conflicts: r.Plan.Conflicts, Remaining: r.Remaining}
	if res.Drift == nil {
		res.Drift = []lever.Change{}
	}
	if res.Conflicts == nil {
		res.Conflicts = []lever.Change{}
	}
	return res
}

func closeRun(ctx context.Context, opts *CloseOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	cs := opts.IO.ColorScheme()
	res, err := eng.Close(ctx, opts.ID, opts.Reason)
	// The rollback is reported first; then the policy's webhooks get a
	// bounded time to hear about it (restored or restore-failed).
	defer WaitNotifications(ctx, eng, opts.IO)
	if errors.Is(err, engine.ErrAlreadyClosed) {
		// Closing twice is not a failure: the door is shut either way.
		fmt.Fprintf(opts.IO.ErrOut, "%s %v\n", cs.WarningIcon(), err)
		return nil
	}
	if res != nil && res.Override != nil && err == nil {
		if opts.JSON {
			return cmdutil.WriteJSON(opts.IO.Out, NewResult(res))
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s Rolled back %s and closed %s\n", cs.SuccessIcon(), res.Override.Target, res.Override.ID)
		PrintRollback(opts.IO.Out, res)
		return nil
	}
	if res != nil && res.Override != nil && !opts.JSON {
		PrintRollback(opts.IO.Out, res)
	}
	return MapErr(err)
}

// PrintRollback prints what a rollback did: verification, drift kept,
// conflicts put back, other overrides still in force. Shared with sweep.
func PrintRollback(w io.Writer, r *engine.CloseResult) {
	o := r.Override
	fmt.Fprintf(w, "Override:  %s\n", o.ID)
	fmt.Fprintf(w, "Target:    %s (lever %s)\n", o.Target, o.Lever)
	if len(r.Verified) == 0 {
		fmt.Fprintln(w, "Restored:  verified field by field")
	} else {
		fmt.Fprintln(w, "Restored:  NOT VERIFIED; still different:")
		for _, m := range r.Verified {
			fmt.Fprintf(w, "  %s: want %s, live %s\n", m.Field, tui.Value(m.Want), tui.Value(m.Got))
		}
	}
	if len(r.Plan.Drift) > 0 {
		fmt.Fprintln(w, "Drift kept (changed by someone else during the window, on fields glass did not relax):")
		for _, c := range r.Plan.Drift {
			fmt.Fprintf(w, "  %s: %s → %s (kept)\n", c.Field, tui.Value(c.Original), tui.Value(c.Live))
		}
	}
	if len(r.Plan.Conflicts) > 0 {
		fmt.Fprintln(w, "Conflicts put back (changed by someone else on fields glass had relaxed):")
		for _, c := range r.Plan.Conflicts {
			fmt.Fprintf(w, "  %s: glass had set %s, someone set %s; now %s\n", c.Field, tui.Value(c.Expected), tui.Value(c.Live), tui.Value(c.Result))
		}
	}
	if r.Remaining > 0 {
		fmt.Fprintf(w, "Still relaxed for %d other open override(s) on the same setting\n", r.Remaining)
	}
	if a := r.Activity; a != nil && (len(a.Commits) > 0 || len(a.MergedPulls) > 0 || a.DirectPushes > 0) {
		fmt.Fprintf(w, "Landed:    %d commit(s), %d merged pull request(s), %d direct push(es) during the window\n",
			len(a.Commits), len(a.MergedPulls), a.DirectPushes)
	}
}

// oneID requires exactly one override ID (a usage error, exit 2).
func oneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cmdutil.FlagErrorf("%s needs one override ID (the audit issue), e.g. %s acme/audit#12; got %d arguments", cmd.Name(), cmd.CommandPath(), len(args))
	}
	return nil
}

// NotifyGrace bounds how long a command waits, after reporting its result,
// for webhook deliveries to finish and be recorded in the audit issue.
const NotifyGrace = 30 * time.Second

// WaitNotifications lets the policy's webhooks finish (bounded by
// NotifyGrace) and warns about any that failed; the rollback happened (or
// failed) either way, and its exit code does not depend on a webhook.
func WaitNotifications(ctx context.Context, eng *engine.Engine, ios *iostreams.IOStreams) {
	if ctx == nil {
		ctx = context.Background()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), NotifyGrace)
	defer cancel()
	for _, w := range eng.WaitNotifications(wctx) {
		fmt.Fprintf(ios.ErrOut, "%s notification: %s\n", ios.ColorScheme().WarningIcon(), w)
	}
}
