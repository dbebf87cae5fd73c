package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/glass-cli/glass/internal/app"
	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/auth/keyring"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite testscript expectations in place")

// The test binary re-executes itself as `glass`, running exactly what the
// real binary runs (app.Main), so the scripts drive the real entry point.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"glass": func() { os.Exit(app.Main(os.Args[1:])) },
	})
}

// simulators maps a script's work directory to its running simulator. The
// simulator lives in the test process; glass reaches it over loopback.
var (
	simMu      sync.Mutex
	simulators = map[string]*scriptSim{}
)

type scriptSim struct {
	srv        *ghsim.Server
	http       *httptest.Server
	violations []string
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config")
			env.Setenv("XDG_CACHE_HOME", env.WorkDir+"/.cache")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("GH_TOKEN", "")
			env.Setenv("GITHUB_TOKEN", "")
			env.Setenv("GLASS_TOKEN", "")
			env.Setenv("GH_HOST", "")
			env.Setenv("GLASS_API_URL", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sim":   cmdSim,
			"exits": cmdExits,
			"sleep": cmdSleep,
		},
	})
	// Every exchange between glass and the simulator was validated against
	// GitHub's OpenAPI description; a violation fails the suite, naming the
	// script that caused it.
	simMu.Lock()
	defer simMu.Unlock()
	var names []string
	for dir, s := range simulators {
		if len(s.violations) > 0 {
			names = append(names, dir)
		}
	}
	sort.Strings(names)
	for _, dir := range names {
		t.Errorf("OpenAPI contract violations in %s:\n  %s", dir, strings.Join(simulators[dir].violations, "\n  "))
	}
	t.Log(contract.Summary())
}

// seededUsers get a TOKEN_<LOGIN> variable after `sim start`.
var seededUsers = []string{"alice", "bob", "carol", "dave", "erin", "mallory", "frank", "acme-admin", "release-bot", "octocat"}

func current(ts *testscript.TestScript) *scriptSim {
	simMu.Lock()
	defer simMu.Unlock()
	s := simulators[ts.Getenv("WORK")]
	if s == nil {
		ts.Fatalf("no simulator: run `sim start` first")
	}
	return s
}

