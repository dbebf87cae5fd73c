package completion

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Shells lists the shells glass ships completions for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// Write writes the completion script for shell.
func Write(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("unsupported shell %q (valid: bash, zsh, fish, powershell)", shell)
}
