package status

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/glass-cli/glass/internal/cmd/cmdtest"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/override"
)

func TestNewCmdStatus(t *testing.T) {
	noRemote := func() (string, error) { return "", cmdutil.FlagErrorf("no remote") }
	tests := []struct {
		name       string
		args       []string
		repo       string
		current    func() (string, error)
		wantRepos  []string
		wantTarget string
		wantErr    string
	}{
		{name: "audit repo", args: []string{"--audit-repo", "acme/audit", "--json"}, wantRepos: []string{"acme/audit"}},
		{name: "several", args: []string{"--audit-repo", "acme/audit,acme/payments", "--audit-repo", "acme/audit"}, wantRepos: []string{"acme/audit", "acme/payments"}},
		{name: "-R", repo: "acme/payments", wantRepos: []string{"acme/payments"}},
		{name: "both filter", repo: "acme/payments", args: []string{"--audit-repo", "acme/audit"}, wantRepos: []string{"acme/audit"}, wantTarget: "acme/payments"},
		{name: "git remote", current: func() (string, error) { return "acme/web", nil }, wantRepos: []string{"acme/web"}},
		{name: "nothing", current: noRemote, wantErr: `missing required flags: --audit-repo or -R/--repo (no git remote "origin" here to default to)`},
		{name: "bad audit repo", args: []string{"--audit-repo", "acme"}, wantErr: `invalid --audit-repo "acme": expected OWNER/REPO`},
		{name: "bad -R", repo: "a/b/c/d", wantErr: `invalid repository "a/b/c/d": expected OWNER/REPO`},
		{name: "argument", args: []string{"acme/audit"}, wantErr: `unknown command "acme/audit" for "status"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			got := cmdtest.Parse(t, &cmdutil.Factory{IOStreams: ios, RepoOverride: tt.repo, CurrentRepo: tt.current}, NewCmdStatus, tt.args, tt.wantErr)
			if got == nil {
				return
			}
			if strings.Join(got.AuditRepos, " ") != strings.Join(tt.wantRepos, " ") || got.Target != tt.wantTarget {
				t.Errorf("got repos %v target %q", got.AuditRepos, got.Target)
			}
		})
	}
}

func TestPrintTableFits80(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("a very long reason that goes on ", 5)
	entries := []engine.StatusEntry{
		{Override: &override.Override{ID: "acme/audit#1234", Lever: override.LeverProtection, Actor: "alice-the-oncall-engineer",
			Target: override.Target{Repo: "acme-corporation/payments-service", Branch: "release/2026-03"}, Relax: []string{"checks", "reviews"},
			State: override.StateActive, Reason: long, Expires: now.Add(-5 * time.Minute)}, Left: -5 * time.Minute, Overdue: true},
		{Override: &override.Override{ID: "acme/audit#2", Lever: override.LeverAccess, Actor: "bob",
			Target: override.Target{Repo: "acme/payments", User: "erin", Permission: "push"}, Relax: []string{"push"},
			State: override.StateFailed, Reason: "INC-2", Expires: now.Add(time.Hour)}, Left: time.Hour, Failed: true},
		{Override: &override.Override{ID: "acme/audit#3", Lever: override.LeverProtection, Actor: "carol",
			Target: override.Target{Repo: "acme/payments", Branch: "main"}, Relax: []string{"all"},
			State: override.StateApplying, Reason: "INC-3"}, Stuck: true},
	}
	var b bytes.Buffer
	PrintTable(&b, entries, 80)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines:\n%s", b.String())
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line is %d columns wide: %q", n, l)
		}
	}
	for i, want := range []string{"ID", "OVERDUE 5m", "FAILED", "STUCK"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d lacks %q: %q", i, want, lines[i])
		}
	}
	if !strings.Contains(lines[1], "…") {
		t.Errorf("the long reason should be cut with …: %q", lines[1])
	}

	// Without a width limit nothing is cut.
	b.Reset()
	PrintTable(&b, entries, 0)
	if !strings.Contains(b.String(), strings.TrimSpace(strings.Join(strings.Fields(long), " "))) {
		t.Errorf("unlimited width cut the reason:\n%s", b.String())
	}
}

func TestCutTarget(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"acme/payments@main:reviews", 30, "acme/payments@main:reviews"},
		{"acme/payments@main:reviews", 20, "acme/payments@main…"},
		{"acme/payments@main:reviews", 18, "acme/payments@main"},
		{"acme/payments@main:reviews", 15, "acme/payments…"},
		{"acme/payments:erin@push", 20, "acme/payments:erin…"},
		{"averyveryverylongname", 8, "averyve…"},
	} {
		if got := cutTarget(tt.s, tt.n); got != tt.want {
			t.Errorf("cutTarget(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestStatusRun(t *testing.T) {
	e := cmdtest.NewEnv(t)
	eng := e.Engine("alice")
	run := func(tty bool) (string, string) {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(tty)
		err := statusRun(context.Background(), &StatusOptions{IO: ios, Clock: e.Clk, AuditRepos: []string{"acme/audit"},
			Engine: func() (*engine.Engine, error) { return eng, nil }})
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String()
	}
	if out, errOut := run(false); out != "" || errOut != "No open overrides in acme/audit\n" {
		t.Errorf("empty: %q %q", out, errOut)
	}
	e.OpenProtection("alice", 30*time.Minute, "INC-1 a reason long enough to be cut on a terminal eighty columns wide", "reviews")
	e.Clk.Advance(40 * time.Minute)
	out, errOut := run(true)
	want := "ID            LEVER       TARGET              OWNER  EXPIRES      STATE   REASON\n" +
		"acme/audit#1  protection  acme/payments@main  alice  OVERDUE 10m  active  INC-1…\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut != "! 1 override(s) OVERDUE: run `glass sweep --audit-repo acme/audit` to roll them back\n" {
		t.Errorf("stderr %q", errOut)
	}
}
