// Package drill is `glass drill`: fire drills with measured timings.
package drill

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/drill"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// Options are the inputs of `glass drill`.
type Options struct {
	IO         *iostreams.IOStreams
	Sandbox    bool
	Repo       string // -R; empty with --sandbox
	Branch     string
	Lever      string
	Ruleset    string
	Team       string
	User       string
	Relax      []string
	Duration   time.Duration
	Grace      time.Duration
	Scenarios  []string
	AuditRepo  string
	SLOs       drill.SLOs
	WebhookEnv string
	Faults     string
	JSON       bool
}

// NewCmdDrill returns `glass drill`.
func NewCmdDrill(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	var dur, grace string
	var slo []string
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Run a fire drill: open the door, walk through, watch it shut",
		Long: `Run complete overrides on a drill target (labelled break-glass:drill) through
the same engine a real incident uses, and check with numbers that the door was
shut before, open during and shut again after the window, that the restore is
byte-identical, that the alert went out and that the audit record is complete.

Scenarios (--scenario, repeatable; all runs every one in this order):
  happy    open, walk through, the sweep restores at expiry
  crash    the opening process dies right after applying; the sweep must find
           the half-done override and roll it back
  drift    someone else edits the protection mid-window; the restore keeps
           their change and reports it (the drill then undoes it)
  overlap  two responders on one branch; the state follows the union and only
           the last close restores
  faults   (sandbox only) the simulator fails every fifth request with a 5xx,
           a rate limit or a dropped connection; glass must get through

time_to_alert is measured to the audit issue and, with --webhook-env (always
in the sandbox, to a local receiver), to the delivery of the drill's
"granted" webhook. The report is also posted on each drill's audit issue;
glass drill history lists past drills.

With --sandbox the drill runs against glass's embedded GitHub simulator (seed
acme, acme/payments@main; every scenario by default) and needs no credentials
and no network.

--lever ruleset drills a ruleset (sandbox: payments-staging on staging); the
door test is the same direct write. --lever team adds --user to --team for
the window (sandbox: acme-admin adds dave to acme/oncall); the door test is
the user's permission on the repository against what the team grants there.

A drill that fails a check or misses an SLO exits 6. SLO defaults and the
report's JSON schema: docs/drill-report.md.`,
		Example: `  glass drill --sandbox
  glass drill -R acme/drill-target --branch main --duration 30s --slo time_to_grant=5s
  glass drill -R acme/drill-target --scenario all --webhook-env DRILL_WEBHOOK_URL --json
  glass drill --sandbox --lever team
  glass drill -R acme/drill-target --lever team --team drill-team --user drill-bot`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := cmdutil.ParseDuration("--duration", dur)
			if err != nil {
				return err
			}
			opts.Duration = d
			if grace != "" {
				if opts.Grace, err = cmdutil.ParseDuration("--grace", grace); err != nil {
					return err
				}
			}
			opts.SLOs = drill.DefaultSLOs()
			if err := opts.SLOs.ParseSLO(slo); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if len(opts.Scenarios) == 0 {
				opts.Scenarios = []string{"happy"}
				if opts.Sandbox {
					opts.Scenarios = []string{"all"}
				}
			}

			if opts.Lever != "team" && (opts.Team != "" || opts.User != "") {
				return cmdutil.FlagErrorf("--team and --user are for --lever team")
			}
			if !cmd.Flags().Changed("relax") {
				opts.Relax = []string{drill.DefaultRelax(opts.Lever)}
			}
			switch opts.Lever {
			case "protection":
				if opts.Ruleset != "" {
					return cmdutil.FlagErrorf("--ruleset is for --lever ruleset")
				}
			case "team":
				if opts.Ruleset != "" {
					return cmdutil.FlagErrorf("--ruleset is for --lever ruleset")
				}
				if cmd.Flags().Changed("branch") {
					return cmdutil.FlagErrorf("--branch is not for --lever team: its door test is --user's permission on the repository")
				}
				opts.Branch = ""
				if opts.Sandbox {
					if opts.Team == "" {
						opts.Team = drill.SandboxTeam
					}
					if opts.User == "" {
						opts.User = drill.SandboxTeamUser
					}
				}
				var missing []string
				if opts.Team == "" {
					missing = append(missing, "--team")
				}
				if opts.User == "" {
					missing = append(missing, "--user")
				}
				if len(missing) > 0 {
					return cmdutil.FlagErrorf("missing required flags: %s (a team drill adds --user, someone other than you, to --team [ORG/]SLUG; the door test is their permission on the repository)", strings.Join(missing, ", "))
				}
				opts.User = strings.TrimPrefix(opts.User, "@")
			case "ruleset":
				if opts.Sandbox && !cmd.Flags().Changed("branch") {
					opts.Branch = drill.SandboxRulesetBranch
					if opts.Ruleset == "" {
						opts.Ruleset = drill.SandboxRuleset
					}
				}
			default:
				return cmdutil.FlagErrorf("invalid --lever %q: drills exercise the %s levers", opts.Lever, strings.Join(drill.DrillLevers(), ", "))
			}
			if _, _, err := drill.ExpandFor(opts.Scenarios, opts.Sandbox, opts.Lever); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if opts.Faults != "" && !opts.Sandbox {
				return cmdutil.FlagErrorf("--faults needs --sandbox: glass injects faults only into its embedded simulator")
			}
			if err := drill.CheckFaults(opts.Faults); err != nil {
				return cmdutil.FlagErrorf("invalid --faults %q: %v", opts.Faults, err)
			}
			if opts.WebhookEnv != "" && opts.Sandbox {
				return cmdutil.FlagErrorf("--webhook-env is for real drills: the sandbox delivers to its own local receiver")
			}
			if !opts.Sandbox {
				r, err := f.BaseRepo()
				if err != nil {
					return err
				}
				opts.Repo = r
			}
			if opts.Team != "" && !strings.Contains(opts.Team, "/") {
				owner := strings.SplitN(drill.SandboxRepo, "/", 2)[0]
				if !opts.Sandbox {
					owner = strings.SplitN(opts.Repo, "/", 2)[0]
				}
				opts.Team = owner + "/" + opts.Team
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Sandbox, "sandbox", false, "Run against the embedded GitHub simulator (no credentials, no network)")
	cmd.Flags().StringVar(&opts.Branch, "branch", "main", "Drill target `branch`")
	cmd.Flags().StringVar(&opts.Lever, "lever", "protection", "Lever to drill: protection, ruleset or team (drift and overlap drill protection only)")
	cmd.Flags().StringVar(&opts.Ruleset, "ruleset", "", "The ruleset to drill, by `id or name` (--lever ruleset; default: the one with active rules on --branch; sandbox: "+drill.SandboxRuleset+" on "+drill.SandboxRulesetBranch+")")
	cmd.Flags().StringVar(&opts.Team, "team", "", "The team to add --user to, `[ORG/]SLUG` (--lever team; sandbox: "+drill.SandboxTeam+")")
	cmd.Flags().StringVar(&opts.User, "user", "", "The `login` the team drill adds to --team, someone other than you (--lever team; sandbox: "+drill.SandboxTeamUser+", added by "+drill.SandboxTeamActor+")")
	cmd.Flags().StringSliceVar(&opts.Relax, "relax", []string{"admins"}, "What to relax during the drill (ruleset: default disable; team: member)")
	cmd.Flags().StringVar(&dur, "duration", "3s", "How long the door stays open")
	cmd.Flags().StringVar(&grace, "grace", "", "How long the drill's sweep waits before it treats a half-done override as abandoned (default: --duration; glass sweep uses 2m)")
	cmd.Flags().StringSliceVar(&opts.Scenarios, "scenario", nil, "Scenario to run: happy, crash, drift, overlap, faults or all (default: happy; all with --sandbox)")
	cmd.Flags().StringVar(&opts.AuditRepo, "audit-repo", "", "Repository for the drill's audit issues (default: the target)")
	cmd.Flags().StringSliceVar(&slo, "slo", nil, "Override an SLO, e.g. time_to_grant=5s")
	cmd.Flags().StringVar(&opts.WebhookEnv, "webhook-env", "", "Environment `variable` holding a webhook URL: time_to_alert includes delivering the drill's notification to it")
	cmd.Flags().StringVar(&opts.Faults, "faults", "", "Fault schedule of the faults scenario, in the simulator's syntax (default "+drill.DefaultFaults+")")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the report as JSON")
	cmd.AddCommand(NewCmdHistory(f, nil))
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var env drill.Env
	repo := opts.Repo
	if opts.Sandbox {
		so := drill.SandboxOptions{}
		if opts.Lever == "team" {
			so.Actor = drill.SandboxTeamActor
		}
		if f.Debug {
			so.Debug = opts.IO.ErrOut
		}
		sb, err := drill.StartSandbox(so)
		if err != nil {
			return err
		}
		defer sb.Close()
		env = sb.Env
		repo = drill.SandboxRepo
		if opts.Branch == "" {
			opts.Branch = drill.SandboxBranch
		}
	} else {
		gh, err := f.GitHub()
		if err != nil {
			return err
		}
		levers, err := f.Levers()
		if err != nil {
			return err
		}
		env = drill.Env{
			GitHub:    gh,
			NewEngine: drill.EngineMaker(func(*github.Client) map[override.Lever]lever.Lever { return levers }, f.Clock),
			Now:       f.Clock.Now,
			Sleep:     clock.Sleep,
		}
		if opts.WebhookEnv != "" {
			env.Notifier = notify.New([]notify.Target{{Name: opts.WebhookEnv, Kind: "generic", URLEnv: opts.WebhookEnv}}, notify.Options{Getenv: f.Getenv})
		}
	}
	where := repo + "@" + opts.Branch
	if opts.Lever == "team" {
		where = fmt.Sprintf("%s in team %s (%s)", opts.User, opts.Team, repo)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Running drill %s on %s (door open for %s)…\n", strings.Join(opts.Scenarios, ","), where, opts.Duration)
	rep, err := drill.Run(ctx, env, drill.Options{Repo: repo, Branch: opts.Branch, Lever: opts.Lever, Ruleset: opts.Ruleset, Team: opts.Team, User: opts.User, Relax: opts.Relax,
		Duration: opts.Duration, Grace: opts.Grace, AuditRepo: opts.AuditRepo, SLOs: opts.SLOs, Sandbox: opts.Sandbox,
		Scenarios: opts.Scenarios, Faults: opts.Faults})
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(opts.IO.Out)
	}
	if !rep.Passed {
		var names []string
		for _, f := range rep.Failures() {
			names = append(names, strings.SplitN(f, " (", 2)[0])
		}
		return cmdutil.WithCode(cmdutil.ExitDrill, fmt.Errorf("drill failed: %s; every drill override was rolled back by its sweep unless a check above says otherwise (run `glass status` to be sure)", strings.Join(names, ", ")))
	}
	return nil
}
