// Package open implements `glass open`: relax one lever for a bounded
// window, recorded in an audit issue before anything changes.
package open

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Permissions an access override may grant (GitHub's repository roles).
var permissions = []string{"pull", "triage", "push", "maintain", "admin"}

// loginRE is GitHub's login syntax (the same rule as owner names).
var loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-(?:[A-Za-z0-9])){0,38}$`)

// OpenOptions are the inputs of `glass open`.
type OpenOptions struct {
	IO *iostreams.IOStreams
	// Engine and Levers are built on first use, after every flag has been
	// checked, so bad input fails before any network call.
	Engine func() (*engine.Engine, error)
	Levers func() (map[override.Lever]lever.Lever, error)
	GitHub func() (*github.Client, error)
	// Whoami returns the token's login (the default --user of the access lever).
	Whoami func(ctx context.Context) (string, error)
	Clock  clock.Clock
	// Confirm asks a yes/no question on the terminal; nil reads a line from IO.In.
	Confirm func(question string) (bool, error)

	Repo       string
	Lever      override.Lever
	Branch     string
	Relax      []string
	User       string
	Permission string
	// Ruleset is --ruleset as given (an id or a name); RulesetID is what it
	// (or --branch) resolved to.
	Ruleset   string
	RulesetID int64
	// BypassTeams and BypassRoles are --bypass-team and --bypass-role:
	// shorthands for the ruleset relax names bypass-team:SLUG and
	// bypass-role:ROLE (each with an optional :pull_request), added to Relax.
	BypassTeams []string
	BypassRoles []string
	// Team is --team as ORG/SLUG (a bare slug is in the repository's owner).
	Team      string
	Duration  time.Duration
	Reason    string
	Incident  string
	AuditRepo string
	Yes       bool
	JSON      bool
	Wait      bool // stay in the foreground until expiry (internal/tui/wait)
	sigs      chan os.Signal
	// NoWait and ApprovalTimeout: when the policy requires approval (see
	// engine.OpenRequest).
	NoWait          bool
	ApprovalTimeout time.Duration
}

// NewCmdOpen returns `glass open`.
func NewCmdOpen(f *cmdutil.Factory, runF func(*OpenOptions) error) *cobra.Command {
	opts := &OpenOptions{IO: f.IOStreams, Clock: f.Clock}
	var leverName, duration, auditRepo string
	cmd := &cobra.Command{
		Use:   "open -R OWNER/REPO --lever protection|ruleset|access|team [flags]",
		Short: "Open an override: relax a lever for a bounded, audited window",
		Long: `Open an override: relax branch protection or a ruleset, grant a repository
role, or add someone to a team, for a bounded window. glass writes the audit issue first, then makes the change,
verifies it, and prints the override ID, what changed and when it expires.
The change is rolled back by ` + "`glass close ID`" + `, or by ` + "`glass sweep`" + ` once it expires.

