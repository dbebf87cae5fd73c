// Package approve implements `glass approve`, `glass deny` and `glass
// review`: decide on a break-glass request that waits for a second person,
// and list the requests you may decide on.
package approve

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/closecmd"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
)

// DecideOptions are the inputs of `glass approve` and `glass deny`.
type DecideOptions struct {
	IO      *iostreams.IOStreams
	Engine  func() (*engine.Engine, error)
	ID      string
	Approve bool
	Reason  string
}

// NewCmdApprove returns `glass approve`.
func NewCmdApprove(f *cmdutil.Factory, runF func(*DecideOptions) error) *cobra.Command {
	return newCmdDecide(f, runF, true)
}

// NewCmdDeny returns `glass deny`.
func NewCmdDeny(f *cmdutil.Factory, runF func(*DecideOptions) error) *cobra.Command {
	return newCmdDecide(f, runF, false)
}

func newCmdDecide(f *cmdutil.Factory, runF func(*DecideOptions) error, approve bool) *cobra.Command {
	opts := &DecideOptions{IO: f.IOStreams, Approve: approve}
	var auditRepo string
	verb, short, long, example := "approve", "Approve a break-glass request that waits for a second person",
		`Approve the request ID (its audit issue). glass checks that you are an
approver under the rule that allowed the request (users and teams, checked
through the API) and that you are not the requester (unless the policy
allows self-approval), then posts "/approve REASON" on the audit issue. The
waiting `+"`glass open`"+` records the approval and applies the change; an
eligible approver can equally comment /approve on the issue. For a request
nobody waits for (made with --no-wait), glass approve applies it at once
with your token; if your token cannot make the change, the next
`+"`glass sweep`"+` does. The window starts when access is granted. A request
past its deadline cannot be approved: an approval then grants nothing.

ID is the audit issue: OWNER/REPO#N, or #N / N with --audit-repo or -R.`, `  glass approve acme/audit#12 --reason "checked with the incident commander"`
	if !approve {
		verb, short, long, example = "deny", "Deny a break-glass request that waits for a second person",
			`Deny the request ID (its audit issue), with a reason. glass checks that you
are an approver under the rule that allowed the request, then posts
"/deny REASON" on the audit issue; the waiting `+"`glass open`"+` closes the
request as denied and changes nothing (a request nobody waits for, made
with --no-wait, is closed at once). The requester may deny (withdraw)
their own request.

ID is the audit issue: OWNER/REPO#N, or #N / N with --audit-repo or -R.`, `  glass deny acme/audit#12 --reason "use the release branch instead"`
	}
	cmd := &cobra.Command{
		Use:     verb + " ID [--reason TEXT]",
		Short:   short,
		Long:    long,
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("%s needs one request ID (the audit issue), e.g. %s acme/audit#12; got %d arguments", verb, cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := closecmd.ParseID(f, args[0], auditRepo)
			if err != nil {
				return err
			}
			opts.ID = id
			opts.Reason = strings.TrimSpace(opts.Reason)
			if !approve && opts.Reason == "" {
				return cmdutil.FlagErrorf("missing required flag: --reason (say why, for the requester and the audit record); nothing was changed")
			}
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return decideRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "Why, in plain `text`: recorded in the audit issue")
	cmd.Flags().StringVar(&auditRepo, "audit-repo", "", "Audit repository, `OWNER/REPO`, for an ID given as a number")
	return cmd
}

func decideRun(ctx context.Context, opts *DecideOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	o, why, err := eng.Decide(ctx, opts.ID, opts.Approve, opts.Reason)
	if err != nil {
		return cmdutil.WithCode(engine.ExitCode(err), err)
	}
	cs := opts.IO.ColorScheme()
	if opts.Approve {
		fmt.Fprintf(opts.IO.ErrOut, "%s Approved %s (%s by %s on %s): %s\n", cs.SuccessIcon(), o.ID, o.Lever, o.Actor, o.Target, why)
		if o.Approval == nil || !o.Approval.NoWait {
			fmt.Fprintf(opts.IO.ErrOut, "The waiting `glass open` applies the change and records your approval.\n")
			return nil
		}
		// Nobody waits for this request (--no-wait): apply it now, with
		// the approver's token (engine.Resume).
		defer closecmd.WaitNotifications(ctx, eng, opts.IO)
		r, err := eng.Resume(ctx, o.ID)
		switch {
		case err != nil && engine.ExitCode(err) == 3:
			fmt.Fprintf(opts.IO.ErrOut, "%s Your approval is recorded, but glass could not apply it with your token: %v\n", cs.WarningIcon(), err)
			fmt.Fprintf(opts.IO.ErrOut, "The next `glass sweep` (or anyone who can make the change, running `glass sweep -R %s`) applies it; the window starts then.\n", auditRepoOf(o.ID))
			return nil
		case err != nil:
			return cmdutil.WithCode(engine.ExitCode(err), fmt.Errorf("your approval is recorded, but applying %s failed: %w", o.ID, err))
		case r == nil:
			// Nothing applied by this command: another glass (a sweep, a
			// second approver) applied it first or at the same moment, or
			// the decision is not readable yet.
			fmt.Fprintf(opts.IO.ErrOut, "Not applied by this command: another glass (a sweep) applied it already, or the next `glass sweep` applies it; `glass status %s` shows which.\n", o.ID)
		case r.Action == engine.RequestApplied:
			fmt.Fprintf(opts.IO.ErrOut, "%s Applied %s for %s: %s, verified; the window runs until %s\n", cs.SuccessIcon(), r.Override.ID, r.Override.Actor, r.Override.Target, r.Override.Expires.UTC().Format(time.RFC3339))
		default:
			fmt.Fprintf(opts.IO.ErrOut, "%s %s was closed (%s) before your approval counted: %s\n", cs.WarningIcon(), r.Override.ID, r.Action, r.Override.Approval.Reason)
		}
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "%s Denied %s (%s by %s on %s); nothing will change\n", cs.SuccessIcon(), o.ID, o.Lever, o.Actor, o.Target)
		if o.Approval != nil && o.Approval.NoWait {
			// Nobody waits for it: close it now rather than at the next sweep.
			defer closecmd.WaitNotifications(ctx, eng, opts.IO)
			r, err := eng.Resume(ctx, o.ID)
			switch {
			case err != nil:
				fmt.Fprintf(opts.IO.ErrOut, "%s Your decision is recorded; closing %s failed (%v): the next `glass sweep` closes it\n", cs.WarningIcon(), o.ID, err)
			case r != nil && r.Action != engine.RequestApplied:
				fmt.Fprintf(opts.IO.ErrOut, "%s Closed %s (%s)\n", cs.SuccessIcon(), o.ID, r.Action)
			}
		}
	}
	return nil
}

