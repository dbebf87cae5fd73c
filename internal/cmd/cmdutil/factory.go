package cmdutil

import (
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/iostreams"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Token is a credential and where it came from (for `glass auth status`;
// the value itself is never printed).
type Token struct {
	Value  string
	Source string // e.g. "GH_TOKEN", "keyring", "gh auth token"
	Login  string // when known from the store
	// StoredAt is when `glass auth login` stored the token (zero for
	// tokens from the environment or gh); the step-up check reads it.
	StoredAt time.Time
}

// String and GoString leave the value out, so that a stray %v, %+v or %#v
// (or a panic printing one) cannot show the token.
func (t Token) String() string   { return "token from " + t.Source }
func (t Token) GoString() string { return "cmdutil.Token{Source:" + strconv.Quote(t.Source) + "}" }

// Factory holds the lazily built dependencies of every command. Only
// internal/cmd/factory builds a real one; tests build options by hand.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Getenv    func(string) string
	Clock     clock.Clock

	// Hostname is set by --hostname where a command has it; empty means
	// GH_HOST or github.com.
	Hostname string
	// Debug is set by the global --debug flag.
	Debug bool

	// Endpoint resolves GLASS_API_URL, the hostname and GH_HOST.
	Endpoint func() (ghapi.Endpoint, error)
	// Token resolves the credential for the endpoint.
	Token func() (Token, error)
	// GitHub returns an authenticated client. Depends on Endpoint and Token.
	GitHub func() (*github.Client, error)
	// CacheDir is where conditional-request answers are kept between runs.
	CacheDir func() string
	// ConfigDir is glass's configuration directory.
	ConfigDir func() string
	// CurrentRepo returns OWNER/REPO of the current git checkout's remote.
	CurrentRepo func() (string, error)
	// Levers returns the lever registry. Depends on GitHub; makes no request.
	Levers func() (map[override.Lever]lever.Lever, error)
	// Engine returns the engine (open, close, extend, status, sweep).
	// Depends on GitHub, Levers, Clock; makes no request until used.
	Engine func() (*engine.Engine, error)
	// RepoOverride is the global -R/--repo value.
	RepoOverride string
	// NoInput is the global --no-input flag: never prompt.
	NoInput bool
}

// BaseRepo returns the repository a command acts on: -R/--repo, else the
// current git remote.
func (f *Factory) BaseRepo() (string, error) {
	if f.RepoOverride != "" {
		return ParseRepo(f.RepoOverride)
	}
	if f.CurrentRepo == nil {
		return "", FlagErrorf("no repository given: use -R OWNER/REPO")
	}
	return f.CurrentRepo()
}
