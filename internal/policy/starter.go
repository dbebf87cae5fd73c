package policy

import _ "embed"

//go:embed starter.yml
var starter string

// StarterPolicy is the commented policy "glass init" writes to
// .github/glass.yml. It parses and validates (see the tests).
func StarterPolicy() []byte { return []byte(starter) }
