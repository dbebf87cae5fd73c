// Package simtest starts a ghsim simulator for a test.
package simtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
)

// Sim is a running simulator.
type Sim struct {
	*ghsim.Server
	URL    string // base URL with a trailing slash (includes any WithPrefix path)
	Client *http.Client
}

// wrap is the single hook where the contract validator (internal/ghsim/contract)
// wraps the simulator's handler. It is the identity until that lands.
// CONTRACT-HOOK: replace/extend this to validate every exchange.
var wrap = func(t testing.TB, h http.Handler) http.Handler { return h }

// Start starts a simulator on an httptest server, closed on cleanup.
func Start(t testing.TB, opts ...ghsim.Option) *Sim {
	t.Helper()
	s := ghsim.New(opts...)
	ts := httptest.NewServer(wrap(t, s))
	t.Cleanup(ts.Close)
	return &Sim{Server: s, URL: ts.URL + s.Prefix() + "/", Client: ts.Client()}
}
