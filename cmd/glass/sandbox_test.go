package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// TestSandboxServeProcess runs `glass sandbox serve --seed acme` as a real
// process (the test binary re-executed as glass, see TestMain) and does what
// the README and issue #2 promise a person with curl can do: GET the seeded
// protection of acme/payments main in GitHub's GET shape, PUT the body
// copied from GitHub's documentation example, read the result back. Every
// exchange is validated against GitHub's description (contract.Check), and
// the same GET is repeated with curl when curl is installed.
func TestSandboxServeProcess(t *testing.T) {
	cmd := exec.Command("glass", "sandbox", "serve", "--seed", "acme", "--addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Environ(), "NO_COLOR=1", "GLASS_API_URL=", "GH_TOKEN=", "GITHUB_TOKEN=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	// The two export lines, as a shell would eval them.
	env := map[string]string{}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for len(env) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("glass sandbox serve stopped before printing its environment; stderr: %s", stderr.String())
			}
			l, _, _ = strings.Cut(l, "  #")
			k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
			if !ok || !strings.HasPrefix(l, "export ") {
				t.Fatalf("unexpected stdout line %q", l)
			}
			env[k] = v
		case <-deadline:
			t.Fatalf("no environment printed in 30s; stderr: %s", stderr.String())
		}
	}
	base, token := env["GLASS_API_URL"], env["GH_TOKEN"]
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") || !strings.HasPrefix(token, "ghp_") {
		t.Fatalf("printed GLASS_API_URL=%q GH_TOKEN=%q", base, token)
	}
	protPath := "/repos/acme/payments/branches/main/protection"

	do := func(method, path, tok string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, strings.TrimSuffix(base, "/")+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		u, _ := url.Parse(path)
		for _, v := range contract.Check(method, u.EscapedPath(), u.RawQuery, req.Header, body, res.StatusCode, res.Header, b) {
			t.Errorf("%s", v)
		}
		return res.StatusCode, b
	}

	// curl -H "Authorization: Bearer $TOKEN" $GLASS_API_URL/repos/acme/payments/branches/main/protection
	code, got := do("GET", protPath, token, nil)
	if code != 200 {
		t.Fatalf("GET protection: %d %s", code, got)
	}
	var prot struct {
		URL            string `json:"url"`
		RequiredChecks struct {
			Strict bool `json:"strict"`
			Checks []struct {
				Context string `json:"context"`
				AppID   *int64 `json:"app_id"`
			} `json:"checks"`
		} `json:"required_status_checks"`
		EnforceAdmins struct{ Enabled bool } `json:"enforce_admins"`
		Reviews       struct {
			Count      int  `json:"required_approving_review_count"`
			CodeOwners bool `json:"require_code_owner_reviews"`
			Stale      bool `json:"dismiss_stale_reviews"`
		} `json:"required_pull_request_reviews"`
		Restrictions struct {
			Teams []struct{ Slug string } `json:"teams"`
		} `json:"restrictions"`
		Linear        struct{ Enabled bool } `json:"required_linear_history"`
		Conversations struct{ Enabled bool } `json:"required_conversation_resolution"`
	}
	if err := json.Unmarshal(got, &prot); err != nil {
		t.Fatal(err)
	}
	// The seeded rule in GET shape: objects with "enabled", checks with app_id
	// (15368 for ci/build, null = any app for ci/test), teams as objects.
	ok := prot.URL == strings.TrimSuffix(base, "/")+protPath && prot.RequiredChecks.Strict && len(prot.RequiredChecks.Checks) == 2 &&
		prot.RequiredChecks.Checks[0].AppID != nil && *prot.RequiredChecks.Checks[0].AppID == 15368 && prot.RequiredChecks.Checks[1].AppID == nil &&
		prot.EnforceAdmins.Enabled && prot.Reviews.Count == 2 && prot.Reviews.CodeOwners && prot.Reviews.Stale &&
		len(prot.Restrictions.Teams) == 1 && prot.Restrictions.Teams[0].Slug == "release-managers" && prot.Linear.Enabled && prot.Conversations.Enabled
	if !ok {
		t.Errorf("GET protection is not the seeded rule in GET shape: %s", got)
	}
	if code, body := do("GET", protPath, "", nil); code != 401 {
		t.Errorf("GET without a token: %d %s, want 401", code, body)
	}

	if curl, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command(curl, "-sS", "-H", "Authorization: Bearer "+token, strings.TrimSuffix(base, "/")+protPath).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		var a, b any
		if json.Unmarshal(out, &a) != nil || json.Unmarshal(got, &b) != nil {
			t.Fatalf("curl output is not JSON: %s", out)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("curl saw %s, net/http saw %s", ja, jb)
		}
	} else {
		t.Log("curl is not installed; the GET above used net/http")
	}

	// PUT the body from GitHub's documentation ("Update branch protection",
	// the request example in the OpenAPI description), byte for byte.
	example := docsExample(t, "/repos/{owner}/{repo}/branches/{branch}/protection", "PUT")
	code, body := do("PUT", protPath, token, example)
	if code != 200 {
		t.Fatalf("PUT of the docs' example body: %d %s", code, body)
	}
	_, got = do("GET", protPath, token, nil)
	if !bytes.Contains(got, []byte(`"login":"octocat"`)) || !bytes.Contains(got, []byte(`"slug":"justice-league"`)) || !bytes.Contains(got, []byte(`"slug":"super-ci"`)) {
		t.Errorf("GET after the docs' PUT lacks octocat, justice-league or super-ci: %s", got)
	}

	// Ctrl-C stops it cleanly.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Errorf("after SIGINT: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("still running 10s after SIGINT")
	}
	if !strings.Contains(stderr.String(), "listening on "+base) || strings.Contains(stderr.String(), token) {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// docsExample returns the request-body example GitHub documents for an
// operation, from the committed description.
func docsExample(t *testing.T, path, method string) []byte {
	t.Helper()
	op := contract.MustLoad().Doc.Paths.Value(path).GetOperation(method)
	mt := op.RequestBody.Value.Content.Get("application/json")
	ex := mt.Examples["default"]
	if ex == nil || ex.Value == nil {
		t.Fatalf("no documented example for %s %s", method, path)
	}
	b, err := json.Marshal(ex.Value.Value)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
