package ghsim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// plainClient never reuses connections, so net/http does not silently retry
// a request whose connection was dropped.
func plainClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func get(t *testing.T, c *http.Client, url, tok string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "token "+tok)
	resp, err := c.Do(req)
	if err == nil {
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestFaultKinds(t *testing.T) {
	kinds := []struct {
		kind   FaultKind
		status int
	}{{Fault500, 500}, {Fault502, 502}, {Fault503, 503}, {FaultSecondary, 403}, {Fault429, 429}, {FaultDrop, 0}}
	for _, k := range kinds {
		t.Run(string(k.kind), func(t *testing.T) {
			s, _ := newAcme(t)
			srv := startHTTP(t, s)
			tok := s.Token("alice")
			s.SetFaults(Faults{FailNth: 2, FailNthKind: k.kind, RetryAfter: 7})
			c := plainClient()
			u := srv.URL + "/repos/acme/payments"
			if r, err := get(t, c, u, tok); err != nil || r.StatusCode != 200 {
				t.Fatalf("request 1: %v %v", r, err)
			}
			r, err := get(t, c, u, tok)
			if k.status == 0 {
				if err == nil {
					t.Fatalf("request 2: want a dropped connection, got %d", r.StatusCode)
				}
			} else {
				if err != nil || r.StatusCode != k.status {
					t.Fatalf("request 2: %v %v", r, err)
				}
				if (k.kind == FaultSecondary || k.kind == Fault429) && r.Header.Get("Retry-After") != "7" {
					t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
				}
			}
			if r, err := get(t, c, u, tok); err != nil || r.StatusCode != 200 {
				t.Fatalf("request 3: %v %v", r, err)
			}
		})
	}
}

// fail-every fails requests N, 2N, ... cycling through its kinds; the
// requests in between are served.
func TestFailEvery(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	tok := s.Token("alice")
	s.SetFaults(Faults{FailEvery: 2, FailEveryKinds: "503/drop/429", RetryAfter: 1})
	c := plainClient()
	u := srv.URL + "/repos/acme/payments"
	want := []int{200, 503, 200, 0, 200, 429, 200, 503}
	for i, w := range want {
		r, err := get(t, c, u, tok)
		got := 0
		if err == nil {
			got = r.StatusCode
		}
		if got != w {
			t.Fatalf("request %d: status %d (err %v), want %d", i+1, got, err, w)
		}
	}
}

func TestSecondaryRateLimitWithGoGitHub(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("alice"))
	s.SetFaults(Faults{FailNth: 1, FailNthKind: FaultSecondary, RetryAfter: 30})
	_, _, err := gh.Repositories.Get(context.Background(), "acme", "payments")
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.RetryAfter == nil || *abuse.RetryAfter != 30*time.Second {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(abuse.Message, "You have exceeded a secondary rate limit") {
		t.Error(abuse.Message)
	}
}

func TestPrimaryRateLimitWithGoGitHub(t *testing.T) {
	s, _ := newAcme(t, WithRateLimit(1))
	srv := startHTTP(t, s)
	gh := ghClient(t, srv, s.Token("alice"))
	ctx := context.Background()
	if _, _, err := gh.Repositories.Get(ctx, "acme", "payments"); err != nil {
		t.Fatal(err)
	}
	gh2 := ghClient(t, srv, s.Token("alice")) // fresh client: no local short-circuit
	_, _, err := gh2.Repositories.Get(ctx, "acme", "payments")
	var rl *github.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %#v", err)
	}
}

func TestBlackoutAfterN(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	tok := s.Token("alice")
	c := plainClient()
	s.SetFaults(Faults{BlackoutAfter: 2})
	if r, err := get(t, c, srv.URL+"/repos/acme/audit", tok); err != nil || r.StatusCode != 200 {
		t.Fatalf("request 1: %v %v", r, err)
	}
	// request 2 is processed (the issue is created) but the response never arrives
	req, _ := http.NewRequest("POST", srv.URL+"/repos/acme/audit/issues", strings.NewReader(`{"title":"glass: open"}`))
	req.Header.Set("Authorization", "token "+tok)
	if resp, err := c.Do(req); err == nil {
		t.Fatalf("request 2: want dropped connection, got %d", resp.StatusCode)
	}
	for i := 0; i < 3; i++ {
		if r, err := get(t, c, srv.URL+"/repos/acme/audit", tok); err == nil {
			t.Fatalf("request after blackout: got %d", r.StatusCode)
		}
	}
	s.SetFaults(Faults{})
	r, err := get(t, c, srv.URL+"/repos/acme/audit/issues/1", tok)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("after reset: %v %v (the blacked-out request should have been applied)", r, err)
	}
	var statuses []int
	for _, e := range s.Log() {
		statuses = append(statuses, e.Status)
	}
	if len(statuses) != 6 || statuses[1] != 0 {
		t.Errorf("log statuses = %v", statuses)
	}
}

