package ghapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// StatusCode is the HTTP status of a go-github error response, or 0 when
// err did not come from an answer (a dropped connection, a cancelled call).
func StatusCode(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// SplitRepo splits OWNER/REPO.
func SplitRepo(full string) (owner, repo string, err error) {
	o, r, ok := strings.Cut(full, "/")
	if !ok || o == "" || r == "" || strings.Contains(r, "/") {
		return "", "", fmt.Errorf("%q is not OWNER/REPO", full)
	}
	return o, r, nil
}
