package cmdutil

import (
	"encoding/json"
	"io"
)

// WriteJSON prints v as indented JSON followed by a newline. Every --json
// output goes through here, so the format is the same everywhere.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
