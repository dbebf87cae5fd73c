// Package initcmd implements `glass init`: write the GitHub Actions
// workflow that runs `glass sweep` on a schedule, so rollback does not
// depend on a laptop staying awake. (A package cannot be named init.)
package initcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/iostreams"
)

// WorkflowPath is where the workflow goes, relative to the repository root.
const WorkflowPath = ".github/workflows/glass-sweep.yml"

// DrillWorkflowPath is where `glass init --drill` writes the weekly drill.
const DrillWorkflowPath = ".github/workflows/glass-drill.yml"

// secretRE is GitHub's rule for secret names: letters, digits and
// underscores, not starting with a digit or GITHUB_
// (docs.github.com/actions/security-guides/using-secrets-in-github-actions#naming-your-secrets).
var secretRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// versionRE accepts what `go install module@VERSION` does here: latest or a semver tag.
var versionRE = regexp.MustCompile(`^(latest|v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

// InitOptions are the inputs of `glass init`.
type InitOptions struct {
	IO *iostreams.IOStreams

	Dir       string // repository root
	AuditRepo string // "" → the repository the workflow runs in
	Secret    string // repository secret holding the token
	Version   string // glass version the workflow installs
	Force     bool
	Drill     bool // write the weekly drill workflow instead of the sweep
	NoPolicy  bool // do not write the starter policy (policy.go)
}

// NewCmdInit returns `glass init`.
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IOStreams}
	var auditRepo string
	cmd := &cobra.Command{
		Use:   "init [--audit-repo OWNER/REPO] [--secret NAME]",
		Short: "Write a GitHub Actions workflow that runs glass sweep every five minutes",
		Long: `Write ` + WorkflowPath + `, a GitHub Actions workflow that runs
glass sweep every five minutes, so expired overrides are rolled back even
when the laptop that opened them is asleep.

The workflow reads its token from a repository secret (--secret, default
GLASS_TOKEN). The token must be able to administer the repositories whose
overrides it rolls back and to write issues in the audit repository; the
workflow's own GITHUB_TOKEN cannot change branch protection. Add it with:

  gh secret set GLASS_TOKEN

Without --audit-repo the workflow sweeps the repository it runs in.

With --drill, glass init writes ` + DrillWorkflowPath + ` instead: a weekly fire
drill (glass drill --scenario all on the repository the workflow runs in) that
fails the run when a check or an SLO fails (docs/drill-report.md).
GitHub may delay scheduled runs when it is busy; 5 minutes is the shortest
schedule it allows.

It also writes ` + PolicyPath + `, a commented starter policy (who may break
which glass, for how long, with whose approval, who hears about it), unless
the repository has one already or --no-policy is given. Makes no network
request.`,
		Example: `  glass init
  glass init --audit-repo acme/audit --secret GLASS_SWEEP_TOKEN
  glass init --drill --audit-repo acme/audit`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if auditRepo == "" && f.RepoOverride != "" {
				auditRepo = f.RepoOverride
			}
			if auditRepo != "" {
				r, err := cmdutil.ParseRepo(auditRepo)
				if err != nil {
					return cmdutil.FlagErrorf("invalid --audit-repo %q: expected OWNER/REPO", auditRepo)
				}
				opts.AuditRepo = r
			}
			if !secretRE.MatchString(opts.Secret) || strings.HasPrefix(strings.ToUpper(opts.Secret), "GITHUB_") {
				return cmdutil.FlagErrorf("invalid --secret %q: a secret name uses letters, digits and _, and does not start with a digit or GITHUB_", opts.Secret)
			}
			if !versionRE.MatchString(opts.Version) {
				return cmdutil.FlagErrorf("invalid --version %q: use latest or a release tag such as v1.2.3", opts.Version)
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "Repository root `directory` to write the workflow under")
	cmd.Flags().StringVar(&auditRepo, "audit-repo", "", "Audit repository to sweep, `OWNER/REPO` (default: the repository the workflow runs in)")
	cmd.Flags().StringVar(&opts.Secret, "secret", "GLASS_TOKEN", "The `name` of the repository secret that holds the sweep's token")
	cmd.Flags().StringVar(&opts.Version, "version", "latest", "glass `version` the workflow installs (pin a release tag for reproducible runs)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Overwrite an existing workflow file")
	cmd.Flags().BoolVar(&opts.Drill, "drill", false, "Write "+DrillWorkflowPath+" instead: a weekly fire drill (glass drill --scenario all) that fails the run when a check or SLO fails")
	cmd.Flags().BoolVar(&opts.NoPolicy, "no-policy", false, "Do not write the commented starter policy "+PolicyPath+" (an existing policy is never overwritten)")
	return cmd
}

// DrillWorkflow renders the weekly drill workflow (docs/drill-report.md).
func DrillWorkflow(opts *InitOptions) string {
	audit := "${{ github.repository }}"
	if opts.AuditRepo != "" {
		audit = opts.AuditRepo
	}
	return fmt.Sprintf(`# Written by glass init --drill. Once a week, runs a complete break-glass
# override on DRILL_BRANCH of this repository (labelled break-glass:drill) and
# checks that the door opens, the alert goes out and everything snaps back, with
# timings against SLOs (docs/drill-report.md). A failed check or a missed SLO
# fails the run (exit 6). The token in the %[1]s secret must be able to
# administer this repository's branch protection, write its contents and
# write issues in the audit repository. Use a branch whose protection a
# drill may relax for a minute.
name: glass drill

on:
  schedule:
    - cron: "17 9 * * 1" # Mondays 09:17 UTC (off the hour: GitHub delays scheduled runs at busy times)
  workflow_dispatch: {}

permissions:
  contents: read

concurrency:
  group: glass-drill
  cancel-in-progress: false

jobs:
  drill:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      DRILL_BRANCH: main
    steps:
      - uses: actions/setup-go@v5
        with:
          go-version: stable
          cache: false
      - name: Install glass
        run: go install github.com/glass-cli/glass/cmd/glass@%[2]s
      - name: Drill
        env:
          GH_TOKEN: ${{ secrets.%[1]s }}
          GLASS_NO_INPUT: "1"
        run: glass drill -R ${{ github.repository }} --branch "$DRILL_BRANCH" --audit-repo %[3]s --scenario all --duration 30s
      - name: History
        if: always()
        env:
          GH_TOKEN: ${{ secrets.%[1]s }}
        run: glass drill history -R %[3]s --limit 10
`, opts.Secret, opts.Version, audit)
}

// Workflow renders the workflow file.
func Workflow(opts *InitOptions) string {
	audit := "${{ github.repository }}"
	if opts.AuditRepo != "" {
		audit = opts.AuditRepo
	}
	return fmt.Sprintf(`# Written by glass init. Rolls back expired break-glass overrides every five
# minutes, so rollback never depends on the laptop that opened them.
# The token in the %[1]s secret must be able to administer the repositories
# glass acts on and to write issues in the audit repository.
name: glass sweep

on:
  schedule:
    - cron: "*/5 * * * *" # the shortest schedule GitHub allows; runs may be delayed
  workflow_dispatch: {}

permissions:
  contents: read

concurrency:
  group: glass-sweep
  cancel-in-progress: false

jobs:
  sweep:
    runs-on: ubuntu-latest
    timeout-minutes: 4
    steps:
      - uses: actions/setup-go@v5
        with:
          go-version: stable
          cache: false
      - name: Install glass
        run: go install github.com/glass-cli/glass/cmd/glass@%[2]s
      - name: Sweep
        env:
          GH_TOKEN: ${{ secrets.%[1]s }}
          GLASS_NO_INPUT: "1"
        # Exits non-zero (5) when a rollback could not be verified, so the
        # failed run is visible in the Actions tab.
        run: glass sweep --audit-repo %[3]s
`, opts.Secret, opts.Version, audit)
}

func initRun(opts *InitOptions) error {
	rel, content := WorkflowPath, Workflow
	if opts.Drill {
		rel, content = DrillWorkflowPath, DrillWorkflow
	}
	path := filepath.Join(opts.Dir, filepath.FromSlash(rel))
	if _, err := os.Stat(path); err == nil && !opts.Force {
		return cmdutil.FlagErrorf("%s already exists; nothing was changed; pass --force to overwrite it", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking %s: %w; nothing was written", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w; nothing was written", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(content(opts)), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	cs := opts.IO.ColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Wrote %s\n", cs.SuccessIcon(), path)
	if err := writePolicy(opts); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Next: add the token as a repository secret (gh secret set %s), then commit and push the workflow.\n", opts.Secret)
	return nil
}

// noArgs is cobra.NoArgs as a usage error (exit 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	return nil
}
