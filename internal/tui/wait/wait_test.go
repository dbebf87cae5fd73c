package wait

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/tuitest"
)

func openReviews(t *testing.T, e *tuitest.Env, d time.Duration) *override.Override {
	return e.Open("alice", engine.OpenRequest{Lever: override.LeverProtection,
		Target: override.Target{Repo: "acme/payments", Branch: "main"}, Relax: []string{"reviews"},
		Duration: d, Reason: "INC-9: wait test", AuditRepo: "acme/audit"})
}

func keys(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// run feeds msgs to m, running every command a message returns (except
// ticks, which the test drives by hand), and returns the final model.
func run(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	var cur tea.Model = m
	queue := append([]tea.Msg(nil), msgs...)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		var cmd tea.Cmd
		cur, cmd = cur.Update(msg)
		// Tests build models with Tick < 0 and the cursor does not
		// blink, so no command is a timer.
		queue = append(queue, tuitest.Exec(cmd, func(msg tea.Msg) bool { _, tick := msg.(TickMsg); return tick })...)
	}
	return cur.(Model)
}

func protection(t *testing.T, e *tuitest.Env) string {
	_, body := e.Get("repos/acme/payments/branches/main/protection")
	return body
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name   string
		msgs   []tea.Msg
		kind   Kind
		why    string
		closed bool // the audit issue is closed and the protection restored
	}{
		{name: "c then y closes now", msgs: []tea.Msg{keys("c"), keys("y")}, kind: Closed, why: "closed with c", closed: true},
		{name: "c then n keeps waiting", msgs: []tea.Msg{keys("c"), keys("n")}},
		{name: "d detaches", msgs: []tea.Msg{keys("d")}, kind: Detached, why: "detached with d"},
		{name: "ctrl+c asks, y closes", msgs: []tea.Msg{tea.KeyMsg{Type: tea.KeyCtrlC}, keys("y")}, kind: Closed, why: "interrupted", closed: true},
		{name: "ctrl+c twice closes", msgs: []tea.Msg{tea.KeyMsg{Type: tea.KeyCtrlC}, tea.KeyMsg{Type: tea.KeyCtrlC}}, kind: Closed, why: "interrupted", closed: true},
		{name: "ctrl+c then n keeps waiting", msgs: []tea.Msg{tea.KeyMsg{Type: tea.KeyCtrlC}, keys("n")}},
		{name: "ctrl+c then d detaches", msgs: []tea.Msg{tea.KeyMsg{Type: tea.KeyCtrlC}, keys("d")}, kind: Detached, why: "detached after Ctrl-C"},
		{name: "SIGINT asks like ctrl+c", msgs: []tea.Msg{SignalMsg{syscall.SIGINT}}},
		{name: "SIGTERM closes without asking", msgs: []tea.Msg{SignalMsg{syscall.SIGTERM}}, kind: Closed, why: "SIGTERM", closed: true},
		{name: "SIGHUP closes without asking", msgs: []tea.Msg{SignalMsg{syscall.SIGHUP}}, kind: Closed, why: "SIGHUP", closed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tuitest.New(t)
			before := protection(t, e)
			o := openReviews(t, e, 30*time.Minute)
			m := run(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1}), tt.msgs...)
			if m.out.Kind != tt.kind || m.out.Why != tt.why {
				t.Fatalf("outcome = %v %q (err %v), want %v %q", m.out.Kind, m.out.Why, m.out.Err, tt.kind, tt.why)
			}
			_, issue := e.Get("repos/acme/audit/issues/1")
			closed := strings.Contains(issue, `"state":"closed"`)
			if closed != tt.closed {
				t.Errorf("audit issue closed = %v, want %v", closed, tt.closed)
			}
			if tt.closed && protection(t, e) != before {
				t.Errorf("protection not restored")
			}
			_, comments := e.Get("repos/acme/audit/issues/1/comments")
			if detached := strings.Contains(comments, "glass:event kind=detached"); detached != (tt.kind == Detached) {
				t.Errorf("detached record = %v, want %v", detached, tt.kind == Detached)
			}
			if tt.kind == 0 && m.mode != waiting && m.mode != interrupted {
				t.Errorf("mode = %v, want still waiting", m.mode)
			}
		})
	}
}

