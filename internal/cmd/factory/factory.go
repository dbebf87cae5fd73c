// Package factory builds the real dependencies of glass's commands. It is the
// only place that reads the process environment and the wall clock.
package factory

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/auth/gate"
	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/levers"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// New returns a Factory wired to the process.
func New(ios *iostreams.IOStreams) *cmdutil.Factory {
	f := &cmdutil.Factory{IOStreams: ios, Getenv: os.Getenv}
	f.Clock = newClock(f.Getenv)
	f.ConfigDir = func() string { return configDir(f.Getenv) }
	f.CacheDir = func() string { return cacheDir(f.Getenv) }
	f.Endpoint = func() (ghapi.Endpoint, error) { // depends on Getenv, Hostname
		host := f.Hostname
		if host == "" {
			host = f.Getenv("GH_HOST")
		}
		return ghapi.Resolve(f.Getenv("GLASS_API_URL"), host)
	}
	var tokOnce sync.Once
	var tok cmdutil.Token
	var tokErr error
	f.Token = func() (cmdutil.Token, error) { // depends on Endpoint, ConfigDir, Getenv
		tokOnce.Do(func() { tok, tokErr = resolveToken(f) })
		return tok, tokErr
	}
	var once sync.Once
	var client *github.Client
	var clientErr error
	f.GitHub = func() (*github.Client, error) { // depends on Endpoint, Token, Debug, IOStreams
		once.Do(func() {
			ep, err := f.Endpoint()
			if err != nil {
				clientErr = cmdutil.FlagErrorWrap(err)
				return
			}
			tok, err := f.Token()
			if err != nil {
				clientErr = err
				return
			}
			opts := ghapi.Options{Endpoint: ep, Token: tok.Value, Cache: httpCache(f)}
			if f.Debug {
				opts.Debug = f.IOStreams.ErrOut
			}
			client = ghapi.NewClient(opts)
		})
		return client, clientErr
	}
	f.CurrentRepo = func() (string, error) { return currentRepo() }
	f.Levers = func() (map[override.Lever]lever.Lever, error) { // depends on GitHub
		gh, err := f.GitHub()
		if err != nil {
			return nil, err
		}
		return levers.For(gh), nil
	}
	f.Engine = func() (*engine.Engine, error) { // depends on GitHub, Levers, Clock
		gh, err := f.GitHub()
		if err != nil {
			return nil, err
		}
		levers, err := f.Levers()
		if err != nil {
			return nil, err
		}
		tok, err := f.Token()
		if err != nil {
			return nil, err
		}
		// Who the token probably is, without a request: `--user`'s default
		// is then read beside GET /user, not after it (engine.Config.LoginHint).
		hint := func() string {
			if tok.Login != "" {
				return tok.Login
			}
			return ghapi.CachedLogin(gh, httpCache(f), tok.Value)
		}
		return engine.New(engine.Config{GitHub: gh, Levers: levers, Ledger: ledger.NewStore(gh), Clock: f.Clock,
			Gate: newGate(gh, tok, f.Clock), Policy: policyConfig(f.Getenv), Progress: approvalProgress(f.IOStreams), LoginHint: hint}), nil
	}
	return f
}

// httpCache keeps GET answers for conditional requests across runs.
func httpCache(f *cmdutil.Factory) ghapi.Cache {
	return ghapi.DirCache{Dir: filepath.Join(f.CacheDir(), "http")}
}

// newGate is what `glass open` checks before it changes anything: the
// strict identity checks of internal/auth (the token's user, two-factor
// authentication, a fresh login when policy asks, the permission
// preflight). The engine starts the gate's reads beside its own first
// round (engine.GateStarter), so the checks cost no extra round trip.
func newGate(gh *github.Client, tok cmdutil.Token, clk clock.Clock) engine.Gate {
	return &gate.Gate{Checker: &auth.Checker{GitHub: gh, Clock: clk,
		Token: auth.Token{Value: tok.Value, Source: tok.Source, Login: tok.Login, StoredAt: tok.StoredAt}}}
}

// approvalProgress says on stderr that open waits for an approver, and who
// answered: the wait can last minutes.
func approvalProgress(ios *iostreams.IOStreams) func(engine.Step) {
	return func(s engine.Step) {
		if s.Name != "approval" || s.Err != nil {
			return
		}
		if strings.HasPrefix(s.Detail, "waiting") {
			fmt.Fprintf(ios.ErrOut, "Approval required: %s (an approver runs `glass approve ID` or comments /approve on the audit issue)\n", s.Detail)
			return
		}
		fmt.Fprintf(ios.ErrOut, "Approved by %s\n", s.Detail)
	}
}

