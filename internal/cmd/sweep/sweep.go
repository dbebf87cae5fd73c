// Package sweep implements `glass sweep`: roll back every expired override,
// finish any left half-done by a crash, and fail loudly when something
// could not be restored. Run it from cron or CI (see `glass init`).
package sweep

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/closecmd"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/cmd/status"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
)

// SweepOptions are the inputs of `glass sweep`.
type SweepOptions struct {
	IO     *iostreams.IOStreams
	Engine func() (*engine.Engine, error)

	AuditRepos []string
	// PolicyRepo is the -R (or current) repository when no --audit-repo
	// was given: its policy's audit_repo is swept too.
	PolicyRepo string
	JSON       bool
}

// NewCmdSweep returns `glass sweep`.
func NewCmdSweep(f *cmdutil.Factory, runF func(*SweepOptions) error) *cobra.Command {
	opts := &SweepOptions{IO: f.IOStreams}
	var auditRepos []string
	cmd := &cobra.Command{
		Use:   "sweep [--audit-repo OWNER/REPO | -R OWNER/REPO] [--json]",
		Short: "Roll back every expired override and finish any left half-done",
		Long: `Roll back every expired override in the audit repository, finish any that a
crash left half-done (opened or closing), and retry rollbacks that failed.
Each rollback is verified and recorded on its audit issue.

Safe to run repeatedly and from several places at once: the live setting is
read again before every write, nothing is written when nothing needs to
change, and records are not duplicated. Exits 5 when a rollback could not
be verified and 1 when anything else could not be restored, so a scheduled
job fails visibly (see glass init).`,
		Example: `  glass sweep --audit-repo acme/audit
  glass sweep -R acme/payments --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			repos, target, err := status.AuditRepos(f, auditRepos)
			if err != nil {
				return err
			}
			if target != "" && !contains(repos, target) {
				// Sweep acts on every due override of the audit repository;
				// it cannot act on part of one, so say what -R meant.
				return cmdutil.FlagErrorf("give either -R or --audit-repo: sweep rolls back every due override in the audit repository")
			}
			opts.AuditRepos = repos
			if len(auditRepos) == 0 {
				opts.PolicyRepo = repos[0]
			}
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return sweepRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&auditRepos, "audit-repo", nil, "Audit repositories to sweep, `OWNER/REPO` (repeatable)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print what the sweep did as JSON")
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Failure is one override sweep could not restore.
type Failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Result is `glass sweep --json`.
type Result struct {
	Checked    int               `json:"checked"`
	Restored   []closecmd.Result `json:"restored"`
	Reconciled []closecmd.Result `json:"reconciled"`
	Failed     []Failure         `json:"failed"`
	// Requests are the requests nobody waited for that this sweep settled:
	// applied (approved in time) or closed (denied, timed out).
	Requests []Request `json:"requests"`
}

// Request is one settled request in `glass sweep --json`.
type Request struct {
	ID     string `json:"id"`
	Action string `json:"action"` // applied, denied, timed-out
	Target string `json:"target"`
	Actor  string `json:"actor"`
	// ExpiresAt is the end of the window of an applied request (it starts
	// at the grant, not at the request).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Detail    string     `json:"detail,omitempty"`
}

func newRequest(r *engine.RequestResult) Request {
	o := r.Override
	q := Request{ID: o.ID, Action: string(r.Action), Target: o.Target.String(), Actor: o.Actor}
	if r.Action == engine.RequestApplied && !o.Expires.IsZero() {
		t := o.Expires.UTC()
		q.ExpiresAt = &t
	}
	if o.Approval != nil {
		q.Detail = o.Approval.Reason
	}
	return q
}

func sweepRun(ctx context.Context, opts *SweepOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if opts.PolicyRepo != "" {
		opts.AuditRepos, _ = status.ResolvePolicy(ctx, eng, opts.PolicyRepo, opts.IO)
	}
	res, err := eng.Sweep(ctx, opts.AuditRepos...)
	defer closecmd.WaitNotifications(ctx, eng, opts.IO)
	var se *engine.SweepError
	if err != nil && (res == nil || !errors.As(err, &se)) {
		return status.ListErr(err, opts.AuditRepos)
	}
	out := Result{Checked: res.Checked, Restored: []closecmd.Result{}, Reconciled: []closecmd.Result{}, Failed: []Failure{}, Requests: []Request{}}
	for _, r := range res.Requests {
		out.Requests = append(out.Requests, newRequest(r))
	}
	for _, r := range res.Restored {
		out.Restored = append(out.Restored, closecmd.NewResult(r))
	}
	for _, r := range res.Reconciled {
		out.Reconciled = append(out.Reconciled, closecmd.NewResult(r))
	}
	for _, f := range res.Failed {
		out.Failed = append(out.Failed, Failure{ID: f.ID, Error: f.Err.Error()})
	}
	if opts.JSON {
		if werr := cmdutil.WriteJSON(opts.IO.Out, out); werr != nil {
			return werr
		}
	} else {
		cs := opts.IO.ColorScheme()
		w := opts.IO.ErrOut
		for _, r := range res.Restored {
			fmt.Fprintf(w, "%s Restored %s (expired) and closed %s\n", cs.SuccessIcon(), r.Override.Target, r.Override.ID)
			closecmd.PrintRollback(opts.IO.Out, r)
		}
		for _, r := range res.Reconciled {
			fmt.Fprintf(w, "%s Reconciled %s (left half-done) and closed %s\n", cs.SuccessIcon(), r.Override.Target, r.Override.ID)
			closecmd.PrintRollback(opts.IO.Out, r)
		}
		for _, r := range res.Requests {
			o := r.Override
			switch r.Action {
			case engine.RequestApplied:
				fmt.Fprintf(w, "%s Applied %s: approved request by %s on %s, verified; expires %s\n", cs.SuccessIcon(), o.ID, o.Actor, o.Target, o.Expires.UTC().Format(time.RFC3339))
			default:
				why := ""
				if o.Approval != nil {
					why = o.Approval.Reason
				}
				fmt.Fprintf(w, "%s Closed request %s by %s on %s (%s): %s\n", cs.SuccessIcon(), o.ID, o.Actor, o.Target, r.Action, why)
			}
		}
		for _, f := range res.Failed {
			fmt.Fprintf(w, "%s Could not restore %s: %v\n", cs.FailureIcon(), f.ID, f.Err)
		}
		fmt.Fprintf(w, "Swept %s: %d open override(s) checked, %d restored, %d reconciled, %d failed\n",
			strings.Join(opts.AuditRepos, ", "), res.Checked, len(res.Restored), len(res.Reconciled), len(res.Failed))
		if len(res.Requests) > 0 {
			fmt.Fprintf(w, "Settled %d request(s) nobody waited for\n", len(res.Requests))
		}
	}
	if se != nil {
		// The failures were listed above; exit 5 when a rollback could not
		// be verified, 1 otherwise.
		return cmdutil.WithCode(se.ExitCode(), fmt.Errorf("%d override(s) could not be restored: a human must look at the audit issue(s) listed above; glass sweep retries them on its next run", len(res.Failed)))
	}
	return nil
}

// noArgs is cobra.NoArgs as a usage error (exit 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	return nil
}
