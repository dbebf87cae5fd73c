// Package tui holds what glass's interactive screens share: styles that
// never carry meaning in colour alone, duration and diff formatting, and
// how a bubbletea program is attached to iostreams. Each screen is its own
// package below (openflow, wait, statusview); commands stay thin and only
// call Run functions.
package tui

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/glass-cli/glass/internal/lever"
)

// Styles are the few text styles the screens use. Every styled word also
// carries its meaning in text (a glyph, a word, brackets), so NO_COLOR
// and screen readers lose nothing.
type Styles struct {
	Title, Selected, Dim, Err, OK, Warn, Help, Key lipgloss.Style
}

// NewStyles returns styles rendered for w. With color false (NO_COLOR, a
// dumb terminal, tests) the ASCII profile makes every style plain text,
// so golden screens are byte-for-byte deterministic.
func NewStyles(w io.Writer, color bool) Styles {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return Styles{
		Title:    r.NewStyle().Bold(true),
		Selected: r.NewStyle().Bold(true).Foreground(lipgloss.Color("12")),
		Dim:      r.NewStyle().Foreground(lipgloss.Color("8")),
		Err:      r.NewStyle().Foreground(lipgloss.Color("9")),
		OK:       r.NewStyle().Foreground(lipgloss.Color("10")),
		Warn:     r.NewStyle().Foreground(lipgloss.Color("11")),
		Help:     r.NewStyle().Foreground(lipgloss.Color("8")),
		Key:      r.NewStyle().Bold(true),
	}
}

// Plain returns styles that render every string unchanged.
func Plain() Styles { return NewStyles(io.Discard, false) }

// ProgramOptions attaches a bubbletea program to in/out. Signals are left
// to the caller (glass decides what SIGTERM and SIGHUP mean while an
// override is open), and the program never reads the real terminal
// behind the caller's back.
func ProgramOptions(in io.Reader, out io.Writer) []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler()}
}

// Human renders a duration the way people say it: 30m, 1h5m, 45s.
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d >= time.Minute {
		d = d.Round(time.Minute)
		h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
		switch {
		case h == 0:
			return fmt.Sprintf("%dm", m)
		case m == 0:
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
}

// Clock renders time left to the second, for countdowns: 1:04:05, 4:05, 0:09.
func Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second) // round up: 0:00 only at expiry
	h, m, sec := s/3600, (s%3600)/60, s%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// At renders an instant for a countdown line, in UTC so that logs and
// screens from different machines agree.
func At(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

// Changes renders a field-by-field diff, one "field: before → during"
// line each, in the lever's order. When the whole rule goes (relax all),
// one line says so; when a group is switched off (X.enabled → false), its
// sub-settings are summarised on that line (as `glass open` prints them).
func Changes(changes []lever.Mismatch) []string {
	for _, m := range changes {
		if m.Field == "protected" && m.Want == false {
			return []string{fmt.Sprintf("protected: %s → false (the rule is deleted: %d settings, restored from the snapshot on close)", Value(m.Got), len(changes)-1)}
		}
	}
	off := map[string]int{} // group prefix → sub-settings dropped with it
	for _, m := range changes {
		if g, ok := strings.CutSuffix(m.Field, ".enabled"); ok && m.Want == false && !strings.Contains(g, ".") {
			off[g+"."] = 0
		}
	}
	group := func(field string) string {
		for g := range off {
			if strings.HasPrefix(field, g) {
				return g
			}
		}
		return ""
	}
	for _, m := range changes {
		if g := group(m.Field); g != "" && m.Field != g+"enabled" && m.Want == nil {
			off[g]++
		}
	}
	var out []string
	for _, m := range changes {
		g := group(m.Field)
		switch {
		case g != "" && m.Field == g+"enabled":
			l := fmt.Sprintf("%s: %s → %s", m.Field, Value(m.Got), Value(m.Want))
			if n := off[g]; n > 0 {
				l += fmt.Sprintf(" (with its %d settings, restored on close)", n)
			}
			out = append(out, l)
		case g != "" && m.Want == nil:
			// summarised on the group's line
		default:
			out = append(out, fmt.Sprintf("%s: %s → %s", m.Field, Value(m.Got), Value(m.Want)))
		}
	}
	return out
}

// Value renders a field value for humans.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return fmt.Sprintf("%q", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// Bar draws a progress bar of width cells, filled by frac (0..1), with
// ASCII only so every terminal and screen reader gets it.
func Bar(frac float64, width int) string {
	if width < 2 {
		width = 2
	}
	frac = min(max(frac, 0), 1)
	n := int(frac*float64(width) + 0.5)
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}

// Wrap cuts s into lines of at most width runes at spaces.
func Wrap(s string, width int) []string {
	if width < 10 {
		width = 10
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		line := ""
		for _, w := range words {
			switch {
			case line == "":
				line = w
			case len([]rune(line))+1+len([]rune(w)) <= width:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		lines = append(lines, line)
	}
	return lines
}
