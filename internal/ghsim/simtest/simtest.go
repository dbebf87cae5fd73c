// Package simtest starts a ghsim simulator for a test.
package simtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// Sim is a running simulator.
type Sim struct {
	*ghsim.Server
	URL    string // base URL with a trailing slash (includes any WithPrefix path)
	Client *http.Client
}

// wrap is the single hook where the contract validator (internal/ghsim/contract)
// wraps the simulator's handler: every request and response is validated
// against GitHub's OpenAPI description, and a violation fails t.
// CONTRACT-HOOK: replace/extend this to validate every exchange.
var wrap = func(t testing.TB, h http.Handler) http.Handler { return contract.ForTest(t)(h) }

// Start starts a simulator on an httptest server, closed on cleanup.
func Start(t testing.TB, opts ...ghsim.Option) *Sim {
	t.Helper()
	s := ghsim.New(opts...)
	ts := httptest.NewServer(wrap(t, s))
	t.Cleanup(ts.Close)
	return &Sim{Server: s, URL: ts.URL + s.Prefix() + "/", Client: ts.Client()}
}

// GitHub returns a go-github client for login, pointed at the simulator.
func (s *Sim) GitHub(t testing.TB, login string) *github.Client {
	t.Helper()
	return s.GitHubOver(t, login, s.Client.Transport)
}

// GitHubOver is GitHub with the requests sent through rt (a Barrier, say).
func (s *Sim) GitHubOver(t testing.TB, login string, rt http.RoundTripper) *github.Client {
	t.Helper()
	c := github.NewClient(&http.Client{Transport: rt}).WithAuthToken(s.Token(login))
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	return c
}
