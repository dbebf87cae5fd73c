package wait

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
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
		queue = append(queue, exec(cmd)...)
	}
	return cur.(Model)
}

// exec runs cmd and returns the messages it produces. Tests build models
// with Tick < 0 and the cursor does not blink, so no command is a timer.
func exec(cmd tea.Cmd) []tea.Msg {
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
			out = append(out, exec(c)...)
		}
		return out
	case TickMsg, nil:
		return nil
	case tea.QuitMsg:
		return nil
	}
	return []tea.Msg{msg}
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tuitest.New(t)
			o := openReviews(t, e, 30*time.Minute)
			e.Clk.Advance(12*time.Minute + 30*time.Second)
			tm := teatest.NewTestModel(t, New(o, Options{Engine: e.Engine("alice"), Clock: e.Clk, Styles: tui.Plain(), Tick: -1}),
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
