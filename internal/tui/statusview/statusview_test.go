package statusview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/tuitest"
)

// render is a minimal table (the command passes status.PrintTable).
func render(w io.Writer, entries []engine.StatusEntry, width int) {
	for _, en := range entries {
		left := "in " + tui.Human(en.Left)
		if en.Overdue {
			left = "OVERDUE " + tui.Human(-en.Left)
		}
		fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", en.Override.ID, en.Override.Lever, en.Override.Actor, left, en.Override.Reason)
	}
}

func open(t *testing.T, e *tuitest.Env) {
	e.Open("alice", engine.OpenRequest{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/payments", Branch: "main"},
		Relax: []string{"reviews"}, Duration: 30 * time.Minute, Reason: "INC-5: live status", AuditRepo: "acme/audit"})
}

func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	cur, cmd := m.Update(msg)
	for cmd != nil {
		out := cmd()
		if b, ok := out.(tea.BatchMsg); ok {
			for _, c := range b {
				if c != nil {
					if r := c(); r != nil {
						cur, _ = cur.Update(r)
					}
				}
			}
			break
		}
		cur, cmd = cur.Update(out)
	}
	return cur.(Model)
}

// An idle live table costs no rate limit: after the first read every
// refresh is a conditional request answered 304 by the simulator (its
// request log shows it), until something changes.
func TestIdleRefreshesAre304(t *testing.T) {
	e := tuitest.New(t)
	open(t, e)
	eng := e.Engine("bob")
	m := New(Options{Status: func(ctx context.Context) (*engine.StatusResult, error) { return eng.Status(ctx, "acme/audit") },
		Render: render, AuditRepos: []string{"acme/audit"}, Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Interval: 15 * time.Second})
	e.Sim.ResetLog()
	m = update(t, m, RefreshMsg{})
	for i := 0; i < 4; i++ {
		e.Clk.Advance(15 * time.Second)
		m = update(t, m, TickMsg{})
	}
	var codes []int
	remaining := map[string]bool{}
	for _, x := range e.Sim.Log() {
		if x.Method == "GET" && strings.HasPrefix(x.Path, "/repos/acme/audit/issues") {
			codes = append(codes, x.Status)
			remaining[x.RespHeader.Get("X-RateLimit-Remaining")] = true
		}
	}
	if fmt.Sprint(codes) != "[200 304 304 304 304]" {
		t.Errorf("list answers = %v, want one 200 then 304s", codes)
	}
	// The 304s did not move bob's rate limit (every answer reports the
	// same remaining count).
	if len(remaining) != 1 || remaining[""] {
		t.Errorf("X-RateLimit-Remaining moved across 304s: %v", remaining)
	}
	if r, nm := m.Reads(); r != 5 || nm != 4 {
		t.Errorf("reads = %d, not modified = %d", r, nm)
	}
	// Something changes: the next read is a 200 with the new override.
	e.Open("alice", engine.OpenRequest{Lever: override.LeverAccess, Target: override.Target{Repo: "acme/payments", User: "dave", Permission: "push"},
		Relax: []string{"push"}, Duration: 10 * time.Minute, Reason: "INC-5: second", AuditRepo: "acme/audit"})
	e.Sim.ResetLog()
	e.Clk.Advance(15 * time.Second)
	m = update(t, m, TickMsg{})
	if v := m.View(); !strings.Contains(v, "acme/audit#2") {
		t.Errorf("new override not shown:\n%s", v)
	}
	if n := e.Count("GET", "/repos/acme/audit/issues"); n < 1 {
		t.Errorf("no list request after the change")
	}
	for _, x := range e.Sim.Log() {
		if strings.HasPrefix(x.Path, "/repos/acme/audit/issues") && x.Status == 304 {
			t.Errorf("a changed list was answered 304")
		}
	}
}

// The countdown moves every second from what was read, without a request.
func TestCountdownWithoutRequests(t *testing.T) {
	e := tuitest.New(t)
	open(t, e)
	eng := e.Engine("bob")
	m := New(Options{Status: func(ctx context.Context) (*engine.StatusResult, error) { return eng.Status(ctx, "acme/audit") },
		Render: render, AuditRepos: []string{"acme/audit"}, Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Interval: time.Hour})
	m = update(t, m, RefreshMsg{})
	if !strings.Contains(m.View(), "in 30m") {
		t.Fatalf("view:\n%s", m.View())
	}
	e.Sim.ResetLog()
	e.Clk.Advance(20 * time.Minute)
	m = update(t, m, TickMsg{})
	if !strings.Contains(m.View(), "in 10m") {
		t.Errorf("view:\n%s", m.View())
	}
	e.Clk.Advance(15 * time.Minute)
	m = update(t, m, TickMsg{})
	if !strings.Contains(m.View(), "OVERDUE 5m") {
		t.Errorf("view:\n%s", m.View())
	}
	if n := len(e.Sim.Log()); n != 0 {
		t.Errorf("%d requests for a redraw", n)
	}
}

// A failed refresh keeps the last list and says it is stale.
func TestRefreshFailureKeepsList(t *testing.T) {
	e := tuitest.New(t)
	open(t, e)
	eng := e.Engine("bob")
	fail := false
	m := New(Options{Status: func(ctx context.Context) (*engine.StatusResult, error) {
		if fail {
			return nil, fmt.Errorf("GitHub answered 502")
		}
		return eng.Status(ctx, "acme/audit")
	}, Render: render, AuditRepos: []string{"acme/audit"}, Clock: e.Clk, Styles: tui.Plain(), Tick: -1})
	m = update(t, m, RefreshMsg{})
	fail = true
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	v := m.View()
	if !strings.Contains(v, "acme/audit#1") || !strings.Contains(v, "could not refresh (GitHub answered 502); showing the last list") {
		t.Errorf("view:\n%s", v)
	}
}

func TestGolden(t *testing.T) {
	e := tuitest.New(t)
	open(t, e)
	eng := e.Engine("bob")
	tm := teatest.NewTestModel(t, New(Options{Status: func(ctx context.Context) (*engine.StatusResult, error) { return eng.Status(ctx, "acme/audit") },
		Render: render, AuditRepos: []string{"acme/audit"}, Clock: e.Clk, Styles: tui.Plain(), Tick: -1}), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("acme/audit#1")) }, teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	teatest.RequireEqualOutput(t, []byte(fm.View()))
}