// ReviewOptions are the inputs of `glass review`.
type ReviewOptions struct {
	IO        *iostreams.IOStreams
	Engine    func() (*engine.Engine, error)
	AuditRepo string
	// ID, when given, is the override whose post-incident review to sign
	// off (with Notes); without it, review lists the pending requests.
	ID    string
	Notes string
}

// NewCmdReview returns `glass review`.
func NewCmdReview(f *cmdutil.Factory, runF func(*ReviewOptions) error) *cobra.Command {
	opts := &ReviewOptions{IO: f.IOStreams}
	var auditRepo string
	cmd := &cobra.Command{
		Use:   "review [ID [--notes TEXT]] [--audit-repo OWNER/REPO]",
		Short: "Sign off an override's post-incident review, or list requests waiting for approval",
		Long: `With an ID, sign off the post-incident review of that override (its audit
issue): glass ticks the review checklist in the issue and records who
reviewed it, when, and --notes. The override must be over (closed, or
failed); the person who opened it may not review it unless the policy
sets review.allow_self_review. With review.block_unreviewed_self_approved,
the policy refuses someone's new self-approved override until their last
one is reviewed.

Without an ID, list the requests in an audit repository that wait for a
second person, oldest first, saying for each whether you may approve it
(and why not). Decide with ` + "`glass approve ID`" + ` or ` + "`glass deny ID --reason ...`" + `.

ID is the audit issue: OWNER/REPO#N, or #N / N with --audit-repo or -R.`,
		Example: `  glass review acme/audit#12 --notes "commits checked with the IC; runbook updated"
  glass review --audit-repo acme/audit`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("review takes at most one override ID (the audit issue); got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Engine = f.Engine
			if len(args) == 1 {
				id, err := closecmd.ParseID(f, args[0], auditRepo)
				if err != nil {
					return err
				}
				opts.ID = id
				opts.Notes = strings.TrimSpace(opts.Notes)
				if runF != nil {
					return runF(opts)
				}
				return signOffRun(cmd.Context(), opts)
			}
			if cmd.Flags().Changed("notes") {
				return cmdutil.FlagErrorf("--notes goes with an override ID: glass review ID --notes TEXT")
			}
			if auditRepo == "" {
				auditRepo = f.RepoOverride
			}
			if auditRepo == "" {
				return cmdutil.FlagErrorf("--audit-repo OWNER/REPO (or -R) is required")
			}
			r, err := cmdutil.ParseRepo(auditRepo)
			if err != nil {
				return err
			}
			opts.AuditRepo = r
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return reviewRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&auditRepo, "audit-repo", "", "Audit repository, `OWNER/REPO` (default: -R)")
	cmd.Flags().StringVar(&opts.Notes, "notes", "", "With an ID: what the review found, in plain `text` (recorded in the audit issue)")
	return cmd
}

func signOffRun(ctx context.Context, opts *ReviewOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	o, err := eng.Review(ctx, opts.ID, opts.Notes)
	if err != nil {
		return cmdutil.WithCode(engine.ExitCode(err), err)
	}
	cs := opts.IO.ColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Reviewed %s (%s by %s on %s): checklist signed off by %s at %s\n", cs.SuccessIcon(), o.ID, o.Lever, o.Actor, o.Target,
		o.Review.By, o.Review.At.UTC().Format(time.RFC3339))
	return nil
}

func reviewRun(ctx context.Context, opts *ReviewOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	list, login, err := eng.Pending(ctx, opts.AuditRepo)
	if err != nil {
		return cmdutil.WithCode(engine.ExitCode(err), err)
	}
	if len(list) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No requests wait for approval in %s\n", opts.AuditRepo)
		return nil
	}
	mine := 0
	for _, p := range list {
		o := p.Override
		mark := "cannot approve"
		if p.CanDecide {
			mark = "you may approve"
			mine++
		}
		fmt.Fprintf(opts.IO.Out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Lever, o.Target, o.Actor,
			o.Requested.UTC().Format(time.RFC3339), mark, strings.Join(strings.Fields(o.Reason), " "))
		if !p.CanDecide {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %s\n", o.ID, p.Why)
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%d request(s) waiting in %s; %s may approve %d\n", len(list), opts.AuditRepo, login, mine)
	return nil
}

func auditRepoOf(id string) string {
	repo, _, _ := strings.Cut(id, "#")
	return repo
}