Without a terminal (a pipe, CI, --no-input) glass never prompts: every
required flag must be given, and --yes confirms the change. On a terminal
glass shows what will change (and queued pull requests that would land)
and asks before changing anything, unless --yes is given.`,
		Example: `  glass open -R acme/payments --lever protection --branch main --relax reviews --duration 30m --reason "INC-42: hotfix"
  glass open -R acme/payments --lever protection --branch main --relax all --duration 15m --reason "INC-42" --yes --json
  glass open -R acme/payments --lever access --user dave --permission push --duration 1h --reason "INC-43: deploy fix"
  glass open -R acme/payments --lever ruleset --branch staging --ruleset payments-staging --relax disable --duration 30m --reason "INC-44"
  glass open -R acme/payments --lever ruleset --ruleset payments-staging --relax bypass-team:oncall --duration 30m --reason "INC-44"
  glass open -R acme/payments --lever team --team release-managers --user bob --duration 1h --reason "INC-45: ship the fix"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			// Every problem with the flags is collected before any is
			// reported, so one run names them all: values that are
			// invalid (or not for the lever) and required flags that
			// are missing.
			var missing, invalid []string
			need := func(flag string, ok bool) {
				if !ok {
					missing = append(missing, flag)
				}
			}
			bad := func(err error) {
				var fe *cmdutil.FlagError
				if errors.As(err, &fe) {
					invalid = append(invalid, strings.TrimSuffix(fe.Error(), "; nothing was changed"))
				}
			}

			repo, err := baseRepo(f)
			if err != nil {
				var fe *cmdutil.FlagError
				switch {
				case !errors.As(err, &fe):
					return err
				case f.RepoOverride != "":
					bad(err) // an invalid -R
				default:
					need("-R/--repo", false)
				}
			}
			opts.Repo = repo

			switch {
			case leverName == "" && opts.Permission != "":
				opts.Lever = override.LeverAccess
			case leverName == "":
				opts.Lever = override.LeverProtection
			default:
				opts.Lever = override.Lever(strings.ToLower(strings.TrimSpace(leverName)))
			}
			notFor := func(lv string, names ...string) error {
				for _, n := range names {
					if flags.Changed(n) {
						return cmdutil.FlagErrorf("--%s is not for --lever %s (%s takes %s)", n, lv, lv, leverFlags[lv])
					}
				}
				return nil
			}
			switch opts.Lever {
			case override.LeverProtection:
				if err := notFor("protection", "ruleset", "team", "bypass-team", "bypass-role"); err != nil {
					bad(err)
				} else if flags.Changed("permission") || flags.Changed("user") {
					bad(cmdutil.FlagErrorf("--permission and --user are for --lever access; branch protection takes --branch and --relax"))
				}
				opts.Branch = strings.TrimSpace(opts.Branch)
				need("--branch", opts.Branch != "")
				opts.Relax = override.NormalizeRelax(opts.Relax)
				need("--relax", len(opts.Relax) > 0)
			case override.LeverRuleset:
				if err := notFor("ruleset", "user", "permission", "team"); err != nil {
					bad(err)
				}
				opts.Branch = strings.TrimSpace(opts.Branch)
				opts.Ruleset = strings.TrimSpace(opts.Ruleset)
				need("--ruleset or --branch", opts.Branch != "" || opts.Ruleset != "")
				if err := opts.bypassRelax(flags.Changed("relax")); err != nil {
					bad(err)
				}
				opts.Relax = override.NormalizeRelax(opts.Relax)
				need("--relax", len(opts.Relax) > 0 || len(opts.BypassTeams)+len(opts.BypassRoles) > 0)
			case override.LeverTeam:
				if err := notFor("team", "branch", "relax", "permission", "ruleset", "bypass-team", "bypass-role"); err != nil {
					bad(err)
				}
				opts.User = strings.TrimPrefix(strings.TrimSpace(opts.User), "@")
				if opts.User != "" && !loginRE.MatchString(opts.User) {
					bad(cmdutil.FlagErrorf("invalid --user %q: expected a GitHub login", opts.User))
				}
				opts.Team = strings.TrimSpace(opts.Team)
				need("--team", opts.Team != "")
				if opts.Team != "" && !strings.Contains(opts.Team, "/") && repo != "" {
					owner, _, _ := strings.Cut(repo, "/")
					opts.Team = owner + "/" + opts.Team
				}
			case override.LeverAccess:
				if err := notFor("access", "ruleset", "team", "bypass-team", "bypass-role"); err != nil {
					bad(err)
				} else if flags.Changed("branch") || flags.Changed("relax") {
					bad(cmdutil.FlagErrorf("--branch and --relax are for --lever protection; access takes --user and --permission"))
				}
				opts.User = strings.TrimPrefix(strings.TrimSpace(opts.User), "@")
				if opts.User != "" && !loginRE.MatchString(opts.User) {
					bad(cmdutil.FlagErrorf("invalid --user %q: expected a GitHub login", opts.User))
				}
				opts.Permission = strings.ToLower(strings.TrimSpace(opts.Permission))
				if opts.Permission != "" && !contains(permissions, opts.Permission) {
					bad(cmdutil.FlagErrorf("invalid --permission %q (valid: %s)", opts.Permission, strings.Join(permissions, ", ")))
				} else {
					need("--permission", opts.Permission != "")
				}
			default:
				bad(cmdutil.FlagErrorf("unknown --lever %q (valid: protection, ruleset, access, team)", leverName))
			}

			// No --duration: the policy's default_duration (30m under the
			// built-in defaults), which the preview shows before anything
			// changes. On a terminal the interactive flow, when it runs for
			// other missing values, asks with that default preselected.
			if strings.TrimSpace(duration) != "" {
				if opts.Duration, err = cmdutil.ParseDuration("--duration", duration); err != nil {
					bad(err)
				}
			}
			opts.Reason = strings.TrimSpace(opts.Reason)
			need("--reason", opts.Reason != "")
			opts.Incident = strings.TrimSpace(opts.Incident)
			if auditRepo != "" {
				if opts.AuditRepo, err = cmdutil.ParseRepo(auditRepo); err != nil {
					bad(cmdutil.FlagErrorf("invalid --audit-repo %q: expected OWNER/REPO", auditRepo))
				}
			}
			// gh's rule (pkg/cmd/repo/delete): without a terminal to ask on,
			// the change must be confirmed on the command line.
			need("--yes", opts.Yes || opts.IO.CanPrompt())

			if len(invalid) > 0 {
				// On a terminal the flow would ask for what is missing, so
				// only the invalid values are reported there.
				msg := strings.Join(invalid, "; ")
				if len(missing) > 0 && !opts.IO.CanPrompt() {
					msg += "; missing required flags: " + strings.Join(missing, ", ")
				}
				return cmdutil.FlagErrorf("%s; nothing was changed", msg)
			}
			if len(missing) > 0 && opts.IO.CanPrompt() {
				opts.Engine, opts.Levers, opts.GitHub = f.Engine, f.Levers, f.GitHub
				opts.Whoami = func(ctx context.Context) (string, error) { return whoami(ctx, f) }
				if runF != nil {
					return runF(opts)
				}
				defer opts.catchSignals()()
				return opts.interactive(cmd.Context(), f, flags)
			}
			if len(missing) > 0 {
				msg := fmt.Sprintf("missing required flags: %s; nothing was changed", strings.Join(missing, ", "))
				if contains(missing, "--yes") {
					msg += " (glass cannot ask for confirmation without a terminal, so --yes must confirm the change)"
				}
				return cmdutil.FlagErrorf("%s", msg)
			}

			opts.Engine = f.Engine
			opts.Levers = f.Levers
			opts.GitHub = f.GitHub
			opts.Whoami = func(ctx context.Context) (string, error) { return whoami(ctx, f) }
			if runF != nil {
				return runF(opts)
			}
			defer opts.catchSignals()()
			return openRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&leverName, "lever", "", "Which `lever`: protection (branch protection, the default), ruleset, access (a repository role) or team (team membership)")
	fl.StringVar(&opts.Branch, "branch", "", "Protected `branch` to relax (protection; ruleset: find the ruleset that applies to it)")
	fl.StringSliceVar(&opts.Relax, "relax", nil, "What to relax, comma-separated `names`; protection: "+relaxHelp()+"; ruleset: "+rulesetRelaxHelp())
	fl.StringVar(&opts.Ruleset, "ruleset", "", "The ruleset to relax, by `id or name` (ruleset; default: the one ruleset with active rules on --branch)")
	fl.StringSliceVar(&opts.BypassTeams, "bypass-team", nil, "Let a team bypass the ruleset for the window, `SLUG[:pull_request]` (ruleset; same as --relax bypass-team:SLUG)")
	fl.StringSliceVar(&opts.BypassRoles, "bypass-role", nil, "Let a repository role bypass the ruleset for the window, `ROLE[:pull_request]`: admin, maintain or write (ruleset; same as --relax bypass-role:ROLE)")
	fl.StringVar(&opts.Team, "team", "", "The team to add --user to, `[ORG/]SLUG` (team; ORG defaults to the repository's owner)")
	fl.StringVar(&opts.User, "user", "", "The `login` to grant the role to or add to the team (access, team; default: you)")
	fl.StringVar(&opts.Permission, "permission", "", "The `role` to grant (access): pull, triage, push, maintain or admin")
	fl.StringVar(&duration, "duration", "", "How long the override lasts, a `duration` such as 15m or 1h30m (default: the policy's default_duration; 30m without a policy file)")
	fl.StringVar(&opts.Reason, "reason", "", "Why, in plain `text`: recorded in the audit issue")
	fl.StringVar(&opts.Incident, "incident", "", "Incident `reference`, e.g. INC-42")
	fl.StringVar(&auditRepo, "audit-repo", "", "Repository for the audit issue, `OWNER/REPO` (default: the policy's audit_repo, else the target repository)")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "When the policy requires approval, record the request and exit 8 instead of waiting for an approver")
	fl.DurationVar(&opts.ApprovalTimeout, "approval-timeout", 0, "When the policy requires approval, wait at most this `duration` for an approver (never longer than the policy allows)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	fl.BoolVar(&opts.JSON, "json", false, "Print the override as JSON")
	fl.BoolVar(&opts.Wait, "wait", false, "Stay in the foreground with a countdown and roll back at expiry (signals close the override)")
	return cmd
}