func TestExpiryClosesAndVerifies(t *testing.T) {
	e := tuitest.New(t)
	before := protection(t, e)
	o := openReviews(t, e, 10*time.Minute)
	m := New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1})
	m = run(t, m, TickMsg{})
	if m.mode != waiting {
		t.Fatalf("closed before expiry: %v", m.out)
	}
	if !strings.Contains(m.View(), "10:00 left") {
		t.Errorf("view:\n%s", m.View())
	}
	e.Clk.Advance(10 * time.Minute)
	m = run(t, m, TickMsg{})
	if m.out.Kind != Closed || m.out.Why != "expired" || m.out.Result == nil || len(m.out.Result.Verified) != 0 {
		t.Fatalf("outcome = %+v", m.out)
	}
	if protection(t, e) != before {
		t.Error("protection not restored")
	}
	if !strings.Contains(m.View(), "✓ Rolled back acme/audit#1 (expired) and verified field by field") {
		t.Errorf("view:\n%s", m.View())
	}
}

func TestExtend(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 10*time.Minute)
	m := New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, MaxExtend: time.Hour})
	// Bad durations are refused on the spot; an empty reason too.
	m = run(t, m, keys("e"), keys("soon"), tea.KeyMsg{Type: tea.KeyEnter})
	if m.mode != extendBy || !strings.Contains(m.View(), `"soon" is not a duration`) {
		t.Fatalf("view:\n%s", m.View())
	}
	m.by.SetValue("")
	m = run(t, m, keys("2h"), tea.KeyMsg{Type: tea.KeyEnter})
	if !strings.Contains(m.View(), "at most 1h at a time") {
		t.Fatalf("view:\n%s", m.View())
	}
	m.by.SetValue("")
	m = run(t, m, keys("20m"), tea.KeyMsg{Type: tea.KeyEnter}, tea.KeyMsg{Type: tea.KeyEnter})
	if m.mode != extendWhy || !strings.Contains(m.View(), "say why") {
		t.Fatalf("view:\n%s", m.View())
	}
	m = run(t, m, keys("deploy still rolling"), tea.KeyMsg{Type: tea.KeyEnter})
	if m.mode != waiting || !m.o.Expires.Equal(o.Expires.Add(20*time.Minute)) {
		t.Fatalf("mode %v, expires %v (was %v); view:\n%s", m.mode, m.o.Expires, o.Expires, m.View())
	}
	if !strings.Contains(m.View(), "Extended by 20m") {
		t.Errorf("view:\n%s", m.View())
	}
	_, comments := e.Get("repos/acme/audit/issues/1/comments")
	if !strings.Contains(comments, "deploy still rolling") {
		t.Error("extension not recorded on the audit issue")
	}
	// Esc backs out of the question without extending.
	m = run(t, m, keys("e"), tea.KeyMsg{Type: tea.KeyEsc})
	if m.mode != waiting {
		t.Errorf("mode = %v", m.mode)
	}
	// The old expiry passes: still open; the new one closes it.
	e.Clk.Advance(10 * time.Minute)
	if m = run(t, m, TickMsg{}); m.mode != waiting {
		t.Fatalf("closed at the old expiry")
	}
	e.Clk.Advance(20 * time.Minute)
	if m = run(t, m, TickMsg{}); m.out.Kind != Closed {
		t.Fatalf("outcome = %+v", m.out)
	}
}