// policyConfig turns on .github/glass.yml: decisions, approvals and
// webhooks (URLs from the variables the policy names).
// GLASS_TEST_APPROVAL_POLL makes a waiting open poll faster than every 5s;
// it is named for tests so nobody mistakes it for a setting.
func policyConfig(getenv func(string) string) *engine.PolicyConfig {
	pc := &engine.PolicyConfig{Getenv: getenv, Notify: notify.Options{Budget: 30 * time.Second}}
	if v := getenv("GLASS_TEST_APPROVAL_POLL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			pc.PollInterval = d
		}
	}
	if v := getenv("GLASS_TEST_WEBHOOK_DELAY"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			pc.Notify.BaseDelay = d
		}
	}
	return pc
}

// resolveToken applies the full token precedence of internal/auth
// (GLASS_TOKEN, GH_TOKEN/GITHUB_TOKEN or the enterprise variables, the
// keyring or the insecure file, then gh). The value leaves the process only
// in the Authorization header.
func resolveToken(f *cmdutil.Factory) (cmdutil.Token, error) {
	ep, err := f.Endpoint()
	if err != nil {
		return cmdutil.Token{}, cmdutil.FlagErrorWrap(err)
	}
	t, err := auth.NewResolver(f.Getenv, f.ConfigDir()).Resolve(context.Background(), ep)
	if err != nil {
		if errors.Is(err, auth.ErrNoToken) {
			return cmdutil.Token{}, cmdutil.WithCode(cmdutil.ExitAuth, err)
		}
		return cmdutil.Token{}, err
	}
	return cmdutil.Token{Value: t.Value, Source: t.Source, Login: t.Login, StoredAt: t.StoredAt}, nil
}

// newClock returns the wall clock. GLASS_TEST_CLOCK_OFFSET shifts it, so
// end-to-end tests and demos can look past an expiry without sleeping; it
// is named for tests so nobody mistakes it for a setting.
func newClock(getenv func(string) string) clock.Clock {
	if off := getenv("GLASS_TEST_CLOCK_OFFSET"); off != "" {
		if d, err := time.ParseDuration(off); err == nil {
			return offsetClock{d}
		}
	}
	return clock.Real{}
}

type offsetClock struct{ d time.Duration }

func (c offsetClock) Now() time.Time                         { return time.Now().Add(c.d) }
func (c offsetClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func configDir(getenv func(string) string) string {
	if d := getenv("GLASS_CONFIG_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "glass")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "glass")
	}
	return ".glass"
}

func cacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "glass")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "glass")
	}
	return filepath.Join(os.TempDir(), "glass-cache")
}

// currentRepo reads the origin remote of the git checkout in the working
// directory, the default repository when -R is not given (gh's convention).
func currentRepo() (string, error) {
	out, err := exec.Command("git", "remote", "get-url", "origin").Output()
	if err != nil {
		return "", cmdutil.FlagErrorf("no repository given: use -R OWNER/REPO (no git remote \"origin\" here to default to)")
	}
	return repoFromRemote(strings.TrimSpace(string(out)))
}

// repoFromRemote reads OWNER/REPO from a git remote URL that names a host
// (https://HOST/O/R, ssh://git@HOST/O/R, git@HOST:O/R). A remote that is a
// local path or file:// URL names no GitHub repository, so it is refused
// instead of turning /work/main into "work/main".
func repoFromRemote(remote string) (string, error) {
	refuse := func() (string, error) {
		return "", cmdutil.FlagErrorf("cannot read OWNER/REPO from remote %q: use -R OWNER/REPO", remote)
	}
	var path string
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Scheme != "file" && u.Host != "" {
		path = u.Path
	} else if at, rest, ok := strings.Cut(remote, "@"); ok && at != "" && !strings.Contains(at, "/") {
		host, p, ok := strings.Cut(rest, ":") // scp-like git@HOST:O/R
		if !ok || host == "" || strings.Contains(host, "/") {
			return refuse()
		}
		path = p
	} else {
		return refuse()
	}
	parts := strings.Split(strings.Trim(strings.TrimSuffix(path, ".git"), "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return refuse()
	}
	return cmdutil.ParseRepo(parts[0] + "/" + parts[1])
}
