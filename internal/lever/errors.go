package lever

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
)

// DescribeError wraps a GitHub error with what the lever was doing, what
// glass needs, and what was (not) changed, so every lever's failures read
// the same way.
func DescribeError(what string, err error, unchanged string) error {
	hint := ""
	switch ghapi.StatusCode(err) {
	case http.StatusForbidden:
		hint = "; glass needs admin on the repository (fine-grained token: Administration: write; classic token: scope repo)"
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil {
			// Sent with fine-grained tokens (GitHub docs, "Permissions
			// required for fine-grained personal access tokens").
			if need := er.Response.Header.Get("X-Accepted-GitHub-Permissions"); need != "" {
				hint += "; GitHub says this call needs " + need
			}
		}
	case http.StatusNotFound:
		hint = "; the repository does not exist or the token cannot see it (classic tokens need scope repo for private repositories)"
	case http.StatusUnprocessableEntity:
		hint = "; GitHub rejected the request as invalid"
	}
	return fmt.Errorf("%s: %w%s (%s)", what, err, hint, unchanged)
}
