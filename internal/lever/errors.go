package lever

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
)

// DescribeError wraps a GitHub error with what the lever was doing, what
// glass needs, and what was (not) changed, so every lever's failures read
// the same way. For a write, use DescribeWriteError: whether it applied is
// not always known.
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

// DescribeWriteError is DescribeError for a request that changes something.
// When the answer never arrived (the connection dropped or timed out after
// the request was sent, or a gateway lost GitHub's answer: 502, 504), glass
// cannot know whether GitHub applied the write, so it must not claim
// `unchanged`: the error says so and names the commands that read the live
// setting and reconcile it with the audit record.
func DescribeWriteError(what string, err error, unchanged string) error {
	if !OutcomeUnknown(err) {
		return DescribeError(what, err, unchanged)
	}
	why := "the request was sent but the connection dropped before GitHub answered"
	if c := ghapi.StatusCode(err); c != 0 {
		why = fmt.Sprintf("GitHub's gateway answered %d, which does not say whether the request was carried out", c)
	}
	return fmt.Errorf("%s: %w (glass does not know whether GitHub applied this change: %s; "+
		"run `glass status` to see what is recorded, and `glass sweep` to compare the live setting with the audit record and put it right)", what, err, why)
}

// OutcomeUnknown reports whether err leaves it open whether a write reached
// GitHub: no HTTP answer at all (dropped connection, reset, timeout), or a
// gateway error (502 Bad Gateway, 504 Gateway Timeout: the proxy in front of
// GitHub lost the backend's answer; a guess that the backend may have
// committed, as GitHub documents no guarantee either way). A 4xx, a 500 or a
// 503 is GitHub's own answer that the request failed.
func OutcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	switch ghapi.StatusCode(err) {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	case 0:
		return sent(err)
	}
	return false
}

// sent reports whether err is a transport failure (the request may have
// gone out; a context cancelled mid-request counts), as opposed to a
// failure to build it.
func sent(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
