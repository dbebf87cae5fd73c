// Package cmdtest holds what the command packages' tests share: running a
// command's flag parsing to the options it would run with, and the acme
// simulator with the real engine wired to it (tuitest's).
package cmdtest

import (
	"bytes"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui/tuitest"
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

// Env is the acme simulator (validated, see simtest) on a fake clock, with
// the real engine wired as the factory wires it: tuitest's environment,
// which the interactive screens' tests use too.
type Env struct{ *tuitest.Env }

// NewEnv starts an Env for t.
func NewEnv(t testing.TB) *Env { return &Env{tuitest.New(t)} }

// OpenProtection opens, as login, an override that relaxes relax on
// acme/payments@main for d, recorded in acme/audit with reason.
func (e *Env) OpenProtection(login string, d time.Duration, reason string, relax ...string) *override.Override {
	e.T.Helper()
	return e.Open(login, engine.OpenRequest{Lever: override.LeverProtection,
		Target: override.Target{Repo: "acme/payments", Branch: "main"}, Relax: relax, Duration: d,
		Reason: reason, AuditRepo: "acme/audit"})
}
