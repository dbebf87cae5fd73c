// Package status implements `glass status`: the open overrides with their
// time left, and any that are overdue, failed or stuck half-done.
package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// StatusOptions are the inputs of `glass status`.
type StatusOptions struct {
	IO     *iostreams.IOStreams
	Engine func() (*engine.Engine, error)
	Clock  clock.Clock

	AuditRepos []string // where to look
	Target     string   // with both -R and --audit-repo: only overrides on this repository
	// PolicyRepo is the -R (or current) repository when no --audit-repo
	// was given: its policy's audit_repo is looked at too (ResolvePolicy).
	PolicyRepo string
	JSON       bool
}

// NewCmdStatus returns `glass status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Clock: f.Clock}
	var auditRepos []string
	cmd := &cobra.Command{
		Use:   "status [-R OWNER/REPO | --audit-repo OWNER/REPO] [--json]",
		Short: "Show open overrides, their time left, and any overdue or failed",
		Long: `Show the open overrides recorded in an audit repository: who opened what,
the time left, and any that are OVERDUE (expired but not yet rolled back:
run glass sweep), FAILED (a rollback could not be verified: a human must
look) or STUCK (left half-done; glass sweep finishes it). A request for
approval past its deadline shows as TIMED OUT: nothing was applied, and
glass sweep closes it.

On a terminal the table is live: the time left counts down, and the list
is read again every 15 seconds with conditional requests (a 304 when
nothing changed costs no rate limit); q quits. --json and output to a
pipe or file are a single plain read.

The audit repository is --audit-repo, else -R (overrides are recorded in
the target repository unless they were opened with --audit-repo). With
both, only overrides on the -R repository are shown.`,
		Example: `  glass status --audit-repo acme/audit
  glass status -R acme/payments --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			repos, target, err := AuditRepos(f, auditRepos)
			if err != nil {
				return err
			}
			opts.AuditRepos, opts.Target = repos, target
			if len(auditRepos) == 0 {
				opts.PolicyRepo = repos[0]
			}
			opts.Engine = f.Engine
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&auditRepos, "audit-repo", nil, "Audit repositories to look in, `OWNER/REPO` (repeatable)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the overrides as JSON")
	return cmd
}

// AuditRepos resolves where status and sweep look: --audit-repo, else -R,
// else the current repository. With both, target is the -R repository.
func AuditRepos(f *cmdutil.Factory, flag []string) (repos []string, target string, err error) {
	for _, r := range flag {
		p, err := cmdutil.ParseRepo(r)
		if err != nil {
			return nil, "", cmdutil.FlagErrorf("invalid --audit-repo %q: expected OWNER/REPO", r)
		}
		if !contains(repos, p) {
			repos = append(repos, p)
		}
	}
	if f.RepoOverride != "" {
		if target, err = cmdutil.ParseRepo(f.RepoOverride); err != nil {
			return nil, "", err
		}
	}
	if len(repos) > 0 {
		return repos, target, nil
	}
	if target != "" {
		return []string{target}, "", nil
	}
	if f.CurrentRepo != nil {
		if r, err := f.CurrentRepo(); err == nil {
			return []string{r}, "", nil
		}
	}
	return nil, "", cmdutil.FlagErrorf("missing required flags: --audit-repo or -R/--repo (no git remote \"origin\" here to default to)")
}

// ResolvePolicy is where status and sweep look when only a repository
// was given (-R or the current one): the repository and, when its policy
// names another audit_repo, that one too (more is true then). A policy
// that cannot be read leaves the repository alone, with a warning.
func ResolvePolicy(ctx context.Context, eng *engine.Engine, repo string, ios *iostreams.IOStreams) (repos []string, more bool) {
	repos, err := eng.AuditReposFor(ctx, repo)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "%s could not read the policy of %s (%v); looking only in %s, not in any audit_repo it may name; pass --audit-repo to choose\n",
			ios.ColorScheme().WarningIcon(), repo, err, repo)
	}
	return repos, len(repos) > 1
}

// ListErr maps an error from listing audit repositories (status, sweep):
// a repository that does not exist, or that the token cannot see, is bad
// input (exit 2); anything else keeps the engine's exit code.
func ListErr(err error, repos []string) error {
	var fe *cmdutil.FlagError
	var ee *cmdutil.ExitError
	if errors.As(err, &fe) || errors.As(err, &ee) {
		return err
	}
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusNotFound {
		return cmdutil.FlagErrorf("audit repository %s not found, or your token cannot see it; nothing was changed; check --audit-repo or -R", strings.Join(repos, ", "))
	}
	return cmdutil.WithCode(engine.ExitCode(err), err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Entry is one override in `glass status --json`.
type Entry struct {
	ID          string          `json:"id"`
	Lever       override.Lever  `json:"lever"`
	Target      override.Target `json:"target"`
	Relax       []string        `json:"relax"`
	Actor       string          `json:"actor"`
	Reason      string          `json:"reason"`
	Incident    string          `json:"incident"`
	State       override.State  `json:"state"`
	ExpiresAt   *time.Time      `json:"expires_at"`
	SecondsLeft int64           `json:"seconds_left"` // negative when overdue
	Overdue     bool            `json:"overdue"`
	Failed      bool            `json:"failed"`
	Stuck       bool            `json:"stuck"`
	TimedOut    bool            `json:"timed_out"` // a request past its approval deadline (sweep closes it)
	Drill       bool            `json:"drill"`
}

// Invalid is an open break-glass issue whose record glass cannot read.
type Invalid struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Result is `glass status --json`.
type Result struct {
	Overrides []Entry   `json:"overrides"`
	Invalid   []Invalid `json:"invalid"`
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	if opts.PolicyRepo != "" {
		var more bool
		opts.AuditRepos, more = ResolvePolicy(ctx, eng, opts.PolicyRepo, opts.IO)
		if more {
			// Overrides on the repository, wherever they are recorded.
			opts.Target = opts.PolicyRepo
		}
	}
	if !opts.JSON && opts.IO.CanPrompt() {
		return live(ctx, opts, eng)
	}
	res, err := eng.Status(ctx, opts.AuditRepos...)
	if err != nil {
		return ListErr(err, opts.AuditRepos)
	}
	out := Result{Overrides: []Entry{}, Invalid: []Invalid{}}
	var entries []engine.StatusEntry
	for _, en := range res.Entries {
		o := en.Override
		if opts.Target != "" && !strings.EqualFold(o.Target.Repo, opts.Target) {
			continue
		}
		entries = append(entries, en)
		e := Entry{ID: o.ID, Lever: o.Lever, Target: o.Target, Relax: o.Relax, Actor: o.Actor, Reason: o.Reason, Incident: o.Incident,
			State: o.State, SecondsLeft: int64(en.Left / time.Second), Overdue: en.Overdue, Failed: en.Failed, Stuck: en.Stuck, TimedOut: en.TimedOut, Drill: o.Drill}
		if !o.Expires.IsZero() {
			t := o.Expires.UTC()
			e.ExpiresAt = &t
		}
		if e.Relax == nil {
			e.Relax = []string{}
		}
		out.Overrides = append(out.Overrides, e)
	}
	for _, b := range res.Invalid {
		out.Invalid = append(out.Invalid, Invalid{ID: b.ID, Error: b.Err.Error()})
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}
	cs := opts.IO.ColorScheme()
	for _, b := range out.Invalid {
		fmt.Fprintf(opts.IO.ErrOut, "%s %s: %s\n", cs.WarningIcon(), b.ID, b.Error)
	}
	if len(entries) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No open overrides in %s\n", strings.Join(opts.AuditRepos, ", "))
		return nil
	}
	// On a terminal the table fits the width; piped, nothing is cut (gh's
	// tableprinter does the same), so grep and logs see whole reasons.
	width := 0
	if opts.IO.IsStdoutTTY() {
		width = opts.IO.TerminalWidth()
	}
	PrintTable(opts.IO.Out, entries, width)
	var overdue, failed int
	for _, en := range entries {
		if en.Failed {
			failed++
		} else if en.Overdue {
			overdue++
		}
	}
	if overdue > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s %d override(s) OVERDUE: run `glass sweep --audit-repo %s` to roll them back\n", cs.WarningIcon(), overdue, opts.AuditRepos[0])
	}
	if failed > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s %d override(s) FAILED to roll back: check the setting by hand (see the audit issue), then run `glass sweep`\n", cs.FailureIcon(), failed)
	}
	return nil
}

// PrintTable lays the entries out in columns that fit width (0: no limit):
// the reason, then the target, then the owner are truncated first. Every state is a word, never only
// a colour.
func PrintTable(w io.Writer, entries []engine.StatusEntry, width int) {
	header := []string{"ID", "LEVER", "TARGET", "OWNER", "EXPIRES", "STATE", "REASON"}
	rows := [][]string{header}
	for _, en := range entries {
		o := en.Override
		rows = append(rows, []string{o.ID, string(o.Lever), target(o), o.Actor, expires(en), state(en), oneLine(o.Reason)})
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	total := func() int {
		t := 2 * (len(widths) - 1)
		for _, x := range widths {
			t += x
		}
		return t
	}
	// Shrink REASON, then TARGET (its relax names go first, they are at
	// the end), then OWNER, in steps, to fit. ID is never cut: it is what
	// people copy into glass close.
	for _, col := range []struct{ i, min int }{{6, 12}, {2, 18}, {3, 8}, {6, 6}, {2, 10}, {3, 5}} {
		if over := total() - width; width > 0 && over > 0 && widths[col.i] > col.min {
			widths[col.i] = max(col.min, widths[col.i]-over)
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == 2 {
				c = cutTarget(c, widths[i])
			} else {
				c = truncate(c, widths[i])
			}
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func target(o *override.Override) string {
	switch o.Lever {
	case override.LeverAccess:
		return fmt.Sprintf("%s:%s@%s", o.Target.Repo, o.Target.User, o.Target.Permission)
	case override.LeverProtection:
		return fmt.Sprintf("%s@%s:%s", o.Target.Repo, o.Target.Branch, strings.Join(o.Relax, "+"))
	case override.LeverRuleset:
		on := o.Target.Repo
		if o.Target.Branch != "" {
			on += "@" + o.Target.Branch
		}
		if o.Target.RulesetOrg != "" {
			// an organization ruleset: one setting for every repository it applies to
			return fmt.Sprintf("%s ruleset %d of %s:%s", on, o.Target.RulesetID, o.Target.RulesetOrg, strings.Join(o.Relax, "+"))
		}
		return fmt.Sprintf("%s ruleset %d:%s", on, o.Target.RulesetID, strings.Join(o.Relax, "+"))
	case override.LeverTeam:
		return fmt.Sprintf("%s:%s", o.Target.Team, o.Target.User)
	}
	return o.Target.String()
}

func expires(en engine.StatusEntry) string {
	o := en.Override
	switch {
	case o.Expires.IsZero():
		return "-"
	case en.Overdue:
		return "OVERDUE " + tui.Human(-en.Left)
	}
	return "in " + tui.Human(en.Left)
}

func state(en engine.StatusEntry) string {
	s := string(en.Override.State)
	switch {
	case en.Failed:
		return "FAILED"
	case en.Stuck:
		return "STUCK" // left half-done: glass sweep finishes it
	case en.TimedOut:
		return "TIMED OUT" // a request nobody approved in time: glass sweep closes it
	case en.Override.Drill:
		return s + " (drill)"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cutTarget shortens a target at a separator (":" before the relax names
// or user, "@" before the branch or role) so that what is left is whole.
func cutTarget(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	for i := len(s) - 1; i > 0; i-- {
		if s[i] != ':' && s[i] != '@' {
			continue
		}
		switch p := utf8.RuneCountInString(s[:i]); {
		case p+1 <= n:
			return s[:i] + "…"
		case p == n:
			return s[:i]
		}
	}
	return truncate(s, n)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-1]) + "…"
}

// noArgs is cobra.NoArgs as a usage error (exit 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	return nil
}
