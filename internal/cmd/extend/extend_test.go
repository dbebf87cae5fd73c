package extend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/cmd/cmdtest"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
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
			got := cmdtest.Parse(t, &cmdutil.Factory{IOStreams: ios}, NewCmdExtend, tt.args, tt.wantErr)
			if got == nil {
				return
			}
			if got.ID != tt.wantID || got.By != tt.wantBy {
				t.Errorf("got %+v", *got)
			}
		})
	}
}

func TestExtendRun(t *testing.T) {
	e := cmdtest.NewEnv(t)
	eng := e.Engine("alice")
	o := e.OpenProtection("alice", 30*time.Minute, "INC-1", "reviews")
	e.Clk.Advance(10 * time.Minute)
	ios, _, out, errOut := iostreams.Test()
	opts := &ExtendOptions{IO: ios, Clock: e.Clk, ID: o.ID, By: 15 * time.Minute, Reason: "slow deploy",
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
	err := extendRun(context.Background(), opts)
	if cmdutil.CodeOf(err) != cmdutil.ExitRefused || !strings.Contains(err.Error(), "only an active override can be extended") {
		t.Errorf("extend after close: %v (exit %d)", err, cmdutil.CodeOf(err))
	}
}
