// Package build reports which glass this is.
package build

import (
	"runtime/debug"
	"strings"
)

// Set by the linker: -X github.com/glass-cli/glass/internal/build.Version=v1.2.3
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info returns the version and commit, falling back to the module build info
// that `go install` and `go build` record, so a source build still says
// something true about itself.
func Info() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if commit == "" && s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if version == "" {
		version = "dev"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	return version, commit
}

// String is the line `glass --version` prints.
func String() string {
	v, c := Info()
	var b strings.Builder
	b.WriteString("glass version " + strings.TrimPrefix(v, "v"))
	if c != "" {
		b.WriteString(" (" + c)
		if Date != "" {
			b.WriteString(", " + Date)
		}
		b.WriteString(")")
	}
	return b.String()
}
