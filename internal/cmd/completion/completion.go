// Package completion prints shell completion scripts.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
)

// NewCmdCompletion returns `glass completion SHELL`.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion {bash|zsh|fish|powershell}",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. For example:

  glass completion bash > /etc/bash_completion.d/glass
  glass completion zsh > "${fpath[1]}/_glass"
  glass completion fish > ~/.config/fish/completions/glass.fish`,
		Args:      cobra.ExactValidArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return Write(cmd.Root(), args[0], f.IOStreams.Out)
		},
	}
}
