// Package auth finds, stores and checks glass's GitHub credentials: the
// token sources and their precedence, the keyring and the explicit
// plain-text file, the reuse of a gh login, the OAuth device flow, the
// identity behind a token, and the strict checks that run before `glass
// open` changes anything.
//
// A token value never leaves this package except towards the HTTP
// Authorization header: Token.String and every error here leave it out.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/ghapi"
)

// Token sources, as `glass auth status` names them.
const (
	SourceKeyring = "keyring"
	SourceFile    = "insecure file"
	SourceGH      = "gh auth token"
)

// Token is a credential and where it came from.
type Token struct {
	Value    string
	Source   string    // GLASS_TOKEN, GH_TOKEN, ..., keyring, insecure file, gh auth token
	Login    string    // stored with the token (keyring or file); "" for other sources
	StoredAt time.Time // time of `glass auth login`; zero for other sources
}

// String never shows the value.
func (t Token) String() string { return fmt.Sprintf("token from %s", t.Source) }

// GoString never shows the value either (%#v in a panic or a debug print).
func (t Token) GoString() string { return "auth.Token{Source:" + fmt.Sprintf("%q", t.Source) + "}" }

// Check is one token source as the resolver saw it, for `glass auth status`.
type Check struct {
	Source string `json:"source"`
	Found  bool   `json:"found"`
	Used   bool   `json:"used"`
	Note   string `json:"note,omitempty"`
}

// ErrNoToken is returned when no source has a credential.
var ErrNoToken = errors.New("no GitHub credentials found")

// Resolver applies the token precedence:
//
//  1. GLASS_TOKEN
//  2. GH_TOKEN, GITHUB_TOKEN (github.com and GLASS_API_URL), or
//     GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN (any other host), as gh
//     and go-gh do (cli/go-gh pkg/auth)
//  3. what `glass auth login` stored: the insecure file when it holds the
//     host, else the keyring
//  4. `gh auth token --hostname HOST`, when gh is installed and logged in
type Resolver struct {
	Getenv func(string) string
	Store  *Storage
	GH     *GHCLI // nil: no gh fallback
}

// EnvNames lists the environment variables consulted for ep, in order.
func EnvNames(ep ghapi.Endpoint) []string {
	if ep.IsEnterprise() {
		return []string{"GLASS_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}
	}
	return []string{"GLASS_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"}
}

// Resolve returns the first token for ep's host. With all set, it still
// looks at every source so that status can show the whole picture.
func (r *Resolver) Resolve(ctx context.Context, ep ghapi.Endpoint) (Token, error) {
	t, _, err := r.resolve(ctx, ep, false)
	return t, err
}

// Explain resolves like Resolve and also reports every source it checked
// (without stopping at the first hit, so it may run gh).
func (r *Resolver) Explain(ctx context.Context, ep ghapi.Endpoint) (Token, []Check, error) {
	return r.resolve(ctx, ep, true)
}

func (r *Resolver) resolve(ctx context.Context, ep ghapi.Endpoint, all bool) (Token, []Check, error) {
	var found Token
	var checks []Check
	take := func(t Token) {
		if found.Value == "" {
			found = t
			checks[len(checks)-1].Used = true
		}
	}
	done := func() bool { return found.Value != "" && !all }
	for _, n := range EnvNames(ep) {
		v := strings.TrimSpace(r.Getenv(n))
		checks = append(checks, Check{Source: n, Found: v != ""})
		if v != "" {
			take(Token{Value: v, Source: n})
			if done() {
				return found, checks, nil
			}
		}
	}
	if r.Store != nil {
		e, src, note, err := r.Store.Load(ep.Host)
		if err != nil {
			return Token{}, checks, err
		}
		if src == "" {
			// Report both stores as not found.
			checks = append(checks, Check{Source: SourceFile, Note: r.Store.File.Path}, Check{Source: SourceKeyring, Note: note})
		} else {
			c := Check{Source: src, Found: true}
			if src == SourceFile {
				c.Note = r.Store.File.Path
			}
			checks = append(checks, c)
			take(Token{Value: e.Token, Source: src, Login: e.Login, StoredAt: e.StoredAt})
			if done() {
				return found, checks, nil
			}
		}
	}
	if r.GH != nil {
		v, note := r.GH.Token(ctx, ep.Host)
		checks = append(checks, Check{Source: SourceGH, Found: v != "", Note: note})
		if v != "" {
			take(Token{Value: v, Source: SourceGH})
		}
	}
	if found.Value == "" {
		return Token{}, checks, fmt.Errorf("%w for %s: run `glass auth login`, or set %s", ErrNoToken, ep.Host, EnvNames(ep)[1])
	}
	return found, checks, nil
}