// A rollback that fails is reported with what to do, not as success.
func TestCloseFailure(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 10*time.Minute)
	e.Sim.SetFaults(ghsimFaults(t, "error-rate=1,error-status=502"))
	m := run(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1}), keys("c"), keys("y"))
	if m.out.Kind != Failed || m.out.Err == nil {
		t.Fatalf("outcome = %+v", m.out)
	}
	v := m.View()
	if !strings.Contains(v, "X closed with c failed for acme/audit#1") || !strings.Contains(v, "glass close 'acme/audit#1'") {
		t.Errorf("view:\n%s", v)
	}
}

var clockRE = regexp.MustCompile(`\d\d:\d\d:\d\d UTC`)

// TestGolden renders the countdown screen through a real bubbletea program
// (teatest) and compares the final frame with testdata/*.golden.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []tea.Msg
	}{
		{"countdown", nil},
		{"interrupted", []tea.Msg{tea.KeyMsg{Type: tea.KeyCtrlC}}},
		{"extend", []tea.Msg{keys("e"), keys("15m"), tea.KeyMsg{Type: tea.KeyEnter}, keys("deploy")}},
		{"moved", []tea.Msg{RefreshMsg{}}}, // extended elsewhere first
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tuitest.New(t)
			o := openReviews(t, e, 30*time.Minute)
			e.Clk.Advance(12*time.Minute + 30*time.Second)
			if tc.name == "moved" {
				if _, err := e.Engine("alice").Extend(context.Background(), o.ID, 20*time.Minute, "another terminal"); err != nil {
					t.Fatal(err)
				}
			}
			tm := teatest.NewTestModel(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1}),
				teatest.WithInitialTermSize(80, 24))
			for _, k := range tc.keys {
				tm.Send(k)
			}
			want := "e extend"
			switch tc.name {
			case "interrupted":
				want = "y close now"
			case "extend":
				want = "Why: deploy"
			case "moved":
				want = "Extended elsewhere"
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) }, teatest.WithDuration(5*time.Second))
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			teatest.RequireEqualOutput(t, []byte(clockRE.ReplaceAllString(fm.View(), "HH:MM:SS UTC")))
		})
	}
}

// A long target (a ruleset with bypass choices) wraps within 80 columns
// instead of being cut off by the terminal.
func TestLongTargetWraps(t *testing.T) {
	e := tuitest.New(t)
	o := e.Open("acme-admin", engine.OpenRequest{Lever: override.LeverRuleset, Target: override.Target{Repo: "acme/payments", Branch: "staging", RulesetID: rulesetID(t, e, "payments-staging")},
		Relax: []string{"bypass-role:maintain:pull_request", "bypass-role:write:pull_request"}, Duration: 30 * time.Minute, Reason: "INC-9: long target", AuditRepo: "acme/audit"})
	v := New(o, Options{Engine: e.Engine("acme-admin"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1}).View()
	for _, l := range strings.Split(v, "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "relaxed (bypass-role:maintain:pull_request, bypass-role:write:pull_request)") {
		t.Errorf("view:\n%s", v)
	}
}

func rulesetID(t *testing.T, e *tuitest.Env, name string) int64 {
	t.Helper()
	_, body := e.Get("repos/acme/payments/rulesets")
	var list []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no ruleset %s in %s", name, body)
	return 0
}

func TestPlainSignal(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(SignalName(sig), func(t *testing.T) {
			e := tuitest.New(t)
			o := openReviews(t, e, 30*time.Minute)
			sigs := make(chan os.Signal, 1)
			sigs <- sig
			var out bytes.Buffer
			res := (&Plain{Engine: e.Engine("alice"), Clock: e.Clk, Out: &out, Signals: sigs}).Run(context.Background(), o)
			if res.Kind != Closed || res.Why != SignalName(sig) {
				t.Fatalf("outcome = %+v", res)
			}
			want := "Received " + SignalName(sig) + ": closing acme/audit#1 now\n✓ Rolled back acme/audit#1 (" + SignalName(sig) + ") and verified field by field\n"
			if !strings.Contains(out.String(), want) {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
			}
		})
	}
}

