package openflow

import (
	"context"
	"io"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/glass-cli/glass/internal/tui"
)

// Run shows the flow on a terminal (in, out) and returns how it ended.
// Ctrl-C arrives as a key (the terminal is in raw mode), so the flow
// decides what it means at each step.
func Run(ctx context.Context, d Deps, k Known, in io.Reader, out io.Writer) (Result, error) {
	p := tea.NewProgram(New(d, k), append(tui.ProgramOptions(in, out), tea.WithContext(ctx))...)
	final, err := p.Run()
	m, ok := final.(Model)
	if !ok {
		return Result{}, err
	}
	r := m.Result()
	if err != nil && !r.Cancelled && r.Override == nil && r.Err == nil {
		return r, err
	}
	return r, nil
}
