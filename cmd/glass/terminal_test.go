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