// cmdSim controls the in-process GitHub simulator:
//
//	sim start [SEED]                      start it; sets GLASS_API_URL, TOKEN_<LOGIN> and
//	                                      RULESET_<NAME> (seeded ruleset ids, e.g. RULESET_PAYMENTS_STAGING)
//	sim get [-omit=K1,K2] PATH [FILE]     GET as acme-admin (org owner), body to FILE or stdout;
//	                                      -omit drops top-level keys of a JSON object (updated_at,
//	                                      which GitHub moves on every write, even one that restores)
//	sim as LOGIN METHOD PATH [BODYFILE]   any request as a seeded user; body to stdout
//	sim branch OWNER/REPO NEW FROM        create branch NEW at FROM's head, as acme-admin,
//	                                      through the API (git/get-ref, git/create-ref)
//	sim fault SPEC | sim fault reset      inject faults (see ghsim.ParseFaults)
//	sim requests [METHOD [PATH-REGEXP]]   print how many exchanges matched
//	sim await N METHOD PATH-REGEXP        wait (up to 20 s) until N exchanges match
//	sim log                               print the exchanges
//	sim resetlog                          forget the exchanges so far
func cmdSim(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: sim start|get|as|fault|requests|log|resetlog")
	}
	switch args[0] {
	case "start":
		seed := "acme"
		if len(args) > 1 {
			seed = args[1]
		}
		s := &scriptSim{srv: ghsim.New(ghsim.WithSeed(seed))}
		h := contract.Wrap(s.srv, func(v contract.Violation) {
			simMu.Lock()
			defer simMu.Unlock()
			s.violations = append(s.violations, v.String())
		})
		s.http = httptest.NewServer(h)
		ts.Defer(s.http.Close)
		simMu.Lock()
		simulators[ts.Getenv("WORK")] = s
		simMu.Unlock()
		ts.Setenv("GLASS_API_URL", s.http.URL+"/")
		for _, u := range seededUsers {
			if tok := s.srv.Token(u); tok != "" {
				ts.Setenv("TOKEN_"+strings.ToUpper(strings.ReplaceAll(u, "-", "_")), tok)
			}
		}
		s.srv.Do(func(st *ghsim.State) {
			for _, rs := range st.Rulesets() {
				ts.Setenv("RULESET_"+strings.ToUpper(strings.ReplaceAll(rs.Name, "-", "_")), strconv.FormatInt(rs.ID, 10))
			}
		})
	case "get":
		var omit []string
		if len(args) > 1 && strings.HasPrefix(args[1], "-omit=") {
			omit = strings.Split(strings.TrimPrefix(args[1], "-omit="), ",")
			args = append(args[:1], args[2:]...)
		}
		if len(args) < 2 {
			ts.Fatalf("usage: sim get [-omit=K1,K2] PATH [FILE]")
		}
		status, body := simRequest(ts, "acme-admin", "GET", args[1], "")
		checkStatus(ts, neg, status, body)
		if len(omit) > 0 && status < 400 {
			var m map[string]json.RawMessage
			ts.Check(json.Unmarshal(body, &m))
			for _, k := range omit {
				delete(m, k)
			}
			var err error
			body, err = json.Marshal(m)
			ts.Check(err)
		}
		if len(args) > 2 {
			ts.Check(os.WriteFile(ts.MkAbs(args[2]), body, 0o644))
		} else {
			ts.Stdout().Write(body)
		}
	case "as":
		if len(args) < 4 {
			ts.Fatalf("usage: sim as LOGIN METHOD PATH [BODYFILE]")
		}
		var body string
		if len(args) > 4 {
			body = ts.ReadFile(args[4])
		}
		status, resp := simRequest(ts, args[1], args[2], args[3], body)
		checkStatus(ts, neg, status, resp)
		ts.Stdout().Write(resp)
	case "branch":
		if len(args) != 4 {
			ts.Fatalf("usage: sim branch OWNER/REPO NEW FROM")
		}
		status, body := simRequest(ts, "acme-admin", "GET", "repos/"+args[1]+"/git/ref/heads/"+args[3], "")
		checkStatus(ts, false, status, body)
		var ref struct {
			Object struct {
				SHA string `json:"sha"`
			} `json:"object"`
		}
		ts.Check(json.Unmarshal(body, &ref))
		req, err := json.Marshal(map[string]string{"ref": "refs/heads/" + args[2], "sha": ref.Object.SHA})
		ts.Check(err)
		status, body = simRequest(ts, "acme-admin", "POST", "repos/"+args[1]+"/git/refs", string(req))
		checkStatus(ts, neg, status, body)
	case "fault":
		s := current(ts)
		if len(args) != 2 {
			ts.Fatalf("usage: sim fault SPEC|reset")
		}
		if args[1] == "reset" {
			s.srv.SetFaults(ghsim.Faults{})
			return
		}
		f, err := ghsim.ParseFaults(args[1])
		ts.Check(err)
		s.srv.SetFaults(f)
	case "requests":
		s := current(ts)
		var method string
		var re *regexp.Regexp
		if len(args) > 1 {
			method = args[1]
		}
		if len(args) > 2 {
			re = regexp.MustCompile(args[2])
		}
		n := 0
		for _, e := range s.srv.Log() {
			if (method == "" || method == "*" || e.Method == method) && (re == nil || re.MatchString(e.Path)) {
				n++
			}
		}
		fmt.Fprintf(ts.Stdout(), "%d\n", n)
	case "await":
		// For scripts that signal a background glass once it has reached
		// a step (kill -INT after the override is open).
		if len(args) != 4 {
			ts.Fatalf("usage: sim await N METHOD PATH-REGEXP")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		re := regexp.MustCompile(args[3])
		s := current(ts)
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			n := 0
			for _, e := range s.srv.Log() {
				if (args[2] == "*" || e.Method == args[2]) && re.MatchString(e.Path) {
					n++
				}
			}
			if n >= want {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("sim await: %d of %d %s %s after 20s", n, want, args[2], args[3])
			}
		}
	case "log":
		for _, e := range current(ts).srv.Log() {
			fmt.Fprintf(ts.Stdout(), "%d %s %s %d\n", e.Seq, e.Method, e.Path, e.Status)
		}
	case "resetlog":
		current(ts).srv.ResetLog()
	case "device", "token", "keyring":
		cmdSimAuth(ts, neg, args) // auth: see the delimited block below
	case "commit", "webhook", "deliveries", "waitfor":
		cmdSimPolicy(ts, neg, args) // policy: see the delimited block below
	default:
		ts.Fatalf("unknown sim command %q", args[0])
	}
}

