package open

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/pflag"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/openflow"
	"github.com/glass-cli/glass/internal/tui/wait"
)

// The interactive parts of `glass open` live in internal/tui; this file
// only dispatches to them, so the non-interactive path stays as it is.

// wait keeps o in the foreground when --wait was given (or chosen at the
// end of the interactive flow): a countdown screen on a terminal, plain
// countdown lines without one. It returns an error with the engine's exit
// code when the rollback fails.
func (o *OpenOptions) wait(ctx context.Context, ov *override.Override) error {
	if !o.Wait || ov == nil {
		return nil
	}
	eng, err := o.Engine()
	if err != nil {
		return err
	}
	sigs := o.sigs
	if sigs == nil {
		stop := o.catchSignals()
		defer stop()
		sigs = o.sigs
	}
	var out wait.Outcome
	if o.IO.CanPrompt() {
		opt := wait.Options{Engine: eng, Clock: o.Clock, Styles: tui.NewStyles(o.IO.Out, o.IO.ColorEnabled()), Width: o.IO.TerminalWidth()}
		// The screen's last frame shows the outcome (a failure is also
		// the command's error, with its exit code).
		out = wait.Run(ctx, ov, opt, o.IO.In, o.IO.Out, o.IO.ErrOut, sigs)
	} else {
		pl := &wait.Plain{Engine: eng, Clock: o.Clock, Out: o.IO.ErrOut, Signals: sigs}
		out = pl.Run(ctx, ov)
	}
	if out.Kind == wait.Failed {
		return cmdutil.WithCode(engine.ExitCode(out.Err), fmt.Errorf("--wait: %w", out.Err))
	}
	return nil
}

// catchSignals starts holding SIGINT, SIGTERM and SIGHUP for --wait from
// the start of the command: a signal that arrives while the override is
// being opened lets the open finish (nothing is left half-done) and then
// closes it. It returns the function that stops catching them.
func (o *OpenOptions) catchSignals() func() {
	if !o.Wait {
		return func() {}
	}
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, wait.Signals...)
	o.sigs = ch
	return func() { signal.Stop(ch) }
}

// interactive runs the bubbletea flow (internal/tui/openflow) for what the
// flags left out, on a terminal. Flags given are not asked again.
func (o *OpenOptions) interactive(ctx context.Context, f *cmdutil.Factory, flags *pflag.FlagSet) error {
	if ctx == nil {
		ctx = context.Background()
	}
	levers, err := f.Levers()
	if err != nil {
		return err
	}
	eng, err := f.Engine()
	if err != nil {
		return err
	}
	gh, err := f.GitHub()
	if err != nil {
		return err
	}
	k := openflow.Known{Branch: o.Branch, Relax: o.Relax, User: o.User, Permission: o.Permission, Team: o.Team, Ruleset: o.Ruleset,
		Duration: o.Duration, Reason: o.Reason, Incident: o.Incident, AuditRepo: o.AuditRepo, Wait: o.Wait}
	if f.RepoOverride != "" {
		k.Repo = o.Repo
	}
	for _, name := range []string{"lever", "branch", "relax", "user", "permission"} {
		if flags.Changed(name) {
			k.Lever = o.Lever
		}
	}
	var fresh keptFresh
	defer fresh.stop()
	var me string
	whoami := func(ctx context.Context) (string, error) {
		if me != "" {
			return me, nil
		}
		l, err := o.Whoami(ctx)
		if err == nil {
			me = l
		}
		return l, err
	}
	d := openflow.Deps{
		Levers:      levers,
		DefaultRepo: o.Repo,
		Branches:    func(ctx context.Context, repo string) ([]openflow.Branch, error) { return listBranches(ctx, gh, repo) },
		Rulesets: func(ctx context.Context, repo, branch string) ([]openflow.Ruleset, error) {
			return branchRulesets(ctx, gh, repo, branch)
		},
		TeamExists: func(ctx context.Context, org, slug string) (bool, error) { return teamExists(ctx, gh, org, slug) },
		Me:         whoami,
		Rules: func(ctx context.Context, repo string, lv override.Lever, branch string) (openflow.Rules, error) {
			login, err := whoami(ctx)
			if err != nil {
				return openflow.Rules{}, err
			}
			return policyRules(ctx, eng.LoadPolicy, eng.Directory(), levers[lv], repo, lv, branch, login)
		},
		Prepare: func(ctx context.Context, req engine.OpenRequest) (engine.OpenRequest, error) {
			if req.Lever != override.LeverRuleset {
				return req, nil
			}
			t, relax, err := ruleset.Resolve(ctx, gh, req.Target, o.Ruleset, req.Relax)
			req.Target, req.Relax = t, relax
			return req, err
		},
		// The engine keeps the latest preview's reads fresh while the
		// person decides (engine.KeepFresh): once confirmed, open is three
		// round trips however long that took.
		Plan: func(ctx context.Context, req engine.OpenRequest) (*engine.Preview, error) {
			fresh.stop()
			pv, err := eng.Plan(ctx, req)
			if err == nil {
				fresh.set(eng.KeepFresh(ctx, pv))
			}
			return pv, err
		},
		Open: func(ctx context.Context, pv *engine.Preview, progress func(engine.Step)) (*override.Override, error) {
			fresh.stop()
			return eng.WithProgress(progress).OpenPreview(ctx, pv)
		},
		Clock:       o.Clock,
		MaxDuration: cmdutil.MaxDuration,
		Styles:      tui.NewStyles(o.IO.Out, o.IO.ColorEnabled()),
		Width:       o.IO.TerminalWidth(),
	}
	res, err := openflow.Run(ctx, d, k, o.IO.In, o.IO.Out)
	if err != nil {
		return err
	}
	switch {
	case res.Cancelled:
		return cmdutil.ErrCancel
	case res.Err != nil:
		if res.Override == nil {
			// Before any write (Plan), or a refusal: the same mapping as
			// the non-interactive path.
			if res.Preview != nil {
				o.fromRequest(res.Preview.Request)
			}
			return mapErr(res.Err, o)
		}
		return cmdutil.WithCode(engine.ExitCode(res.Err), res.Err)
	}
	o.Wait = res.Wait
	return o.wait(ctx, res.Override)
}

