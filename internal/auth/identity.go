package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Identity is who a token belongs to and what it may do, from GET /user
// (users/get-authenticated) and its response headers.
type Identity struct {
	Login string `json:"login"`
	// TwoFactor is GitHub's two_factor_authentication. It exists only in the
	// private view of the user (a classic or OAuth token with the `user`
	// scope, github-api.md §6). nil means "GitHub did not say", never "off".
	TwoFactor *bool `json:"two_factor_authentication"`
	// Scopes are X-OAuth-Scopes. The header is absent for fine-grained
	// personal access tokens and GitHub App tokens: FineGrained is then true.
	Scopes      []string `json:"scopes"`
	FineGrained bool     `json:"fine_grained"`
	// Expires is GitHub-Authentication-Token-Expiration, when GitHub sends it.
	Expires string `json:"expires,omitempty"`
}

// FetchIdentity reads GET /user.
func FetchIdentity(ctx context.Context, c *github.Client) (Identity, error) {
	u, resp, err := c.Users.Get(ctx, "")
	if err != nil {
		return Identity{}, fmt.Errorf("reading who the token belongs to (GET /user): %w", err)
	}
	id := Identity{Login: u.GetLogin(), TwoFactor: u.TwoFactorAuthentication}
	if resp != nil {
		id.Scopes, id.FineGrained = ScopesOf(resp.Header)
		id.Expires = resp.Header.Get("GitHub-Authentication-Token-Expiration")
	}
	return id, nil
}

// ScopesOf reads X-OAuth-Scopes. A classic token without scopes has the
// header with an empty value; no header at all means a fine-grained or App
// token, whose permissions GitHub does not list.
func ScopesOf(h http.Header) (scopes []string, fineGrained bool) {
	vals, ok := h[http.CanonicalHeaderKey("X-OAuth-Scopes")]
	if !ok {
		return nil, true
	}
	scopes = []string{}
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes, false
}

// HasScope reports whether scopes include want or a scope that implies it
// (GitHub docs, "Scopes for OAuth apps": repo ⊃ public_repo, repo:invite;
// admin:org ⊃ write:org ⊃ read:org; user ⊃ read:user).
func HasScope(scopes []string, want string) bool {
	implied := map[string][]string{
		"public_repo": {"repo"},
		"repo:invite": {"repo"},
		"read:org":    {"write:org", "admin:org"},
		"write:org":   {"admin:org"},
		"read:user":   {"user"},
	}
	for _, s := range scopes {
		if s == want {
			return true
		}
		for _, sup := range implied[want] {
			if s == sup {
				return true
			}
		}
	}
	return false
}

// TwoFactorText renders a 2FA value for people.
func TwoFactorText(v *bool) string {
	switch {
	case v == nil:
		return "unknown"
	case *v:
		return "on"
	}
	return "off"
}

// TokenKind names a token by its prefix (GitHub blog, "Behind GitHub's new
// authentication token formats", 2021), without showing any of it.
func TokenKind(v string) string {
	switch {
	case strings.HasPrefix(v, "gho_"):
		return "OAuth app token"
	case strings.HasPrefix(v, "ghp_"):
		return "personal access token (classic)"
	case strings.HasPrefix(v, "github_pat_"):
		return "fine-grained personal access token"
	case strings.HasPrefix(v, "ghu_"):
		return "GitHub App user token"
	case strings.HasPrefix(v, "ghs_"):
		return "GitHub App installation token"
	}
	return "token"
}
