package cmdutil

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// GitHub's rules: owner names are alphanumeric with single hyphens, up to
// 39 characters; repository names use [A-Za-z0-9._-] up to 100 characters.
var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-(?:[A-Za-z0-9])){0,38}$`)
	repoRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// ParseRepo checks an OWNER/REPO argument (also accepting HOST/OWNER/REPO
// and https URLs, as gh does) and returns OWNER/REPO.
func ParseRepo(s string) (string, error) {
	orig := s
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://"), ".git")
	parts := strings.Split(strings.Trim(s, "/"), "/")
	if len(parts) == 3 {
		parts = parts[1:]
	}
	if len(parts) != 2 || !ownerRE.MatchString(parts[0]) || !repoRE.MatchString(parts[1]) || parts[1] == "." || parts[1] == ".." {
		return "", FlagErrorf("invalid repository %q: expected OWNER/REPO", orig)
	}
	return parts[0] + "/" + parts[1], nil
}

// Duration bounds for any override window.
const (
	MinDuration = time.Second
	MaxDuration = 7 * 24 * time.Hour
)

// ParseDuration reads a Go-style duration ("15m", "1h30m") and checks it is
// positive and not absurd; policy applies tighter limits later.
func ParseDuration(flag, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, FlagErrorf("invalid %s %q: use a duration such as 15m or 1h30m", flag, s)
	}
	if d < MinDuration {
		return 0, FlagErrorf("invalid %s %q: must be at least %s", flag, s, MinDuration)
	}
	if d > MaxDuration {
		return 0, FlagErrorf("invalid %s %q: must be at most %s", flag, s, fmt.Sprint(MaxDuration))
	}
	return d, nil
}