// fromRequest copies what the flow settled back into the options (for
// error messages that name the target).
func (o *OpenOptions) fromRequest(r engine.OpenRequest) {
	o.Repo, o.Lever, o.Branch, o.User = r.Target.Repo, r.Lever, r.Target.Branch, r.Target.User
}

// branchRulesets lists the rulesets with active rules on branch, for the
// flow's "which ruleset?" question: repos/get-branch-rules for the ids,
// and, when there are several, repos/get-repo-rulesets (with parents)
// for their names and where they come from.
func branchRulesets(ctx context.Context, gh *github.Client, repo, branch string) ([]openflow.Ruleset, error) {
	ids, err := ruleset.BranchRulesets(ctx, gh, repo, branch)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]openflow.Ruleset, len(ids))
	for i, id := range ids {
		out[i] = openflow.Ruleset{ID: id, Name: fmt.Sprint(id)}
	}
	if len(ids) == 1 {
		return out, nil
	}
	all, err := ruleset.List(ctx, gh, repo)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, s := range all {
			if s.ID == out[i].ID {
				out[i].Name = s.Name
				if s.SourceType == "Organization" {
					out[i].Org = s.Source
				}
			}
		}
	}
	return out, nil
}

// teamExists looks a team up for a bypass typed in the flow
// (teams/get-by-name): 404 means no such team, or one the token cannot see.
func teamExists(ctx context.Context, gh *github.Client, org, slug string) (bool, error) {
	_, _, err := gh.Teams.GetTeamBySlug(ctx, org, slug)
	if ghapi.StatusCode(err) == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

// listBranches lists up to 500 branches of repo (repos/list-branches, 100
// a page); the picker puts protected ones first and offers free entry for
// the rest.
func listBranches(ctx context.Context, gh *github.Client, repo string) ([]openflow.Branch, error) {
	owner, name, _ := strings.Cut(repo, "/")
	opt := &github.BranchListOptions{ListOptions: github.ListOptions{PerPage: 100}}
	var out []openflow.Branch
	for page := 0; page < 5; page++ {
		bs, resp, err := gh.Repositories.ListBranches(ctx, owner, name, opt)
		if err != nil {
			return out, err
		}
		for _, b := range bs {
			out = append(out, openflow.Branch{Name: b.GetName(), Protected: b.GetProtected()})
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

// keptFresh holds the stop of the preview being kept fresh (at most one:
// a new plan replaces it).
type keptFresh struct {
	mu sync.Mutex
	fn func()
}

func (k *keptFresh) set(stop func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fn = stop
}

func (k *keptFresh) stop() {
	k.mu.Lock()
	fn := k.fn
	k.fn = nil
	k.mu.Unlock()
	if fn != nil {
		fn()
	}
}
