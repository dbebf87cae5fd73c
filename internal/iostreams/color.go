package iostreams

// ColorScheme pairs every glyph with a word, so no meaning lives only in
// colour (screen readers, NO_COLOR).
type ColorScheme struct{ enabled bool }

// ColorScheme returns the scheme for the error stream, where status goes.
func (s *IOStreams) ColorScheme() ColorScheme { return ColorScheme{enabled: s.colorEnabled} }

func (c ColorScheme) wrap(code, text string) string {
	if !c.enabled {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (c ColorScheme) Bold(s string) string   { return c.wrap("1", s) }
func (c ColorScheme) Green(s string) string  { return c.wrap("32", s) }
func (c ColorScheme) Red(s string) string    { return c.wrap("31", s) }
func (c ColorScheme) Yellow(s string) string { return c.wrap("33", s) }
func (c ColorScheme) Gray(s string) string   { return c.wrap("90", s) }

func (c ColorScheme) SuccessIcon() string { return c.Green("✓") }
func (c ColorScheme) WarningIcon() string { return c.Yellow("!") }
func (c ColorScheme) FailureIcon() string { return c.Red("X") }
