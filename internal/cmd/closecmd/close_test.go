package closecmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/cmd/cmdtest"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/ledger"
)

func TestNewCmdClose(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		repo    string // global -R
		wantID  string
		wantRsn string
		json    bool
		wantErr string
	}{
		{name: "full id", args: []string{"acme/audit#12", "--reason", " fix merged "}, wantID: "acme/audit#12", wantRsn: "fix merged"},
		{name: "number with --audit-repo", args: []string{"12", "--audit-repo", "acme/audit", "--json"}, wantID: "acme/audit#12", json: true},
		{name: "#number with -R", args: []string{"#7"}, repo: "acme/payments", wantID: "acme/payments#7"},
		{name: "--audit-repo wins over -R", args: []string{"7", "--audit-repo", "acme/audit"}, repo: "acme/payments", wantID: "acme/audit#7"},
		{name: "number alone", args: []string{"12"}, wantErr: `override ID "12" names no repository: use OWNER/REPO#N or pass the audit repository; nothing was changed`},
		{name: "not a number", args: []string{"acme/audit#x"}, wantErr: `override ID "acme/audit#x": "x" is not an issue number (want OWNER/REPO#N, #N or N); nothing was changed`},
		{name: "bad repo", args: []string{"acme#3"}, wantErr: `override ID "acme#3": repository must be OWNER/REPO; nothing was changed`},
		{name: "bad audit repo", args: []string{"3", "--audit-repo", "x"}, wantErr: `invalid --audit-repo "x": expected OWNER/REPO`},
		{name: "no id", args: []string{}, wantErr: "close needs one override ID (the audit issue), e.g. close acme/audit#12; got 0 arguments"},
		{name: "two ids", args: []string{"acme/audit#1", "acme/audit#2"}, wantErr: "close needs one override ID (the audit issue), e.g. close acme/audit#12; got 2 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			got := cmdtest.Parse(t, &cmdutil.Factory{IOStreams: ios, RepoOverride: tt.repo}, NewCmdClose, tt.args, tt.wantErr)
			if got == nil {
				return
			}
			if got.ID != tt.wantID || got.Reason != tt.wantRsn || got.JSON != tt.json {
				t.Errorf("got %+v, want id %q reason %q json %v", *got, tt.wantID, tt.wantRsn, tt.json)
			}
		})
	}
}

func TestCloseRun(t *testing.T) {
	e := cmdtest.NewEnv(t)
	o := e.OpenProtection("alice", 30*time.Minute, "INC-1", "reviews")
	run := func(id string, json bool) (string, string, error) {
		ios, _, out, errOut := iostreams.Test()
		err := closeRun(context.Background(), &CloseOptions{IO: ios, ID: id, Reason: "done", JSON: json,
			Engine: func() (*engine.Engine, error) { return e.Engine("bob"), nil }})
		return out.String(), errOut.String(), err
	}

	out, errOut, err := run(o.ID, false)
	if err != nil {
		t.Fatalf("close: %v\n%s", err, errOut)
	}
	want := "Override:  acme/audit#1\nTarget:    acme/payments@main (lever protection)\nRestored:  verified field by field\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut != "✓ Rolled back acme/payments@main and closed acme/audit#1\n" {
		t.Errorf("stderr: %q", errOut)
	}

	// Closing again is not an error: the door is shut either way.
	out, errOut, err = run(o.ID, false)
	if err != nil || out != "" || !strings.HasPrefix(errOut, "! override already closed: acme/audit#1 was closed at ") {
		t.Errorf("second close: err %v, stdout %q, stderr %q", err, out, errOut)
	}

	// An issue that does not exist is a usage error.
	_, _, err = run("acme/audit#99", false)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "acme/audit#99") {
		t.Errorf("missing issue: %v (exit %d)", err, cmdutil.CodeOf(err))
	}
	// A pull request is not an override.
	_, _, err = run("acme/payments#1", false)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || err.Error() != "acme/payments#1 is not a glass override (no valid audit record); nothing was changed" {
		t.Errorf("pull request: %v (exit %d)", err, cmdutil.CodeOf(err))
	}
}

func TestCloseRunJSON(t *testing.T) {
	e := cmdtest.NewEnv(t)
	o := e.OpenProtection("alice", 30*time.Minute, "INC-1", "checks")
	ios, _, out, _ := iostreams.Test()
	err := closeRun(context.Background(), &CloseOptions{IO: ios, ID: o.ID, JSON: true,
		Engine: func() (*engine.Engine, error) { return e.Engine("alice"), nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"id": "acme/audit#1"`, `"state": "closed"`, `"verified": true`, `"drift": []`, `"conflicts": []`, `"remaining": 0`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, out)
		}
	}
}

func TestMapErr(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"restore incomplete", &engine.RestoreIncompleteError{ID: "a/b#1", Target: "a/b@main"}, cmdutil.ExitRestore},
		{"refusal", &engine.RefusalError{Reason: "policy says no"}, cmdutil.ExitRefused},
		{"step failed", &engine.Error{Op: "close", Step: "restore", Err: context.DeadlineExceeded}, cmdutil.ExitFailure},
		{"not found", &engine.Error{Op: "close", Step: "audit", Err: engine.ErrNotFound}, cmdutil.ExitUsage},
		{"not an override", &ledger.NotOverrideError{ID: "a/b#1", Err: context.Canceled}, cmdutil.ExitUsage},
		{"usage passes through", cmdutil.FlagErrorf("x"), cmdutil.ExitUsage},
		{"auth passes through", cmdutil.WithCode(cmdutil.ExitAuth, context.Canceled), cmdutil.ExitAuth},
	} {
		if got := cmdutil.CodeOf(MapErr(tt.err)); got != tt.code {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.code)
		}
	}
	if MapErr(nil) != nil {
		t.Error("MapErr(nil) != nil")
	}
}
