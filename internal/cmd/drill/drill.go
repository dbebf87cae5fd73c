// Package drill is `glass drill`: fire drills with measured timings.
package drill

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/drill"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/access"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

// Options are the inputs of `glass drill`.
type Options struct {
	Sandbox   bool
	Branch    string
	Relax     []string
	Duration  time.Duration
	Scenario  string
	AuditRepo string
	SLO       []string
	JSON      bool
}

// NewCmdDrill returns `glass drill`.
func NewCmdDrill(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	var dur string
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Run a fire drill: open the door, walk through, watch it shut",
		Long: `Run a complete override on a drill target (labelled break-glass:drill) through
the same engine a real incident uses, and check with numbers that the door was
shut before, open during and shut again after the window, that the restore is
byte-identical and that the audit record is complete.

With --sandbox the drill runs against glass's embedded GitHub simulator (seed
acme, acme/payments@main) and needs no credentials and no network.

A drill that fails a check or misses an SLO exits 6.`,
		Example: `  glass drill --sandbox
  glass drill -R acme/drill-target --branch main --duration 30s --slo time_to_grant=5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := cmdutil.ParseDuration("--duration", dur)
			if err != nil {
				return err
			}
			opts.Duration = d
			if err := drill.DefaultSLOs().ParseSLO(opts.SLO); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if opts.Scenario != "happy" {
				return cmdutil.FlagErrorf("unknown --scenario %q (this build runs: happy)", opts.Scenario)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Sandbox, "sandbox", false, "Run against the embedded GitHub simulator (no credentials, no network)")
	cmd.Flags().StringVar(&opts.Branch, "branch", "main", "Drill target `branch`")
	cmd.Flags().StringSliceVar(&opts.Relax, "relax", []string{"admins"}, "What to relax during the drill")
	cmd.Flags().StringVar(&dur, "duration", "3s", "How long the door stays open")
	cmd.Flags().StringVar(&opts.Scenario, "scenario", "happy", "Scenario to run: happy")
	cmd.Flags().StringVar(&opts.AuditRepo, "audit-repo", "", "Repository for the drill's audit issue (default: the target)")
	cmd.Flags().StringSliceVar(&opts.SLO, "slo", nil, "Override an SLO, e.g. time_to_grant=5s")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the report as JSON")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var env drill.Env
	repo := ""
	if opts.Sandbox {
		sim := ghsim.New(ghsim.WithSeed("acme"))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("cannot start the sandbox: %w", err)
		}
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		ep, err := ghapi.Resolve("http://"+ln.Addr().String()+"/", "")
		if err != nil {
			return err
		}
		gh := ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: sim.Token("alice")})
		levers := map[override.Lever]lever.Lever{
			override.LeverProtection: protection.New(gh),
			override.LeverAccess:     access.New(gh),
		}
		store := ledger.NewStore(gh)
		env = drill.Env{GitHub: gh, Ledger: store,
			Engine: engine.New(engine.Config{GitHub: gh, Levers: levers, Ledger: store, Clock: clock.Real{}})}
		repo = "acme/payments"
	} else {
		r, err := f.BaseRepo()
		if err != nil {
			return err
		}
		repo = r
		gh, err := f.GitHub()
		if err != nil {
			return err
		}
		eng, err := f.Engine()
		if err != nil {
			return err
		}
		env = drill.Env{GitHub: gh, Engine: eng, Ledger: ledger.NewStore(gh)}
	}
	env.Now = f.Clock.Now
	env.Sleep = func(ctx context.Context, d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	slos := drill.DefaultSLOs()
	if err := slos.ParseSLO(opts.SLO); err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "Running drill on %s@%s (door open for %s)…\n", repo, opts.Branch, opts.Duration)
	rep, err := drill.Run(ctx, env, drill.Options{Repo: repo, Branch: opts.Branch, Relax: opts.Relax,
		Duration: opts.Duration, AuditRepo: opts.AuditRepo, SLOs: slos, Sandbox: opts.Sandbox, Scenarios: []string{opts.Scenario}})
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(f.IOStreams.Out, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(f.IOStreams.Out)
	}
	if !rep.Passed {
		return cmdutil.WithCode(cmdutil.ExitDrill, errors.New("drill failed: see the report above (nothing is left open: the sweep rolled back)"))
	}
	return nil
}
