package open

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/cmd/cmdtest"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

func TestNewCmdOpen(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		tty     bool
		noRepo  bool // no -R and no git remote
		want    OpenOptions
		wantErr string
	}{
		{
			name: "protection",
			args: "-R acme/payments --lever protection --branch main --relax reviews,checks --duration 1h30m --reason 'INC-1 fix' --incident INC-1 --audit-repo acme/audit --yes --json",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"checks", "reviews"},
				Duration: 90 * time.Minute, Reason: "INC-1 fix", Incident: "INC-1", AuditRepo: "acme/audit", Yes: true, JSON: true},
		},
		{
			name: "lever defaults to protection",
			args: "-R acme/payments --branch main --relax all --duration 15m --reason x -y",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"all"}, Duration: 15 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name: "access",
			args: "-R acme/payments --lever access --user @dave --permission PUSH --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverAccess, User: "dave", Permission: "push", Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name: "permission implies access",
			args: "-R acme/payments --permission admin --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverAccess, Permission: "admin", Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name: "on a terminal --yes is not required",
			args: "-R acme/payments --branch main --relax reviews --duration 30m --reason x",
			tty:  true,
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverProtection, Branch: "main", Relax: []string{"reviews"}, Duration: 30 * time.Minute, Reason: "x"},
		},
		{
			name:    "every missing flag is named",
			args:    "-R acme/payments --lever protection",
			wantErr: "missing required flags: --branch, --relax, --reason, --yes; nothing was changed (glass cannot ask for confirmation without a terminal, so --yes must confirm the change)",
		},
		{
			name:    "missing repository",
			args:    "--branch main --relax reviews --duration 30m --reason x --yes",
			noRepo:  true,
			wantErr: "missing required flags: -R/--repo; nothing was changed",
		},
		{
			name:    "unknown flag",
			args:    "-R acme/payments --lever access --for 5m",
			wantErr: "unknown flag: --for",
		},
		{
			name:    "access missing permission",
			args:    "-R acme/payments --lever access --duration 1m --reason x --yes",
			wantErr: "missing required flags: --permission; nothing was changed",
		},
		{
			name:    "blank reason",
			args:    "-R acme/payments --branch main --relax reviews --duration 30m --reason '   ' --yes",
			wantErr: "missing required flags: --reason; nothing was changed",
		},
		{
			name:    "malformed repo",
			args:    "-R acme --branch main --relax reviews --duration 30m --reason x --yes",
			wantErr: `invalid repository "acme": expected OWNER/REPO; nothing was changed`,
		},
		{
			name:    "malformed audit repo",
			args:    "-R acme/payments --branch main --relax reviews --duration 30m --reason x --audit-repo a/b/c/d --yes",
			wantErr: `invalid --audit-repo "a/b/c/d": expected OWNER/REPO; nothing was changed`,
		},
		{
			name:    "zero duration",
			args:    "-R acme/payments --branch main --relax reviews --duration 0s --reason x --yes",
			wantErr: `invalid --duration "0s": must be at least 1s; nothing was changed`,
		},
		{
			name:    "negative duration",
			args:    "-R acme/payments --branch main --relax reviews --duration -5m --reason x --yes",
			wantErr: `invalid --duration "-5m": must be at least 1s; nothing was changed`,
		},
		{
			name:    "huge duration",
			args:    "-R acme/payments --branch main --relax reviews --duration 9000h --reason x --yes",
			wantErr: `invalid --duration "9000h": must be at most 168h0m0s; nothing was changed`,
		},
		{
			name:    "not a duration",
			args:    "-R acme/payments --branch main --relax reviews --duration soon --reason x --yes",
			wantErr: `invalid --duration "soon": use a duration such as 15m or 1h30m; nothing was changed`,
		},
		{
			name: "ruleset by name",
			args: "-R acme/payments --lever ruleset --ruleset payments-staging --relax Disable,bypass-team:oncall --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverRuleset, Ruleset: "payments-staging", Relax: []string{"bypass-team:oncall", "disable"}, Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name: "ruleset by branch",
			args: "-R acme/payments --lever ruleset --branch staging --relax evaluate --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverRuleset, Branch: "staging", Relax: []string{"evaluate"}, Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name:    "ruleset needs a ruleset or a branch",
			args:    "-R acme/payments --lever ruleset --relax disable --duration 30m --reason x --yes",
			wantErr: "missing required flags: --ruleset or --branch; nothing was changed",
		},
		{
			name:    "ruleset takes no --team",
			args:    "-R acme/payments --lever ruleset --ruleset 7 --team oncall --relax disable --duration 30m --reason x --yes",
			wantErr: "--team is not for --lever ruleset (ruleset takes --ruleset or --branch, and --relax (or --bypass-team, --bypass-role)); nothing was changed",
		},
		{
			name: "ruleset bypass shorthands",
			args: "-R acme/payments --lever ruleset --ruleset 7 --bypass-team oncall --bypass-role maintain:pull_request,admin --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverRuleset, Ruleset: "7", BypassTeams: []string{"oncall"}, BypassRoles: []string{"maintain:pull_request", "admin"},
				Relax: []string{"bypass-role:admin", "bypass-role:maintain:pull_request", "bypass-team:oncall"}, Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name:    "ruleset bypass shorthand and --relax",
			args:    "-R acme/payments --lever ruleset --ruleset 7 --bypass-team oncall --relax disable --duration 30m --reason x --yes",
			wantErr: "--relax cannot be combined with --bypass-team or --bypass-role: pass one or the other (--bypass-team SLUG is --relax bypass-team:SLUG, --bypass-role ROLE is --relax bypass-role:ROLE); nothing was changed",
		},
		{
			name:    "ruleset bypass role unknown",
			args:    "-R acme/payments --lever ruleset --ruleset 7 --bypass-role owner --duration 30m --reason x --yes",
			wantErr: "invalid --bypass-role \"owner\": expected admin, maintain or write, optionally followed by :pull_request (bypass through pull requests only); nothing was changed",
		},
		{
			name: "team with a bare slug is in the repository's owner",
			args: "-R acme/payments --lever team --team oncall --user @bob --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverTeam, Team: "acme/oncall", User: "bob", Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name: "team in another organization, user defaults later",
			args: "-R acme/payments --lever team --team other/ops --duration 30m --reason x --yes",
			want: OpenOptions{Repo: "acme/payments", Lever: override.LeverTeam, Team: "other/ops", Duration: 30 * time.Minute, Reason: "x", Yes: true},
		},
		{
			name:    "team needs --team",
			args:    "-R acme/payments --lever team --user bob --duration 30m --reason x --yes",
			wantErr: "missing required flags: --team; nothing was changed",
		},
		{
			name:    "team takes no --relax",
			args:    "-R acme/payments --lever team --team oncall --relax member --duration 30m --reason x --yes",
			wantErr: "--relax is not for --lever team (team takes --team and --user); nothing was changed",
		},
		{
			name:    "protection takes no --ruleset",
			args:    "-R acme/payments --branch main --relax reviews --ruleset 7 --duration 30m --reason x --yes",
			wantErr: "--ruleset is not for --lever protection (protection takes --branch and --relax); nothing was changed",
		},
		{
			name:    "unknown lever",
			args:    "-R acme/payments --lever door --duration 1m --reason x --yes",
			wantErr: `unknown --lever "door" (valid: protection, ruleset, access, team); nothing was changed`,
		},
		{
			name:    "bad permission",
			args:    "-R acme/payments --lever access --permission god --duration 1m --reason x --yes",
			wantErr: `invalid --permission "god" (valid: pull, triage, push, maintain, admin); nothing was changed`,
		},
		{
			name:    "bad user",
			args:    "-R acme/payments --lever access --user 'a b' --permission push --duration 1m --reason x --yes",
			wantErr: `invalid --user "a b": expected a GitHub login; nothing was changed`,
		},
		{
			name:    "protection flags on access",
			args:    "-R acme/payments --lever access --branch main --permission push --duration 1m --reason x --yes",
			wantErr: "--branch and --relax are for --lever protection; access takes --user and --permission; nothing was changed",
		},
		{
			// On a terminal the flow would ask for what is missing: only
			// the invalid value is an error (without one, see
			// testdata/script/open-missing-flags.txtar).
			name:    "invalid value on a terminal",
			args:    "-R acme/payments --permission root",
			tty:     true,
			wantErr: `invalid --permission "root" (valid: pull, triage, push, maintain, admin); nothing was changed`,
		},
		{
			name:    "invalid value and missing flags without a terminal",
			args:    "-R acme/payments --permission root --reason x",
			wantErr: `invalid --permission "root" (valid: pull, triage, push, maintain, admin); missing required flags: --yes; nothing was changed`,
		},
		{
			name:    "access flags on protection",
			args:    "-R acme/payments --lever protection --branch main --relax reviews --user dave --duration 1m --reason x --yes",
			wantErr: "--permission and --user are for --lever access; branch protection takes --branch and --relax; nothing was changed",
		},
		{
			name:    "arguments",
			args:    "-R acme/payments now",
			wantErr: `unknown command "now" for "open"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios}
			if !tt.noRepo {
				f.CurrentRepo = func() (string, error) { return "", cmdutil.FlagErrorf("no remote") }
			}
			var got *OpenOptions
			cmd := NewCmdOpen(f, func(o *OpenOptions) error { got = o; return nil })
			// -R is the root's persistent flag; mirror it here.
			cmd.PersistentFlags().StringVarP(&f.RepoOverride, "repo", "R", "", "")
			cmd.SetArgs(split(t, tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if got.Repo != w.Repo || got.Lever != w.Lever || got.Branch != w.Branch || strings.Join(got.Relax, ",") != strings.Join(w.Relax, ",") ||
				got.User != w.User || got.Permission != w.Permission || got.Duration != w.Duration || got.Reason != w.Reason ||
				got.Incident != w.Incident || got.AuditRepo != w.AuditRepo || got.Yes != w.Yes || got.JSON != w.JSON ||
				got.Ruleset != w.Ruleset || got.Team != w.Team {
				t.Errorf("options:\n got %+v\nwant %+v", *got, w)
			}
		})
	}
}

// split is a tiny shell-word splitter for the table (single quotes only).
func split(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, any = !in, true
		case r == ' ' && !in:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if in {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// env is a simulator with the real engine wired as the factory wires it.
type env struct{ *cmdtest.Env }

func newEnv(t *testing.T) *env { return &env{cmdtest.NewEnv(t)} }

func (e *env) opts(t *testing.T, login string, ios *iostreams.IOStreams) *OpenOptions {
	gh := e.Client(login)
	levers := map[override.Lever]lever.Lever{override.LeverProtection: protection.New(gh)}
	return &OpenOptions{
		IO:     ios,
		Clock:  e.Clk,
		Levers: func() (map[override.Lever]lever.Lever, error) { return levers, nil },
		GitHub: func() (*github.Client, error) { return gh, nil },
		Engine: func() (*engine.Engine, error) {
			return engine.New(engine.Config{GitHub: gh, Levers: levers, Ledger: ledger.NewStore(gh), Clock: e.Clk}), nil
		},
		Whoami: func(context.Context) (string, error) { return login, nil },
		Repo:   "acme/payments", Lever: override.LeverProtection, Branch: "main", Duration: 30 * time.Minute,
		Reason: "INC-1 hotfix", AuditRepo: "acme/audit",
	}
}

// writes counts requests that change something other than the audit
// repository's labels (engine.Plan sets those up; they are not a change to
// the target, and bad input is caught before Plan).
func (e *env) writes() int {
	n := 0
	for _, x := range e.Sim.Log() {
		if x.Method != "GET" && x.Method != "HEAD" && !strings.HasSuffix(x.Path, "/labels") {
			n++
		}
	}
	return n
}

// allWrites counts every request that is not a read, labels included.
func (e *env) allWrites() int {
	n := 0
	for _, x := range e.Sim.Log() {
		if x.Method != "GET" && x.Method != "HEAD" {
			n++
		}
	}
	return n
}

func TestOpenRun(t *testing.T) {
	tests := []struct {
		name       string
		relax      []string
		yes        bool
		tty        bool
		answer     string
		wantErr    string
		wantCode   int
		wantOut    []string
		wantErrOut []string
		wantWrites bool
	}{
		{
			name: "reviews, confirmed by --yes", relax: []string{"reviews"}, yes: true, wantWrites: true,
			wantOut: []string{
				"Override:  acme/audit#1\n",
				"Target:    acme/payments@main (lever protection)\n",
				"Changed:\n  required_pull_request_reviews.enabled: true → false (with its 11 settings, restored on close)\nNotices:",
				"Expires:   ", "(in 30m)\n",
				"Notices:\n  auto-merge: #1 \"Limit refunds per day\" by dave has auto-merge (squash) enabled",
				"Close now: glass close 'acme/audit#1' --reason \"...\"\n",
			},
			wantErrOut: []string{"✓ Opened acme/audit#1: acme/payments@main relaxed (reviews), verified\n"},
		},
		{
			name: "terminal, answered yes", relax: []string{"checks"}, tty: true, answer: "y\n", wantWrites: true,
			wantOut:    []string{"Override:  acme/audit#1\n"},
			wantErrOut: []string{"glass will open an override as alice:\n", "  relax checks on acme/payments@main for 30m\n", "? Open this override? [y/N] "},
		},
		{
			name: "terminal, answered no", relax: []string{"reviews"}, tty: true, answer: "n\n",
			wantErr: "cancelled", wantCode: cmdutil.ExitCancelled,
			wantErrOut: []string{"? Open this override? [y/N] "},
		},
		{
			name: "unknown relax name", relax: []string{"everything"}, yes: true,
			wantErr:  `unknown --relax "everything" (valid: reviews, checks, admins, force-push, deletions, restrictions, linear-history, signatures, conversations, lock, all); nothing was changed`,
			wantCode: cmdutil.ExitUsage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ios, in, out, errOut := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			in.WriteString(tt.answer)
			opts := e.opts(t, "alice", ios)
			opts.Relax, opts.Yes = tt.relax, tt.yes
			err := openRun(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if c := cmdutil.CodeOf(err); c != tt.wantCode {
					t.Errorf("exit code %d, want %d", c, tt.wantCode)
				}
			} else if err != nil {
				t.Fatalf("openRun: %v\nstderr: %s", err, errOut)
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.wantErrOut {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if got := e.writes() > 0; got != tt.wantWrites {
				t.Errorf("wrote to GitHub: %v, want %v", got, tt.wantWrites)
			}
		})
	}
}

func TestOpenRunJSON(t *testing.T) {
	e := newEnv(t)
	ios, _, out, _ := iostreams.Test()
	opts := e.opts(t, "alice", ios)
	opts.Relax, opts.Yes, opts.JSON = []string{"reviews"}, true, true
	if err := openRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"id": "acme/audit#1"`, `"state": "active"`, `"lever": "protection"`, `"relax": [` + "\n" + `    "reviews"`, `"expires_at": "2026-03-02T09:30:00Z"`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("JSON lacks %q:\n%s", s, out)
		}
	}
}

func TestOpenRunNotFound(t *testing.T) {
	for _, tt := range []struct{ repo, branch, want string }{
		{"acme/nope", "main", "repository acme/nope or branch \"main\" not found, or your token cannot see it"},
		{"acme/payments", "no-such-branch", "branch no-such-branch not found in acme/payments"},
	} {
		e := newEnv(t)
		ios, _, _, _ := iostreams.Test()
		opts := e.opts(t, "alice", ios)
		opts.Repo, opts.Branch, opts.Relax, opts.Yes = tt.repo, tt.branch, []string{"reviews"}, true
		err := openRun(context.Background(), opts)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s@%s: error = %v, want a usage error containing %q", tt.repo, tt.branch, err, tt.want)
		}
		if n := e.allWrites(); n != 0 {
			t.Errorf("%s@%s: %d writes, want 0", tt.repo, tt.branch, n)
		}
	}
}
