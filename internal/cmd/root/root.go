// Package root assembles glass's command tree.
package root

import (
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/build"
	approveCmd "github.com/glass-cli/glass/internal/cmd/approve"
	authCmd "github.com/glass-cli/glass/internal/cmd/auth"
	closeCmd "github.com/glass-cli/glass/internal/cmd/closecmd"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	completionCmd "github.com/glass-cli/glass/internal/cmd/completion"
	drillCmd "github.com/glass-cli/glass/internal/cmd/drill"
	extendCmd "github.com/glass-cli/glass/internal/cmd/extend"
	initCmd "github.com/glass-cli/glass/internal/cmd/initcmd"
	openCmd "github.com/glass-cli/glass/internal/cmd/open"
	policyCmd "github.com/glass-cli/glass/internal/cmd/policycmd"
	sandboxCmd "github.com/glass-cli/glass/internal/cmd/sandbox"
	statusCmd "github.com/glass-cli/glass/internal/cmd/status"
	sweepCmd "github.com/glass-cli/glass/internal/cmd/sweep"
)

// NewCmdRoot returns the root command with every subcommand attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "glass <command> [flags]",
		Short: "Break-glass access to GitHub: fast, temporary, audited",
		Long: `glass opens an emergency door on GitHub (relaxed branch protection, a
relaxed ruleset, or temporary repository access), records who, what, when
and why in an audit issue before anything changes, and rolls everything back,
verified, when the window expires.`,
		Example: `  glass open -R acme/payments --lever protection --branch main --relax reviews --duration 30m --reason "INC-42: hotfix"
  glass status --audit-repo acme/audit
  glass close acme/audit#12 --reason "fix merged"
  glass drill --sandbox`,
		Version:       build.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			if f.NoInput || f.Getenv("CI") != "" || f.Getenv("GLASS_NO_INPUT") != "" {
				f.IOStreams.SetNeverPrompt(true)
			}
		},
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })

	pf := cmd.PersistentFlags()
	pf.StringVarP(&f.RepoOverride, "repo", "R", "", "Select a repository using the `OWNER/REPO` format")
	pf.BoolVar(&f.Debug, "debug", false, "Trace HTTP requests to standard error (tokens redacted)")
	pf.BoolVar(&f.NoInput, "no-input", false, "Never prompt; fail with a usage error when a value is missing")

	cmd.AddCommand(authCmd.NewCmdAuth(f))
	cmd.AddCommand(openCmd.NewCmdOpen(f, nil))
	cmd.AddCommand(closeCmd.NewCmdClose(f, nil))
	cmd.AddCommand(extendCmd.NewCmdExtend(f, nil))
	cmd.AddCommand(statusCmd.NewCmdStatus(f, nil))
	cmd.AddCommand(sweepCmd.NewCmdSweep(f, nil))
	cmd.AddCommand(initCmd.NewCmdInit(f, nil))
	cmd.AddCommand(policyCmd.NewCmdPolicy(f))
	cmd.AddCommand(approveCmd.NewCmdApprove(f, nil))
	cmd.AddCommand(approveCmd.NewCmdDeny(f, nil))
	cmd.AddCommand(approveCmd.NewCmdReview(f, nil))
	cmd.AddCommand(drillCmd.NewCmdDrill(f, nil))
	cmd.AddCommand(sandboxCmd.NewCmdSandbox(f))
	cmd.AddCommand(completionCmd.NewCmdCompletion(f))
	addHelpTopics(cmd)
	return cmd
}
