// Package statusview is `glass status` on a terminal: the open overrides
// as a live table. The time left counts down every second from what was
// last read (no request); the list is read again every interval with
// conditional requests (the audit store sends If-None-Match), so an idle
// screen is answered 304 Not Modified, which GitHub does not count
// against the rate limit ("Best practices for using the REST API":
// "making a conditional request does not count against your primary rate
// limit if a 304 response is returned").
package statusview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/tui"
)

// Options configure the live table.
type Options struct {
	// Status lists the overrides (engine.Status on the audit repositories,
	// filtered as the command filters them).
	Status func(ctx context.Context) (*engine.StatusResult, error)
	// Render draws the table exactly as plain `glass status` does.
	Render     func(w io.Writer, entries []engine.StatusEntry, width int)
	AuditRepos []string
	Clock      clock.Clock
	Styles     tui.Styles
	Width      int
	// Interval between reads (default 15s); Tick between redraws
	// (default 1s; negative: never, tests send TickMsg).
	Interval, Tick time.Duration
}

type (
	// TickMsg redraws the countdowns; RefreshMsg reads the list again.
	TickMsg    time.Time
	RefreshMsg struct{}
	resultMsg  struct {
		res *engine.StatusResult
		err error
	}
)

// Model is the live table.
type Model struct {
	opt       Options
	res       *engine.StatusResult
	err       error
	now       time.Time
	readAt    time.Time
	reads     int // how many times the list was read
	unchanged int // of which answered 304 (not modified)
	busy      bool
	quit      bool
}

// New returns the live table.
func New(opt Options) Model {
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	if opt.Interval <= 0 {
		opt.Interval = 15 * time.Second
	}
	if opt.Tick == 0 {
		opt.Tick = time.Second
	}
	if opt.Width <= 0 {
		opt.Width = 80
	}
	// readAt is "now" so that the first tick does not read again while
	// Init's read is in flight.
	now := opt.Clock.Now()
	return Model{opt: opt, now: now, readAt: now}
}

// Reads returns how many times the list was read and how many of those
// were answered 304.
func (m Model) Reads() (reads, notModified int) { return m.reads, m.unchanged }

func (m Model) Init() tea.Cmd { return tea.Batch(m.read(), m.tick()) }

func (m Model) read() tea.Cmd {
	f := m.opt.Status
	return func() tea.Msg {
		res, err := f(context.Background())
		return resultMsg{res, err}
	}
}

func (m Model) tick() tea.Cmd {
	if m.opt.Tick < 0 {
		return nil
	}
	return tea.Tick(m.opt.Tick, func(t time.Time) tea.Msg { return TickMsg(t) })
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.opt.Width = msg.Width
	case TickMsg:
		m.now = m.opt.Clock.Now()
		cmds := []tea.Cmd{m.tick()}
		if !m.busy && m.now.Sub(m.readAt) >= m.opt.Interval {
			m.busy = true
			cmds = append(cmds, m.read())
		}
		return m, tea.Batch(cmds...)
	case RefreshMsg:
		if m.busy {
			return m, nil
		}
		m.busy = true
		return m, m.read()
	case resultMsg:
		m.busy = false
		m.now = m.opt.Clock.Now()
		m.readAt = m.now
		m.reads++
		if msg.err != nil {
			// Keep showing the last list; say it is stale.
			m.err = msg.err
			return m, nil
		}
		m.err = nil
		if msg.res.NotModified {
			m.unchanged++
			if m.res != nil {
				return m, nil
			}
		}
		m.res = msg.res
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			m.quit = true
			return m, tea.Quit
		case "r":
			return m.Update(RefreshMsg{})
		}
	}
	return m, nil
}

// entries returns the last list with time left recomputed for now.
func (m Model) entries() []engine.StatusEntry {
	if m.res == nil {
		return nil
	}
	out := make([]engine.StatusEntry, len(m.res.Entries))
	for i, en := range m.res.Entries {
		o := en.Override
		if !o.Expires.IsZero() {
			en.Left = o.Expires.Sub(m.now)
			en.Overdue = en.Overdue || (!en.Failed && en.Left <= 0)
		}
		out[i] = en
	}
	return out
}

func (m Model) View() string {
	s := m.opt.Styles
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", s.Title.Render("glass status"), strings.Join(m.opt.AuditRepos, ", "))
	switch {
	case m.res == nil && m.err == nil:
		b.WriteString("  reading…\n")
	case m.res != nil:
		entries := m.entries()
		if len(entries) == 0 {
			b.WriteString("No open overrides\n")
		} else {
			var t bytes.Buffer
			m.opt.Render(&t, entries, m.opt.Width)
			b.Write(t.Bytes())
		}
		for _, bad := range m.res.Invalid {
			fmt.Fprintf(&b, "%s\n", s.Warn.Render(fmt.Sprintf("! %s: %v", bad.ID, bad.Err)))
		}
	}
	if m.err != nil {
		fmt.Fprintf(&b, "%s\n", s.Err.Render(fmt.Sprintf("! could not refresh (%v); showing the last list", m.err)))
	}
	if !m.quit {
		state := "refreshing…"
		if !m.busy && m.reads > 0 {
			state = fmt.Sprintf("read %s ago", tui.Human(m.now.Sub(m.readAt)))
		}
		fmt.Fprintf(&b, "%s\n", s.Help.Render(fmt.Sprintf("%s · reread every %s, free when unchanged (304) · r · q quit", state, tui.Human(m.opt.Interval))))
	}
	return b.String()
}

// Run shows the live table on a terminal until q, Esc or Ctrl-C.
func Run(ctx context.Context, opt Options, in io.Reader, out io.Writer) error {
	p := tea.NewProgram(New(opt), append(tui.ProgramOptions(in, out), tea.WithContext(ctx))...)
	_, err := p.Run()
	return err
}
