package ghapi

import (
	"regexp"
	"strings"
)

// GitHub token formats: ghp_ (classic PAT), github_pat_ (fine-grained),
// gho_ (OAuth/device flow), ghu_ (App user-to-server), ghs_ (installation,
// Actions), ghr_ (refresh). Source: GitHub blog "Behind GitHub's new
// authentication token formats" (2021); fine-grained prefix from the PAT docs.
var tokenRE = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{16,})`)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// Redact removes every known secret and anything shaped like a GitHub token
// from s. It is applied to traces, errors and anything else glass prints
// that might contain a credential.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return tokenRE.ReplaceAllString(s, Redacted)
}