// cmdExits runs a program and checks its exact exit code, so scripts can
// tell a usage error (2) from a refusal (3) and a failed restore (5):
//
//	exits 2 glass open --duration 0s
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdSleep waits, for scripts that watch a real expiry pass.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

func simRequest(ts *testscript.TestScript, login, method, path, body string) (int, []byte) {
	s := current(ts)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.http.URL+"/"+strings.TrimPrefix(path, "/"), rd)
	ts.Check(err)
	tok := s.srv.Token(login)
	if tok == "" {
		ts.Fatalf("unknown simulator user %q", login)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return resp.StatusCode, b
}

func checkStatus(ts *testscript.TestScript, neg bool, status int, body []byte) {
	failed := status >= 400
	if failed && !neg {
		ts.Fatalf("simulator answered %d: %s", status, body)
	}
	if !failed && neg {
		ts.Fatalf("simulator answered %d, want a failure", status)
	}
}

// ---- auth (internal/auth, glass auth): sim subcommands --------------------
//
//	sim device approve LOGIN [after-slow-down]   approve the pending device code
//	                                            as LOGIN (waits up to 20 s for one;
//	                                            after-slow-down: first wait until the
//	                                            simulator has answered slow_down)
//	sim device deny                             deny the pending device code
//	sim token VAR LOGIN [scopes=a,b] [fine-grained=perm:level,...]
//	                                            mint a token and put it in $VAR
//	sim keyring FILE LOGIN TOKEN [AGE]          store TOKEN for this simulator's host in the
//	                                            GLASS_TEST_KEYRING file FILE, as if
//	                                            `glass auth login` had stored it for LOGIN AGE ago
func cmdSimAuth(ts *testscript.TestScript, neg bool, args []string) {
	s := current(ts)
	waitFor := func(what string, ok func() bool) {
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				ts.Fatalf("sim %s: timed out waiting for %s", args[0], what)
			}
		}
	}
	pending := func() string {
		codes := s.srv.PendingDeviceCodes()
		if len(codes) != 1 {
			return ""
		}
		return codes[0]
	}
	switch {
	case args[0] == "device" && len(args) >= 3 && args[1] == "approve":
		if len(args) > 3 && args[3] == "after-slow-down" {
			waitFor("a slow_down answer", func() bool {
				for _, e := range s.srv.Log() {
					if strings.HasSuffix(e.Path, "/login/oauth/access_token") && strings.Contains(string(e.RespBody), "slow_down") {
						return true
					}
				}
				return false
			})
		}
		waitFor("one pending device code", func() bool { return pending() != "" })
		err := s.srv.ApproveDevice(pending(), args[2])
		if (err != nil) != neg {
			ts.Fatalf("sim device approve: %v", err)
		}
	case args[0] == "device" && len(args) == 2 && args[1] == "deny":
		waitFor("one pending device code", func() bool { return pending() != "" })
		ts.Check(s.srv.DenyDevice(pending()))
	case args[0] == "keyring" && (len(args) == 4 || len(args) == 5):
		u, err := url.Parse(ts.Getenv("GLASS_API_URL"))
		ts.Check(err)
		at := time.Now().UTC()
		if len(args) == 5 {
			d, err := time.ParseDuration(args[4])
			ts.Check(err)
			at = at.Add(-d)
		}
		st := &auth.Storage{Keyring: &keyring.File{Path: ts.MkAbs(args[1])}}
		_, err = st.Save(u.Host, auth.Entry{Token: args[3], Login: args[2], StoredAt: at}, false)
		ts.Check(err)
	case args[0] == "token" && len(args) >= 3:
		spec := ghsim.TokenSpec{Login: args[2]}
		for _, a := range args[3:] {
			k, v, _ := strings.Cut(a, "=")
			switch k {
			case "scopes":
				spec.Scopes = strings.Split(v, ",")
			case "fine-grained":
				spec.FineGrained, spec.Permissions = true, map[string]string{}
				for _, p := range strings.Split(v, ",") {
					if n, l, ok := strings.Cut(p, ":"); ok {
						spec.Permissions[n] = l
					}
				}
			default:
				ts.Fatalf("sim token: unknown option %q", a)
			}
		}
		ts.Setenv(args[1], s.srv.AddToken(spec))
	default:
		ts.Fatalf("usage: sim device approve LOGIN [after-slow-down] | sim device deny | sim token VAR LOGIN [scopes=..] [fine-grained=..] | sim keyring FILE LOGIN TOKEN [AGE]")
	}
}

