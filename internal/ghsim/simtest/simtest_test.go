package simtest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
)

func TestStart(t *testing.T) {
	sim := Start(t)
	if !strings.HasSuffix(sim.URL, "/") {
		t.Fatalf("URL %q has no trailing slash", sim.URL)
	}
	gh := github.NewClient(sim.Client).WithAuthToken(sim.Token("alice"))
	u, _ := url.Parse(sim.URL)
	gh.BaseURL = u
	me, _, err := gh.Users.Get(context.Background(), "")
	if err != nil || me.GetLogin() != "alice" || !me.GetTwoFactorAuthentication() {
		t.Fatalf("GET /user: %v %v", me, err)
	}
}

func TestStartWithPrefix(t *testing.T) {
	sim := Start(t, ghsim.WithPrefix("/api/v3"), ghsim.WithSeed("empty"))
	if !strings.HasSuffix(sim.URL, "/api/v3/") {
		t.Fatalf("URL = %q", sim.URL)
	}
	gh, err := github.NewClient(sim.Client).WithAuthToken(sim.Token("octocat")).WithEnterpriseURLs(sim.URL, sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	me, _, err := gh.Users.Get(context.Background(), "")
	if err != nil || me.GetLogin() != "octocat" {
		t.Fatalf("GET /user: %v %v", me, err)
	}
}

func TestBarrierTellsParallelFromSequential(t *testing.T) {
	sim := Start(t, ghsim.WithSeed("acme"))
	b := NewBarrier(sim.Client.Transport)
	b.Wait = 200 * time.Millisecond // only the sequential half waits for it
	c := &http.Client{Transport: b}
	get := func() {
		resp, err := c.Get(sim.URL + "users/alice")
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}

	b.Expect(3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); get() }()
	}
	wg.Wait()
	if got := b.MaxInFlight(); got != 3 {
		t.Fatalf("parallel: max in flight %d, want 3", got)
	}

	b.Expect(2)
	get()
	get()
	if got := b.MaxInFlight(); got != 1 {
		t.Fatalf("sequential: max in flight %d, want 1", got)
	}
}
