package simtest

import (
	"context"
	"net/url"
	"strings"
	"testing"

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