// relaxHelp lists the protection lever's relax names for --help. Relaxations
// is static; the lever needs no client for it.
func relaxHelp() string {
	var names []string
	for _, r := range protection.New(nil).Relaxations() {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

// leverFlags says which flags each lever takes, for usage errors.
var leverFlags = map[string]string{
	"protection": "--branch and --relax",
	"ruleset":    "--ruleset or --branch, and --relax (or --bypass-team, --bypass-role)",
	"access":     "--user and --permission",
	"team":       "--team and --user",
}

// bypassRelax turns --bypass-team and --bypass-role into the relax names
// they stand for. With --relax as well the request is ambiguous (which one
// is the whole relaxation?), so it is a usage error.
func (o *OpenOptions) bypassRelax(relaxGiven bool) error {
	if len(o.BypassTeams)+len(o.BypassRoles) == 0 {
		return nil
	}
	if relaxGiven {
		return cmdutil.FlagErrorf("--relax cannot be combined with --bypass-team or --bypass-role: pass one or the other (--bypass-team SLUG is --relax bypass-team:SLUG, --bypass-role ROLE is --relax bypass-role:ROLE); nothing was changed")
	}
	add := func(flag, prefix, v string, ok func(string) bool, want string) error {
		v = strings.TrimSpace(v)
		name, mode, hasMode := strings.Cut(v, ":")
		if !ok(name) || (hasMode && mode != "pull_request") {
			return cmdutil.FlagErrorf("invalid %s %q: expected %s, optionally followed by :pull_request (bypass through pull requests only); nothing was changed", flag, v, want)
		}
		o.Relax = append(o.Relax, prefix+v)
		return nil
	}
	for _, v := range o.BypassTeams {
		if err := add("--bypass-team", "bypass-team:", v, func(s string) bool { return s != "" && !strings.Contains(s, "/") }, "a team slug of the repository's organization, e.g. --bypass-team oncall"); err != nil {
			return err
		}
	}
	for _, v := range o.BypassRoles {
		if err := add("--bypass-role", "bypass-role:", v, func(s string) bool { return s == "admin" || s == "maintain" || s == "write" }, "admin, maintain or write"); err != nil {
			return err
		}
	}
	return nil
}

// rulesetRelaxHelp lists the ruleset lever's relax names for --help.
func rulesetRelaxHelp() string {
	var names []string
	for _, r := range ruleset.New(nil).Relaxations() {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

func baseRepo(f *cmdutil.Factory) (string, error) {
	if f.RepoOverride == "" && f.CurrentRepo == nil {
		return "", cmdutil.FlagErrorf("no repository")
	}
	return f.BaseRepo()
}

func whoami(ctx context.Context, f *cmdutil.Factory) (string, error) {
	gh, err := f.GitHub()
	if err != nil {
		return "", err
	}
	u, _, err := gh.Users.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("reading who the token belongs to (GET /user): %w; nothing was changed", err)
	}
	return u.GetLogin(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// request builds the engine request from the options.
func (o *OpenOptions) request() engine.OpenRequest {
	req := engine.OpenRequest{Lever: o.Lever, Target: override.Target{Repo: o.Repo}, Duration: o.Duration,
		Reason: o.Reason, Incident: o.Incident, AuditRepo: o.AuditRepo, NoWait: o.NoWait, Wait: o.ApprovalTimeout}
	switch o.Lever {
	case override.LeverProtection:
		req.Target.Branch = o.Branch
		req.Relax = o.Relax
	case override.LeverAccess:
		req.Target.User = o.User
		req.Self = o.User == ""
		req.Target.Permission = o.Permission
		req.Relax = []string{o.Permission}
	case override.LeverRuleset:
		req.Target.Branch = o.Branch
		req.Target.RulesetID = o.RulesetID
		req.Relax = o.Relax
	case override.LeverTeam:
		req.Target.User = o.User
		req.Self = o.User == ""
		req.Target.Team = o.Team
		req.Relax = []string{"member"}
	}
	return req
}

// validate checks the relax names against the lever, offline.
func (o *OpenOptions) validate() (lever.Lever, error) {
	levers, err := o.Levers()
	if err != nil {
		return nil, err
	}
	lv, ok := levers[o.Lever]
	if !ok || lv == nil {
		return nil, cmdutil.FlagErrorf("lever %q is not available in this build; nothing was changed", o.Lever)
	}
	if o.Lever == override.LeverProtection {
		var valid []string
		for _, r := range lv.Relaxations() {
			valid = append(valid, r.Name)
		}
		for _, r := range o.Relax {
			if !contains(valid, r) && r != "all" {
				return nil, cmdutil.FlagErrorf("unknown --relax %q (valid: %s); nothing was changed", r, strings.Join(valid, ", "))
			}
		}
		if contains(o.Relax, "all") && !contains(valid, "all") {
			o.Relax = override.NormalizeRelax(valid)
		}
	}
	return lv, nil
}

// selfLogin stands in for the token's login (--user's default, which the
// engine fills in) in the offline validation: any valid login will do.
const selfLogin = "glass-self"

// check runs the lever's own offline validation.
func (o *OpenOptions) check(lv lever.Lever) error {
	req := o.request()
	if req.Self {
		req.Target.User = selfLogin
	}
	if err := lv.Validate(req.Target, req.Relax); err != nil {
		return cmdutil.FlagErrorf("%v; nothing was changed", err)
	}
	return nil
}

// resolveRuleset finds the ruleset (--ruleset, or the one with active rules
// on --branch) and the ids of bypass teams, before anything changes.
func (o *OpenOptions) resolveRuleset(ctx context.Context) error {
	gh, err := o.GitHub()
	if err != nil {
		return err
	}
	t, relax, err := ruleset.Resolve(ctx, gh, override.Target{Repo: o.Repo, Branch: o.Branch}, o.Ruleset, o.Relax)
	if err != nil {
		var lr *lever.RefusalError
		if errors.As(err, &lr) {
			if strings.Contains(lr.Reason, "not found") || strings.HasPrefix(lr.Reason, "no ruleset named") || strings.HasPrefix(lr.Reason, "invalid") {
				return cmdutil.FlagErrorf("%v", lr)
			}
			return cmdutil.Refused("%v", lr)
		}
		return mapErr(err, o)
	}
	o.RulesetID, o.Relax = t.RulesetID, relax
	return nil
}

func openRun(ctx context.Context, opts *OpenOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	lv, err := opts.validate()
	if err != nil {
		return err
	}
	// --user defaults to the token's login: the engine reads it in its
	// first round anyway (request.Self), so it costs nothing here.
	if opts.Lever == override.LeverRuleset {
		if err := opts.resolveRuleset(ctx); err != nil {
			return err
		}
	}
	if err := opts.check(lv); err != nil {
		return err
	}
	eng, err := opts.Engine()
	if err != nil {
		return err
	}
	req := opts.request()
	cs := opts.IO.ColorScheme()
	errOut := opts.IO.ErrOut
	// The engine writes nothing before its reads have shown the input is
	// good (no preflight round needed): a 404 or 403 from them is bad
	// input or a refusal, with nothing changed (mapErr).
	var pv *engine.Preview
	var o *override.Override
	if opts.Yes {
		// Nothing to confirm: open in one go (4 round trips), showing
		// each step as it happens unless the output is JSON.
		if !opts.JSON {
			eng = eng.AlsoProgress(newProgress(opts.IO).step)
		}
		o, pv, err = eng.OpenWithPreview(ctx, req)
		if err != nil && pv == nil {
			return mapErr(err, opts)
		}
		if opts.JSON && pv != nil {
			// The JSON is the override alone: say what may land on
			// stderr, so the log of a CI run shows it.
			for _, n := range pv.Notices {
				fmt.Fprintf(errOut, "%s %s\n", cs.WarningIcon(), noticeLine(n))
			}
		}
	} else if pv, err = eng.Plan(ctx, req); err != nil {
		return mapErr(err, opts)
	}
	if !opts.Yes {
		printPreview(errOut, cs, pv)
		// While the person reads and decides, the engine keeps the
		// preview's reads fresh (mostly 304s): once confirmed, open is
		// three round trips, however long that took.
		stop := eng.KeepFresh(ctx, pv)
		ok, err := opts.confirm("Open this override?")
		stop()
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancel
		}
		o, err = eng.OpenPreview(ctx, pv)
	}
	defer waitNotifications(ctx, eng, opts.IO)
	if err != nil {
		if o != nil && o.ID != "" && (o.State == override.StateActive || o.State == override.StateApplying) {
			fmt.Fprintf(errOut, "%s %s exists and is in force: `glass close '%s'` rolls it back\n", cs.WarningIcon(), o.ID, o.ID)
		}
		// The engine's message says what it changed; a 404 here is not a
		// typo in the input (the reads found the target), so keep its
		// exit code.
		var fe *cmdutil.FlagError
		var ee *cmdutil.ExitError
		if errors.As(err, &fe) || errors.As(err, &ee) {
			return err
		}
		return cmdutil.WithCode(engine.ExitCode(err), err)
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, o); err != nil {
			return err
		}
		return opts.wait(ctx, o)
	}
	fmt.Fprintf(errOut, "%s Opened %s: %s, verified\n", cs.SuccessIcon(), o.ID, what(o))
	printResult(opts.IO.Out, o, pv, opts.now())
	return opts.wait(ctx, o)
}

// notifyGrace bounds how long open waits, after reporting its result, for
// webhook deliveries to finish and be recorded in the audit issue.
const notifyGrace = 30 * time.Second

// waitNotifications lets the policy's webhooks finish (bounded) and warns
// about any that failed; access was granted (or refused) either way.
func waitNotifications(ctx context.Context, eng *engine.Engine, ios *iostreams.IOStreams) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyGrace)
	defer cancel()
	for _, w := range eng.WaitNotifications(wctx) {
		fmt.Fprintf(ios.ErrOut, "%s notification: %s\n", ios.ColorScheme().WarningIcon(), w)
	}
}

func (o *OpenOptions) now() time.Time {
	if o.Clock == nil {
		return time.Now()
	}
	return o.Clock.Now()
}

func (o *OpenOptions) confirm(q string) (bool, error) {
	if o.Confirm != nil {
		return o.Confirm(q)
	}
	if !o.IO.CanPrompt() {
		return false, cmdutil.FlagErrorf("--yes is required when glass cannot ask for confirmation; nothing was changed")
	}
	fmt.Fprintf(o.IO.ErrOut, "? %s [y/N] ", q)
	line, err := bufio.NewReader(o.IO.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// mapErr gives engine errors their exit codes, and turns "not found" on
// the target into a usage error: the input was wrong, nothing changed.
func mapErr(err error, opts *OpenOptions) error {
	var fe *cmdutil.FlagError
	var ee *cmdutil.ExitError
	if errors.As(err, &fe) || errors.As(err, &ee) {
		return err
	}
	var ge *github.ErrorResponse
	var eerr *engine.Error
	if errors.As(err, &eerr) && eerr.Step == "audit" && errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusNotFound {
		audit := opts.AuditRepo
		if audit == "" {
			audit = opts.Repo
		}
		return cmdutil.FlagErrorf("audit repository %s not found, or your token cannot see it; nothing was changed; check --audit-repo", audit)
	}
	if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusForbidden {
		// Before any write, GitHub saying the token may not do this is a
		// refusal (exit 3), not a failure: nothing was changed.
		return cmdutil.Refused("%v", err)
	}
	if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusNotFound {
		what := "repository " + opts.Repo
		if opts.Branch != "" {
			what = fmt.Sprintf("repository %s or branch %q", opts.Repo, opts.Branch)
		}
		if opts.User != "" {
			what = fmt.Sprintf("repository %s or user %q", opts.Repo, opts.User)
		}
		return cmdutil.FlagErrorf("%s not found, or your token cannot see it (%s); nothing was changed; check the names and try again", what, ge.Message)
	}
	// The lever refuses a branch that does not exist (a typo): that is bad
	// input, not a safety refusal. (lever/protection has no typed error for
	// it; its message is "branch X not found in OWNER/REPO".)
	var lr *lever.RefusalError
	if errors.As(err, &lr) && strings.Contains(lr.Reason, " not found") {
		return cmdutil.FlagErrorf("%v", lr)
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &lr) && !errors.As(err, &coded) {
		// A lever's safety refusal the engine has not wrapped (the
		// preflight read: an organization ruleset the token cannot edit,
		// ...): exit 3, like the engine's refusals.
		return cmdutil.Refused("%v", err)
	}
	return cmdutil.WithCode(engine.ExitCode(err), err)
}

func what(o *override.Override) string {
	switch o.Lever {
	case override.LeverAccess:
		return fmt.Sprintf("%s has %s on %s", o.Target.User, o.Target.Permission, o.Target.Repo)
	case override.LeverTeam:
		return fmt.Sprintf("%s added to team %s", o.Target.User, o.Target.Team)
	default:
		return fmt.Sprintf("%s relaxed (%s)", o.Target, strings.Join(o.Relax, ", "))
	}
}

func printPreview(w io.Writer, cs iostreams.ColorScheme, pv *engine.Preview) {
	r := pv.Request
	fmt.Fprintf(w, "glass will open an override as %s:\n", pv.Actor)
	switch r.Lever {
	case override.LeverAccess:
		fmt.Fprintf(w, "  %s gets %s on %s for %s\n", r.Target.User, r.Target.Permission, r.Target.Repo, tui.Human(r.Duration))
	case override.LeverTeam:
		fmt.Fprintf(w, "  %s joins team %s for %s\n", r.Target.User, r.Target.Team, tui.Human(r.Duration))
	default:
		fmt.Fprintf(w, "  relax %s on %s for %s\n", strings.Join(r.Relax, ", "), r.Target, tui.Human(r.Duration))
	}
	if len(pv.Changes) == 0 {
		fmt.Fprintln(w, "  no field changes: the setting is already as relaxed as asked")
	}
	printChanges(w, pv.Changes)
	for _, o := range pv.Overlaps {
		fmt.Fprintf(w, "%s %s (%s, relax %s) is already open on this setting; both stay in force until each closes\n",
			cs.WarningIcon(), o.ID, o.Actor, strings.Join(o.Relax, ", "))
	}
	for _, n := range pv.Notices {
		fmt.Fprintf(w, "%s %s\n", cs.WarningIcon(), noticeLine(n))
	}
}

func noticeLine(n lever.Notice) string {
	s := n.Message
	if n.Kind != "" {
		s = n.Kind + ": " + s
	}
	if n.URL != "" {
		s += " (" + n.URL + ")"
	}
	return s
}

func printResult(w io.Writer, o *override.Override, pv *engine.Preview, now time.Time) {
	fmt.Fprintf(w, "Override:  %s\n", o.ID)
	fmt.Fprintf(w, "Target:    %s (lever %s)\n", o.Target, o.Lever)
	if len(pv.Changes) > 0 {
		fmt.Fprintln(w, "Changed:")
		printChanges(w, pv.Changes)
	} else {
		fmt.Fprintln(w, "Changed:   nothing; the setting was already as relaxed as asked")
	}
	for _, x := range pv.Overlaps {
		fmt.Fprintf(w, "Also open: %s by %s (relax %s) on the same setting; each close keeps what the others need\n", x.ID, x.Actor, strings.Join(x.Relax, ", "))
	}
	if len(pv.Notices) > 0 {
		fmt.Fprintln(w, "Notices:")
		for _, n := range pv.Notices {
			fmt.Fprintf(w, "  %s\n", noticeLine(n))
		}
	}
	fmt.Fprintf(w, "Expires:   %s (in %s)\n", localTime(o.Expires, now), tui.Human(o.Expires.Sub(now)))
	// Quoted: # starts a comment after a space, and is a glob in zsh's
	// extended_glob, so the line can be pasted as it is.
	fmt.Fprintf(w, "Close now: glass close '%s' --reason \"...\"\n", o.ID)
}

// printChanges prints each changed field as before → during, in the same
// words as the interactive confirmation screen (tui.Changes).
func printChanges(w io.Writer, changes []lever.Mismatch) {
	for _, l := range tui.Changes(changes) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// localTime shows t in local time, with the date only when it is not today.
func localTime(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05 MST")
	}
	return t.Format("Mon 2 Jan 15:04:05 MST")
}

// noArgs is cobra.NoArgs as a usage error (exit 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	return nil
}
