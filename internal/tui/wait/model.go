package wait

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

type mode int

const (
	waiting      mode = iota
	confirmClose      // c pressed: close now?
	interrupted       // Ctrl-C or SIGINT: close, keep waiting or detach?
	extendBy          // e pressed: by how much?
	extendWhy         // ... and why?
	working           // a request is in flight
	done
)

// SignalMsg delivers a signal the command received to the model.
type SignalMsg struct{ Signal os.Signal }

// TickMsg makes the model look at the clock again.
type TickMsg time.Time

// RefreshMsg makes the model re-read the audit issue (see DefaultRefresh).
type RefreshMsg struct{}

// loadedMsg is the audit issue as re-read: periodically, or at expiry
// (moved: the expiry had moved, nothing was closed; out: the wait ended).
type loadedMsg struct {
	o      *override.Override
	err    error
	expiry bool
	out    *Outcome
	gen    int
}

type closedMsg Outcome
type extendedMsg struct {
	o   *override.Override
	by  time.Duration
	err error
}

// Options configure the countdown screen.
type Options struct {
	Engine Engine
	Clock  clock.Clock
	Styles tui.Styles
	Width  int
	// MaxExtend bounds one extension (policy's limit; 0: 24h).
	MaxExtend time.Duration
	// Tick is how often the screen refreshes (default 1s; negative: never,
	// the caller sends TickMsg).
	Tick time.Duration
	// Refresh is how often the audit issue is re-read to see extensions
	// and closes made elsewhere (default DefaultRefresh; negative: never,
	// the caller sends RefreshMsg).
	Refresh time.Duration
}

// Model is the countdown screen.
type Model struct {
	opt     Options
	o       *override.Override
	now     time.Time
	mode    mode
	by, why textinput.Model
	byVal   time.Duration
	note    string // last status line (extended, refused, ...)
	errNote string
	busy    string
	out     Outcome
	loading bool // a periodic re-read is in flight
	// gen counts this screen's own requests (extend, close, ...): a
	// re-read that was in flight meanwhile may predate them and is
	// dropped.
	gen int
}

// New returns the countdown screen for o.
func New(o *override.Override, opt Options) Model {
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	if opt.Width <= 0 {
		opt.Width = 80
	}
	if opt.Tick == 0 {
		opt.Tick = time.Second
	}
	if opt.Refresh == 0 {
		opt.Refresh = DefaultRefresh
	}
	if opt.MaxExtend <= 0 {
		opt.MaxExtend = 24 * time.Hour
	}
	// A steady cursor: no blinking timer, calmer at 2 a.m., and nothing
	// for a screen reader to announce over and over.
	by := textinput.New()
	by.Cursor.SetMode(cursor.CursorStatic)
	by.Prompt = "Extend by: "
	by.Placeholder = "15m"
	by.CharLimit = 12
	why := textinput.New()
	why.Cursor.SetMode(cursor.CursorStatic)
	why.Prompt = "Why: "
	why.CharLimit = 500
	why.Width = opt.Width - 8
	return Model{opt: opt, o: o, now: opt.Clock.Now(), by: by, why: why}
}

// Outcome is how the wait ended (valid once the program has quit).
func (m Model) Outcome() Outcome { return m.out }

func (m Model) tick() tea.Cmd {
	if m.opt.Tick < 0 {
		return nil
	}
	return tea.Tick(m.opt.Tick, func(t time.Time) tea.Msg { return TickMsg(t) })
}

func (m Model) refresh() tea.Cmd {
	if m.opt.Refresh < 0 {
		return nil
	}
	return tea.Tick(m.opt.Refresh, func(time.Time) tea.Msg { return RefreshMsg{} })
}

func (m Model) Init() tea.Cmd { return tea.Batch(m.tick(), m.refresh()) }

func (m Model) loadCmd() tea.Cmd {
	eng, id, gen := m.opt.Engine, m.o.ID, m.gen
	return func() tea.Msg {
		o, err := eng.Get(context.Background(), id)
		return loadedMsg{o: o, err: err, gen: gen}
	}
}

// expireCmd closes only if the record says the override is due and
// nobody closed it meanwhile (atExpiry).
func (m Model) expireCmd() tea.Cmd {
	eng, o := m.opt.Engine, m.o
	return func() tea.Msg {
		moved, out := atExpiry(context.Background(), eng, o)
		if moved != nil {
			return loadedMsg{o: moved, expiry: true}
		}
		return loadedMsg{expiry: true, out: &out}
	}
}

func (m Model) closeCmd(why string) tea.Cmd {
	eng, o := m.opt.Engine, m.o
	return func() tea.Msg { return closedMsg(doClose(context.Background(), eng, o, why)) }
}

