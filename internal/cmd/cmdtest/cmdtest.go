// Package cmdtest holds what the command packages' tests share: running a
// command's flag parsing to the options it would run with, and the acme
// simulator with the real engine wired to it as the factory wires it.
package cmdtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

// Parse builds the command with newCmd on f, its run function replaced by
// one that keeps the options, and executes it with args. When wantErr is
// not "", the command must fail with exactly that message and the usage
// exit code (2); Parse then returns nil. Otherwise it must succeed, and
// Parse returns the options the command would have run with.
func Parse[O any](t testing.TB, f *cmdutil.Factory, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args []string, wantErr string) *O {
	t.Helper()
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
			t.Fatalf("error = %v (exit %d), want %q (exit %d)", err, cmdutil.CodeOf(err), wantErr, cmdutil.ExitUsage)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("the command succeeded without calling its run function")
	}
	return got
}

// Start is the moment Env's fake clock starts at.
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Env is the "acme" simulator (validated, see simtest) on a fake clock.
type Env struct {
	Sim   *simtest.Sim
	Clock *clock.Fake
}

// NewEnv starts an Env for t.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	clk := clock.NewFake(Start)
	return &Env{Sim: simtest.Start(t, ghsim.WithSeed("acme"), ghsim.WithClock(clk.Now)), Clock: clk}
}

// GitHub is glass's client (ghapi: retries, cache, ...) for login.
func (e *Env) GitHub(t testing.TB, login string) *github.Client {
	t.Helper()
	ep, err := ghapi.Resolve(e.Sim.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: e.Sim.Token(login), Transport: e.Sim.Client.Transport})
}

// Engine is the engine acting as login, with the protection lever.
func (e *Env) Engine(t testing.TB, login string) *engine.Engine {
	t.Helper()
	gh := e.GitHub(t, login)
	return engine.New(engine.Config{GitHub: gh, Levers: map[override.Lever]lever.Lever{override.LeverProtection: protection.New(gh)},
		Ledger: ledger.NewStore(gh), Clock: e.Clock})
}

// OpenProtection opens, as login, an override that relaxes relax on
// acme/payments@main for d, recorded in acme/audit with reason.
func (e *Env) OpenProtection(t testing.TB, login string, d time.Duration, reason string, relax ...string) *override.Override {
	t.Helper()
	o, err := e.Engine(t, login).Open(context.Background(), engine.OpenRequest{Lever: override.LeverProtection,
		Target: override.Target{Repo: "acme/payments", Branch: "main"}, Relax: relax, Duration: d,
		Reason: reason, AuditRepo: "acme/audit"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}