func TestRandomFaultsDeterministic(t *testing.T) {
	run := func() []int {
		s, _ := newAcme(t)
		s.SetFaults(Faults{ErrorRate: 0.3, SecondaryRate: 0.1, TooManyRate: 0.1, Seed: 42, HasSeed: true})
		var out []int
		for i := 0; i < 60; i++ {
			out = append(out, call(t, s, "GET", "/repos/acme/payments", s.Token("alice"), nil).Code)
		}
		return out
	}
	a, b := run(), run()
	kinds := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("not deterministic at %d: %v vs %v", i, a, b)
		}
		kinds[a[i]]++
	}
	if kinds[200] == 0 || kinds[200] == len(a) {
		t.Errorf("distribution = %v", kinds)
	}
	for code := range kinds {
		switch code {
		case 200, 403, 429, 500, 502, 503:
		default:
			t.Errorf("unexpected status %d", code)
		}
	}
}

func TestLatencyFault(t *testing.T) {
	s, _ := newAcme(t)
	s.SetFaults(Faults{Latency: time.Millisecond, LatencyJitter: time.Millisecond, Seed: 1, HasSeed: true})
	wantCode(t, call(t, s, "GET", "/repos/acme/payments", s.Token("alice"), nil), 200)
	if s.Faults().Latency != time.Millisecond {
		t.Error("Faults() round trip")
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("latency=50ms,error-rate=0.1,fail-nth=3:503,drop-rate=0.05,secondary-rate=0.02,seed=1")
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{Latency: 50 * time.Millisecond, ErrorRate: 0.1, FailNth: 3, FailNthKind: Fault503, DropRate: 0.05, SecondaryRate: 0.02, Seed: 1, HasSeed: true}
	if f != want {
		t.Errorf("got %+v\nwant %+v", f, want)
	}
	f, err = ParseFaults("blackout-after=7, 429-rate=0.5, retry-after=3, jitter=1s, error-status=502, fail-nth=2")
	if err != nil || f.BlackoutAfter != 7 || f.TooManyRate != 0.5 || f.RetryAfter != 3 || f.LatencyJitter != time.Second || f.ErrorStatus != 502 || f.FailNthKind != Fault500 {
		t.Errorf("got %+v, %v", f, err)
	}
	if f, err := ParseFaults(""); err != nil || f != (Faults{}) {
		t.Error("empty spec")
	}
	f, err = ParseFaults("fail-every=5:503/Secondary/drop")
	if err != nil || f.FailEvery != 5 || f.FailEveryKinds != "503/secondary/drop" {
		t.Errorf("fail-every: got %+v, %v", f, err)
	}
	for _, bad := range []string{"fail-every=0", "fail-every=3:teapot", "fail-every=3:503/", "latency=fast", "error-rate=2", "fail-nth=0", "fail-nth=3:teapot", "nope=1", "latency", "seed=x", "error-status=404", "blackout-after=-1"} {
		if _, err := ParseFaults(bad); err == nil || !strings.HasPrefix(err.Error(), "faults: ") {
			t.Errorf("ParseFaults(%q) err = %v", bad, err)
		}
	}
}

func TestFaultsStringRoundTrip(t *testing.T) {
	for _, spec := range []string{"latency=50ms,error-rate=0.1,fail-nth=3:503,drop-rate=0.05,secondary-rate=0.02,seed=1", "blackout-after=4", "jitter=1s,429-rate=0.25,retry-after=9,error-status=502", "fail-path=^/orgs/acme$", "fail-path=/issues/0/lock:drop", "fail-every=4:500/drop", "fail-every=3", ""} {
		f, err := ParseFaults(spec)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseFaults(f.String())
		if err != nil || g != f {
			t.Errorf("%q → %q → %+v (%v)", spec, f.String(), g, err)
		}
	}
}

func TestFailPath(t *testing.T) {
	if _, err := ParseFaults("fail-path=(:500"); err == nil {
		t.Fatal("an invalid expression was accepted")
	}
	f, err := ParseFaults("fail-path=a:b:503")
	if err != nil || f.FailPath != "a:b" || f.FailPathKind != Fault503 {
		t.Fatalf("%+v %v", f, err)
	}
	s := New()
	s.SetFaults(Faults{FailPath: "^/orgs/"})
	for i, tc := range []struct {
		path string
		fail bool
	}{{"/orgs/acme", true}, {"/user", false}, {"/orgs/acme", true}} {
		d := s.decideFault(tc.path)
		if (d.status == 500) != tc.fail {
			t.Errorf("%d %s: %+v", i, tc.path, d)
		}
	}
}