func TestPlainCountdownAndExpiry(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 2*time.Minute)
	var out bytes.Buffer
	done := make(chan Outcome)
	go func() {
		done <- (&Plain{Engine: e.Engine("alice"), Clock: e.Clk, Out: &out}).Run(context.Background(), o)
	}()
	// Drive the fake clock until the waiter finishes.
	var res Outcome
	for loop := true; loop; {
		select {
		case res = <-done:
			loop = false
		case <-time.After(5 * time.Millisecond):
			e.Clk.Advance(time.Second)
		}
	}
	if res.Kind != Closed || res.Why != "expired" {
		t.Fatalf("outcome = %+v", res)
	}
	s := out.String()
	for _, want := range []string{"acme/audit#1: 1:00 left", "acme/audit#1: 0:10 left", "acme/audit#1: 0:01 left", "expired at", "✓ Rolled back acme/audit#1 (expired)"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
}

func TestInterval(t *testing.T) {
	for _, tc := range []struct{ left, want time.Duration }{
		{30 * time.Minute, 5 * time.Minute},
		{12*time.Minute + 30*time.Second, 2*time.Minute + 30*time.Second},
		{4*time.Minute + 10*time.Second, 10 * time.Second},
		{45 * time.Second, 5 * time.Second},
		{5 * time.Second, time.Second},
		{1500 * time.Millisecond, 500 * time.Millisecond},
	} {
		if got := interval(tc.left); got != tc.want {
			t.Errorf("interval(%s) = %s, want %s", tc.left, got, tc.want)
		}
	}
}

func ghsimFaults(t *testing.T, spec string) ghsim.Faults {
	t.Helper()
	f, err := ghsim.ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// writesSince are the simulator's non-GET exchanges after the log was
// last reset.
func writesSince(e *tuitest.Env) []string {
	var w []string
	for _, x := range e.Sim.Log() {
		if x.Method != "GET" {
			w = append(w, x.Method+" "+x.Path)
		}
	}
	return w
}

// The countdown sees what other terminals (glass extend, glass close) and
// glass sweep do meanwhile: by its periodic re-read, or at the latest by
// the re-read at expiry, which never closes at a stale expiry and never
// closes twice.
func TestChangesMadeElsewhere(t *testing.T) {
	tests := []struct {
		name    string
		refresh bool // a periodic re-read happens before the old expiry
		extend  bool // else: closed elsewhere
	}{
		{name: "extended, seen by the periodic re-read", refresh: true, extend: true},
		{name: "extended, seen by the re-read at expiry", extend: true},
		{name: "closed, seen by the periodic re-read", refresh: true},
		{name: "closed, seen by the re-read at expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tuitest.New(t)
			before := protection(t, e)
			o := openReviews(t, e, 10*time.Minute)
			m := run(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1}), RefreshMsg{})
			// Another terminal, three minutes in.
			e.Clk.Advance(3 * time.Minute)
			other := e.Engine("alice")
			if tt.extend {
				if _, err := other.Extend(context.Background(), o.ID, 20*time.Minute, "deploy still rolling"); err != nil {
					t.Fatal(err)
				}
			} else if _, err := other.Close(context.Background(), o.ID, "done from another terminal"); err != nil {
				t.Fatal(err)
			}
			relaxed := protection(t, e)
			e.Sim.ResetLog()
			if tt.refresh {
				m = run(t, m, RefreshMsg{})
			}
			e.Clk.Advance(7 * time.Minute) // the old expiry
			m = run(t, m, TickMsg{})
			if w := writesSince(e); len(w) != 0 {
				t.Errorf("the waiter wrote %v after the change made elsewhere", w)
			}
			if tt.extend {
				if m.mode != waiting || !m.o.Expires.Equal(o.Expires.Add(20*time.Minute)) {
					t.Fatalf("mode %v, expires %v; outcome %+v", m.mode, m.o.Expires, m.out)
				}
				if v := m.View(); !strings.Contains(v, "Extended elsewhere by 20m (alice): now expires at") || !strings.Contains(v, "20:00 left") {
					t.Errorf("view:\n%s", v)
				}
				if protection(t, e) != relaxed {
					t.Error("protection changed at the old expiry")
				}
				// The new expiry closes it.
				e.Clk.Advance(20 * time.Minute)
				if m = run(t, m, TickMsg{}); m.out.Kind != Closed || m.out.Already || m.out.Why != "expired" {
					t.Fatalf("outcome = %+v", m.out)
				}
				if protection(t, e) != before {
					t.Error("protection not restored at the new expiry")
				}
				return
			}
			if m.mode != done || m.out.Kind != Closed || !m.out.Already || m.out.Why != "closed elsewhere" {
				t.Fatalf("mode %v, outcome %+v", m.mode, m.out)
			}
			if v := m.View(); !strings.Contains(v, "✓ acme/audit#1 was already rolled back elsewhere at 09:03:00 UTC") || !strings.Contains(v, "closed nothing twice") {
				t.Errorf("view:\n%s", v)
			}
			_, comments := e.Get("repos/acme/audit/issues/1/comments")
			if n := strings.Count(comments, "glass:event kind=restored"); n != 1 {
				t.Errorf("%d restored records, want 1", n)
			}
		})
	}
}