// ---- end auth ----------------------------------------------------------------

// ---- policy (internal/engine policy, approvals, webhooks): sim subcommands ----
//
//	sim commit REPO PATH FILE          commit FILE's content at PATH on REPO's default
//	                                   branch (as acme-admin, past any protection)
//	sim webhook VAR [fail-first=N]     start a webhook receiver, its URL in $VAR; the
//	                                   first N deliveries are answered 500
//	sim deliveries VAR                 print the deliveries VAR's receiver got, one line
//	                                   each: STATUS BODY (compact JSON)
//	sim waitfor METHOD PATH-REGEXP     wait (up to 20 s) until the simulator has answered
//	                                   a matching request, e.g. an open's audit issue POST

var (
	receiversMu sync.Mutex
	receivers   = map[string]*notifytest.Receiver{} // by WORK + VAR
)

func cmdSimPolicy(ts *testscript.TestScript, neg bool, args []string) {
	s := current(ts)
	switch {
	case args[0] == "commit" && len(args) == 4:
		content := ts.ReadFile(args[3])
		var err error
		s.srv.Do(func(st *ghsim.State) {
			r := st.Repo(args[1])
			if r == nil {
				err = fmt.Errorf("no repository %s", args[1])
				return
			}
			st.Commit(r, r.DefaultBranch, "acme-admin", "Add "+args[2], map[string]string{args[2]: content})
		})
		ts.Check(err)
	case args[0] == "webhook" && (len(args) == 2 || len(args) == 3):
		r := notifytest.Start()
		ts.Defer(r.Close)
		if len(args) == 3 {
			k, v, _ := strings.Cut(args[2], "=")
			n, err := strconv.Atoi(v)
			if k != "fail-first" || err != nil {
				ts.Fatalf("sim webhook: unknown option %q", args[2])
			}
			r.FailFirst(n)
		}
		receiversMu.Lock()
		receivers[ts.Getenv("WORK")+"/"+args[1]] = r
		receiversMu.Unlock()
		ts.Setenv(args[1], r.URL+"/hooks/"+strings.ToLower(args[1]))
	case args[0] == "deliveries" && len(args) == 2:
		receiversMu.Lock()
		r := receivers[ts.Getenv("WORK")+"/"+args[1]]
		receiversMu.Unlock()
		if r == nil {
			ts.Fatalf("sim deliveries: no receiver %s (sim webhook %s first)", args[1], args[1])
		}
		for _, d := range r.Deliveries() {
			body := strings.TrimSpace(string(d.Body))
			var buf bytes.Buffer
			if json.Compact(&buf, d.Body) == nil {
				body = buf.String()
			}
			fmt.Fprintf(ts.Stdout(), "%d %s\n", d.Status, body)
		}
	case args[0] == "waitfor" && len(args) == 3:
		re := regexp.MustCompile(args[2])
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			found := false
			for _, e := range s.srv.Log() {
				if e.Method == args[1] && re.MatchString(e.Path) && e.Status < 400 {
					found = true
				}
			}
			if found != neg {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("sim waitfor: no %s %s answered within 20s", args[1], args[2])
			}
		}
	default:
		ts.Fatalf("usage: sim commit REPO PATH FILE | sim webhook VAR [fail-first=N] | sim deliveries VAR | sim waitfor METHOD PATH-REGEXP")
	}
}

// ---- end policy ------------------------------------------------------------------
