package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// span is one HTTP attempt as the client saw it.
type span struct {
	start, end time.Time
	method     string
	path       string
	status     int
}

// recorder sits under ghapi's transport chain (so it sees every attempt,
// retries included) and times requests, to count sequential round trips.
type recorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	spans []span
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s := span{start: time.Now(), method: req.Method, path: req.URL.Path}
	resp, err := r.next.RoundTrip(req)
	s.end = time.Now()
	if resp != nil {
		s.status = resp.StatusCode
	}
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.spans = nil
	r.mu.Unlock()
}

// stats returns the number of requests and of sequential waves: a wave
// starts when a request starts after every request of the previous wave
// has ended.
func (r *recorder) stats() (requests, waves int, log []string) {
	r.mu.Lock()
	sp := append([]span(nil), r.spans...)
	r.mu.Unlock()
	sort.Slice(sp, func(i, j int) bool { return sp[i].start.Before(sp[j].start) })
	// The critical path: the longest chain of requests each of which
	// started after the previous one had ended.
	chain := make([]int, len(sp))
	for i, s := range sp {
		chain[i] = 1
		for j := 0; j < i; j++ {
			if !sp[j].end.After(s.start) && chain[j]+1 > chain[i] {
				chain[i] = chain[j] + 1
			}
		}
		if chain[i] > waves {
			waves = chain[i]
		}
		log = append(log, fmt.Sprintf("%6.1fms %6.1fms [%d] %s %s", float64(s.start.Sub(sp[0].start).Microseconds())/1000, float64(s.end.Sub(sp[0].start).Microseconds())/1000, chain[i], s.method, s.path))
	}
	return len(sp), waves, log
}

type env struct {
	t   testing.TB
	sim *simtest.Sim
	clk *clock.Fake
	// rt, when set, carries the users' requests to the simulator (a
	// barrier, say) instead of sim.Client.Transport.
	rt http.RoundTripper
}

func newEnv(t testing.TB, opts ...ghsim.Option) *env {
	clk := clock.NewFake(t0)
	sim := simtest.Start(t, append([]ghsim.Option{ghsim.WithSeed("acme"), ghsim.WithClock(clk.Now)}, opts...)...)
	return &env{t: t, sim: sim, clk: clk}
}

// user is one person running glass: their own client, engine and recorder.
type user struct {
	login string
	eng   *Engine
	rec   *recorder
	ledg  *ledger.Store
	steps []Step
	mu    sync.Mutex
}

func (e *env) user(login string, mod ...func(*Config)) *user {
	e.t.Helper()
	ep, err := ghapi.Resolve(e.sim.URL, "")
	if err != nil {
		e.t.Fatal(err)
	}
	next := e.sim.Client.Transport
	if e.rt != nil {
		next = e.rt
	}
	rec := &recorder{next: next}
	gh := ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: e.sim.Token(login), Transport: rec,
		Retry: ghapi.RetryPolicy{BaseDelay: time.Millisecond}, Sleep: func(time.Duration) {}})
	u := &user{login: login, rec: rec}
	u.ledg = ledger.NewStore(gh)
	cfg := Config{GitHub: gh, Levers: newLevers(gh), Ledger: u.ledg, Clock: e.clk,
		Progress: func(s Step) { u.mu.Lock(); u.steps = append(u.steps, s); u.mu.Unlock() }}
	for _, m := range mod {
		m(&cfg)
	}
	u.eng = New(cfg)
	return u
}

// raw GETs a path as acme-admin, in-process (not through the fault counter
// when faults are off).
func (e *env) raw(path string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.sim.URL+strings.TrimPrefix(path, "/"), nil)
	req.Header.Set("Authorization", "Bearer "+e.sim.Token("acme-admin"))
	resp, err := e.sim.Client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) protection() string {
	e.t.Helper()
	code, body := e.raw("repos/acme/payments/branches/main/protection")
	if code != 200 && code != 404 {
		e.t.Fatalf("GET protection: %d %s", code, body)
	}
	return body
}

func (e *env) permission(login string) string {
	e.t.Helper()
	_, body := e.raw("repos/acme/payments/collaborators/" + login + "/permission")
	return body
}

// issues lists the audit issues (open and closed) in acme/audit.
func (e *env) issues(repo string) []*ghsim.Issue {
	var out []*ghsim.Issue
	e.sim.Do(func(st *ghsim.State) {
		for _, is := range st.Repo(repo).Issues {
			if is.PR == nil {
				cp := *is
				out = append(out, &cp)
			}
		}
	})
	return out
}

func (e *env) comments(repo string, number int) []string {
	var out []string
	e.sim.Do(func(st *ghsim.State) {
		for _, c := range st.Repo(repo).Comments {
			if c.Issue == number {
				out = append(out, c.Body)
			}
		}
	})
	return out
}

func protReq(relax ...string) OpenRequest {
	return OpenRequest{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/payments", Branch: "main"},
		Relax: relax, Duration: 30 * time.Minute, Reason: "INC-1 hotfix", Incident: "INC-1", AuditRepo: "acme/audit"}
}

func accessReq(login, perm string) OpenRequest {
	return OpenRequest{Lever: override.LeverAccess, Target: override.Target{Repo: "acme/payments", User: login, Permission: perm},
		Relax: []string{perm}, Duration: 30 * time.Minute, Reason: "INC-2 access", AuditRepo: "acme/audit"}
}

var bg = context.Background()

// isRestoredComment reports whether a comment records a rollback.
func isRestoredComment(body string) bool {
	ev, ok := ledger.ParseEvent(body)
	return ok && (ev.Kind == ledger.KindRestored || ev.Kind == ledger.KindReconciled)
}