// An idle countdown costs no rate limit: after the first read every
// periodic re-read is a conditional request the simulator answers 304
// (without counting it), until the issue changes.
func TestIdleRereadsAre304(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 30*time.Minute)
	m := New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1})
	e.Sim.ResetLog()
	for i := 0; i < 8; i++ {
		e.Clk.Advance(15 * time.Second)
		m = run(t, m, TickMsg{}, RefreshMsg{})
	}
	// Another terminal extends it.
	if _, err := e.Engine("alice").Extend(context.Background(), o.ID, 10*time.Minute, "needs longer"); err != nil {
		t.Fatal(err)
	}
	n := len(e.Sim.Log())
	m = run(t, m, RefreshMsg{})
	var codes []int
	remaining := map[string]bool{}
	total := 0
	for i, x := range e.Sim.Log() {
		if i >= 8 && i < n {
			continue // the extension's own requests
		}
		total++
		if x.Method == "GET" && x.Path == "/repos/acme/audit/issues/1" {
			codes = append(codes, x.Status)
			if x.Status == 304 {
				remaining[x.RespHeader.Get("X-RateLimit-Remaining")] = true
			}
		}
	}
	if got := fmt.Sprint(codes); got != "[200 304 304 304 304 304 304 304 200]" {
		t.Errorf("re-reads = %s, want the first and the one after the change 200, the rest 304", got)
	}
	if total != len(codes) {
		t.Errorf("%d requests, %d of them re-reads: the countdown sent others", total, len(codes))
	}
	if len(remaining) != 1 {
		t.Errorf("X-RateLimit-Remaining moved across 304s: %v", remaining)
	}
	if m.mode != waiting || !m.o.Expires.Equal(o.Expires.Add(10*time.Minute)) || !strings.Contains(m.View(), "Extended elsewhere by 10m") {
		t.Errorf("after the change: expires %v; view:\n%s", m.o.Expires, m.View())
	}
}

// A re-read that was in flight while this screen extended may predate
// the extension: it must not move the expiry back.
func TestStaleRereadDropped(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 10*time.Minute)
	m := New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1})
	cur, cmd := m.Update(RefreshMsg{})
	stale := cmd() // read before the extension
	m = run(t, cur.(Model), keys("e"), keys("20m"), tea.KeyMsg{Type: tea.KeyEnter}, keys("longer"), tea.KeyMsg{Type: tea.KeyEnter})
	m = run(t, m, stale)
	if !m.o.Expires.Equal(o.Expires.Add(20 * time.Minute)) {
		t.Fatalf("a stale re-read moved the expiry back to %v", m.o.Expires)
	}
}

