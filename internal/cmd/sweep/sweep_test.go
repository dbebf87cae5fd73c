package sweep

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

func TestNewCmdSweep(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		repo      string
		wantRepos string
		wantJSON  bool
		wantErr   string
	}{
		{name: "audit repo", args: []string{"--audit-repo", "acme/audit", "--json"}, wantRepos: "acme/audit", wantJSON: true},
		{name: "-R", repo: "acme/payments", wantRepos: "acme/payments"},
		{name: "same both", repo: "acme/audit", args: []string{"--audit-repo", "acme/audit"}, wantRepos: "acme/audit"},
		{name: "different both", repo: "acme/payments", args: []string{"--audit-repo", "acme/audit"},
			wantErr: "give either -R or --audit-repo: sweep rolls back every due override in the audit repository"},
		{name: "none", wantErr: `missing required flags: --audit-repo or -R/--repo (no git remote "origin" here to default to)`},
		{name: "bad", args: []string{"--audit-repo", "acme/"}, wantErr: `invalid --audit-repo "acme/": expected OWNER/REPO`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			got := cmdtest.Parse(t, &cmdutil.Factory{IOStreams: ios, RepoOverride: tt.repo}, NewCmdSweep, tt.args, tt.wantErr)
			if got == nil {
				return
			}
			if strings.Join(got.AuditRepos, ",") != tt.wantRepos || got.JSON != tt.wantJSON {
				t.Errorf("got %+v", *got)
			}
		})
	}
}

func TestSweepRun(t *testing.T) {
	e := cmdtest.NewEnv(t)
	e.OpenProtection("alice", 10*time.Minute, "INC-1", "reviews")
	run := func(login string, json bool) (string, string, error) {
		ios, _, out, errOut := iostreams.Test()
		err := sweepRun(context.Background(), &SweepOptions{IO: ios, AuditRepos: []string{"acme/audit"}, JSON: json,
			Engine: func() (*engine.Engine, error) { return e.Engine(login), nil }})
		return out.String(), errOut.String(), err
	}

	// Not due yet.
	if out, errOut, err := run("bob", false); err != nil || out != "" ||
		errOut != "Swept acme/audit: 1 open override(s) checked, 0 restored, 0 reconciled, 0 failed\n" {
		t.Errorf("not due: %v %q %q", err, out, errOut)
	}

	e.Clk.Advance(11 * time.Minute)
	// carol has no admin on acme/payments: the sweep fails, exit 1, and says so.
	out, errOut, err := run("carol", true)
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure {
		t.Errorf("carol: exit %d (%v), want 1", cmdutil.CodeOf(err), err)
	}
	if !strings.Contains(out, `"failed": [`+"\n"+`    {`+"\n"+`      "id": "acme/audit#1",`) || errOut != "" {
		t.Errorf("carol --json:\n%s\nstderr %q", out, errOut)
	}

	out, errOut, err = run("bob", false)
	if err != nil {
		t.Fatalf("bob: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "✓ Reconciled acme/payments@main (left half-done) and closed acme/audit#1\n") &&
		!strings.Contains(errOut, "✓ Restored acme/payments@main (expired) and closed acme/audit#1\n") {
		t.Errorf("bob stderr:\n%s", errOut)
	}
	if !strings.Contains(out, "Restored:  verified field by field\n") {
		t.Errorf("bob stdout:\n%s", out)
	}

	// Nothing left.
	out, _, err = run("alice", true)
	if err != nil || !strings.Contains(out, `"checked": 0,`) || !strings.Contains(out, `"restored": [],`) {
		t.Errorf("after: %v\n%s", err, out)
	}
}
