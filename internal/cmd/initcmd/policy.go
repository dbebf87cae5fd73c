package initcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/glass-cli/glass/internal/policy"
)

// PolicyPath is where glass looks for the policy, relative to the
// repository root (policy.DefaultFile).
const PolicyPath = policy.DefaultFile

// writePolicy writes the commented starter policy (policy.StarterPolicy)
// unless the repository already has a policy: a policy is edited by hand
// and reviewed like code, so glass never overwrites one, not even with
// --force. `glass init --drill` writes only the drill workflow.
func writePolicy(opts *InitOptions) error {
	if opts.NoPolicy || opts.Drill {
		return nil
	}
	path := filepath.Join(opts.Dir, filepath.FromSlash(PolicyPath))
	cs := opts.IO.ColorScheme()
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Kept %s (glass never overwrites a policy; `glass policy check` validates it)\n", path)
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking %s: %w; the workflow was written, the policy was not", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w; the workflow was written, the policy was not", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, policy.StarterPolicy(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w; the workflow was written, the policy was not", path, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Wrote %s, a commented starter policy: edit it, then `glass policy check %s`\n", cs.SuccessIcon(), path, path)
	return nil
}