// The real program schedules its own re-reads: an extension made
// elsewhere shows up on the screen, and a close made elsewhere ends it.
func TestTeatestSeesChangesElsewhere(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 30*time.Minute)
	tm := teatest.NewTestModel(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: 20 * time.Millisecond}),
		teatest.WithInitialTermSize(80, 24))
	other := e.Engine("alice")
	if _, err := other.Extend(context.Background(), o.ID, 15*time.Minute, "another terminal"); err != nil {
		t.Fatal(err)
	}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Extended elsewhere by 15m")) }, teatest.WithDuration(10*time.Second))
	if _, err := other.Close(context.Background(), o.ID, "another terminal"); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if fm.out.Kind != Closed || !fm.out.Already {
		t.Fatalf("outcome = %+v", fm.out)
	}
}

// Without a terminal the same: the countdown lines follow an extension
// made elsewhere, and a close made elsewhere ends the wait.
func TestPlainSeesChangesElsewhere(t *testing.T) {
	e := tuitest.New(t)
	o := openReviews(t, e, 2*time.Minute)
	var out syncBuffer
	done := make(chan Outcome)
	go func() {
		done <- (&Plain{Engine: e.Engine("alice"), Clock: e.Clk, Out: &out, Refresh: 15 * time.Second}).Run(context.Background(), o)
	}()
	other := e.Engine("alice")
	var res Outcome
	extended, closed := false, false
	for loop := true; loop; {
		select {
		case res = <-done:
			loop = false
		case <-time.After(5 * time.Millisecond):
			el := e.Clk.Now().Sub(tuitest.T0)
			switch {
			case !extended && el >= 30*time.Second:
				extended = true
				if _, err := other.Extend(context.Background(), o.ID, 5*time.Minute, "another terminal"); err != nil {
					t.Fatal(err)
				}
			case !closed && el >= 3*time.Minute:
				// Past the old expiry: had the waiter not seen the
				// extension, it would have closed already and this
				// close would find nothing to do.
				closed = true
				if _, err := other.Close(context.Background(), o.ID, "another terminal"); err != nil {
					t.Fatal(err)
				}
			}
			e.Clk.Advance(time.Second)
		}
	}
	if res.Kind != Closed || !res.Already || res.Why != "closed elsewhere" {
		t.Fatalf("outcome = %+v", res)
	}
	s := out.String()
	for _, want := range []string{"Extended elsewhere by 5m (alice): now expires at", "acme/audit#1: 4:00 left", "✓ acme/audit#1 was already rolled back elsewhere at"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "expired at") {
		t.Errorf("closed at the old expiry:\n%s", s)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A re-read that fails changes nothing on the screen and keeps the
// countdown going: the next one, and the close at expiry (which reads the
// record itself), read again.
func TestRereadFails(t *testing.T) {
	e := tuitest.New(t)
	before := protection(t, e)
	o := openReviews(t, e, 10*time.Minute)
	m := New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1, Refresh: -1})
	e.Sim.SetFaults(ghsimFaults(t, "fail-path=^/repos/acme/audit/issues/1$:502"))
	view := m.View()
	m = run(t, m, RefreshMsg{})
	if m.mode != waiting || m.View() != view || m.loading {
		t.Fatalf("a failed re-read changed the screen (mode %v):\n%s", m.mode, m.View())
	}
	if n := e.Count("GET", "/repos/acme/audit/issues/1"); n == 0 {
		t.Fatal("no re-read was sent")
	}
	e.Sim.SetFaults(ghsim.Faults{})
	e.Clk.Advance(10 * time.Minute)
	if m = run(t, m, TickMsg{}); m.out.Kind != Closed || m.out.Already || m.out.Why != "expired" {
		t.Fatalf("outcome = %+v", m.out)
	}
	if protection(t, e) != before {
		t.Error("protection not restored")
	}
}
