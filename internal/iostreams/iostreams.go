// Package iostreams owns every byte glass reads from or writes to a terminal,
// so commands can be tested without one (the pattern of gh's iostreams).
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams are the three standard streams plus what glass knows about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled                   bool
	neverPrompt                    bool
	width                          int
}

// System returns streams connected to the process's terminal.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	// NO_COLOR (https://no-color.org) wins; CLICOLOR_FORCE forces colour on.
	s.colorEnabled = s.stderrTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	if v, _ := strconv.ParseBool(os.Getenv("CLICOLOR_FORCE")); v && os.Getenv("NO_COLOR") == "" {
		s.colorEnabled = true
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
		s.width = w
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers, with every TTY flag false.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool       { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool      { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool      { return s.stderrTTY }
func (s *IOStreams) SetStdinTTY(v bool)     { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool)    { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)    { s.stderrTTY = v }
func (s *IOStreams) ColorEnabled() bool     { return s.colorEnabled }
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }
func (s *IOStreams) SetNeverPrompt(v bool)  { s.neverPrompt = v }

// CanPrompt is the one rule for asking the user anything: both ends must be
// a terminal and prompting must not have been switched off (--no-input, CI).
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stdoutTTY
}

// TerminalWidth is the width to lay out for; 80 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.width <= 0 {
		return 80
	}
	return s.width
}

// SetTerminalWidth overrides the detected width (tests, narrow terminals).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }
