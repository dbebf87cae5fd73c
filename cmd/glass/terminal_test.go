package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// These tests run the real glass binary (this test binary, re-executed as
// `glass` by testscript.Main, which puts it on PATH) against an
// in-process simulator whose every exchange is validated against the
// OpenAPI description.

type liveSim struct {
	srv *ghsim.Server
	url string
}

func startSim(t *testing.T) *liveSim {
	t.Helper()
	s := ghsim.New(ghsim.WithSeed("acme"))
	var mu sync.Mutex
	var violations []string
	h := contract.Wrap(s, func(v contract.Violation) {
		mu.Lock()
		violations = append(violations, v.String())
		mu.Unlock()
	})
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, v := range violations {
			t.Errorf("OpenAPI contract violation: %s", v)
		}
	})
	return &liveSim{srv: s, url: ts.URL + "/"}
}

func (s *liveSim) get(t *testing.T, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.srv.Token("acme-admin"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// env is the environment glass runs with: its own home, the simulator,
// alice's token.
func (s *liveSim) env(t *testing.T) []string {
	home := t.TempDir()
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home+"/.config", "XDG_CACHE_HOME="+home+"/.cache",
		"GLASS_API_URL="+s.url, "GH_TOKEN="+s.srv.Token("alice"), "GITHUB_TOKEN=", "GLASS_TOKEN=", "GH_HOST=", "CI=", "GLASS_NO_INPUT=")
}

func glassPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("glass")
	if err != nil {
		t.Fatalf("glass is not on PATH (testscript.Main puts it there): %v", err)
	}
	return p
}

// SIGTERM and SIGHUP to `glass open --wait` without a terminal close the
// override now, verified (testscript's kill only sends SIGINT, see
// testdata/script/open-wait.txtar).
func TestWaitSignalsWithoutTerminal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}[sig]
		t.Run(name, func(t *testing.T) {
			s := startSim(t)
			before := s.get(t, "repos/acme/payments/branches/main/protection")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, glassPath(t), "open", "-R", "acme/payments", "--branch", "main", "--relax", "reviews",
				"--duration", "30m", "--reason", "INC-9: "+name, "--audit-repo", "acme/audit", "--yes", "--wait")
			cmd.Env = s.env(t)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if strings.HasPrefix(sc.Text(), "Waiting for acme/audit#1") {
					break
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(stderr)
			log.Write(rest)
			err = cmd.Wait()
			if err != nil {
				t.Fatalf("glass exited with %v:\n%s", err, log.String())
			}
			for _, want := range []string{"Received " + name + ": closing acme/audit#1 now", "✓ Rolled back acme/audit#1 (" + name + ") and verified field by field"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, log.String())
				}
			}
			if after := s.get(t, "repos/acme/payments/branches/main/protection"); after != before {
				t.Errorf("protection not restored:\n%s\nwant:\n%s", after, before)
			}
			if issue := s.get(t, "repos/acme/audit/issues/1"); !strings.Contains(issue, `"state":"closed"`) {
				t.Errorf("audit issue not closed")
			}
		})
	}
}

// tmux drives a real terminal: tmux new-session -d, send-keys, capture-pane.
type tmux struct {
	t    *testing.T
	sock string
}

func newTmux(t *testing.T) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is required for the real-terminal test (.ci/run installs it): %v", err)
	}
	dir, err := os.MkdirTemp("", "glass-tmux")
	if err != nil {
		t.Fatal(err)
	}
	x := &tmux{t: t, sock: filepath.Join(dir, "sock")}
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-S", x.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	return x
}

func (x *tmux) run(env []string, args ...string) string {
	x.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-S", x.sock}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.run(nil, "capture-pane", "-p", "-t", "glass") }

// waitFor polls the screen until it contains s.
func (x *tmux) waitFor(s string, d time.Duration) string {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		sc := x.screen()
		if strings.Contains(sc, s) {
			return sc
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("screen never showed %q; it shows:\n%s", s, sc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (x *tmux) keys(keys ...string) {
	x.t.Helper()
	x.run(nil, append([]string{"send-keys", "-t", "glass"}, keys...)...)
}

// TestTmuxInteractiveOpen runs the built binary in a real terminal,
// completes the interactive open, watches the countdown reach zero and
// checks the protection was restored, field by field identical.
func TestTmuxInteractiveOpen(t *testing.T) {
	s := startSim(t)
	before := s.get(t, "repos/acme/payments/branches/main/protection")
	x := newTmux(t)
	env := append(s.env(t), "TERM=xterm-256color", "NO_COLOR=1")
	// The pane stays after glass exits, so the result can be read.
	x.run(env, "new-session", "-d", "-s", "glass", "-x", "100", "-y", "40",
		"exec "+glassPath(t)+" open --audit-repo acme/audit --duration 6s --wait", ";", "set-option", "-t", "glass", "remain-on-exit", "on")
	x.waitFor("Which repository?", 20*time.Second)
	x.keys("acme/payments", "Enter")
	x.waitFor("What do you need?", 10*time.Second)
	x.keys("Enter")
	x.waitFor("protected", 10*time.Second)
	x.keys("Enter")
	// The list, not just the question: keys typed while the policy is
	// being read are not taken.
	x.waitFor("[ ] reviews", 10*time.Second)
	x.keys("Space", "Enter")
	x.waitFor("at least", 10*time.Second)
	x.keys("INC-4711: tmux end-to-end", "C-s")
	sc := x.waitFor("Open this override?", 10*time.Second)
	if !strings.Contains(sc, "required_pull_request_reviews.enabled: true → false") {
		t.Errorf("confirmation lacks the diff:\n%s", sc)
	}
	x.keys("y")
	x.waitFor("left", 20*time.Second)
	if issue := s.get(t, "repos/acme/audit/issues/1"); !strings.Contains(issue, "break-glass:active") {
		t.Errorf("override not active while counting down: %s", issue)
	}
	sc = x.waitFor("Rolled back acme/audit#1 (expired) and verified field by field", 30*time.Second)
	if after := s.get(t, "repos/acme/payments/branches/main/protection"); after != before {
		t.Errorf("protection not restored:\n%s\nwant:\n%s", after, before)
	}
	if issue := s.get(t, "repos/acme/audit/issues/1"); !strings.Contains(issue, `"state":"closed"`) {
		t.Errorf("audit issue not closed:\n%s", sc)
	}
	// The last frame is drawn just before glass exits; tmux then writes
	// "Pane is dead (status N, …)" (remain-on-exit). (#{pane_dead_status}
	// was seen empty right after the exit with tmux 3.3a.)
	x.waitFor("Pane is dead (status 0,", 30*time.Second)
}
