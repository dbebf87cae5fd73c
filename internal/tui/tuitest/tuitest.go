// Package tuitest starts a validated simulator and a real engine for the
// tests of the interactive screens: every exchange goes through simtest's
// OpenAPI contract check, as in the rest of the suite.
package tuitest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever/levers"
	"github.com/glass-cli/glass/internal/override"
)

// T0 is the fake clock's start.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Env is a simulator with the acme seed and a fake clock.
type Env struct {
	T   testing.TB
	Sim *simtest.Sim
	Clk *clock.Fake
}

// New starts the simulator.
func New(t testing.TB, opts ...ghsim.Option) *Env {
	clk := clock.NewFake(T0)
	sim := simtest.Start(t, append([]ghsim.Option{ghsim.WithSeed("acme"), ghsim.WithClock(clk.Now)}, opts...)...)
	return &Env{T: t, Sim: sim, Clk: clk}
}

// Client returns login's client (ghapi's transport chain, no cache).
func (e *Env) Client(login string) *github.Client {
	e.T.Helper()
	ep, err := ghapi.Resolve(e.Sim.URL, "")
	if err != nil {
		e.T.Fatal(err)
	}
	return ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: e.Sim.Token(login), Transport: e.Sim.Client.Transport,
		Retry: ghapi.RetryPolicy{BaseDelay: time.Millisecond}, Sleep: func(time.Duration) {}})
}

// Engine returns login's engine on the fake clock.
func (e *Env) Engine(login string) *engine.Engine {
	gh := e.Client(login)
	return engine.New(engine.Config{GitHub: gh, Levers: levers.For(gh), Ledger: ledger.NewStore(gh), Clock: e.Clk})
}

// Open opens an override as login and fails the test if it cannot.
func (e *Env) Open(login string, req engine.OpenRequest) *override.Override {
	e.T.Helper()
	o, err := e.Engine(login).Open(context.Background(), req)
	if err != nil {
		e.T.Fatalf("open: %v", err)
	}
	return o
}

// Get GETs path as acme-admin and returns the status and body.
func (e *Env) Get(path string) (int, string) {
	e.T.Helper()
	req, _ := http.NewRequest("GET", e.Sim.URL+strings.TrimPrefix(path, "/"), nil)
	req.Header.Set("Authorization", "Bearer "+e.Sim.Token("acme-admin"))
	resp, err := e.Sim.Client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Count counts the simulator's exchanges with method whose path has prefix.
func (e *Env) Count(method, prefix string) int {
	n := 0
	for _, x := range e.Sim.Log() {
		if x.Method == method && strings.HasPrefix(x.Path, prefix) {
			n++
		}
	}
	return n
}

// Exec runs cmd as bubbletea would (a batch's commands one after another)
// and returns the messages it produces, leaving out nil, tea.QuitMsg and
// the messages skip reports (skip may be nil). The screens' tests build
// models whose commands are requests, never timers; a command that takes
// more than 30s panics instead of hanging the test.
func Exec(cmd tea.Cmd, skip func(tea.Msg) bool) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(30 * time.Second):
		panic("a command did not finish in 30s")
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, Exec(c, skip)...)
		}
		return out
	case nil, tea.QuitMsg:
		return nil
	}
	if skip != nil && skip(msg) {
		return nil
	}
	return []tea.Msg{msg}
}
