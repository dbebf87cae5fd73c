package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/override"
)

// CheckOptions are the inputs of `glass auth check`.
type CheckOptions struct {
	Lever      string
	User       string
	Team       string
	AuditRepo  string
	Require2FA string
	FreshLogin time.Duration
}

// NewCmdCheck returns `glass auth check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the strict identity and permission checks of `glass open`, changing nothing",
		Long: `Run the checks "glass open" makes before it changes anything, and stop:

  identity     the token's user is who the override will name
  two-factor   on where GitHub shows it (the account's private view, or the
               organization's 2FA requirement); when GitHub does not show it,
               refused only with --require-2fa required
  fresh-login  with --fresh-login, the token comes from a "glass auth login"
               no older than that (step-up)
  permission   the token can make every write the lever needs: administration
               write on the repository, issues write on the audit repository
               (scopes for classic tokens, a harmless probe for fine-grained)

A refusal exits with code 3 and names the check.`,
		Example: `  glass auth check -R acme/payments --lever protection --audit-repo acme/audit
  glass auth check -R acme/payments --require-2fa required --fresh-login 15m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.Require2FA {
			case auth.TwoFactorOff, auth.TwoFactorIfVisible, auth.TwoFactorRequired:
			default:
				return cmdutil.FlagErrorf("--require-2fa must be off, if-visible or required, not %q", opts.Require2FA)
			}
			switch override.Lever(opts.Lever) {
			case override.LeverProtection, override.LeverRuleset, override.LeverAccess, override.LeverTeam:
			default:
				return cmdutil.FlagErrorf("--lever must be protection, ruleset, access or team, not %q", opts.Lever)
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Lever, "lever", "protection", "Lever the override would use: protection, ruleset, access, team")
	cmd.Flags().StringVar(&opts.User, "user", "", "access and team levers: the `login` who would get access")
	cmd.Flags().StringVar(&opts.Team, "team", "", "team lever: `ORG/SLUG`")
	cmd.Flags().StringVar(&opts.AuditRepo, "audit-repo", "", "`OWNER/REPO` for the audit issue (default the repository)")
	cmd.Flags().StringVar(&opts.Require2FA, "require-2fa", auth.TwoFactorIfVisible, "Two-factor requirement: off, if-visible, required")
	cmd.Flags().DurationVar(&opts.FreshLogin, "fresh-login", 0, "Require a `glass auth login` within this `duration` (0: no step-up)")
	return cmd
}

func checkRun(cmd *cobra.Command, f *cmdutil.Factory, opts *CheckOptions) error {
	repo, err := f.BaseRepo()
	if err != nil {
		return err
	}
	audit := repo
	if opts.AuditRepo != "" {
		if audit, err = cmdutil.ParseRepo(opts.AuditRepo); err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
	}
	tok, err := f.Token()
	if err != nil {
		return err
	}
	gh, err := f.GitHub()
	if err != nil {
		return err
	}
	c := &auth.Checker{GitHub: gh, Clock: f.Clock,
		Token: auth.Token{Value: tok.Value, Source: tok.Source, Login: tok.Login, StoredAt: tok.StoredAt},
		Req:   auth.Requirements{TwoFactor: opts.Require2FA, FreshLogin: opts.FreshLogin}}
	t := auth.Target{Lever: override.Lever(opts.Lever), Repo: repo, User: opts.User, Team: opts.Team, AuditRepo: audit}
	res, err := c.Check(ctxOf(cmd), t, "")
	if err != nil {
		var r *auth.RefusalError
		if errors.As(err, &r) {
			return cmdutil.Refused("refused (%s check): %s; nothing was changed", r.Check, r.Error())
		}
		return err
	}
	ios := f.IOStreams
	cs := ios.ColorScheme()
	fmt.Fprintf(ios.Out, "%s %s may open an override (lever %s) on %s\n", cs.SuccessIcon(), res.Login, opts.Lever, repo)
	for _, n := range res.Notes {
		fmt.Fprintf(ios.Out, "  %s\n", n)
	}
	return nil
}
