package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func stepErr(step string, err error) error { return &stepError{step: step, err: err} }

// transient reports whether err is worth retrying: a 5xx, a rate limit
// with a known wait, or a connection that went away. Anything else (403,
// 404, 422) would fail the same way again.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		return true
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		c := er.Response.StatusCode
		return c >= 500 || c == 429
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return false // primary limit: the reset may be an hour away
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}

// waitFor sleeps before a retry of a non-idempotent request: Retry-After
// for a secondary rate limit (at most a minute), else a short backoff.
func (e *Engine) waitFor(ctx context.Context, err error, attempt int) error {
	d := time.Duration(attempt) * 200 * time.Millisecond
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) && ab.RetryAfter != nil {
		d = *ab.RetryAfter + 50*time.Millisecond
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == 429 {
		if s := er.Response.Header.Get("Retry-After"); s != "" {
			if v, perr := time.ParseDuration(strings.TrimSpace(s) + "s"); perr == nil {
				d = v
			}
		}
	}
	if d > time.Minute {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// headSHA reads the branch head (git/get-ref).
func (e *Engine) headSHA(ctx context.Context, repo, branch string) (string, error) {
	o, r, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	ref, _, err := e.gh.Git.GetRef(ctx, o, r, "heads/"+branch)
	if err != nil {
		return "", err
	}
	return ref.GetObject().GetSHA(), nil
}

// again runs an idempotent step, once more after a secondary rate limit.
// The transport already retries idempotent requests (5xx, 429, secondary
// limits, dropped connections), but once any request of the process (say a
// label POST) hits a secondary limit, go-github v60 refuses every request
// locally until Retry-After has passed (github.go
// checkSecondaryRateLimitBeforeDo): those refusals never reach the
// transport, so the engine waits them out here, at most twice.
func (e *Engine) again(ctx context.Context, fn func() error) error {
	err := fn()
	for attempt := 1; err != nil && attempt < 3; attempt++ {
		var ab *github.AbuseRateLimitError
		if !errors.As(err, &ab) {
			return err
		}
		if werr := e.waitFor(ctx, err, attempt); werr != nil {
			return err
		}
		err = fn()
	}
	return err
}

// whoamiBeside starts GET /user now, beside whatever the caller reads next,
// so who acts and what they act on cost one round trip together. The
// returned function waits for the answer.
func (e *Engine) whoamiBeside(ctx context.Context) func() (string, error) {
	var login string
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		var u *github.User
		err = e.again(ctx, func() (rerr error) { u, _, rerr = e.gh.Users.Get(ctx, ""); return rerr })
		login = u.GetLogin()
	}()
	return func() (string, error) {
		<-done
		return login, err
	}
}
