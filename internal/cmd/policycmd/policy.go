// Package policycmd implements `glass policy check` and `glass policy
// explain`: validate a policy file and say what it allows, and show what
// one person may do on one repository under the policy that governs it.
package policycmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/policy"
)

// NewCmdPolicy returns `glass policy`.
func NewCmdPolicy(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy <command>",
		Short: "Check a policy file, or explain what someone may do",
		Long: `glass reads its policy from .github/glass.yml on the default branch of the
repository being changed, or else from the organization's .github
repository; without either it uses built-in defaults (docs/policy.md).`,
	}
	cmd.AddCommand(NewCmdCheck(f, nil))
	cmd.AddCommand(NewCmdExplain(f, nil))
	return cmd
}

// CheckOptions are the inputs of `glass policy check`.
type CheckOptions struct {
	IO   *iostreams.IOStreams
	File string
}

// NewCmdCheck returns `glass policy check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a policy file and explain what it allows",
		Long: `Validate a policy file (default: ` + policy.DefaultFile + `) strictly: unknown keys,
wrong types and impossible values are reported with FILE:LINE:COLUMN, all at
once. A valid file is explained in plain words. Makes no network request.

Exits 1 when the file is invalid, 2 when it cannot be read.`,
		Example: `  glass policy check
  glass policy check ops/glass.yml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = policy.DefaultFile
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
}

func checkRun(opts *CheckOptions) error {
	data, err := os.ReadFile(opts.File)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return cmdutil.FlagErrorf("%s does not exist; `glass init` writes a commented starter policy", opts.File)
		}
		return cmdutil.FlagErrorf("reading %s: %v", opts.File, err)
	}
	p, err := policy.Parse(opts.File, data)
	if err != nil {
		var es policy.Errors
		n := 1
		if errors.As(err, &es) {
			n = len(es)
		}
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("%s is not a valid policy (%d problem(s)):\n%v", opts.File, n, err))
	}
	cs := opts.IO.ColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s %s is a valid policy\n", cs.SuccessIcon(), opts.File)
	fmt.Fprint(opts.IO.Out, p.Describe())
	return nil
}

// ExplainOptions are the inputs of `glass policy explain`.
type ExplainOptions struct {
	IO     *iostreams.IOStreams
	Engine func() (*engine.Engine, error)
	Repo   string
	User   string
	File   string // a local file instead of the repository's policy
}

// NewCmdExplain returns `glass policy explain`.
func NewCmdExplain(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "explain -R OWNER/REPO --user LOGIN",
		Short: "Show what a person may do on a repository under its policy",
		Long: `Show what LOGIN may do on OWNER/REPO: each lever, the branches and
relaxations or permissions, the time limits and whether someone must approve.
The policy is the one glass would use there (the repository's
.github/glass.yml, else the organization's, else the built-in defaults), or
--file. Team membership is checked through the API.`,
		Example: `  glass policy explain -R acme/payments --user alice
  glass policy explain -R acme/payments --user bob --file .github/glass.yml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.RepoOverride == "" {
				return cmdutil.FlagErrorf("-R OWNER/REPO is required")
			}
			repo, err := cmdutil.ParseRepo(f.RepoOverride)
			if err != nil {
				return err
			}
			opts.Repo = repo
			opts.User = strings.TrimPrefix(strings.TrimSpace(opts.User), "@")
			if opts.User == "" {
				return cmdutil.FlagErrorf("--user LOGIN is required")
			}
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return explainRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "The `login` to explain")
	cmd.Flags().StringVar(&opts.File, "file", "", "Explain this local policy `file` instead of the repository's")
	return cmd
}

func explainRun(ctx context.Context, opts *ExplainOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	var p *policy.Policy
	if opts.File != "" {
		data, err := os.ReadFile(opts.File)
		if err != nil {
			return cmdutil.FlagErrorf("reading %s: %v", opts.File, err)
		}
		if p, err = policy.Parse(opts.File, data); err != nil {
			return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("%s is not a valid policy:\n%v", opts.File, err))
		}
	} else if p, err = eng.LoadPolicy(ctx, opts.Repo); err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("reading the policy for %s: %w", opts.Repo, err))
	}
	perms, err := p.Explain(ctx, opts.Repo, opts.User, eng.Directory())
	fmt.Fprintf(opts.IO.ErrOut, "Policy: %s\n", p.Source)
	fmt.Fprint(opts.IO.Out, policy.FormatExplain(opts.Repo, opts.User, perms))
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitFailure, fmt.Errorf("some rules could not be checked, so %s may be allowed more than shown: %w", opts.User, err))
	}
	return nil
}
