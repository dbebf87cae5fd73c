package auth_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/app"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/cmd/factory"
	"github.com/glass-cli/glass/internal/cmd/root"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/iostreams"
)

// fakeToken is recognisable: the test fails if it, or its distinctive
// suffix, shows up anywhere glass writes.
const fakeToken = "ghp_FAKEtoken0123456789abcdefSECRET"

// sandboxToken is the shape of the simulator's seeded tokens (ghsim
// Server.Token), valid only inside a simulator.
var sandboxToken = regexp.MustCompile(`^ghp_sim[a-z_]+0{8}$`)

var leak = regexp.MustCompile(`FAKEtoken|0123456789abcdefSECRET|abcdefSECRET|\bgh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,}`)

// commands walks the tree from root.NewCmdRoot: every runnable command,
// including the ones that land after this test was written.
func commands(t *testing.T) [][]string {
	ios, _, _, _ := iostreams.Test()
	f := factory.New(ios)
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Runnable() && len(path) > 0 {
			out = append(out, path)
		}
		for _, sub := range c.Commands() {
			if sub.Name() == "help" {
				continue
			}
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(root.NewCmdRoot(f), nil)
	if len(out) < 5 {
		t.Fatalf("found only %d commands", len(out))
	}
	return out
}

type world struct {
	url      string
	dir      string
	keyring  string
	extraEnv map[string]string
}

func newWorld(t *testing.T, tokenKnown bool) *world {
	s := ghsim.New()
	if tokenKnown {
		s.AddToken(ghsim.TokenSpec{Token: fakeToken, Login: "alice", Scopes: []string{"repo", "read:org", "write:org", "user"}})
	}
	ts := httptest.NewServer(contract.ForTest(t)(s)) // every exchange validated against GitHub's description
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	return &world{url: ts.URL + "/", dir: dir, keyring: filepath.Join(dir, "keyring.json")}
}

// run executes glass in-process, like the binary, and returns everything it
// wrote. A command that does not finish in time (a server, a wait) is
// cancelled; its output so far is still checked.
func (w *world) run(t *testing.T, stdin string, env map[string]string, args ...string) string {
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := factory.New(ios)
	base := map[string]string{
		"GH_TOKEN": fakeToken, "GLASS_API_URL": w.url, "GLASS_TEST_KEYRING": w.keyring,
		"GLASS_CONFIG_DIR": filepath.Join(w.dir, "config"), "XDG_CONFIG_HOME": filepath.Join(w.dir, "xdg"),
		"XDG_CACHE_HOME": filepath.Join(w.dir, "cache"), "HOME": w.dir, "GH_PATH": filepath.Join(w.dir, "no-gh"),
		"NO_COLOR": "1", "GLASS_TEST_DEVICE_EXPIRES_IN": "300ms",
	}
	for k, v := range env {
		base[k] = v
	}
	f.Getenv = func(k string) string { return base[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				mu.Lock()
				fmt.Fprintf(errOut, "panic: %v", p)
				mu.Unlock()
			}
		}()
		app.Run(ctx, f, args)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Logf("glass %s did not finish after cancellation; checking its output so far", strings.Join(args, " "))
	}
	mu.Lock()
	defer mu.Unlock()
	return out.String() + errOut.String()
}

func check(t *testing.T, args []string, output string) {
	t.Helper()
	for _, m := range leak.FindAllString(output, -1) {
		if sandboxToken.MatchString(m) {
			continue // `glass sandbox serve` prints the simulator's own tokens on purpose
		}
		i := strings.Index(output, m)
		lo, hi := max(0, i-200), min(len(output), i+len(m)+50)
		t.Errorf("glass %s leaked a token (%q) in:\n...%s...", strings.Join(args, " "), m, output[lo:hi])
	}
}

func TestNoCommandLeaksTheToken(t *testing.T) {
	// Some commands write files in the working directory (glass init).
	t.Chdir(t.TempDir())
	cmds := commands(t)
	for _, known := range []bool{true, false} {
		t.Run(fmt.Sprintf("known=%v", known), func(t *testing.T) {
			t.Parallel()
			leakCheckWorld(t, cmds, known)
		})
	}
}

func leakCheckWorld(t *testing.T, cmds [][]string, known bool) {
	{
		w := newWorld(t, known)
		// A stored login too, so that the keyring path is exercised.
		if known {
			check(t, []string{"auth", "login", "--with-token"}, w.run(t, fakeToken+"\n", map[string]string{"GH_TOKEN": ""}, "auth", "login", "--with-token", "--debug"))
			// The harness sees what glass prints, and the trace is on.
			out := w.run(t, "", map[string]string{"GH_TOKEN": ""}, "auth", "status", "--debug")
			if !strings.Contains(out, "Logged in as alice") || !strings.Contains(out, "* GET ") || !strings.Contains(out, "Authorization: [REDACTED]") {
				t.Fatalf("unexpected status output:\n%s", out)
			}
		}
		for _, path := range cmds {
			variants := [][]string{
				append(append([]string(nil), path...), "--debug"),
				append(append([]string(nil), path...), "--debug", "-R", "acme/payments", "--no-input"),
				append(append([]string(nil), path...), "--debug", "-R", "acme/payments", fakeToken),
			}
			for _, args := range variants {
				name := strings.Join(args, " ")
				t.Run(strings.ReplaceAll(name, fakeToken, "TOKEN"), func(t *testing.T) {
					check(t, args, w.run(t, fakeToken+"\n", nil, args...))
					// The same with the token from the keyring instead of GH_TOKEN.
					check(t, args, w.run(t, fakeToken+"\n", map[string]string{"GH_TOKEN": ""}, args...))
				})
			}
		}
	}
}

// The exit code of the redaction-relevant failures stays typed.
func TestLoginWithTokenArgumentIsAUsageError(t *testing.T) {
	w := newWorld(t, true)
	ios, _, _, errOut := iostreams.Test()
	f := factory.New(ios)
	f.Getenv = func(k string) string {
		return map[string]string{"GLASS_API_URL": w.url, "GLASS_TEST_KEYRING": w.keyring}[k]
	}
	code := app.Run(context.Background(), f, []string{"auth", "login", "--with-token", fakeToken})
	if code != cmdutil.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cmdutil.ExitUsage)
	}
	if bytes.Contains(errOut.Bytes(), []byte("SECRET")) {
		t.Fatalf("leaked: %s", errOut)
	}
}
