package policy

import (
	"context"
	"fmt"
	"strings"
)

// Fetch reads path from the default branch of repo (OWNER/REPO). found is
// false when the file or repository does not exist; any other failure is an
// error, because guessing "no policy" would silently switch to the defaults.
type Fetch func(ctx context.Context, repo, path string) (data []byte, found bool, err error)

// Load finds the policy for repo: DefaultFile in repo itself, else in the
// owner's ".github" repository, else Default(). Source is set to
// "OWNER/REPO:.github/glass.yml" so errors and the audit record say which
// file decided.
func Load(ctx context.Context, repo string, fetch Fetch) (*Policy, error) {
	owner, _, ok := strings.Cut(repo, "/")
	if !ok || owner == "" {
		return nil, fmt.Errorf("repository %q is not OWNER/REPO", repo)
	}
	candidates := []string{repo}
	if org := owner + "/.github"; !strings.EqualFold(org, repo) {
		candidates = append(candidates, org)
	}
	for _, c := range candidates {
		data, found, err := fetch(ctx, c, DefaultFile)
		if err != nil {
			return nil, fmt.Errorf("reading %s from %s: %w", DefaultFile, c, err)
		}
		if !found {
			continue
		}
		return Parse(c+":"+DefaultFile, data)
	}
	return Default(), nil
}