func (m Model) detachCmd(why string) tea.Cmd {
	eng, o := m.opt.Engine, m.o
	return func() tea.Msg { return closedMsg(doDetach(context.Background(), eng, o, why)) }
}

func (m Model) extendCmd(by time.Duration, why string) tea.Cmd {
	eng, id := m.opt.Engine, m.o.ID
	return func() tea.Msg {
		o, err := eng.Extend(context.Background(), id, by, why)
		return extendedMsg{o: o, by: by, err: err}
	}
}

func (m Model) start(why, busy string, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	m.mode = working
	m.gen++
	m.busy = busy
	m.by.Blur()
	m.why.Blur()
	return m, cmd
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.opt.Width = msg.Width
		return m, nil
	case TickMsg:
		m.now = m.opt.Clock.Now()
		if m.mode == done {
			return m, nil
		}
		if m.mode != working && !m.now.Before(m.o.Expires) {
			return m.start("expired", fmt.Sprintf("%s expired at %s: rolling back and verifying…", m.o.ID, tui.At(m.o.Expires)), m.expireCmd())
		}
		return m, m.tick()
	case RefreshMsg:
		if m.mode == done {
			return m, nil
		}
		if m.mode == working || m.loading {
			return m, m.refresh() // the request in flight reads it anyway
		}
		m.loading = true
		return m, m.loadCmd()
	case loadedMsg:
		return m.loaded(msg)
	case closedMsg:
		m.out = Outcome(msg)
		m.mode = done
		return m, tea.Quit
	case extendedMsg:
		m.mode = waiting
		if msg.err != nil {
			m.errNote = fmt.Sprintf("Not extended: %v", msg.err)
			m.note = ""
		} else {
			m.o = msg.o
			m.errNote = ""
			m.note = fmt.Sprintf("Extended by %s: now expires at %s (recorded on the audit issue)", tui.Human(msg.by), tui.At(m.o.Expires))
		}
		return m, nil
	case SignalMsg:
		return m.signal(msg.Signal)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// loaded takes in a re-read audit issue.
func (m Model) loaded(msg loadedMsg) (tea.Model, tea.Cmd) {
	if m.mode == done {
		return m, nil
	}
	if msg.expiry {
		if msg.out != nil {
			m.out = *msg.out
			m.mode = done
			return m, tea.Quit
		}
		// The expiry moved while this screen was not looking: wait on.
		m.note, m.errNote = movedNote(m.o, msg.o), ""
		m.o = msg.o
		m.mode = waiting
		return m, m.tick()
	}
	m.loading = false
	next := m.refresh()
	if msg.err != nil || m.mode == working || msg.gen != m.gen {
		// A failed re-read changes nothing: the expiry re-reads again
		// before closing. A request in flight settles the rest.
		return m, next
	}
	switch {
	case closedElsewhere(msg.o):
		m.out = Outcome{Kind: Closed, Override: msg.o, Why: "closed elsewhere", Already: true}
		m.mode = done
		return m, tea.Quit
	case !msg.o.Expires.Equal(m.o.Expires) && msg.o.State == override.StateActive:
		m.note, m.errNote = movedNote(m.o, msg.o), ""
		m.o = msg.o
	}
	return m, next
}

func (m Model) signal(s os.Signal) (tea.Model, tea.Cmd) {
	if m.mode == working || m.mode == done {
		return m, nil
	}
	if s == syscall.SIGINT {
		m.mode = interrupted
		return m, nil
	}
	// SIGTERM, SIGHUP: the terminal or the session is going away and
	// nobody can answer a question: close now.
	why := SignalName(s)
	return m.start(why, fmt.Sprintf("Received %s: closing %s now…", why, m.o.ID), m.closeCmd(why))
}

func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch m.mode {
	case working, done:
		return m, nil
	case waiting:
		switch k.String() {
		case "ctrl+c", "q", "esc":
			m.mode = interrupted
		case "c":
			m.mode = confirmClose
		case "d":
			return m.start("detach", "Recording on the audit issue that glass sweep owns the rollback…", m.detachCmd("detached with d"))
		case "e":
			m.mode = extendBy
			m.by.SetValue("")
			m.errNote, m.note = "", ""
			return m, m.by.Focus()
		}
		return m, nil
	case confirmClose:
		switch k.String() {
		case "y", "enter":
			return m.start("c", fmt.Sprintf("Closing %s: rolling back and verifying…", m.o.ID), m.closeCmd("closed with c"))
		default:
			m.mode = waiting
		}
		return m, nil
	case interrupted:
		switch k.String() {
		case "y", "enter", "ctrl+c":
			return m.start("interrupt", fmt.Sprintf("Closing %s: rolling back and verifying…", m.o.ID), m.closeCmd("interrupted"))
		case "d":
			return m.start("detach", "Recording on the audit issue that glass sweep owns the rollback…", m.detachCmd("detached after Ctrl-C"))
		case "n", "esc":
			m.mode = waiting
		}
		return m, nil
	case extendBy:
		switch k.String() {
		case "esc", "ctrl+c":
			m.mode = waiting
			m.by.Blur()
			return m, nil
		case "enter":
			v := strings.TrimSpace(m.by.Value())
			if v == "" {
				v = m.by.Placeholder
			}
			d, err := time.ParseDuration(v)
			switch {
			case err != nil:
				m.errNote = fmt.Sprintf("%q is not a duration: use 15m or 1h30m", v)
			case d < time.Minute:
				m.errNote = "extend by at least 1m"
			case d > m.opt.MaxExtend:
				m.errNote = fmt.Sprintf("at most %s at a time", tui.Human(m.opt.MaxExtend))
			default:
				m.errNote = ""
				m.byVal = d
				m.mode = extendWhy
				m.by.Blur()
				m.why.SetValue("")
				return m, m.why.Focus()
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.by, cmd = m.by.Update(k)
		return m, cmd
	case extendWhy:
		switch k.String() {
		case "esc", "ctrl+c":
			m.mode = waiting
			m.why.Blur()
			return m, nil
		case "enter":
			why := strings.TrimSpace(m.why.Value())
			if why == "" {
				m.errNote = "say why: it is recorded on the audit issue"
				return m, nil
			}
			m.errNote = ""
			return m.start("extend", fmt.Sprintf("Extending %s by %s…", m.o.ID, tui.Human(m.byVal)), m.extendCmd(m.byVal, why))
		}
		var cmd tea.Cmd
		m.why, cmd = m.why.Update(k)
		return m, cmd
	}
	return m, nil
}

func (m Model) View() string {
	s := m.opt.Styles
	var b strings.Builder
	o := m.o
	left := o.Expires.Sub(m.now)
	total := o.Expires.Sub(o.Opened)
	frac := 1.0
	if total > 0 {
		frac = 1 - float64(left)/float64(total)
	}
	fmt.Fprintf(&b, "%s %s\n", s.Title.Render("glass: override open"), o.ID)
	for _, l := range tui.Wrap(what(o), m.opt.Width-4) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	if m.mode == done {
		b.WriteString("\n")
		for _, l := range m.out.Lines() {
			b.WriteString(l + "\n")
		}
		return b.String()
	}
	barW := max(10, min(40, m.opt.Width-30))
	fmt.Fprintf(&b, "\n  %s left  %s  expires %s\n\n", s.Title.Render(tui.Clock(left)), tui.Bar(frac, barW), tui.At(o.Expires))
	switch m.mode {
	case waiting:
		if m.note != "" {
			b.WriteString("  " + s.OK.Render(m.note) + "\n\n")
		}
		if m.errNote != "" {
			b.WriteString("  " + s.Err.Render(m.errNote) + "\n\n")
		}
		b.WriteString(s.Help.Render("  e extend · c close now · d detach (glass sweep rolls back) · Ctrl-C close") + "\n")
	case confirmClose:
		fmt.Fprintf(&b, "  Close %s now and roll back? [y/N]\n", o.ID)
	case interrupted:
		fmt.Fprintf(&b, "  Interrupted. %s is still open.\n", o.ID)
		b.WriteString("  y close now · n keep waiting · d detach (glass sweep rolls back at expiry)\n")
	case extendBy:
		b.WriteString("  " + m.by.View() + "\n")
		if m.errNote != "" {
			b.WriteString("  " + s.Err.Render(m.errNote) + "\n")
		}
		b.WriteString(s.Help.Render("  enter next · esc back") + "\n")
	case extendWhy:
		fmt.Fprintf(&b, "  Extend by %s\n", tui.Human(m.byVal))
		b.WriteString("  " + m.why.View() + "\n")
		if m.errNote != "" {
			b.WriteString("  " + s.Err.Render(m.errNote) + "\n")
		}
		b.WriteString(s.Help.Render("  enter extend · esc back") + "\n")
	case working:
		b.WriteString("  " + m.busy + "\n")
	}
	return b.String()
}

func what(o *override.Override) string {
	switch o.Lever {
	case override.LeverAccess:
		return fmt.Sprintf("%s has %s on %s", o.Target.User, o.Target.Permission, o.Target.Repo)
	default:
		return fmt.Sprintf("%s: %s relaxed (%s)", o.Lever, o.Target, strings.Join(o.Relax, ", "))
	}
}
