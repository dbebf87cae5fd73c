package extend

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

func TestNewCmdExtend(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantID  string
		wantBy  time.Duration
		wantErr string
	}{
		{name: "ok", args: []string{"acme/audit#3", "--by", "15m", "--reason", "still deploying"}, wantID: "acme/audit#3", wantBy: 15 * time.Minute},
		{name: "number", args: []string{"3", "--audit-repo", "acme/audit", "--by", "1h30m", "--reason", "x"}, wantID: "acme/audit#3", wantBy: 90 * time.Minute},
		{name: "missing both", args: []string{"acme/audit#3"}, wantErr: "missing required flags: --by, --reason; nothing was changed"},
		{name: "blank reason", args: []string{"acme/audit#3", "--by", "5m", "--reason", " "}, wantErr: "missing required flags: --reason; nothing was changed"},
		{name: "zero", args: []string{"acme/audit#3", "--by", "0s", "--reason", "x"}, wantErr: `invalid --by "0s": must be at least 1s`},
		{name: "negative", args: []string{"acme/audit#3", "--by=-5m", "--reason", "x"}, wantErr: `invalid --by "-5m": must be at least 1s`},
		{name: "huge", args: []string{"acme/audit#3", "--by", "200h", "--reason", "x"}, wantErr: `invalid --by "200h": must be at most 168h0m0s`},
		{name: "bad id", args: []string{"three", "--by", "5m", "--reason", "x"}, wantErr: `override ID "three" names no repository: use OWNER/REPO#N or pass the audit repository; nothing was changed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *ExtendOptions
			cmd := NewCmdExtend(&cmdutil.Factory{IOStreams: ios}, func(o *ExtendOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
					t.Fatalf("error = %v (exit %d), want %q (exit 2)", err, cmdutil.CodeOf(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.wantID || got.By != tt.wantBy {
				t.Errorf("got %+v", *got)
			}
		})
	}
}

func TestExtendRun(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	sim := simtest.Start(t, ghsim.WithSeed("acme"), ghsim.WithClock(clk.Now))
	ep, _ := ghapi.Resolve(sim.URL, "")
	gh := ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: sim.Token("alice"), Transport: sim.Client.Transport})
	eng := engine.New(engine.Config{GitHub: gh, Levers: map[override.Lever]lever.Lever{override.LeverProtection: protection.New(gh)},
		Ledger: ledger.NewStore(gh), Clock: clk})
	o, err := eng.Open(context.Background(), engine.OpenRequest{Lever: override.LeverProtection,
		Target: override.Target{Repo: "acme/payments", Branch: "main"}, Relax: []string{"reviews"}, Duration: 30 * time.Minute,
		Reason: "INC-1", AuditRepo: "acme/audit"})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	ios, _, out, errOut := iostreams.Test()
	opts := &ExtendOptions{IO: ios, Clock: clk, ID: o.ID, By: 15 * time.Minute, Reason: "slow deploy",
		Engine: func() (*engine.Engine, error) { return eng, nil }}
	if err := extendRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if errOut.String() != "✓ Extended acme/audit#1 by 15m\n" {
		t.Errorf("stderr %q", errOut)
	}
	for _, s := range []string{"Override:  acme/audit#1\n", "(in 35m)\n", "Extended:  15m in total\n"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}

	// After close, extend is refused (exit 3).
	if _, err := eng.Close(context.Background(), o.ID, "done"); err != nil {
		t.Fatal(err)
	}
	err = extendRun(context.Background(), opts)
	if cmdutil.CodeOf(err) != cmdutil.ExitRefused || !strings.Contains(err.Error(), "only an active override can be extended") {
		t.Errorf("extend after close: %v (exit %d)", err, cmdutil.CodeOf(err))
	}
}
